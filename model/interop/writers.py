"""The writers, one per format, each the way the tool that reads it writes its own files.

Every number is written with all its digits (the shortest text that reads back as the same
float64). A table is written as its rows: one per parent combination, the first parent's
states changing slowest, a row's numbers in the order of the node's states; that is BIF's
rows, Hugin's data, XMLBIF's and GeNIe's tables and UAI's (last variable fastest) alike.
pgmpy's writers are not used: importing pgmpy takes seconds, its NET writer rounds to 8
decimals, its XDSL writer lists children before their parents (GeNIe reads parents first)
and its XMLBIF writer renames states.

An influence diagram goes to XDSL and XMLBIF (pyAgrum's BIFXML) with its decisions (states
and the parents each is written with, no table) and utility nodes (a worth per combination
of their parents, the last changing fastest, as both formats list them); XDSL sums several
utility nodes in a multi-attribute node of weights 1, pyAgrum adds them up as they are.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import CONTROL, Problem
from ..language.formats.record import LABEL
from ..language.tables import FloatArray
from ..network.net import Net
from .names import SHOWN, Written

WRITTEN_BY = "scenario-modeller (scenario export)"


@dataclass(frozen=True)
class UtilityNode:
    """A utility node as written: its name and label, its parents (scenario nodes), and a
    worth per combination of their states, the last parent's changing fastest."""

    name: str
    label: str
    parents: tuple[str, ...]
    values: FloatArray


@dataclass(frozen=True)
class ToWrite:
    """What a writer is given: the network, its names as the format takes them, and the
    network's id (written as the format allows), title and node labels; for an influence
    diagram, the parents each decision is written with, the utility nodes, and (XDSL) the
    name and label of the node that sums them."""

    net: Net
    names: Written
    id: str
    title: str
    labels: Mapping[str, str]
    decisions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    utilities: tuple[UtilityNode, ...] = ()
    total: tuple[str, str] | None = None

    def rows(self, node: str) -> FloatArray:
        table = self.net.tables[node]
        return np.moveaxis(table, 0, -1).reshape(-1, table.shape[0])

    def name(self, node: str) -> str:
        return self.names.nodes[node]

    def states(self, node: str) -> tuple[str, ...]:
        return self.names.states[node]

    def parents(self, node: str) -> list[str]:
        parents = self.decisions.get(node, self.net.parents[node])
        return [self.names.nodes[p] for p in parents]

    def utility_parents(self, utility: UtilityNode) -> list[str]:
        return [self.names.nodes[p] for p in utility.parents]


# What XML 1.0 cannot hold at all, not even as a character reference: the C0 controls but
# tab, line feed and carriage return, the noncharacters U+FFFE and U+FFFF, lone surrogates.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# What takes the place of a character a file cannot hold.
REPLACEMENT = "\ufffd"


