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
"""

from __future__ import annotations

import math

from .network import Budget, Network, Table, Variable
from .source import Source
from .text import Reader, row_lines
from .xml import XML_SPACE, Element, parse_xml, recorded


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

    root, comments = parse_xml(reader, watch)
    network = root if root.tag.upper() == "NETWORK" else root.find("NETWORK")
    if root.tag.upper() not in ("BIF", "NETWORK") or network is None:
        reader.fail(f"expected <BIF><NETWORK>, found <{root.tag}>", line=root.line,
                    hint="an XMLBIF file holds <BIF VERSION=\"0.3\"><NETWORK>...")
    name_element = network.find("NAME")
    variables: dict[str, Variable] = {}
    for element in network.findall("VARIABLE"):
        variable = _variable(reader, element)
        if variable is None:
            continue
        if variable.name in variables:
            reader.note(f"variable '{variable.name}' is declared twice (first on line "
                        f"{variables[variable.name].line})", line=element.line,
                        node=variable.name)
            continue
        variables[variable.name] = variable
    if not variables and not reader.problems:
        reader.fail("no <VARIABLE> in the network", line=network.line)
    tables: dict[str, Table] = {}
    for element in [*network.findall("DEFINITION"), *network.findall("PROBABILITY")]:
        table = _table(reader, budget, element, variables, tables)
        if table is not None:
            tables[table.node] = table
    for variable in variables.values():
        if variable.name not in tables and not any(p.node == variable.name
                                                   for p in reader.problems):
            reader.note("no <DEFINITION> gives its table", line=variable.line,
                        node=variable.name)
    reader.raise_problems()
    name = name_element.text.strip(XML_SPACE) if name_element is not None else None
    return Network(source, "xmlbif", name or None, variables, tables, reader.warnings,
                   recorded(comments))


def _variable(reader: Reader, element: Element) -> Variable | None:
    kind = element.attrs.get("TYPE", element.attrs.get("type", "nature")).strip().lower()
    name_element = element.find("NAME")
    if name_element is None or not name_element.text.strip(XML_SPACE):
        reader.note("a <VARIABLE> without a <NAME>", line=element.line)
        return None
    name = name_element.text.strip(XML_SPACE)
    if kind != "nature":
        reader.note(f"variables of TYPE=\"{kind}\" are not supported", line=element.line,
                    node=name, hint="influence diagrams (decisions, utilities) are not "
                                    "read yet; give only TYPE=\"nature\" variables")
        return None
    states = [o.text.strip(XML_SPACE) for o in element.findall("OUTCOME")]
    if not states:
        reader.note("the variable has no <OUTCOME>", line=element.line, node=name)
        return None
    return Variable(name, states, element.line)


def _table(reader: Reader, budget: Budget, element: Element, variables: dict[str, Variable],
           tables: dict[str, Table]) -> Table | None:
    for_element = element.find("FOR")
    if for_element is None:
        reader.note(f"a <{element.tag}> without <FOR>", line=element.line)
        return None
    child = for_element.text.strip(XML_SPACE)
    parents = tuple(g.text.strip(XML_SPACE) for g in element.findall("GIVEN"))
    unknown = [n for n in (child, *parents) if n not in variables]
    if unknown:
        reader.note(f"<{element.tag}> names '{unknown[0]}', which is not a declared variable",
                    line=element.line, hint="declare it with a <VARIABLE>")
        return None
    if child in tables:
        reader.note(f"a second table for '{child}' (the first is on line "
                    f"{tables[child].line})", line=element.line, node=child)
        return None
    if len(set(parents)) < len(parents):
        reader.note("a parent is given twice", line=element.line, node=child)
        return None
    card = len(variables[child].states)
    cards = [len(variables[p].states) for p in parents]
    budget.table(child, card, cards, line=element.line)
    table_element = element.find("TABLE")
    if table_element is None:
        reader.note(f"the <{element.tag}> has no <TABLE>", line=element.line, node=child)
        return None
    text = table_element.text
    values = reader.numbers(text, "<TABLE>", child, line=table_element.line)
    n_rows = math.prod(cards)
    if values.size != card * n_rows:
        reader.note(f"the <TABLE> has {values.size:,} numbers where {card} states x {n_rows:,} "
                    f"parent combinations need {card * n_rows:,}", line=table_element.line,
                    node=child)
        return None
    return Table(child, parents, values.reshape(n_rows, card), element.line,
                 row_lines(text, table_element.line, n_rows, card))
