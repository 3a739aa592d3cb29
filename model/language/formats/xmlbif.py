"""XMLBIF 0.3 (BIFXML), as JavaBayes, pgmpy, pyAgrum and Weka write it.

    <BIF VERSION="0.3"><NETWORK><NAME>asia</NAME>
      <VARIABLE TYPE="nature"><NAME>tub</NAME><OUTCOME>yes</OUTCOME>...</VARIABLE>
      <DEFINITION><FOR>tub</FOR><GIVEN>asia</GIVEN><TABLE>0.05 0.95 0.01 0.99</TABLE>
      </DEFINITION>
    </NETWORK></BIF>

A table lists the node's states fastest, then its last parent's: the rows of the compact
form, as written. Tags are read in any case, and `PROBABILITY` is taken for `DEFINITION`
(older files). Unlike pgmpy 1.1.2's reader, a network without `<NAME>` and a `<PROPERTY>`
without `=` (pyAgrum writes `software aGrUM`) are read, not failed on.

pyAgrum's influence diagrams (`InfluenceDiagram.saveBIFXML`) are read too:

    <VARIABLE TYPE="decision"><NAME>drill</NAME><OUTCOME>yes</OUTCOME>...</VARIABLE>
    <VARIABLE TYPE="utility"><NAME>U</NAME><OUTCOME>0</OUTCOME></VARIABLE>
    <DEFINITION><FOR>drill</FOR><GIVEN>test</GIVEN><GIVEN>seismic</GIVEN></DEFINITION>
    <DEFINITION><FOR>U</FOR><GIVEN>drill</GIVEN><GIVEN>oil</GIVEN><TABLE>-70 50 ...</TABLE>
    </DEFINITION>

A decision's `<GIVEN>`s are what is known when it is taken, and it has no table; a utility
node (one outcome) lists a worth per combination of its parents, the last changing fastest;
the utility nodes add up. pyAgrum's diagrams are limited-memory ones: each decision knows
its parents only, where the scenario language lets it know the earlier decisions and all
they knew (`Network.limid`).
"""

from __future__ import annotations

import math

from .network import Budget, Decision, Network, Table, Utility, Variable
from .source import Source
from .text import Reader, row_lines
from .xml import XML_SPACE, Element, parse_xml, recorded

# What the reader reads; every other element (<PROPERTY>, a tool's own) is passed over as
# it is parsed.
_KNOWN = {"BIF", "NETWORK", "NAME", "VARIABLE", "OUTCOME", "DEFINITION", "PROBABILITY", "FOR",
          "GIVEN", "TABLE"}


def _keep(tag: str, ancestors: list[Element]) -> bool:
    return tag.upper() in _KNOWN


def read_xmlbif(source: Source) -> Network:
    reader = Reader(source)
    budget = Budget(reader)
    outcomes = [0]

    def watch(element: Element, ancestors: list[Element]) -> None:
        tag = element.tag.upper()
        if tag == "VARIABLE":
            budget.variable(line=element.line)
            outcomes[0] = 0
        elif tag == "OUTCOME" and ancestors and ancestors[-1].tag.upper() == "VARIABLE":
            outcomes[0] += 1
            budget.states(outcomes[0], None, line=element.line)

    root, comments = parse_xml(reader, watch, _keep)
    network = root if root.tag.upper() == "NETWORK" else root.find("NETWORK")
    if root.tag.upper() not in ("BIF", "NETWORK") or network is None:
        reader.fail(f"expected <BIF><NETWORK>, found <{root.tag}>", line=root.line,
                    hint="an XMLBIF file holds <BIF VERSION=\"0.3\"><NETWORK>...")
    name_element = network.find("NAME")
    variables: dict[str, Variable] = {}
    kinds: dict[str, str] = {}  # decision and utility nodes, by name
    lines: dict[str, int] = {}
    for element in network.findall("VARIABLE"):
        found = _variable(reader, element)
        if found is None:
            continue
        kind, variable = found
        if variable.name in lines:
            reader.note(f"variable '{variable.name}' is declared twice (first on line "
                        f"{lines[variable.name]})", line=element.line, node=variable.name)
            continue
        lines[variable.name] = element.line
        if kind != "nature":
            kinds[variable.name] = kind
        if kind != "utility":
            variables[variable.name] = variable
    if not variables and not reader.problems:
        reader.fail("no <VARIABLE> in the network", line=network.line)
    tables: dict[str, Table] = {}
    decisions: dict[str, Decision] = {}
    utilities: dict[str, Utility] = {}
    defined: dict[str, int] = {}
    for element in [*network.findall("DEFINITION"), *network.findall("PROBABILITY")]:
        _definition(reader, budget, element, variables, kinds, defined, tables, decisions,
                    utilities)
    for node, line in lines.items():
        if kinds.get(node) == "decision" and node not in defined:
            decisions[node] = Decision(node, (), line)  # no <DEFINITION>: it knows nothing
        elif node not in defined and not any(p.node == node for p in reader.problems):
            what = "utilities" if kinds.get(node) == "utility" else "table"
            reader.note(f"no <DEFINITION> gives its {what}", line=line, node=node)
    reader.raise_problems()
    name = name_element.text.strip(XML_SPACE) if name_element is not None else None
    return Network(source, "xmlbif", name or None, variables, tables, reader.warnings,
                   recorded(comments), decisions, list(utilities.values()),
                   limid=bool(decisions))


