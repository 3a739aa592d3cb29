"""Hugin's NET language, as Hugin, pyAgrum, bnlearn, pgmpy and Netica (export) write it.

    net { node_size = (80 40); HR_Desc = "..."; }
    node tub { label = "Tuberculosis?"; position = (100 50); states = ("yes" "no"); }
    potential ( tub | asia ) { data = (( 0.05 0.95 )  % asia=yes
                                       ( 0.01 0.99 )); experience = ( 10 20 ); }

A potential's data lists the node's states fastest, then its last parent's: the rows of the
compact form, as written (the parentheses are only grouping). `%` starts a comment (and, as
pyAgrum reads them, `//` and `/* */`); strings have no escapes. Unlike
pgmpy 1.1.2's reader, this one tokenizes the file, so the word `node` inside a description,
state names with spaces, `data` and `=` on separate lines, and unquoted states (`(0 1)`, as
pyAgrum writes them) are read as Hugin reads them. Node kinds it does not turn into tables
(continuous, decision, utility, function nodes; class instances) are refused where they are:
influence diagrams come in as XDSL or BIFXML.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import numpy as np

from ...limits import MAX_STATES
from .network import Budget, Network, Table, Variable
from .record import LABEL
from .source import Source
from .text import Reader

# Strings hold any text but a double quote, with no escapes (as Hugin and pyAgrum read them).
_STRING = r'"[^"]*"'
_COMMENTS = re.compile(rf"({_STRING})|%[^\n]*|//[^\n]*|/\*.*?\*/", re.S)
_TOKEN = re.compile(rf'\s*(?:({_STRING})|([{{}}()=;|,])|([^\s{{}}()=;|,"]+)|(\S))')
_INNERMOST = re.compile(r"\(([^()]*)\)")
_KINDS = {"discrete", "continuous", "chance", "decision", "utility", "function"}
_RECORD_ATTRIBUTE = LABEL.replace("-", "_")
_DIAGRAMS = ("influence diagrams are read from XDSL and BIFXML files, not from NET: open the "
             "file in GeNIe and save it as XDSL")
_UNSUPPORTED = {
    "continuous": "continuous nodes are not read: discretize the node in Hugin first",
    "decision": _DIAGRAMS,
    "utility": _DIAGRAMS,
    "function": "function nodes are not read: give the node a table in Hugin first",
}


def read_net(source: Source) -> Network:
    return _NetReader(source).read()


class _NetReader(Reader):
    def __init__(self, source: Source):
        super().__init__(source)
        self.budget = Budget(self)
        self.variables: dict[str, Variable] = {}
        self.tables: dict[str, Table] = {}
        self.name: str | None = None
        self.record: str | None = None
        if "%" in self.text or "/" in self.text:
            # blanked, not removed, so that every offset keeps its line
            self.text = _COMMENTS.sub(lambda m: m.group(1) or " " * len(m.group()), self.text)
        self.pos = 0

    # tokens ------------------------------------------------------------------------------

    def token(self) -> tuple[str, str, int]:
        """(kind, text, offset): kind is 'string', 'mark', 'word' or 'end'."""
        match = _TOKEN.match(self.text, self.pos)
        if match is None:
            self.pos = len(self.text)
            return "end", "", len(self.text)
        self.pos = match.end()
        if match.group(1) is not None:
            return "string", _unquote(match.group(1)), match.start(1)
        if match.group(2) is not None:
            return "mark", match.group(2), match.start(2)
        if match.group(3) is not None:
            return "word", match.group(3), match.start(3)
        self.fail(f"unexpected '{match.group(4)}'", match.start(4),
                  hint="check the quotes of the strings before it")

    def peek(self) -> tuple[str, str, int]:
        pos = self.pos
        found = self.token()
        self.pos = pos
        return found

    def expect(self, mark: str, after: str) -> int:
        kind, text, at = self.token()
        if kind != "mark" or text != mark:
            shown = "the end of the file" if kind == "end" else f"'{text}'"
            self.fail(f"expected '{mark}' {after}, found {shown}", at)
        return at

    def name_token(self, after: str) -> tuple[str, int]:
        kind, text, at = self.token()
        if kind not in ("word", "string"):
            shown = "the end of the file" if kind == "end" else f"'{text}'"
            self.fail(f"expected a name {after}, found {shown}", at)
        return text, at

    # the file ----------------------------------------------------------------------------

    def read(self) -> Network:
        self.items(top=True)
        if not self.variables and not self.problems:
            self.fail("no 'node' declarations: this is not a Hugin NET network", 0,
                      hint="a NET file declares each variable with 'node NAME { states = "
                           "(...); }'")
        for variable in self.variables.values():
            if variable.name not in self.tables and not any(p.node == variable.name
                                                            for p in self.problems):
                self.note("no 'potential' gives its table", line=variable.line,
                          node=variable.name,
                          hint=f"add 'potential ({variable.name}) {{ data = (...); }}'")
        self.raise_problems()
        return Network(self.source, "net", self.name, self.variables, self.tables,
                       self.warnings, self.record)

    def items(self, top: bool) -> None:
        while True:
            kind, text, at = self.token()
            if kind == "end":
                if not top:
                    self.fail("the class is not closed with '}'", at)
                return
            if kind == "mark" and text == "}" and not top:
                return
            if kind != "word":
                self.fail(f"expected 'net', 'node' or 'potential', found '{text}'", at)
            if text == "net":
                self.expect("{", "after 'net'")
                self.attributes("net", at, self.net_attribute)
            elif text == "class" and top:
                self.name, _ = self.name_token("after 'class'")
                self.expect("{", "after the class's name")
                self.items(top=False)
            elif text == "potential":
                self.potential(at)
            elif text == "node" or text in _KINDS:
                self.node(text, at)
            elif text == "instance":
                self.fail("class instances (object-oriented networks) are not read", at,
                          hint="in Hugin, save the network with the instances expanded")
            elif not top and self.peek()[1] == "=":
                self.token()
                self.value(text)  # an attribute of the class
                self.expect(";", f"after the value of '{text}'")
            else:
                self.fail(f"expected 'net', 'node' or 'potential', found '{text}'", at)

    def attributes(self, what: str, at: int, use: Callable[[str, object, int], None],
                   node: str | None = None) -> None:
        """`name = value;` pairs up to the closing brace."""
        while True:
            kind, text, where = self.token()
            if kind == "mark" and text == "}":
                return
            if kind == "end":
                self.fail(f"the {what} opened here is not closed with '}}'", at, node=node)
            if kind not in ("word", "string"):
                self.fail(f"expected an attribute of the {what}, found '{text}'", where,
                          node=node)
            self.expect("=", f"after '{text}'")
            value = self.value(text, count_states=text == "states")
            self.expect(";", f"after the value of '{text}'")
            use(text, value, where)

    def value(self, name: str, count_states: bool = False) -> object:
        kind, text, at = self.token()
        if kind in ("string", "word"):
            return text
        if kind == "mark" and text == "(":
            items: list[object] = []
            while True:
                if self.peek()[1] == ")":
                    self.token()
                    return items
                items.append(self.value(name))
                if count_states and len(items) > MAX_STATES:
                    self.budget.states(len(items), None, at)
        self.fail(f"expected the value of '{name}', found "
                  f"{'the end of the file' if kind == 'end' else repr(text)}", at)

    def net_attribute(self, name: str, value: object, at: int) -> None:
        if name == "name" and isinstance(value, str):
            self.name = value
        elif name == _RECORD_ATTRIBUTE and isinstance(value, str):
            self.record = value

    # nodes and potentials ----------------------------------------------------------------

    def node(self, first: str, at: int) -> None:
        kinds: list[str] = []
        kind, word, where = "word", first, at
        while word in _KINDS and kind == "word":
            kinds.append(word)
            kind, word, where = self.token()
        if kind == "word" and word == "node":
            name, _ = self.name_token("after 'node'")
        elif kinds and kinds[-1] in ("decision", "utility") and kind in ("word", "string"):
            name = word  # the old syntax: 'decision NAME { ... }'
        else:
            self.fail(f"expected 'node', found '{word}'", where)
        self.budget.variable(at)
        unsupported = next((k for k in kinds if k in _UNSUPPORTED), None)
        self.expect("{", f"after the node's name '{name}'")
        found: dict[str, object] = {}

        def keep(key: str, value: object, where: int) -> None:
            found[key] = value
            if key == "states" and isinstance(value, list):
                self.budget.states(len(value), name, where)

        self.attributes("node", at, keep, node=name)
        if unsupported is not None:
            self.note(f"{unsupported} nodes are not supported", at, node=name,
                      hint=_UNSUPPORTED[unsupported])
            return
        states = found.get("states")
        if not isinstance(states, list) or not all(isinstance(s, str) for s in states):
            self.note("the node has no 'states = (...)'", at, node=name)
            return
        if name in self.variables:
            self.note(f"node '{name}' is declared twice (first on line "
                      f"{self.variables[name].line})", at, node=name)
            return
        label = found.get("label")
        self.variables[name] = Variable(name, [str(s) for s in states], self.lines(at),
                                        label if isinstance(label, str) else None)

    def potential(self, at: int) -> None:
        self.expect("(", "after 'potential'")
        children: list[tuple[str, int]] = []
        parents: list[tuple[str, int]] = []
        side = children
        while True:
            kind, text, where = self.token()
            if kind == "mark" and text == ")":
                break
            if kind == "mark" and text == "|" and side is children:
                side = parents
                continue
            if kind not in ("word", "string"):
                self.fail(f"expected a node's name or ')' in the potential, found "
                          f"'{text}'", where)
            side.append((text, where))
        self.expect("{", "after the potential's nodes")
        body = self.pos
        attributes = self.potential_attributes(at)
        if len(children) != 1:
            self.note(f"a potential over {len(children)} nodes before '|' (joint potentials "
                      "are not read)", at, hint="give one node, then '|' and its parents")
            return
        child = children[0][0]
        unknown = [(n, w) for n, w in (*children, *parents) if n not in self.variables]
        if unknown:
            if not any(p.node == unknown[0][0] for p in self.problems):
                self.note(f"the potential names '{unknown[0][0]}', which is not a declared "
                          "node", unknown[0][1], hint="declare it with 'node'")
            return
        names = tuple(p for p, _ in parents)
        if child in self.tables:
            self.note(f"a second potential for '{child}' (the first is on line "
                      f"{self.tables[child].line})", at, node=child)
            return
        if len(set(names)) < len(names):
            self.note("a parent is listed twice", at, node=child)
            return
        card = len(self.variables[child].states)
        cards = [len(self.variables[p].states) for p in names]
        self.budget.table(child, card, cards, at)
        data = attributes.get("data")
        if data is None:
            self.note("the potential has no 'data'", body, node=child,
                      hint="Hugin writes the table as 'data = (...);'")
            return
        text, data_at = data
        values = self.numbers(text.replace("(", " ").replace(")", " "), "data", child,
                              data_at)
        n_rows = math.prod(cards)
        if values.size != card * n_rows:
            self.note(f"the data has {values.size:,} numbers where {card} states x "
                      f"{n_rows:,} parent combinations need {card * n_rows:,}", data_at,
                      node=child)
            return
        self.tables[child] = Table(child, names, values.reshape(n_rows, card), self.lines(at),
                                   self._row_lines(text, data_at, n_rows, card))

    def potential_attributes(self, at: int) -> dict[str, tuple[str, int]]:
        """A potential's attributes as their raw text (a table is read in one go)."""
        out: dict[str, tuple[str, int]] = {}
        while True:
            kind, text, where = self.token()
            if kind == "mark" and text == "}":
                return out
            if kind == "end":
                self.fail("the potential opened here is not closed with '}'", at)
            if kind != "word":
                self.fail(f"expected an attribute of the potential, found '{text}'", where)
            self.expect("=", f"after '{text}'")
            start = self.pos
            end = self._semicolon(start)
            out[text] = (self.text[start:end], start)
            self.pos = end + 1

    def _semicolon(self, start: int) -> int:
        end = self.text.find(";", start)
        if end >= 0 and self.text.find('"', start, end) < 0:
            return end
        for match in re.finditer(rf"{_STRING}|;", self.text[start:]):
            if match.group() == ";":
                return start + match.start()
        self.fail("the value here is not ended with ';'", start)

    def _row_lines(self, text: str, at: int, n_rows: int, card: int) -> np.ndarray | None:
        groups = list(_INNERMOST.finditer(text))
        if len(groups) != n_rows or any(len(g.group(1).split()) != card for g in groups):
            return None
        return self.lines.many([at + g.start() for g in groups])


def _unquote(text: str) -> str:
    return text[1:-1]
