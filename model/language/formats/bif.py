"""BIF, the interchange format of JavaBayes as bnlearn, pgmpy, pyAgrum and SamIam write it.

    network alarm { property ... ; }
    variable CVP { type discrete [ 3 ] { LOW, NORMAL, HIGH }; }
    probability ( CVP | LVEDVOLUME ) { (LOW) 0.95, 0.04, 0.01; default 0.3, 0.4, 0.3; }
    probability ( HYPOVOLEMIA ) { table 0.2, 0.8; }

Read in two passes over the text (comments blanked, so offsets keep their lines): the blocks
and every variable first, then each table, its numbers converted all at once. A `table` line
of a node with parents lists the node's states slowest, as pgmpy and pyAgrum read it; rows
may come in any order, `*` stands for every state of a parent, and `default` fills the rows
not given. Unlike pgmpy 1.1.2's reader, this one reads a last `}` with nothing after it, a
declaration after leading spaces, and names in quotes.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass

import numpy as np

from ..tables import FloatArray
from .network import Budget, Network, Table, Variable
from .source import Source
from .text import Reader, numbers

# Possessive (`++`, `*+`): a regular expression that could backtrack keeps a record per
# character it repeats over, 100 bytes each, so a 30 MB property string took 3.6 GB.
_STRING = r'"(?:[^"\\\n]++|\\.)*+"'
_COMMENTS = re.compile(rf"({_STRING})|//[^\n]*|/\*.*?\*/|(/\*)", re.S)
_KEYWORD = re.compile(r"\s*(?:(network|variable|probability)(?=[\s{(\"])|(\S+))")
_BRACES = re.compile(rf"{_STRING}|[{{}}]")
_PARENTHESIS = re.compile(rf"{_STRING}|[()]")
_VARIABLE_ITEM = re.compile(
    rf"\s*(?:type\s+(\S+?)\s*\[\s*([^\]]*?)\s*\]\s*\{{|property\b(?:{_STRING}|[^;\"]++)*+;|(\S+))")
_ENTRY = re.compile(rf"""\s*(?:
      \(((?:{_STRING}|[^)"]++)*+)\)([^;]*)(?:;|$)
    | (table|default)(?![A-Za-z0-9_])([^;]*)(?:;|$)
    | property\b(?:{_STRING}|[^;"]++)*+;
    | ;
    | (\S[^\s;]*))""", re.X)
_RECORD = re.compile(r"//\s*scenario-names:\s*(\S+)")
_SPACE = re.compile(r"\s*")
_SEPARATORS = str.maketrans(",|", "  ")
_OPENING = re.compile(rf"{_STRING}|[{{;}}]")


@dataclass
class _Block:
    kind: str
    at: int  # where the keyword is
    header: str
    header_at: int
    body: int  # the first offset inside the braces
    end: int  # the offset of the closing brace


def read_bif(source: Source) -> Network:
    return _BifReader(source).read()


class _BifReader(Reader):
    def __init__(self, source: Source):
        super().__init__(source)
        self.budget = Budget(self)
        self.variables: dict[str, Variable] = {}
        self.tables: dict[str, Table] = {}
        self.by_case: dict[str, str] = {}  # a name in lower case -> the one variable so named

    def read(self) -> Network:
        record = _RECORD.search(self.text)
        self._blank_comments()
        name, blocks = self._blocks()
        if not self.variables:
            self.fail("no 'variable' blocks: this is not a BIF network", 0,
                      hint="a BIF file declares each variable with 'variable NAME { type "
                           "discrete [n] { ... }; }'")
        by_case: dict[str, list[str]] = {}
        for known in self.variables:
            by_case.setdefault(known.lower(), []).append(known)
        self.by_case = {k: v[0] for k, v in by_case.items() if len(v) == 1}
        for block in blocks:
            if block.kind == "probability":
                self._probability(block)
        for variable in self.variables.values():
            if variable.name not in self.tables and not any(
                    p.node == variable.name for p in self.problems):
                self.note("no 'probability' block gives its table", line=variable.line,
                          node=variable.name,
                          hint=f"add 'probability ( {variable.name} ) {{ table ...; }}'")
        self.raise_problems()
        return Network(self.source, "bif", name, self.variables, self.tables, self.warnings,
                       record.group(1) if record else None)

    def _blank_comments(self) -> None:
        """Comments become spaces (their line breaks kept, so every offset keeps its line)."""
        if "//" not in self.text and "/*" not in self.text:
            return

        def blank(match: re.Match[str]) -> str:
            if match.group(1):
                return match.group(1)
            if match.group(2):
                self.fail("a comment opened with /* is not closed with */", match.start())
            return re.sub(r"[^\n]", " ", match.group())

        self.text = _COMMENTS.sub(blank, self.text)

    # blocks ------------------------------------------------------------------------------

    def _blocks(self) -> tuple[str | None, list[_Block]]:
        blocks: list[_Block] = []
        name = None
        pos, end = 0, len(self.text)
        while True:
            match = _KEYWORD.match(self.text, pos)
            if match is None:
                break
            if match.group(2):
                self.fail(f"expected 'network', 'variable' or 'probability', found "
                          f"'{_clip(match.group(2))}'", match.start(2),
                          hint="every declaration of a BIF file starts with one of these")
            kind, at = match.group(1), match.start(1)
            if kind == "probability":
                opened = self._skip_space(match.end())
                if self.text[opened:opened + 1] != "(":
                    self.fail("expected '(' after 'probability'", opened)
                closed = self._closing(opened, _PARENTHESIS, "(", ")")
                header, header_at = self.text[opened + 1:closed], opened + 1
                brace = self._skip_space(closed + 1)
                if self.text[brace:brace + 1] != "{":
                    self.fail("expected '{' after the probability's variables", brace)
            else:
                brace = self._find_brace(match.end(), kind)
                header, header_at = self.text[match.end():brace], match.end()
            if kind == "variable":
                self.budget.variable(at)
            elif kind == "probability":
                self._size_known_table(header, header_at)
            close = self._closing(brace, _BRACES, "{", "}")
            block = _Block(kind, at, header, header_at, brace + 1, close)
            if kind == "network":
                name = _unquote(header.strip()) or None
            elif kind == "variable":
                self._variable(block)  # its limits apply here, before the file is read on
            else:
                blocks.append(block)
            pos = close + 1
            if pos >= end:
                break
        return name, blocks

    def _size_known_table(self, header: str, at: int) -> None:
        """A table over variables already declared is sized before its body is read."""
        child, parents = _header_names(header, self.variables)
        if len(child) == 1 and all(n in self.variables for n in (*child, *parents)):
            self.budget.cells(child[0], len(self.variables[child[0]].states),
                              [len(self.variables[p].states) for p in parents], at)

    def _skip_space(self, pos: int) -> int:
        return _SPACE.match(self.text, pos).end()  # type: ignore[union-attr]

    def _find_brace(self, pos: int, kind: str) -> int:
        for match in _OPENING.finditer(self.text, pos):
            if match.group() == "{":
                return match.start()
            if match.group() in ";}":
                break
        self.fail(f"expected '{{' after '{kind}' and its name", pos)

    def _closing(self, opened: int, pattern: re.Pattern[str], left: str, right: str) -> int:
        """The offset of the bracket that closes the one at `opened` (strings skipped)."""
        text, pos, depth = self.text, opened + 1, 1
        while True:  # the usual case, without quotes, at the speed of str.find
            close = text.find(right, pos)
            if close < 0 or text.find('"', pos, close) >= 0:
                break
            depth += text.count(left, pos, close) - 1
            if depth == 0:
                return close
            pos = close + 1
        depth = 0
        for match in pattern.finditer(self.text, opened):
            char = match.group()
            if char == left:
                depth += 1
            elif char == right:
                depth -= 1
                if depth == 0:
                    return match.start()
        self.fail(f"the '{left}' here is never closed with '{right}'", opened,
                  hint="check the braces and quotes of this block")

    # variables ---------------------------------------------------------------------------

    def _variable(self, block: _Block) -> None:
        name = _unquote(block.header.strip())
        line = self.lines(block.at)
        if not name:
            self.fail("a variable without a name", block.at)
        states: list[str] | None = None
        pos = block.body
        while pos < block.end:
            match = _VARIABLE_ITEM.match(self.text, pos, block.end)
            if match is None:
                break
            if match.group(3):
                self.fail(f"expected 'type' or 'property', found '{_clip(match.group(3))}'",
                          match.start(3), node=name)
            if match.group(1) is None:
                pos = match.end()
                continue
            if match.group(1) != "discrete":
                self.fail(f"variables of type '{match.group(1)}' are not supported",
                          match.start(1), node=name, hint="only discrete variables are")
            declared = match.group(2)
            if not declared.isdigit():
                self.fail(f"expected the number of states in [ ], found '{declared}'",
                          match.start(2), node=name)
            self.budget.states(int(declared), name, match.start(2))
            opened = match.end() - 1
            closed = self._closing(opened, _BRACES, "{", "}")
            states = _items(self.text[opened + 1:closed])
            if len(states) != int(declared):
                self.note(f"declares {declared} states but lists {len(states)}",
                          match.start(2), node=name)
            pos = closed + 1
            semicolon = self._skip_space(pos)
            if self.text[semicolon:semicolon + 1] == ";":
                pos = semicolon + 1
        if states is None:
            self.fail("the variable has no 'type discrete [n] { ... };'", block.at, node=name)
        if name in self.variables:
            self.fail(f"variable '{name}' is declared twice (first on line "
                      f"{self.variables[name].line})", block.at, node=name)
        self.variables[name] = Variable(name, states, line)

    # tables ------------------------------------------------------------------------------

    def _known(self, name: str, at: int, what: str) -> str | None:
        if name in self.variables:
            return name
        other = self.by_case.get(name.lower())
        if other is not None:
            self.warn(f"the {what} '{name}' is taken for the variable '{other}' (the file "
                      "writes the name in another case)", at, node=other)
            return other
        self.note(f"the {what} '{name}' is not a declared variable", at,
                  hint="declare it with a 'variable' block")
        return None

    def _probability(self, block: _Block) -> None:
        child_names, parent_names = _header_names(block.header, self.variables)
        if len(child_names) != 1:
            self.fail(f"expected one variable before '|', found {len(child_names)}",
                      block.header_at)
        child = self._known(child_names[0], block.header_at, "variable")
        parents = [self._known(p, block.header_at, "parent") for p in parent_names]
        if child is None or None in parents:
            return
        known = tuple(p for p in parents if p is not None)
        if child in self.tables:
            self.note(f"a second table for '{child}' (the first is on line "
                      f"{self.tables[child].line})", block.at, node=child)
            return
        if len(set(known)) < len(known):
            self.note("a parent is listed twice", block.header_at, node=child)
            return
        states = self.variables[child].states
        cards = [len(self.variables[p].states) for p in known]
        self.budget.table(child, len(states), cards, block.at)
        table = self._entries(block, child, known)
        if table is not None:
            self.tables[child] = table

    def _entries(self, block: _Block, child: str, parents: tuple[str, ...]) -> Table | None:
        card = len(self.variables[child].states)
        parent_states = [self.variables[p].states for p in parents]
        index = [{s: i for i, s in enumerate(states)} for states in parent_states]
        cards = [len(s) for s in parent_states]
        n_rows = math.prod(cards)
        strides = [math.prod(cards[i + 1:]) for i in range(len(cards))]
        entries = _Entries()
        before = len(self.problems)
        pos = block.body
        while True:
            match = _ENTRY.match(self.text, pos, block.end)
            if match is None:
                break
            pos = match.end()
            if match.group(5):
                word = match.group(5)
                hint = None
                if word.split("(")[0] in ("probability", "variable", "network"):
                    hint = f"the block opened on line {self.lines(block.at)} needs its '}}'"
                self.fail(f"expected '(states) numbers;', 'table' or 'default', found "
                          f"'{_clip(word)}'", match.start(5), node=child, hint=hint)
            if match.group(3):
                found = (match.group(4), match.start(4))
                if match.group(3) == "table":
                    entries.table = found
                else:
                    entries.default = found
                continue
            if match.group(1) is None:
                continue  # a property, or a stray ';'
            labels = _items(match.group(1))
            if len(labels) != len(parents):
                self.note(f"the row ({match.group(1).strip()}) names {len(labels)} states for "
                          f"{len(parents)} parents", match.start(1), node=child)
                continue
            try:
                row = sum(stride * found_index[label] for stride, found_index, label
                          in zip(strides, index, labels, strict=True))
                entries.add([row], match.group(2), match.start(2), match.start(1))
            except KeyError:
                rows = self._wildcard_rows(labels, parents, parent_states, strides,
                                           match.start(1), child)
                if rows:
                    entries.add(rows, match.group(2), match.start(2), match.start(1))
        if len(self.problems) > before:
            return None
        return self._assemble(block, child, parents, card, n_rows, entries)

    def _wildcard_rows(self, labels: list[str], parents: tuple[str, ...],
                       parent_states: list[list[str]], strides: list[int], at: int,
                       child: str) -> list[int]:
        """The rows an entry with `*` (every state of that parent) stands for; none, with a
        problem, when it names a state a parent does not have."""
        chosen: list[range] = []
        for k, label in enumerate(labels):
            if label == "*":
                chosen.append(range(len(parent_states[k])))
            elif label in parent_states[k]:
                i = parent_states[k].index(label)
                chosen.append(range(i, i + 1))
            else:
                self.note(f"'{label}' is not a state of {parents[k]} (its states: "
                          f"{', '.join(parent_states[k])})", at, node=child)
                return []
        return [sum(s * i for s, i in zip(strides, combo, strict=True))
                for combo in itertools.product(*chosen)]

    def _assemble(self, block: _Block, child: str, parents: tuple[str, ...], card: int,
                  n_rows: int, entries: _Entries) -> Table | None:
        before = len(self.problems)
        values = np.full((n_rows, card), np.nan)
        lines = np.zeros(n_rows, dtype=np.int64)
        given = np.zeros(n_rows, dtype=bool)
        if entries.table is not None:
            text, at = entries.table
            if entries.texts:
                self.note("a 'table' and rows of parent states for one variable", at,
                          node=child, hint="give one or the other")
                return None
            found = self.numbers(text, "table", child, at)
            if found.size != card * n_rows:
                self.note(f"the table has {found.size:,} numbers where {card} states x "
                          f"{n_rows:,} parent combinations need {card * n_rows:,}", at,
                          node=child)
                return None
            # as pgmpy and pyAgrum read it: the node's states slowest, then the parents
            values[:] = found.reshape(card, n_rows).T
            lines[:] = self.lines(at)
            given[:] = True
        if entries.texts:
            flat = self._row_numbers(entries, card, child)
            if flat is None:
                return None
            entry_lines = self.lines.many(entries.ats)
            single = np.array([r[0] for r in entries.rows], dtype=np.int64)
            if all(len(r) == 1 for r in entries.rows) and \
                    np.unique(single).size == single.size:
                values[single] = flat
                lines[single] = entry_lines
                given[single] = True
            else:
                for k, targets in enumerate(entries.rows):
                    repeated = [r for r in targets if given[r]]
                    if repeated:
                        self.note(f"the row for ({_combo(parents, self.variables, repeated[0])}"
                                  f") is given twice (first on line {lines[repeated[0]]})",
                                  entries.ats[k], node=child)
                        continue
                    values[targets] = flat[k]
                    lines[targets] = entry_lines[k]
                    given[targets] = True
        if entries.default is not None and not given.all():
            text, at = entries.default
            found = self.numbers(text, "default", child, at)
            if found.size != card:
                self.note(f"the default row has {found.size} numbers for the {card} states",
                          at, node=child)
                return None
            values[~given] = found
            lines[~given] = self.lines(at)
            given[:] = True
        if not given.all():
            missing = np.flatnonzero(~given)
            shown = "; ".join(f"({_combo(parents, self.variables, int(r))})"
                              for r in missing[:3])
            more = f" and {missing.size - 3:,} more" if missing.size > 3 else ""
            self.note(f"no row for {missing.size:,} of the {n_rows:,} parent combinations: "
                      f"{shown}{more}", block.at, node=child,
                      hint="give a row for each, or a 'default' row")
        if len(self.problems) > before:
            return None
        return Table(child, parents, values, self.lines(block.at), lines)

    def _row_numbers(self, entries: _Entries, card: int, child: str) -> FloatArray | None:
        """Every row's numbers, converted at once: (entries, card)."""
        before = len(self.problems)
        for text, at in zip(entries.texts, entries.text_ats, strict=True):
            count = len(text.translate(_SEPARATORS).split())
            if count != card:
                self.note(f"the row has {count} numbers for the {card} states", at,
                          node=child)
        if len(self.problems) > before:
            return None
        try:
            flat = numbers(" ".join(entries.texts))
        except ValueError:
            for text, at in zip(entries.texts, entries.text_ats, strict=True):
                self.numbers(text, "row", child, at)
            raise
        return flat.reshape(len(entries.texts), card)


class _Entries:
    """A probability block's rows as found: which table rows each stands for, its numbers'
    text and where it is; and the `table` and `default` lines, if any."""

    def __init__(self) -> None:
        self.rows: list[list[int]] = []
        self.texts: list[str] = []
        self.text_ats: list[int] = []
        self.ats: list[int] = []
        self.table: tuple[str, int] | None = None
        self.default: tuple[str, int] | None = None

    def add(self, rows: list[int], text: str, text_at: int, at: int) -> None:
        self.rows.append(rows)
        self.texts.append(text)
        self.text_ats.append(text_at)
        self.ats.append(at)


def _header_names(header: str, variables: dict[str, Variable]) -> tuple[list[str], list[str]]:
    """The names before and after `|` in `probability ( ... )`; without `|`, the old form
    `( node parent parent )`, unless the whole is one declared (multi-word) name."""
    if "|" in header:
        left, right = header.split("|", 1)
        return _items(left), _items(right)
    whole = _unquote(header.strip())
    names = _items(header)
    return ([whole], []) if whole in variables else (names[:1], names[1:])


def _combo(parents: tuple[str, ...], variables: dict[str, Variable], row: int) -> str:
    states = []
    for parent in reversed(parents):
        row, i = divmod(row, len(variables[parent].states))
        states.append(variables[parent].states[i])
    return ", ".join(reversed(states))


def _items(text: str) -> list[str]:
    """Names separated by commas (then each may hold spaces) or else by spaces; quoted
    names are taken as written; a trailing comma is forgiven."""
    if '"' not in text:
        if "," not in text:
            return text.split()
        names = [name.strip() for name in text.split(",")]
        if names and not names[-1]:
            names.pop()
        return names
    parts = re.findall(rf'{_STRING}|,|[^,"]+|"', text)
    if "," not in parts:
        return [_unquote(p) for p in re.findall(rf'{_STRING}|[^\s"]+|"', text)]
    names, current = [], ""
    for part in parts:
        if part == ",":
            names.append(current)
            current = ""
        else:
            current += part
    names.append(current)
    out = [_unquote(name.strip()) for name in names]
    if out and not out[-1]:
        out.pop()
    return out


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    return text


def _clip(text: str, most: int = 40) -> str:
    return text if len(text) <= most else text[:most] + "..."
