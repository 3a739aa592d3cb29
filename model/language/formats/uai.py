"""UAI, the inference competitions' format, for Bayesian networks (`BAYES`).

    BAYES
    3            variables
    2 3 2        their numbers of states
    3            functions, one per variable
    1 0          each scope, its variable last
    1 1
    3 0 1 2
    2  0.25 0.75 each table: its size, then its numbers, the scope's last variable fastest
    ...

UAI keeps no names: nodes are var_0, var_1, ... and states 0, 1, ... in the file's order.
pyAgrum (1.9.0 to 3.3.1 at least) writes each scope line with a comment naming its variable
and its tables with the first parent changing fastest after the node: such files are read in
pyAgrum's order, with a warning, and its names are taken from those comments.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

import numpy as np

from .document import BROKEN_SUM
from .network import Budget, Network, Table, Variable
from .source import Source
from .text import NUMBER, Reader, row_lines

_COMMENT = re.compile(r"#([^\n]*)")
_TOKEN = re.compile(r"\s*(\S+)")


@lru_cache(maxsize=64)
def _tokens(count: int) -> re.Pattern[str]:
    """`count` whitespace-separated tokens, matched at C speed."""
    return re.compile(rf"(?:\s+\S+){{{count}}}")


def read_uai(source: Source) -> Network:
    return _UaiReader(source).read()


class _UaiReader(Reader):
    def __init__(self, source: Source):
        super().__init__(source)
        self.budget = Budget(self)
        self.comments = {self.lines(m.start()): m.group(1).strip()
                         for m in _COMMENT.finditer(self.text)}
        if self.comments:
            self.text = _COMMENT.sub(lambda m: " " * len(m.group()), self.text)  # same offsets
        self.pos = 0

    def token(self, what: str) -> tuple[str, int]:
        match = _TOKEN.match(self.text, self.pos)
        if match is None:
            self.fail(f"the file ends where the {what} is due", len(self.text))
        self.pos = match.end()
        return match.group(1), match.start(1)

    def count(self, what: str) -> tuple[int, int]:
        text, at = self.token(what)
        if not text.isdigit() or not text.isascii():
            self.fail(f"expected the {what}, found '{text[:40]}'", at)
        return int(text), at

    def read(self) -> Network:
        kind = _TOKEN.match(self.text)
        if kind is None or kind.group(1).upper() != "BAYES":
            found = f"'{kind.group(1)[:40]}'" if kind else "an empty file"
            self.fail(f"expected a UAI 'BAYES' network, found {found}", 0,
                      hint="only Bayesian networks have conditional tables")
        self.pos = kind.end()
        n, at = self.count("number of variables")
        for _ in range(n):
            self.budget.variable(at)
        cards = []
        for i in range(n):
            card, where = self.count(f"number of states of variable {i}")
            self.budget.states(card, f"var_{i}", where)
            if card < 2:
                self.note(f"variable {i} has {card} state(s); a variable needs two or more",
                          where)
            cards.append(card)
        functions, at = self.count("number of functions")
        if functions != n:
            self.fail(f"{functions} functions for {n} variables: a Bayesian network's file "
                      "has one table per variable", at)
        scopes: list[tuple[list[int], int]] = []
        for _ in range(functions):
            size, where = self.count("scope size")
            scope = []
            for _ in range(size):
                index, at = self.count("variable index")
                if index >= n:
                    self.fail(f"variable index {index} is beyond the {n} variables", at)
                scope.append(index)
            if not scope or len(set(scope)) < len(scope):
                self.fail("a scope must name its variable, last, and each variable once",
                          where)
            scopes.append((scope, where))
        children = sorted(scope[-1] for scope, _ in scopes)
        if children != list(range(n)):
            twice = next(c for c in children if children.count(c) > 1)
            self.fail(f"variable {twice} ends two scopes: each variable's table ends with "
                      "that variable, once", scopes[0][1])
        names, pyagrum = self._names(scopes, n)
        variables = {names[i]: Variable(names[i], [str(s) for s in range(cards[i])], None)
                     for i in range(n)}
        self.cards = {v.name: v.states for v in variables.values()}
        for scope, where in scopes:  # every table's size, before any of them is read
            self.budget.table(names[scope[-1]], cards[scope[-1]], [cards[p] for p in scope[:-1]],
                              where)
        tables: dict[str, Table] = {}
        for scope, where in scopes:
            tables[names[scope[-1]]] = self._table(scope, names, cards, pyagrum)
            variables[names[scope[-1]]].line = self.lines(where)
        if not pyagrum:
            self._pgmpy_order(tables)
        rest = _TOKEN.match(self.text, self.pos)
        if rest is not None:
            self.note(f"more numbers after the last table: '{rest.group(1)[:40]}'",
                      rest.start(1), hint="each table holds exactly its size's numbers")
        self.raise_problems()
        return Network(self.source, "uai", None, variables, tables, self.warnings)

    def _pgmpy_order(self, tables: dict[str, Table]) -> None:
        """pgmpy 1.1.2 writes each table with the scope's first variable fastest and its
        last (the node) slowest, and reads it so: when rows read as the format says do not
        sum to 1 and rows read pgmpy's way all do, read it pgmpy's way, with a warning."""
        def sums_to_one(rows: np.ndarray) -> bool:
            return bool(np.all(np.abs(rows.sum(axis=1) - 1) <= BROKEN_SUM))

        if all(sums_to_one(t.rows) for t in tables.values()):
            return
        turned = {}
        for name, table in tables.items():
            cards = [*(len(self.cards[p]) for p in table.parents), table.rows.shape[1]]
            flat = table.rows.ravel()
            turned[name] = np.ascontiguousarray(
                flat.reshape(*reversed(cards)).transpose(tuple(reversed(range(len(cards)))))
            ).reshape(table.rows.shape)
        if not all(sums_to_one(rows) for rows in turned.values()):
            return
        for name, table in tables.items():
            table.rows, table.row_lines = turned[name], None
        self.warn("the tables list each scope's first variable fastest and the node's states "
                  "slowest, as pgmpy 1.1.2's UAI writer puts them (the UAI format lists the "
                  "last variable fastest): read in that order, since only then does every "
                  "row sum to 1", line=1,
                  hint="pgmpy reads its own files so; other tools read them as the format says")

    def _names(self, scopes: list[tuple[list[int], int]], n: int) -> tuple[list[str], bool]:
        """var_0, var_1, ..., or the names pyAgrum writes in a comment on each scope line;
        and whether pyAgrum wrote the file."""
        plain = [f"var_{i}" for i in range(n)]
        found = {scope[-1]: self.comments.get(self.lines(where)) for scope, where in scopes}
        if not all(found.values()):
            self.warn("UAI files keep no names: nodes are called var_0, var_1, ... and "
                      "states 0, 1, ... in the file's order", line=1,
                      hint="rename them in a scenario written by `scenario import`")
            return plain, False
        named = [found[i] or plain[i] for i in range(n)]
        names = named if len(set(named)) == n else plain
        self.warn("written by pyAgrum, which notes each variable's name after its scope and "
                  "lists each table with the first parent's states changing fastest after the "
                  "node's (the UAI format changes the last parent's fastest): read in "
                  "pyAgrum's order, with its names; states are 0, 1, ...", line=1,
                  hint="pgmpy reads such files in the format's order, and so gets those "
                       "tables wrong")
        return names, True

    def _table(self, scope: list[int], names: list[str], cards: list[int],
               pyagrum: bool) -> Table:
        child, parents = scope[-1], scope[:-1]
        card = cards[child]
        parent_cards = [cards[p] for p in parents]
        n_rows = math.prod(parent_cards)
        size, at = self.count(f"size of the table of {names[child]}")
        if size != card * n_rows:
            self.fail(f"the table of {names[child]} has size {size:,} where its scope needs "
                      f"{card * n_rows:,}", at, node=names[child])
        match = _tokens(size).match(self.text, self.pos) if size else None
        if size and match is None:
            self.fail(f"the file ends before the {size:,} numbers of this table", at,
                      node=names[child])
        end = match.end() if match else self.pos
        text = self.text[self.pos:end]
        values = self.numbers(text, "table", names[child], self.pos)
        if values.size != size:  # a `,` or `|`, which other formats read as a separator
            token = next(m for m in re.finditer(r"\S+", text)
                         if NUMBER.fullmatch(m.group()) is None)
            self.fail(f"table: '{token.group()[:20]}' is not a number",
                      self.pos + token.start(), node=names[child],
                      hint="a UAI file separates its numbers by spaces alone")
        lines = row_lines(text, self.lines(self.pos), n_rows, card)
        self.pos = end
        if pyagrum and len(parents) > 1:
            shaped = values.reshape(*reversed(parent_cards), card)
            values = np.ascontiguousarray(
                shaped.transpose((*reversed(range(len(parents))), len(parents))))
            lines = None
        return Table(names[child], tuple(names[p] for p in parents),
                     values.reshape(n_rows, card), self.lines(at), lines)
