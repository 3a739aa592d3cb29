"""XDSL, the XML of GeNIe and SMILE.

    <smile version="1.0" id="Asia"><nodes>
      <cpt id="dysp"><state id="Absent" /><state id="Present" />
        <parents>either bronc</parents><probabilities>0.9 0.1 0.2 0.8 ...</probabilities></cpt>
      <deterministic id="d"><state .../><parents>a</parents>
        <resultingstates>s1 s2</resultingstates></deterministic>
    </nodes><extensions><genie ...><node id="dysp"><name>Dyspnoea</name>...</genie></extensions>
    </smile>

GeNIe lists a table with the node's states fastest, then its last parent's (an odometer):
the rows of the compact form, as written. A deterministic node becomes the table of 0s and
1s it stands for; the name GeNIe shows (`<name>` under `<extensions>`) is the node's label.

pyAgrum (1.9.0 to 3.3.1 at least) writes its tables with the first parent changing fastest
instead and says so by a comment ("created by pyAgrum"): such files are read in pyAgrum's
order, with a warning. Node types this reader does not turn into tables (noisy-MAX, equation,
decision, utility nodes) are refused where they are.
"""

from __future__ import annotations

import math
import re

import numpy as np

from .network import Budget, Network, Table, Variable
from .source import Source
from .text import Reader, row_lines
from .xml import XML_SPACE, Element, parse_xml, recorded

_PYAGRUM = re.compile(r"created by pyAgrum\s*([0-9][0-9.]*)?|aGrUM\s*([0-9][0-9.]*)?")
_NODE_KINDS = {"cpt", "deterministic"}
_ADVICE = {
    "noisymax": "in GeNIe, change the node's type to a general chance node (CPT) first",
    "noisyadder": "in GeNIe, change the node's type to a general chance node (CPT) first",
    "equation": "discretize it in GeNIe first: continuous nodes are not read",
    "decision": "influence diagrams (decisions, utilities) are not read yet",
    "utility": "influence diagrams (decisions, utilities) are not read yet",
    "mau": "influence diagrams (decisions, utilities) are not read yet",
}


def read_xdsl(source: Source) -> Network:
    reader = Reader(source)
    budget = Budget(reader)
    states = [0]

    def watch(element: Element, ancestors: list[Element]) -> None:
        if len(ancestors) == 2 and ancestors[-1].tag == "nodes":
            budget.variable(line=element.line)
            states[0] = 0
        elif element.tag == "state" and len(ancestors) == 3:
            states[0] += 1
            budget.states(states[0], ancestors[-1].attrs.get("id"), line=element.line)

    root, comments = parse_xml(reader, watch)
    if root.tag != "smile":
        reader.fail(f"expected <smile>, found <{root.tag}>", line=root.line,
                    hint="an XDSL file from GeNIe starts with <smile>")
    nodes = root.find("nodes")
    if nodes is None:
        reader.fail("no <nodes> in the file", line=root.line)
    writer = _pyagrum(comments, root)
    if writer:
        reader.warn(f"written by {writer}, which lists each table with the first parent's "
                    "states changing fastest (GeNIe changes the last parent's fastest): read "
                    "in that order", line=1,
                    hint="pgmpy reads such files in GeNIe's order, and so gets those tables "
                         "wrong")
    variables: dict[str, Variable] = {}
    tables: dict[str, Table] = {}
    chance = [e for e in nodes.children if _declare(reader, e, variables)]
    for element in chance:  # parents may come after their children (pgmpy writes them so)
        _table(reader, budget, element, variables, tables, first_parent_fastest=bool(writer))
    labels = _labels(root)
    for name, variable in variables.items():
        variable.label = labels.get(name)
    if not variables and not reader.problems:
        reader.fail("no nodes in <nodes>", line=nodes.line)
    reader.raise_problems()
    return Network(source, "xdsl", root.attrs.get("id"), variables, tables, reader.warnings,
                   recorded(comments))


def _pyagrum(comments: list[str], root: Element) -> str | None:
    """'pyAgrum 1.9.0' if pyAgrum wrote the file (a comment says so, or the extensions)."""
    genie = next(root.iter("genie"), None)
    app = genie.attrs.get("app", "") if genie is not None else ""
    for text in [*comments, app]:
        found = _PYAGRUM.search(text)
        if found:
            version = found.group(1) or found.group(2)
            return f"pyAgrum {version}" if version else "pyAgrum"
    return None


