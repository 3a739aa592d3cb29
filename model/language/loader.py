"""Stage 1, load: YAML 1.2 text to plain Python data, remembering the line of every element.

libyaml (through PyYAML's C parser) turns the text into events; one loop here builds plain
dicts, lists and scalars from them with our own YAML 1.2 core-schema resolver, about ten
times faster than composing nodes, and keeps every promise of the language:

- YAML 1.2: `yes`, `no`, `on` and `off` are text; `true`/`false` are booleans; a number is
  decimal (`0x1F`, `0o17` and `1_000` are text, so they are refused wherever a number goes);
  a number too large for a float, or one that would underflow to 0 (`1e-400`), is an error.
- Keys are text as written, so a key written twice is refused even where YAML would tell
  the two apart (`1` and `"1"`, `0.5` and `"0.5"`); a mapping or list as a key is refused.
- No tags (`!!python/object`, `!custom`, even `!!str`), no merge keys (`<<: *base`: YAML 1.1,
  not 1.2), one document, and `%YAML` 1.2 if a version is declared.
- Aliases share the anchored data and are budgeted by the bytes they repeat
  (`MAX_ALIAS_BYTES`), so neither a billion laughs nor one large scalar aliased many times
  can grow memory; an alias inside its own anchor is an undefined alias.
- Nesting is bounded (`MAX_DEPTH`), and so are nodes, states and table rows as they are
  read: a file past the node limit is refused at that node, not after the whole file.
- Every error has a line; `Document.lines` holds the line of every element whose line
  differs from the element around it, which is all `line_of` needs (a row written on one
  line costs one entry, not one per number).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import numpy.typing as npt
import yaml
from yaml import events

from ..errors import LimitError, Problem, ScenarioError
from ..files import read_regular
from ..limits import (
    MAX_ALIAS_BYTES,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NODES,
    MAX_STATES,
    MAX_TABLE_CELLS,
)

Loc = tuple[str | int, ...]

_NO_KEY: Any = object()
_WORDS: dict[str, Any] = {w: v for words, v in (("true True TRUE", True),
                                                 ("false False FALSE", False),
                                                 ("null Null NULL ~", None))
                          for w in words.split()}
_SPECIAL: dict[str, float] = {}  # YAML 1.2's words for infinity and not-a-number
for _word in (".inf", ".Inf", ".INF"):
    _SPECIAL[_word] = _SPECIAL["+" + _word] = float("inf")
    _SPECIAL["-" + _word] = float("-inf")
for _word in (".nan", ".NaN", ".NAN"):
    _SPECIAL[_word] = float("nan")
_NUMBER_START = frozenset("0123456789+-.")
_NUMBER_END = frozenset("0123456789.")
_WORD_START = frozenset("tTfFnN~")
_FLOAT_MARKS = frozenset(".eE")
_MAX_FLOAT = float(np.finfo(np.float64).max)
_INF, _MINUS_INF = float("inf"), float("-inf")
_MARK_BYTES = "\ue000".encode()
# A table may have MAX_TABLE_CELLS cells, so at most half as many rows (of two or more).
MAX_TABLE_ROWS = MAX_TABLE_CELLS // 2
# libyaml's parser where PyYAML was built with it (the wheels are); its Python twin if not.
_PARSER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Document:
    """A scenario file's data with the line on which each element starts."""

    path: Path
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)
    digest: str = ""  # short hash of the text, to tell two printed briefings apart
    # what reading it found that the file still loads with (another tool's network file)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.path)

    def line_of(self, loc: Loc) -> int | None:
        """The line of `loc`, or of its nearest enclosing element we know the line of
        (which is its own line: lines are recorded wherever they change)."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(loc[:end])
            if line is not None:
                return line
        return None

    def item_lines(self, loc: Loc, n: int) -> npt.NDArray[np.int64]:
        """The lines of the first `n` items of the sequence at `loc` (0 where unknown)."""
        own = self.line_of(loc) or 0
        lines = self.lines
        out = np.full(n, own, dtype=np.int64)
        for i in range(n):
            line = lines.get((*loc, i))
            if line is not None:
                out[i] = line
        return out

    def problem(self, loc: Loc, message: str, node: str | None = None,
                hint: str | None = None) -> Problem:
        return Problem(message, file=self.name, line=self.line_of(loc), node=node, hint=hint)


def read_document(path: str | Path) -> Document:
    """The scenario file at `path`: a regular file of at most MAX_FILE_BYTES, UTF-8."""
    path = Path(path)
    return _parse(read_regular(path, MAX_FILE_BYTES, "scenario file"), path)


def parse_document(text: str, path: str | Path = "<string>") -> Document:
    data = text.encode("utf-8", "surrogatepass")
    if len(data) > MAX_FILE_BYTES:
        raise LimitError(Problem(f"the file is {len(data):,} bytes, over the limit of "
                                 f"{MAX_FILE_BYTES:,}", file=str(path),
                                 hint="split the scenario, or keep source texts in their own "
                                      "files"))
    return _parse(data, Path(path))


def _parse(data: bytes, path: Path) -> Document:
    doc = Document(path, None, digest=hashlib.sha256(data).hexdigest()[:12])
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ScenarioError(Problem(f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} "
                                    f"at character {_column(data, exc.start)})", file=str(path),
                                    line=line, hint="save it as UTF-8")) from None
    try:
        doc.data = _read_fast(data, doc)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if "maximum nesting depth" in (exc.problem or ""):
            # libyaml 0.2.5 as PyYAML 6.0.4 builds it caps nesting itself, and finds a deep
            # flow collection while scanning ahead, before our own cap sees its events
            raise LimitError(Problem(f"the data is nested more than {MAX_DEPTH} deep",
                                     file=str(path), line=mark.line + 1 if mark else None,
                                     hint="close each [ and { where it ends")) from None
        what = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            what = f"{exc.problem} ({exc.context})"
        raise ScenarioError(Problem(f"YAML syntax error: {what}", file=str(path),
                                    line=mark.line + 1 if mark is not None else None,
                                    hint="check indentation, colons and quotes")) from None
    except yaml.reader.ReaderError as exc:
        line = data.count(b"\n", 0, exc.position) + 1
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise ScenarioError(Problem(f"the file holds the control character U+{char:04X}, which "
                                    "YAML does not allow", file=str(path), line=line,
                                    hint="remove it; write text in quotes with escapes "
                                         "if you mean it")) from None
    except yaml.YAMLError as exc:  # not raised by libyaml's events today; kept located
        raise ScenarioError(Problem(f"YAML error: {exc}", file=str(path),
                                    hint="check the file's syntax")) from None
    return doc


def _read_fast(data: bytes, doc: Document) -> Any:
    """The document's data, with runs of rows of numbers read in bulk where that is exact.

    Consecutive lines that are items of one block sequence, each a flow sequence of decimal
    numbers (`- [0.1, 0.9]`, as compact tables are written), are handed to libyaml as one
    placeholder item and blank lines, and their numbers read here in bulk, many times faster
    than an event per number. The placeholder starts with a private-use character the text
    does not hold; the result is kept only if every placeholder came back as a plain item of
    a sequence, which is where the run's first row would have been (in a block scalar, a
    quoted or a folded plain scalar, it would not); lines of the same indentation that
    follow an item are the items after it. Otherwise, or on any error, the text is read as
    written, so errors and results are always those of the text itself."""
    fast = _placeholders(data)
    if fast is not None:
        text, runs = fast
        builder = _Builder(doc, runs)
        try:
            found = builder.build(text)
        except (yaml.YAMLError, ScenarioError, _NotThere):
            found = _NotThere
        if found is not _NotThere and builder.placed == len(runs):
            return found
        doc.lines.clear()
    return _Builder(doc).build(data)


class _NotThere(Exception):
    """A placeholder met where its rows would not have been."""


_MARK = "\ue000"
_ROW = rb"- \[[-+0-9.eE, \t]*\][ \t]*\r?\n"
_ROW_RUN = re.compile(rb"^([ \t]*)" + _ROW + rb"(?:\1" + _ROW + rb")*", re.MULTILINE)
_ZEROS = b"0" * 300  # a number this long may be too small to be told from 0

Row = list[int | float]


def _placeholders(data: bytes) -> tuple[bytes, list[list[Row]]] | None:
    """The text with each run of rows of numbers replaced by a placeholder line and blank
    lines, and the runs' rows; None when there is no run or the text holds the mark."""
    if data.find(b"- [") < 0 or _MARK_BYTES in data:
        return None
    runs: list[list[Row]] = []

    def replace(match: re.Match[bytes]) -> bytes:
        lines = match.group(0).splitlines()
        rows = _rows(lines)
        if rows is None:
            return match.group(0)
        runs.append(rows)
        return b"%s- %s%d\n%s" % (match.group(1), _MARK_BYTES, len(runs) - 1,
                                   b"\n" * (len(lines) - 1))

    text = _ROW_RUN.sub(replace, data)
    return (text, runs) if runs else None


