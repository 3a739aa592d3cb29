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
order, with a warning. Node types this reader does not turn into tables (noisy-MAX, equation
nodes) are refused where they are.

An influence diagram's nodes are read too (SMILE's influence diagrams):

    <decision id="drill"><state id="yes" /><state id="no" /><parents>test seismic</parents>
      </decision>
    <utility id="U"><parents>drill oil</parents><utilities>-70 50 200 0 0 0</utilities></utility>
    <mau id="Total"><parents>U1 U2</parents><weights>0.8 0.2</weights></mau>

A decision's parents are what is known when it is taken; GeNIe solves the decisions in the
order the arcs give them, each knowing the earlier ones and what they knew (no forgetting),
as the scenario language does. A utility node lists a worth per combination of its parents,
the last changing fastest. A multi-attribute node of weights (GeNIe's ALU) is the weighted
sum of its parents, utility or multi-attribute nodes, one weight each. Utility nodes that no
multi-attribute node combines are read as adding up, as Hugin and pyAgrum add utility
nodes, with a warning (an ALU node of weights 1 makes the sum explicit in GeNIe). Refused
where they are: a multi-attribute node defined by an expression, and one with a parent other
than a value node (weights that depend on a decision), whose layout is not read here.
"""

from __future__ import annotations

import math
import re

import numpy as np

from .network import Budget, Decision, Network, Table, Utility, Variable
from .source import Source
from .text import Reader, row_lines
from .xml import XML_SPACE, Element, parse_xml, recorded

_PYAGRUM = re.compile(r"created by pyAgrum\s*([0-9][0-9.]*)?|aGrUM\s*([0-9][0-9.]*)?")
_NODE_KINDS = {"cpt", "deterministic", "decision"}
_VALUE_KINDS = {"utility", "mau"}
# What the reader reads: a node's own elements, and the names GeNIe shows under
# <extensions> (submodels nest them); every other element is passed over as it is parsed.
_NODE_PARTS = {"state", "parents", "probabilities", "resultingstates", "utilities", "weights"}
_EXTENSION_PARTS = {"genie", "submodel", "node", "name"}
_ADVICE = {
    "noisymax": "in GeNIe, change the node's type to a general chance node (CPT) first",
    "noisyadder": "in GeNIe, change the node's type to a general chance node (CPT) first",
    "equation": "discretize it in GeNIe first: continuous nodes are not read",
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

    root, comments = parse_xml(reader, watch, _keep)
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
    values: dict[str, Element] = {}  # utility and multi-attribute nodes, by id
    declared = [e for e in nodes.children if _declare(reader, e, variables, values)]
    decisions: dict[str, Decision] = {}
    for element in declared:  # parents may come after their children (pgmpy writes them so)
        if element.tag == "decision":
            _decision(reader, element, variables, values, decisions)
        else:
            _table(reader, budget, element, variables, values, tables,
                   first_parent_fastest=bool(writer))
    labels = _labels(root)
    for name, variable in variables.items():
        variable.label = labels.get(name)
    utilities = _Values(reader, budget, variables, values, labels).utilities()
    if not variables and not reader.problems:
        reader.fail("no nodes in <nodes>", line=nodes.line)
    reader.raise_problems()
    return Network(source, "xdsl", root.attrs.get("id"), variables, tables, reader.warnings,
                   recorded(comments), decisions, utilities)


def _keep(tag: str, ancestors: list[Element]) -> bool:
    """Whether the reader reads an element (below <smile>) inside these."""
    depth = len(ancestors)
    if depth == 1:
        return tag in ("nodes", "extensions")
    if ancestors[1].tag == "nodes":
        return depth == 2 or (depth == 3 and tag in _NODE_PARTS)  # every node, told if unread
    return tag in _EXTENSION_PARTS


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


def _declare(reader: Reader, element: Element, variables: dict[str, Variable],
             values: dict[str, Element]) -> bool:
    """Add a node's variable (or keep a utility node); False (with a problem) for a node that
    is neither."""
    name = element.attrs.get("id", "").strip(XML_SPACE)
    if element.tag not in _NODE_KINDS | _VALUE_KINDS:
        reader.note(f"<{element.tag}> nodes are not supported", line=element.line,
                    node=name or None,
                    hint=_ADVICE.get(element.tag, "chance (cpt, deterministic), decision, "
                                                  "utility and mau nodes are read"))
        return False
    if not name:
        reader.note(f"a <{element.tag}> without an id", line=element.line)
        return False
    first = variables[name].line if name in variables else \
        values[name].line if name in values else None
    if first is not None:
        reader.note(f"node '{name}' is defined twice (first on line {first})",
                    line=element.line, node=name)
        return False
    if element.tag in _VALUE_KINDS:
        values[name] = element
        return False
    states = [s.attrs.get("id", "").strip(XML_SPACE) for s in element.findall("state")]
    if not states:
        reader.note("the node has no <state>", line=element.line, node=name)
        return False
    variables[name] = Variable(name, states, element.line)
    return True


def _parents(reader: Reader, element: Element, variables: dict[str, Variable],
             values: dict[str, Element], allowed: str) -> tuple[str, ...] | None:
    """A node's parents, each a variable of the network; None (with a problem) otherwise."""
    name = element.attrs["id"].strip(XML_SPACE)
    parents_element = element.find("parents")
    parents = tuple(parents_element.text.split()) if parents_element is not None else ()
    kind = {"cpt": "chance node", "deterministic": "chance node", "decision": "decision",
            "utility": "utility node"}[element.tag]
    for p in parents:
        if p in values:
            reader.note(f"the {values[p].tag} node '{p}' is a parent of a {kind}; {allowed}",
                        line=element.line, node=name,
                        hint="utility nodes may be parents of multi-attribute (mau) nodes "
                             "only")
            return None
        if p not in variables:
            reader.note(f"parent '{p}' is not a node of the network", line=element.line,
                        node=name)
            return None
    if len(set(parents)) < len(parents):
        reader.note("a parent is listed twice", line=element.line, node=name)
        return None
    return parents


def _decision(reader: Reader, element: Element, variables: dict[str, Variable],
              values: dict[str, Element], decisions: dict[str, Decision]) -> None:
    name = element.attrs["id"].strip(XML_SPACE)
    parents = _parents(reader, element, variables, values, "a decision knows chance nodes "
                                                          "and earlier decisions")
    if parents is not None:
        decisions[name] = Decision(name, parents, element.line)


def _table(reader: Reader, budget: Budget, element: Element, variables: dict[str, Variable],
           value_nodes: dict[str, Element], tables: dict[str, Table],
           first_parent_fastest: bool) -> None:
    name = element.attrs["id"].strip(XML_SPACE)
    states = variables[name].states
    parents = _parents(reader, element, variables, value_nodes, "a chance node depends on "
                                                               "chance nodes and decisions")
    if parents is None:
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


class _Values:
    """The utility and multi-attribute nodes of a diagram as the utilities they add: each
    utility node's table, times the weights of every multi-attribute node on its way to the
    top (a node no other combines); the tops add up."""

    def __init__(self, reader: Reader, budget: Budget, variables: dict[str, Variable],
                 values: dict[str, Element], labels: dict[str, str]):
        self.reader = reader
        self.budget = budget
        self.variables = variables
        self.values = values
        self.labels = labels
        self.parents: dict[str, tuple[str, ...]] = {}
        for name, element in values.items():
            found = element.find("parents")
            self.parents[name] = tuple(found.text.split()) if found is not None else ()
        self.done: dict[str, list[Utility] | None] = {}

    def utilities(self) -> list[Utility]:
        combined = {p for name, e in self.values.items() if e.tag == "mau"
                    for p in self.parents[name]}
        tops = [name for name in self.values if name not in combined]
        if len(tops) > 1:
            self.reader.warn(f"{len(tops)} utility nodes are combined by no multi-attribute node "
                             f"({', '.join(tops)}): read as adding up, as Hugin and pyAgrum "
                             "add utility nodes", line=self.values[tops[1]].line,
                             hint="in GeNIe, join them in an ALU node of weights 1 so that "
                                  "it sums them too")
        out: list[Utility] = []
        for name in tops:
            out += self.of(name, ()) or []
        for name in self.values:  # what no top reaches combines itself: a ring, told here
            if name not in self.done:
                self.of(name, ())
        return out

    def of(self, name: str, path: tuple[str, ...]) -> list[Utility] | None:
        """What the value node `name` adds, weights applied; None where it has a problem."""
        if name in path:
            ring = " -> ".join((*path[path.index(name):], name))
            self.reader.note(f"multi-attribute nodes combine each other: {ring}",
                             line=self.values[name].line, node=name,
                             hint="remove one of the arcs between them")
            self.done[name] = None
            return None
        if name not in self.done:
            element = self.values[name]
            self.done[name] = self.utility(name, element) if element.tag == "utility" \
                else self.combined(name, element, (*path, name))
        return self.done[name]

    def utility(self, name: str, element: Element) -> list[Utility] | None:
        parents = _parents(self.reader, element, self.variables, self.values,
                           "a utility node depends on chance nodes and decisions")
        if parents is None:
            return None
        cards = [len(self.variables[p].states) for p in parents]
        self.budget.utility(name, cards, line=element.line)
        found = element.find("utilities")
        if found is None:
            self.reader.note("the utility node has no <utilities>", line=element.line,
                             node=name)
            return None
        worths = self.reader.numbers(found.text, "<utilities>", name, line=found.line)
        if worths.size != math.prod(cards):
            self.reader.note(f"<utilities> holds {worths.size:,} numbers where {len(parents)} "
                             f"parents have {math.prod(cards):,} combinations of states",
                             line=found.line, node=name)
            return None
        return [Utility(name, parents, worths, element.line, self.labels.get(name))]

    def combined(self, name: str, element: Element, path: tuple[str, ...]) -> list[Utility] | None:
        """A multi-attribute node of weights: its value parents' utilities, each weighted."""
        weights_element = element.find("weights")
        if weights_element is None:
            self.reader.note("a multi-attribute node without <weights> (defined by an "
                             "expression) is not read", line=element.line, node=name,
                             hint="in GeNIe, define it by weights (an ALU node), or fold "
                                  "the expression into a utility node's table")
            return None
        parents = self.parents[name]
        other = next((p for p in parents if p not in self.values), None)
        if other is not None:
            self.reader.note(f"'{other}', not a utility node, is a parent of a multi-attribute "
                             "node: weights that depend on other nodes are not read",
                             line=element.line, node=name,
                             hint=f"in GeNIe, make '{other}' a parent of the utility nodes it "
                                  "weighs and fold the weights into their tables")
            return None
        weights = self.reader.numbers(weights_element.text, "<weights>", name,
                                      line=weights_element.line)
        if weights.size != len(parents):
            self.reader.note(f"<weights> holds {weights.size:,} numbers where the node "
                             f"combines {len(parents)} utility nodes", line=weights_element.line,
                             node=name)
            return None
        out: list[Utility] = []
        for parent, weight in zip(parents, weights.tolist(), strict=True):
            found = self.of(parent, path)
            if found is None:
                return None
            for u in found:
                chain = f"'{name}'" if u.via is None else f"{u.via}, then '{name}'"
                out.append(Utility(u.node, u.parents, u.values * weight, u.line, u.label,
                                   chain))
        return out