def _declare(reader: Reader, element: Element, variables: dict[str, Variable]) -> bool:
    """Add a node's variable; False (with a problem) for a node that is not one."""
    name = element.attrs.get("id", "").strip(XML_SPACE)
    if element.tag not in _NODE_KINDS:
        reader.note(f"<{element.tag}> nodes are not supported", line=element.line,
                    node=name or None,
                    hint=_ADVICE.get(element.tag, "only chance nodes (cpt, deterministic) "
                                                  "are read"))
        return False
    if not name:
        reader.note(f"a <{element.tag}> without an id", line=element.line)
        return False
    if name in variables:
        reader.note(f"node '{name}' is defined twice (first on line {variables[name].line})",
                    line=element.line, node=name)
        return False
    states = [s.attrs.get("id", "").strip(XML_SPACE) for s in element.findall("state")]
    if not states:
        reader.note("the node has no <state>", line=element.line, node=name)
        return False
    variables[name] = Variable(name, states, element.line)
    return True


def _table(reader: Reader, budget: Budget, element: Element, variables: dict[str, Variable],
           tables: dict[str, Table], first_parent_fastest: bool) -> None:
    name = element.attrs["id"].strip(XML_SPACE)
    states = variables[name].states
    parents_element = element.find("parents")
    parents = tuple(parents_element.text.split()) if parents_element is not None else ()
    unknown = [p for p in parents if p not in variables]
    if unknown:
        reader.note(f"parent '{unknown[0]}' is not a node of the network", line=element.line,
                    node=name)
        return
    if len(set(parents)) < len(parents):
        reader.note("a parent is listed twice", line=element.line, node=name)
        return
    cards = [len(variables[p].states) for p in parents]
    budget.table(name, len(states), cards, line=element.line)
    n_rows = math.prod(cards)
    if element.tag == "deterministic":
        rows = _deterministic(reader, element, name, states, n_rows)
        if rows is not None:
            tables[name] = Table(name, parents, rows, element.line)
        return
    found = element.find("probabilities")
    if found is None:
        reader.note("the node has no <probabilities>", line=element.line, node=name)
        return
    values = reader.numbers(found.text, "<probabilities>", name, line=found.line)
    if values.size != len(states) * n_rows:
        reader.note(f"<probabilities> holds {values.size:,} numbers where {len(states)} "
                    f"states x {n_rows:,} parent combinations need {len(states) * n_rows:,}",
                    line=found.line, node=name)
        return
    lines = row_lines(found.text, found.line, n_rows, len(states))
    if first_parent_fastest and len(parents) > 1:
        # pyAgrum's order: the node's states, then the first parent, then the second, ...
        shaped = values.reshape(*reversed(cards), len(states))
        axes = (*reversed(range(len(cards))), len(cards))
        values = np.ascontiguousarray(shaped.transpose(axes))
        lines = None
    tables[name] = Table(name, parents, values.reshape(n_rows, len(states)), element.line,
                         lines)


def _deterministic(reader: Reader, element: Element, name: str, states: list[str],
                   n_rows: int) -> np.ndarray | None:
    found = element.find("resultingstates")
    if found is None:
        reader.note("the deterministic node has no <resultingstates>", line=element.line,
                    node=name)
        return None
    chosen = found.text.split()
    if len(chosen) != n_rows:
        reader.note(f"<resultingstates> names {len(chosen):,} states where the node has "
                    f"{n_rows:,} parent combinations", line=found.line, node=name)
        return None
    index = {s: i for i, s in enumerate(states)}
    wrong = [s for s in chosen if s not in index]
    if wrong:
        reader.note(f"<resultingstates> names '{wrong[0]}', not a state of the node (its "
                    f"states: {', '.join(states)})", line=found.line, node=name)
        return None
    rows = np.zeros((n_rows, len(states)))
    rows[np.arange(n_rows), [index[s] for s in chosen]] = 1.0
    return rows


def _labels(root: Element) -> dict[str, str]:
    """The names GeNIe shows: <name> of each <node> under <extensions>, submodels too."""
    out: dict[str, str] = {}
    extensions = root.find("extensions")
    if extensions is None:
        return out
    for node in extensions.iter("node"):
        name = node.find("name")
        if name is not None and node.attrs.get("id"):
            out[node.attrs["id"]] = name.text
    return out