def _rows(lines: list[bytes]) -> list[Row] | None:
    """The numbers of lines `- [a, b, ...]`, or None if any is not a number that reads
    exactly as written (it is then read with its line, by the events)."""
    inner = [line[line.index(b"[") + 1:line.rindex(b"]")] for line in lines]
    body = b",".join(inner)
    tokens = body.split(b",")
    # Within these characters, float() and int() read exactly YAML 1.2's decimal numbers
    # (no _, inf or nan can be written with them) and fail on anything else.
    try:
        if body.count(b".") == len(tokens):  # every item has its point: all floats
            values: Row = list(map(float, tokens))
        else:
            values = [float(t) if b"." in t or b"e" in t or b"E" in t else int(t)
                      for t in tokens]
            if any(abs(v) > _MAX_FLOAT for v in values):
                return None
    except ValueError:  # not numbers, or an integer of more digits than int() reads
        return None
    if _INF in values or _MINUS_INF in values or (0.0 in values and (
            b"e-" in body or b"E-" in body or _ZEROS in body)):
        return None  # too large, or too small to be told from 0
    rows, at = [], 0
    for part in inner:
        size = part.count(b",") + 1
        rows.append(values[at:at + size])
        at += size
    return rows


def _column(data: bytes, at: int) -> int:
    return at - data.rfind(b"\n", 0, at)