def _variable(reader: Reader, element: Element) -> tuple[str, Variable] | None:
    kind = element.attrs.get("TYPE", element.attrs.get("type", "nature")).strip().lower()
    name_element = element.find("NAME")
    if name_element is None or not name_element.text.strip(XML_SPACE):
        reader.note("a <VARIABLE> without a <NAME>", line=element.line)
        return None
    name = name_element.text.strip(XML_SPACE)
    if kind not in ("nature", "decision", "utility"):
        reader.note(f"variables of TYPE=\"{kind}\" are not supported", line=element.line,
                    node=name, hint="the types are nature (chance), decision and utility")
        return None
    states = [o.text.strip(XML_SPACE) for o in element.findall("OUTCOME")]
    if not states and kind != "utility":
        reader.note("the variable has no <OUTCOME>", line=element.line, node=name)
        return None
    return kind, Variable(name, states, element.line)


def _definition(reader: Reader, budget: Budget, element: Element,
                variables: dict[str, Variable], kinds: dict[str, str], defined: dict[str, int],
                tables: dict[str, Table], decisions: dict[str, Decision],
                utilities: dict[str, Utility]) -> None:
    """One <DEFINITION>: a chance node's table, a decision's parents or a utility's worths."""
    for_element = element.find("FOR")
    if for_element is None:
        reader.note(f"a <{element.tag}> without <FOR>", line=element.line)
        return
    child = for_element.text.strip(XML_SPACE)
    parents = tuple(g.text.strip(XML_SPACE) for g in element.findall("GIVEN"))
    unknown = [n for n in (child, *parents) if n not in variables and n not in kinds]
    if unknown:
        reader.note(f"<{element.tag}> names '{unknown[0]}', which is not a declared variable",
                    line=element.line, hint="declare it with a <VARIABLE>")
        return
    valued = [p for p in parents if kinds.get(p) == "utility"]
    if valued:
        reader.note(f"the utility node '{valued[0]}' is a parent of '{child}'",
                    line=element.line, node=child,
                    hint="a utility node has no children: the utility nodes add up")
        return
    if child in defined:
        reader.note(f"a second <{element.tag}> for '{child}' (the first is on line "
                    f"{defined[child]})", line=element.line, node=child)
        return
    defined[child] = element.line
    if len(set(parents)) < len(parents):
        reader.note("a parent is given twice", line=element.line, node=child)
        return
    kind = kinds.get(child, "nature")
    if kind == "decision":
        if element.find("TABLE") is not None:
            reader.warn("a decision's <TABLE> is ignored: its policy is solved, not read",
                        line=element.line, node=child)
        decisions[child] = Decision(child, parents, element.line)
        return
    card = 1 if kind == "utility" else len(variables[child].states)
    cards = [len(variables[p].states) for p in parents]
    if kind == "utility":
        budget.utility(child, cards, line=element.line)
    else:
        budget.table(child, card, cards, line=element.line)
    table_element = element.find("TABLE")
    if table_element is None:
        reader.note(f"the <{element.tag}> has no <TABLE>", line=element.line, node=child)
        return
    text = table_element.text
    values = reader.numbers(text, "<TABLE>", child, line=table_element.line)
    n_rows = math.prod(cards)
    if values.size != card * n_rows:
        what = (f"{n_rows:,} parent combinations need {n_rows:,} worths" if kind == "utility"
                else f"{card} states x {n_rows:,} parent combinations need {card * n_rows:,}")
        reader.note(f"the <TABLE> has {values.size:,} numbers where {what}",
                    line=table_element.line, node=child)
        return
    if kind == "utility":
        utilities[child] = Utility(child, parents, values, element.line)
        return
    tables[child] = Table(child, parents, values.reshape(n_rows, card), element.line,
                          row_lines(text, table_element.line, n_rows, card))