def escape(text: str) -> str:
    """Text for XML character data (and, quoted, attribute values): a character XML cannot
    hold is replaced by U+FFFD (`lost_characters` warns of it), and every other one that
    acts on a terminal or would be normalised by a reader (tab, line breaks, DEL, C1, the
    bidirectional controls: `errors.CONTROL`) is written as a character reference, so the
    file holds none of them raw."""
    text = NOT_IN_XML.sub(REPLACEMENT, text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return CONTROL.sub(lambda m: f"&#x{ord(m.group()):x};", text)


def quoteattr(text: str) -> str:
    """Text as a double-quoted XML attribute value."""
    return '"' + escape(text).replace('"', "&quot;") + '"'


def _numbers(values: FloatArray, separator: str = " ") -> str:
    return separator.join(map(repr, values.ravel().tolist()))


def positions(net: Net, extra: Sequence[tuple[str, Sequence[str]]] = ()
              ) -> dict[str, tuple[int, int]]:
    """A layered drawing's centres: each node one row below its deepest parent; `extra`
    nodes (utility nodes), each with its parents among those before it, go below."""
    depth: dict[str, int] = {}
    for node in net.states:  # parents come first
        depth[node] = 1 + max((depth[p] for p in net.parents[node]), default=-1)
    for node, parents in extra:
        depth[node] = 1 + max((depth[p] for p in parents), default=-1)
    column: dict[int, int] = {}
    out = {}
    for node in depth:
        x = column.get(depth[node], 0)
        column[depth[node]] = x + 1
        out[node] = (90 + 170 * x, 50 + 110 * depth[node])
    return out


def lost_characters(to: str, title: str, labels: Mapping[str, str],
                    file: str | None = None) -> list[Problem]:
    """A warning naming the title and the labels written with U+FFFD in place of characters
    the format cannot hold: XDSL's (XML 1.0) C0 controls, Hugin's control characters (its
    strings have no escapes); the other formats write neither title nor labels."""
    unwritable = {"xdsl": NOT_IN_XML, "net": CONTROL}.get(to)
    if unwritable is None:
        return []
    found = [("the title", title)] + [(f"the label of '{node}'", label)
                                    for node, label in labels.items()]
    lost = [(where, sorted(set(unwritable.findall(text)))) for where, text in found
            if unwritable.search(text)]
    if not lost:
        return []
    characters = sorted({ch for _, chars in lost for ch in chars})
    named = ", ".join(f"U+{ord(ch):04X}" for ch in characters[:SHOWN])
    more = f" and {len(characters) - SHOWN:,} more" if len(characters) > SHOWN else ""
    places = [where for where, _ in lost]
    listed = ", ".join(places[:SHOWN]) + (f" and {len(places) - SHOWN:,} more"
                                          if len(places) > SHOWN else "")
    tool, cannot = (("XDSL", "XML cannot hold the control characters") if to == "xdsl" else
                    ("Hugin NET", "Hugin strings hold no control characters"))
    return [Problem(f"{cannot} {named}{more}: written as U+FFFD in the {tool} file "
                    f"({listed})",
                    file=file, hint="the scenario keeps them as written")]


# BIF ---------------------------------------------------------------------------------------


def write_bif(doc: ToWrite) -> str:
    lines = [f"// Written by {WRITTEN_BY}.", f"network {doc.id} {{", "}"]
    if doc.names.record:
        lines.append(f"// {LABEL}: {doc.names.record.encode()}")
    for node in doc.net.states:
        lines += [f"variable {doc.name(node)} {{",
                  f"  type discrete [ {len(doc.states(node))} ] {{ "
                  f"{', '.join(doc.states(node))} }};", "}"]
    for node in doc.net.states:
        parents = doc.parents(node)
        rows = doc.rows(node)
        if not parents:
            lines += [f"probability ( {doc.name(node)} ) {{",
                      f"  table {_numbers(rows, ', ')};", "}"]
            continue
        lines.append(f"probability ( {doc.name(node)} | {', '.join(parents)} ) {{")
        combos = itertools.product(*(doc.states(p) for p in doc.net.parents[node]))
        for combo, row in zip(combos, rows, strict=True):
            lines.append(f"  ({', '.join(combo)}) {_numbers(row, ', ')};")
        lines.append("}")
    return "\n".join(lines) + "\n"


# Hugin NET ---------------------------------------------------------------------------------


def write_net(doc: ToWrite) -> str:
    lines = ["net", "{", "    node_size = (80 40);", f'    label = "{_hugin(doc.title)}";']
    if doc.names.record:
        lines.append(f'    {LABEL.replace("-", "_")} = "{doc.names.record.encode()}";')
    lines.append("}")
    where = positions(doc.net)
    for node in doc.net.states:
        states = " ".join(f'"{s}"' for s in doc.states(node))
        x, y = where[node]
        lines += ["", f"node {doc.name(node)}", "{",
                  f'    label = "{_hugin(doc.labels.get(node, node))}";',
                  f"    position = ({x} {y});", f"    states = ({states});", "}"]
    for node in doc.net.states:
        parents = doc.parents(node)
        head = f"{doc.name(node)} | {' '.join(parents)}" if parents else doc.name(node)
        table = np.moveaxis(doc.net.tables[node], 0, -1)
        lines += ["", f"potential ({head})", "{", f"    data = {_nested(table)};", "}"]
    return "\n".join(lines) + "\n"


def _hugin(text: str) -> str:
    """A Hugin string's text: Hugin strings hold no double quote and no escapes, so a
    control character (one that acts on a terminal or ends a line: `errors.CONTROL`) is
    replaced by U+FFFD (`lost_characters` warns of it)."""
    return CONTROL.sub(REPLACEMENT, NOT_IN_XML.sub(REPLACEMENT, text.replace('"', "'")))


def _nested(values: FloatArray) -> str:
    if values.ndim == 1:
        return "( " + _numbers(values) + " )"
    return "(" + "\n\t ".join(_nested(v) for v in values) + ")"


# XMLBIF ------------------------------------------------------------------------------------


def write_xmlbif(doc: ToWrite) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f"<!-- Written by {WRITTEN_BY}. -->"]
    if doc.names.record:
        lines.append(f"<!-- {LABEL}: {doc.names.record.encode()} -->")
    lines += ['<BIF VERSION="0.3">', "<NETWORK>", f"<NAME>{escape(doc.id)}</NAME>"]
    for node in doc.net.states:
        kind = "decision" if node in doc.decisions else "nature"
        lines += [f'<VARIABLE TYPE="{kind}">', f"\t<NAME>{escape(doc.name(node))}</NAME>",
                  *(f"\t<OUTCOME>{escape(s)}</OUTCOME>" for s in doc.states(node)),
                  "</VARIABLE>"]
    for u in doc.utilities:  # one outcome, as pyAgrum reads a utility variable
        lines += ['<VARIABLE TYPE="utility">', f"\t<NAME>{escape(u.name)}</NAME>",
                  "\t<OUTCOME>utility</OUTCOME>", "</VARIABLE>"]
    for node in doc.net.states:
        table = [] if node in doc.decisions else [f"\t<TABLE>{_numbers(doc.rows(node))}</TABLE>"]
        lines += ["<DEFINITION>", f"\t<FOR>{escape(doc.name(node))}</FOR>",
                  *(f"\t<GIVEN>{escape(p)}</GIVEN>" for p in doc.parents(node)),
                  *table, "</DEFINITION>"]
    for u in doc.utilities:
        lines += ["<DEFINITION>", f"\t<FOR>{escape(u.name)}</FOR>",
                  *(f"\t<GIVEN>{escape(p)}</GIVEN>" for p in doc.utility_parents(u)),
                  f"\t<TABLE>{_numbers(u.values)}</TABLE>", "</DEFINITION>"]
    lines += ["</NETWORK>", "</BIF>"]
    return "\n".join(lines) + "\n"