def _limits(loc: Loc) -> tuple[int, str, str] | None:
    """(most items, what they are, what to do) for the containers whose size is limited as
    the file is read."""
    if loc == ("nodes",):
        return MAX_NODES, "nodes", "split the scenario"
    if len(loc) == 3 and loc[0] == "nodes":
        if loc[2] == "states":
            return MAX_STATES, "states", "merge states, or split the node"
        if loc[2] in ("rows", "table"):
            return MAX_TABLE_ROWS, "table rows", "use fewer parents or fewer states"
    return None


class _Builder:
    """Plain data from libyaml's events in one loop (see the module's docstring)."""

    def __init__(self, doc: Document, runs: list[list[Row]] | None = None):
        self.doc = doc
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.repeated = 0  # bytes repeated by aliases so far
        self.runs = runs or []
        self.placed = 0  # placeholders met where their rows belong

    def fail(self, line: int | None, message: str, hint: str | None = None,
             limit: bool = False) -> NoReturn:
        kind = LimitError if limit else ScenarioError
        raise kind(Problem(message, file=self.doc.name, line=line, hint=hint))

    def build(self, data: bytes) -> Any:
        get = _PARSER(data).get_event
        lines = self.doc.lines
        anchors = self.anchors
        scalar_event, alias_event = events.ScalarEvent, events.AliasEvent
        map_start, seq_start = events.MappingStartEvent, events.SequenceStartEvent
        map_end, seq_end = events.MappingEndEvent, events.SequenceEndEvent
        words, special = _WORDS, _SPECIAL
        number_start, number_end, word_start = _NUMBER_START, _NUMBER_END, _WORD_START
        mark, max_float = _MARK, _MAX_FLOAT
        stack: list[tuple[Any, ...]] = []
        root: Any = _NO_KEY
        cur: Any = None  # the dict or list being filled
        is_map = False
        key: Any = _NO_KEY  # a mapping's key waiting for its value
        key_line = 0
        loc: Loc = ()
        line_here = -1  # 0-based line of the current container (its key's, in a mapping)
        limit: tuple[int, str, str] | None = None
        documents = 0
        while True:
            event = get()
            if event is None:
                break
            kind = type(event)
            if kind is scalar_event:
                value = event.value
                if event.tag is not None:
                    self._tag(event.tag, event.start_mark.line, loc)
                if is_map and key is _NO_KEY:
                    line = event.start_mark.line
                    if value in cur or not value or value == "<<":
                        self._bad_key(value, event, cur, loc, line)
                    key, key_line = value, line
                    if line != line_here:
                        lines[(*loc, value)] = line + 1
                    if limit is not None and len(cur) >= limit[0]:
                        self._past(limit, len(cur) + 1, line)
                    continue
                if not event.style:  # plain ("" from libyaml, None from PyYAML)
                    if not value:
                        value = None
                    else:
                        first = value[0]
                        if first in number_start:
                            found = special.get(value)
                            if found is not None:
                                value = found
                            elif (value[-1] in number_end and value.isascii()
                                  and "_" not in value):
                                try:  # see _number, for what this leaves to it
                                    number = (float(value) if "." in value or "e" in value
                                              or "E" in value else int(value))
                                except ValueError:
                                    number = None
                                if number is not None and 0 < abs(number) <= max_float:
                                    value = number
                                else:
                                    value = self._number(value, event.start_mark.line, loc)
                        elif first in word_start:
                            value = words.get(value, value)
                        elif first == mark:
                            self._place(value, event, cur, is_map, loc, line_here, limit)
                            continue
                if event.anchor is not None:
                    anchors[event.anchor] = (value, len(event.value))
                if is_map:
                    cur[key] = value
                    key = _NO_KEY
                    continue
                line = event.start_mark.line
            elif kind is map_start or kind is seq_start:
                line = event.start_mark.line
                if event.tag is not None:
                    self._tag(event.tag, line, loc)
                value = {} if kind is map_start else []
                if len(stack) >= MAX_DEPTH:
                    self.fail(line + 1, f"the data is nested more than {MAX_DEPTH} deep",
                              "close each [ and { where it ends", limit=True)
                if is_map:
                    if key is _NO_KEY:
                        self._complex_key(line, loc)
                    cur[key] = value
                    inner: Loc = (*loc, key)
                    inner_line = key_line
                elif cur is not None:
                    inner = (*loc, len(cur))
                    if limit is not None and len(cur) >= limit[0]:
                        self._past(limit, len(cur) + 1, line)
                    cur.append(value)
                    if line != line_here:
                        lines[inner] = line + 1
                    inner_line = line
                else:
                    root, inner, inner_line = value, (), line
                    lines[()] = line + 1
                stack.append((cur, is_map, loc, line_here, limit, event.anchor,
                              event.start_mark.index, self.repeated))
                cur, is_map, loc, line_here, key = value, kind is map_start, inner, inner_line, \
                    _NO_KEY
                limit = _limits(loc) if len(loc) < 4 else None
                continue
            elif kind is map_end or kind is seq_end:
                done = cur
                cur, is_map, loc, line_here, limit, anchor, start, repeated = stack.pop()
                key = _NO_KEY
                if anchor is not None:
                    anchors[anchor] = (done, event.end_mark.index - start
                                       + self.repeated - repeated)
                continue
            elif kind is alias_event:
                line = event.start_mark.line
                anchored = anchors.get(event.anchor)
                if anchored is None:
                    self.fail(line + 1, f"{_field(loc)}alias *{event.anchor} refers to no "
                                        "anchor before it", "define &" + event.anchor +
                                        " first; an alias inside its own anchor would repeat "
                                        "forever")
                value, size = anchored
                self.repeated += size
                if self.repeated > MAX_ALIAS_BYTES:
                    self.fail(line + 1, f"aliases repeat more than {MAX_ALIAS_BYTES:,} bytes "
                                        "of the file", "write the text out, or alias less",
                              limit=True)
                if is_map and key is _NO_KEY:
                    self._complex_key(line, loc)
            elif kind is events.DocumentStartEvent:
                documents += 1
                self._document(event, documents)
                continue
            else:
                continue
            # a scalar or an alias: the value of a key, an item, or the whole document
            if is_map:
                cur[key] = value
                key = _NO_KEY
            elif cur is not None:
                if line != line_here:
                    lines[(*loc, len(cur))] = line + 1
                if limit is not None and len(cur) >= limit[0]:
                    self._past(limit, len(cur) + 1, line)
                cur.append(value)
            else:
                root = value
                lines[()] = line + 1
        lines.setdefault((), 1)  # an empty file: its problems are on line 1
        return None if root is _NO_KEY else root

    def _place(self, value: str, event: Any, cur: Any, is_map: bool, loc: Loc, line_here: int,
               limit: tuple[int, str, str] | None) -> None:
        """A run of rows in place of its placeholder: the items of `cur`, a row a line."""
        index = value[1:]
        if (is_map or not isinstance(cur, list) or event.anchor is not None
                or not index.isdigit() or int(index) >= len(self.runs)):
            raise _NotThere
        rows = self.runs[int(index)]
        first, start = event.start_mark.line, len(cur)
        cur.extend(rows)
        for i in range(len(rows)):
            if first + i != line_here:
                self.doc.lines[(*loc, start + i)] = first + i + 1
        if limit is not None and len(cur) > limit[0]:
            self._past(limit, len(cur), first + len(rows) - 1)
        self.placed += 1

    def _number(self, text: str, line: int, loc: Loc) -> Any:
        """A plain scalar that may be a decimal number: int, float, or (not a number) text."""
        try:
            if _FLOAT_MARKS.isdisjoint(text):
                number: int | float = int(text)
                if abs(number) <= _MAX_FLOAT:
                    return number
                number = float("inf")
            else:
                number = float(text)
        except ValueError:
            try:  # an integer of more digits than int() reads
                number = float(text)
            except ValueError:
                return text
        if number in (float("inf"), float("-inf")):
            self.fail(line + 1, f"{_field(loc)}the number {_short(text)} is too large for a "
                                "floating-point number", "write a smaller number")
        if number == 0 and any(c in "123456789" for c in text.split("e")[0].split("E")[0]):
            self.fail(line + 1, f"{_field(loc)}the number {_short(text)} is too small: it "
                                "would be read as 0", "write 0, or a number above 1e-300")
        return number

    def _bad_key(self, key: str, event: Any, cur: dict[str, Any], loc: Loc, line: int) -> None:
        """Refuse a key written twice, an empty key or a merge key; a quoted "<<" is a name."""
        if key in cur:
            self._twice(key, loc, line)
        if not key:
            self.fail(line + 1, f"{_field(loc)}a key must not be empty",
                      "write a name before the colon")
        if not event.style:
            self.fail(line + 1, f"{_field(loc)}a merge key (<<) is not YAML 1.2: it is refused "
                                "here rather than read as a key named <<",
                      "write the keys out instead of merging an anchor (<<: *name)")

    def _tag(self, tag: str, line: int, loc: Loc) -> None:
        self.fail(line + 1, f"{_field(loc)}YAML tag {tag} is not allowed",
                  "scenario files hold plain data only; quote a value to make it text")

    def _complex_key(self, line: int, loc: Loc) -> None:
        self.fail(line + 1, f"{_field(loc)}a key must be a plain name or number",
                  "not a list, a mapping or an alias")

    def _twice(self, key: str, loc: Loc, line: int) -> None:
        first = self.doc.line_of((*loc, key))
        same = (" (keys are read as text, so 1 and \"1\" are the same key)"
                if key[:1] in _NUMBER_START or key in _WORDS else "")
        where = f"first written on line {first}; " if first is not None else ""
        self.fail(line + 1, f"{_field(loc)}key '{key}' is written twice in one mapping{same}",
                  where + "keep one of the two")

    def _past(self, limit: tuple[int, str, str], count: int, line: int) -> None:
        most, what, todo = limit
        self.fail(line + 1, f"more than {most:,} {what}, over the limit of {most:,}", todo,
                  limit=True)

    def _document(self, event: Any, documents: int) -> None:
        line = event.start_mark.line + 1
        if documents > 1:
            self.fail(line, "a scenario file holds one YAML document; this is a second one",
                      "remove the '---' line, or split the documents into files")
        if event.version is not None and tuple(event.version) != (1, 2):
            version = ".".join(map(str, event.version))
            self.fail(line, f"the file declares YAML {version}; scenario files are YAML 1.2",
                      "remove the %YAML line (in YAML 1.2, yes and no are text)")


def _field(loc: Loc) -> str:
    """`nodes.talks.prior: `, naming the field a message is about ("" at the top)."""
    return ".".join(map(str, loc)) + ": " if loc else ""


def _short(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:12]}...{text[-8:]} ({len(text):,} characters)"