# GeNIe XDSL --------------------------------------------------------------------------------


def write_xdsl(doc: ToWrite) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f"<!-- Written by {WRITTEN_BY}. -->"]
    if doc.names.record:
        lines.append(f"<!-- {LABEL}: {doc.names.record.encode()} -->")
    lines += [f'<smile version="1.0" id={quoteattr(doc.id)} numsamples="10000" '
              'discsamples="10000">', "\t<nodes>"]
    for node in doc.net.states:  # parents first, as GeNIe reads them
        decision = node in doc.decisions
        tag = "decision" if decision else "cpt"
        lines.append(f"\t\t<{tag} id={quoteattr(doc.name(node))}>")
        lines += [f"\t\t\t<state id={quoteattr(s)} />" for s in doc.states(node)]
        if doc.parents(node):
            lines.append(f"\t\t\t<parents>{' '.join(doc.parents(node))}</parents>")
        if not decision:
            lines.append(f"\t\t\t<probabilities>{_numbers(doc.rows(node))}</probabilities>")
        lines.append(f"\t\t</{tag}>")
    for u in doc.utilities:
        lines += [f"\t\t<utility id={quoteattr(u.name)}>",
                  f"\t\t\t<parents>{' '.join(doc.utility_parents(u))}</parents>",
                  f"\t\t\t<utilities>{_numbers(u.values)}</utilities>", "\t\t</utility>"]
    if doc.total is not None:  # GeNIe's ALU node: the utility nodes, weighted 1 each
        lines += [f"\t\t<mau id={quoteattr(doc.total[0])}>",
                  f"\t\t\t<parents>{' '.join(u.name for u in doc.utilities)}</parents>",
                  f"\t\t\t<weights>{' '.join('1' for _ in doc.utilities)}</weights>",
                  "\t\t</mau>"]
    lines += ["\t</nodes>", "\t<extensions>",
              f'\t\t<genie version="1.0" app="{WRITTEN_BY}" name={quoteattr(doc.title)}>']
    extra: list[tuple[str, Sequence[str]]] = [(u.name, u.parents) for u in doc.utilities]
    if doc.total is not None:
        extra.append((doc.total[0], [u.name for u in doc.utilities]))
    where = positions(doc.net, extra)
    shown = [(node, doc.name(node), doc.labels.get(node, node), "e5f6f7")
             for node in doc.net.states]
    shown += [(u.name, u.name, u.label, "ccffcc") for u in doc.utilities]
    if doc.total is not None:
        shown.append((doc.total[0], doc.total[0], doc.total[1], "ccffcc"))
    for key, name, label, color in shown:
        x, y = where[key]
        lines += [f"\t\t\t<node id={quoteattr(name)}>",
                  f"\t\t\t\t<name>{escape(label)}</name>",
                  f'\t\t\t\t<interior color="{color}" />', '\t\t\t\t<outline color="000080" />',
                  '\t\t\t\t<font color="000000" name="Arial" size="8" />',
                  f"\t\t\t\t<position>{x - 60} {y - 25} {x + 60} {y + 25}</position>",
                  "\t\t\t</node>"]
    lines += ["\t\t</genie>", "\t</extensions>", "</smile>"]
    return "\n".join(lines) + "\n"


# UAI ---------------------------------------------------------------------------------------


def write_uai(doc: ToWrite) -> str:
    nodes: Sequence[str] = list(doc.net.states)
    index = {n: i for i, n in enumerate(nodes)}
    lines = ["BAYES", str(len(nodes)), " ".join(str(len(doc.net.states[n])) for n in nodes),
             str(len(nodes))]
    for node in nodes:
        scope = [*(index[p] for p in doc.net.parents[node]), index[node]]
        lines.append(" ".join(map(str, [len(scope), *scope])))
    for node in nodes:
        rows = doc.rows(node)
        lines += ["", str(rows.size), *(_numbers(row) for row in rows)]
    return "\n".join(lines) + "\n"


WRITERS = {"bif": write_bif, "net": write_net, "xmlbif": write_xmlbif, "xdsl": write_xdsl,
           "uai": write_uai}
