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
import json
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
        if mark is not None and _tab_at(data, mark.line, mark.column, exc.problem or ""):
            raise ScenarioError(Problem(f"YAML syntax error: a tab at column {mark.column + 1}: "
                                        "YAML indents with spaces only", file=str(path),
                                        line=mark.line + 1,
                                        hint="replace the tab with spaces")) from None
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


def _tab_at(data: bytes, line: int, column: int, problem: str) -> bool:
    """Whether a syntax error is a tab's: libyaml names it ("a tab character that violates
    indentation") or stops at one ("found character that cannot start any token")."""
    if "tab character" in problem:
        return True
    lines = re.split(rb"\r\n|\r|\n", data)
    if not 0 <= line < len(lines):
        return False
    text = lines[line].decode("utf-8", "replace")
    return text[column:column + 1] == "\t"


def _read_fast(data: bytes, doc: Document) -> Any:
    """The document's data, with runs of rows of numbers, one-line flow collections and long
    tables' items read in bulk where that is exact.

    Consecutive lines that are items of one block sequence, each a flow sequence of decimal
    numbers (`- [0.1, 0.9]`, as compact tables are written), are handed to libyaml as one
    placeholder item and blank lines, and their numbers read here in bulk, many times faster
    than an event per number. Where most lines hold a flow collection (a long table), each
    that ends its line (`when: {a: x}`, `p: {"x": 0.25}`, `because: [{assumption: a guess}]`)
    is read here too when it holds only plain words, numbers and quoted text without
    escapes, and handed to libyaml as one placeholder scalar; an item that is a mapping of
    such collections, a key a line (a long table's row), as one placeholder item. A
    placeholder starts with a private-use character the text does not hold; where the file
    may hold an anchor it is padded with spaces to the length of what it replaces, so the
    bytes aliases repeat are those of the text. The result is kept only if every placeholder
    came back as a plain value or item where the text it replaces would have been parsed (in
    a block scalar, a comment, a quoted or a folded plain scalar, it would not); lines of the
    same indentation that follow an item are the items after it. Otherwise, or on any error,
    the text is read as written, so errors and results are always those of the text
    itself."""
    if _MARKS in data:
        return _Builder(doc).build(data)
    rows = _placeholders(data)
    pieces, runs = rows if rows is not None else ([data], [])
    flows = _flow_placeholders(pieces)
    text, found_flows, items = flows if flows is not None else (b"".join(pieces), {}, {})
    if runs or found_flows or items:
        builder = _Builder(doc, runs, found_flows, items)
        try:
            found = builder.build(text)
        except (yaml.YAMLError, ScenarioError, _NotThere):
            found = _NotThere
        if (found is not _NotThere and builder.placed == len(runs) and not builder.flows
                and not builder.items):
            return found
        doc.lines.clear()
    return _Builder(doc).build(data)


class _NotThere(Exception):
    """A placeholder met where its rows would not have been."""


_MARK = "\ue000"
# A row may end with a comment (the importer notes each row's parent states there), which
# is blanked with the row: a comment holds no data.
_ROW = rb"- \[[-+0-9.eE, \t]*\](?:[ \t]+#[^\r\n\x00-\x08\x0b-\x1f\x7f]*)?[ \t]*\r?\n"
_ROW_RUN = re.compile(rb"^([ \t]*)" + _ROW + rb"(?:\1" + _ROW + rb")*", re.MULTILINE)
_ZEROS = b"0" * 300  # a number this long may be too small to be told from 0
# Every byte but a line feed as a space (a \r before one too: the lines stay where they are).
_TO_SPACES = bytes.maketrans(bytes(range(256)), b" " * 10 + b"\n" + b" " * 245)


def _keep_marks(data: bytes) -> bool:
    """Whether placeholders must keep the length of what they replace, so that libyaml's
    marks after them stay those of the text: where an anchor may be, whose size in the
    text aliases are budgeted by. Elsewhere they are shorter, and libyaml reads less."""
    return b"&" in data

Row = list[int | float]


def _placeholders(data: bytes) -> tuple[list[bytes], list[list[Row]]] | None:
    """The text with each run of rows of numbers replaced by a placeholder line and lines of
    spaces, in pieces (the text before the first run, the first run, the text after it...),
    and the runs' rows; None when there is no run."""
    if data.find(b"- [") < 0:
        return None
    runs: list[list[Row]] = []
    keep = _keep_marks(data)

    def replace(match: re.Match[bytes]) -> bytes | None:
        lines = match.group(0).splitlines(keepends=True)
        if b"#" in match.group(0) and not match.group(0).isascii() and \
                _UNSAFE.search(match.group(0).decode("utf-8", "replace")):
            return None  # a comment libyaml's reader would refuse: read as written
        rows = _rows(lines)
        # the mark is one character in three bytes; each line keeps its length in characters
        first = b"%s- %s%d" % (match.group(1), _MARK_BYTES, len(runs))
        width = len(first) - len(_MARK_BYTES) + 1
        if rows is None or width > len(lines[0].rstrip(b"\r\n")):
            return None
        runs.append(rows)
        if not keep:
            return first + b"\n" * len(lines)
        return first + match.group(0)[width:].translate(_TO_SPACES)

    pieces, at = [], 0  # the text between runs, and the runs replaced
    for match in _ROW_RUN.finditer(data):
        replaced = replace(match)
        if replaced is not None:
            pieces += [data[at:match.start()], replaced]
            at = match.end()
    pieces.append(data[at:])
    return (pieces, runs) if runs else None


def _rows(lines: list[bytes]) -> list[Row] | None:
    """The numbers of lines `- [a, b, ...]`, or None if any is not a number that reads
    exactly as written (it is then read with its line, by the events)."""
    inner = [line[line.index(b"[") + 1:line.index(b"]")] for line in lines]
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


_FLOW_MARK, _ITEM_MARK = "\ue001", "\ue002"
_MARKS = _MARK_BYTES[:1]  # how U+E000 to U+EFFF (private use) begin in UTF-8: one search
_FLOW_DEPTH = 2  # deeper flow collections are left to the events
# What text read here holds (all but the rest of a line after a line break): a quoted scalar
# no escape, and nothing libyaml's reader refuses or breaks a line at. Bytes beyond ASCII
# are checked once decoded (_UNSAFE).
_NOT_QUOTED = rb"\\\x00-\x1f\x7f"
_UNSAFE = re.compile("[\x80-\x9f\u2028\u2029\ufeff\ufffe\uffff]")  # NEL, C1, U+2028...
_COMMENT = rb"#[\t\x20-\x7e]*"
_LINE_END = rb"(?: +" + _COMMENT + rb")? *\r?$"
# A flow collection that ends its line after `key: `, or after the `- ` of an item.
_FLOW_VALUE = re.compile(rb": ([\[{][^\n\r]*[\]}])(?=" + _LINE_END + rb")", re.MULTILINE)
_FLOW_ITEM = re.compile(rb"- (?<![^\n ]- )([\[{][^\n\r]*[\]}])(?=" + _LINE_END + rb")",
                        re.MULTILINE)
# A plain scalar that YAML 1.2 reads as text whatever it holds: it starts with a letter (or
# another character that starts neither a number, nor `~`, nor an indicator), is not one of
# the words for true, false and null, and has no character that could end it early (`: `,
# ` #`, a comma or bracket) or make it something else; spaces may join its words.
_TEXT_CHAR = rb"[A-Za-z0-9_.~+\-/()$^=;<>\x80-\xff]"
_TEXT = (rb"(?<!" + _TEXT_CHAR + rb")(?!(?:true|false|null|True|False|Null|TRUE|FALSE|NULL)"
         rb"(?! *" + _TEXT_CHAR + rb"))[A-Za-z_(/<=$^;)\x80-\xff]" + _TEXT_CHAR
         + rb"*(?: +" + _TEXT_CHAR + rb"+)*")
# Quoted scalars and plain text, to be written as JSON strings; numbers, true, false, null
# and the rest are left as written, for _JSON_FLOW to accept only where JSON reads them as
# YAML 1.2 does.
_TO_JSON = re.compile(rb'"([^"' + _NOT_QUOTED + rb']*)"|\'([^\'"' + _NOT_QUOTED + rb"]*)'|("
                      + _TEXT + rb")")
_JSON_STRING = rb'"[^"' + _NOT_QUOTED + rb"]*\""
_JSON_KEY = rb'"[^"' + _NOT_QUOTED + rb"]{0,1000}\""  # libyaml reads a key within 1,024 characters
# Decimal numbers that JSON reads as float() and int() do, none beyond floating point.
_JSON_NUMBER = rb"-?(?:0|[1-9][0-9]{0,16})(?:\.[0-9]{1,20})?(?:[eE][-+]?[0-9]{1,2})?"


def _quoted(match: re.Match[bytes]) -> bytes:
    """What _TO_JSON found, as a JSON string (a function: faster than a template here)."""
    return b'"%s"' % match[match.lastindex or 0]


def _json_collections(value: bytes) -> bytes:
    """A flow mapping or sequence of `value`s, with `: ` after keys as YAML writes it."""
    pair = _JSON_KEY + rb": +" + value
    return (rb"\{ *(?:" + pair + rb"(?: *, *" + pair + rb")*)? *\}"
            rb"|\[ *(?:" + value + rb"(?: *, *" + value + rb")*)? *\]")


_JSON_SCALAR = rb"(?:" + _JSON_STRING + rb"|" + _JSON_NUMBER + rb"|true|false|null)"
_JSON_FLOW = re.compile(_json_collections(rb"(?:" + _JSON_SCALAR + rb"|"
                                          + _json_collections(_JSON_SCALAR) + rb")"))
# An item `- key: {...}` whose further keys follow a line each, indented by two; no line
# after it more indented (which would continue the mapping, or the placeholder's text).
_ITEM_KEY = rb'[A-Za-z_][A-Za-z0-9_]*|"[^"' + _NOT_QUOTED + rb"]{1,1000}\""
_ITEM_LINE = rb"(" + _ITEM_KEY + rb"): ([\[{][^\n\r]*[\]}])" + _LINE_END
_ITEM = re.compile(rb"\n( *+)- (?:" + _ITEM_LINE + rb")(?:\n\1  " + _ITEM_LINE + rb")*"
                   rb"(?=\n)(?!(?:\n *(?:" + _COMMENT + rb")?\r?(?=\n))*\n\1 +[^ \r\n#])",
                   re.MULTILINE)
_ITEM_ENTRY = re.compile(_ITEM_LINE, re.MULTILINE)
Item = tuple[dict[str, Any], list[str]]  # an item's data, and the keys after its first line
_BAD_KEY = re.compile(rb'"(?:<<)?": ')


def _chars(text: bytes) -> int:
    return len(text) if text.isascii() else len(text.decode())


def _flow_placeholders(pieces: list[bytes]) -> tuple[bytes, dict[str, Any], dict[str, Item]] | None:
    """The text (in pieces: runs of rows replaced, between the text to read) with each item
    of a block sequence that is a mapping of one-line flow collections, a key a line (a long
    table's row), replaced by a placeholder item, and each other one-line flow collection by
    a placeholder scalar, where they hold only text, numbers and quoted text without
    escapes; the collections and the items by placeholder. None when there are none.

    Each is written as JSON (its plain text quoted) and all are read in one call of the json
    module, which reads the numbers _JSON_FLOW lets through exactly as YAML 1.2 does."""
    as_json: dict[bytes, bytes | None] = {}  # each collection's JSON (tables repeat `because`)
    batch: list[bytes] = []  # the JSON of each placeholder's data
    placeholders: list[str] = []
    later: list[list[str]] = []  # each item's keys after its first line

    def json_of(written: bytes) -> bytes | None:
        found = as_json.get(written, b"")
        if found == b"":
            found = written if _JSON_FLOW.fullmatch(written) else _TO_JSON.sub(_quoted, written)
            if not _JSON_FLOW.fullmatch(found) or not (
                    written.isascii() or _UNSAFE.search(written.decode()) is None):
                found = None
            as_json[written] = found
        return found

    def item(match: re.Match[bytes]) -> bytes:
        written = match.group()
        placeholder = f"{_ITEM_MARK}{len(batch)}"
        _, first, *rest = written.split(b"\n")
        start = b"%s- %s" % (match.group(1), placeholder.encode())
        pad = _chars(first) - len(match.group(1)) - 2 - len(placeholder)
        if pad < 0:
            return written  # its flow collections may still be read one by one
        keys, parts = [], []
        for key, flow in _ITEM_ENTRY.findall(written):  # a key and its collection a line
            found = json_of(flow)
            if found is None or not (key.isascii() or _UNSAFE.search(key.decode()) is None):
                return written
            keys.append((key[1:-1] if key[:1] == b'"' else key).decode())
            parts.append(b'"%s": %s' % (key.strip(b'"'), found))
        batch.append(b"{" + b", ".join(parts) + b"}")
        placeholders.append(placeholder)
        later.append(keys[1:])
        if not keep:
            return b"\n" + start + b"\n" * len(rest)
        # the rest as spaces (a \r too: the line breaks stay where they are)
        return b"\n".join([b"", start + b" " * pad, *(b" " * _chars(line) for line in rest)])

    def flow(match: re.Match[bytes]) -> bytes:
        written, start, line = match.group(1), match.start(1), match.string
        if written.count(b",") < 2:
            return match.group()  # a few events read one or two elements faster than this
        if b"#" in line[line.rfind(b"\n", 0, start) + 1:start]:
            return match.group()  # perhaps in a comment, where no placeholder would be met
        found = json_of(written)
        placeholder = f"{_FLOW_MARK}{len(batch)}"
        pad = _chars(written) - len(placeholder)
        if found is None or pad < 0:
            return match.group()
        batch.append(found)
        placeholders.append(placeholder)
        return match.group()[:2] + placeholder.encode() + b" " * (pad if keep else 0)

    text = pieces[::2]  # not the runs of rows: many bytes, nothing to find
    if sum(t.count(b"{") + t.count(b"[") for t in text) < sum(t.count(b"\n") for t in text):
        return None  # fewer than a collection a line: their events cost less than the search
    pieces = pieces[:]
    keep = any(map(_keep_marks, pieces))
    for at in range(0, len(pieces), 2):
        for pattern, replace in ((_ITEM, item), (_FLOW_VALUE, flow), (_FLOW_ITEM, flow)):
            pieces[at] = pattern.sub(replace, pieces[at])
    if not batch:
        return None
    joined = b"[" + b",".join(batch) + b"]"
    values = json.loads(joined)
    # JSON keeps the last of a key written twice, where YAML refuses the file; every key is
    # followed by `": ` (and little else is), so a key lost shows in the count. An empty key
    # is refused, and "<<" is a merge key unless quoted: the events read those.
    if joined.count(b'": ') != _keys(values) or _BAD_KEY.search(joined):
        return None
    flows, items = {}, {}
    keys_after = iter(later)
    for placeholder, value in zip(placeholders, values, strict=True):
        if placeholder[0] == _FLOW_MARK:
            flows[placeholder] = value
        else:
            items[placeholder] = (value, next(keys_after))
    return b"".join(pieces), flows, items


def _keys(values: Any) -> int:
    """How many keys the mappings in these collections hold."""
    count = 0
    for value in values:
        if value.__class__ is dict:
            count += len(value)
            value = value.values()
        elif value.__class__ is not list:
            continue
        for inner in value:
            if inner.__class__ is dict or inner.__class__ is list:
                count += _keys((inner,))
    return count


class _Refused(Exception):
    """A plain scalar written as a number beyond floating point (`1e400`, `1e-400`)."""

    def __init__(self, large: bool):
        self.large = large


def _decimal(text: str) -> Any:
    """A plain scalar that starts like a number: int, float, or (not a number) text."""
    found = _SPECIAL.get(text)
    if found is not None:
        return found
    if text[-1] not in _NUMBER_END or not text.isascii() or "_" in text:
        return text
    # ASCII without _, ending in a digit or a point: int() and float() read YAML 1.2's
    # decimal numbers and refuse everything else (0x1F, 0o17, 1e5.5)
    number: int | float
    try:
        if _FLOAT_MARKS.isdisjoint(text):
            number = int(text)
            if abs(number) <= _MAX_FLOAT:
                return number
            number = _INF
        else:
            number = float(text)
    except ValueError:
        try:  # an integer of more digits than int() reads
            number = float(text)
        except ValueError:
            return text
    if number in (_INF, _MINUS_INF):
        raise _Refused(large=True)
    if number == 0 and text.partition("e")[0].partition("E")[0].strip("+-.0"):
        raise _Refused(large=False)  # a digit other than 0 before the exponent: underflow
    return number


def _fits(value: Any, loc: Loc) -> bool:
    """Whether a flow collection read at `loc`, and those inside it, are within the limits
    applied as the file is read (see _limits)."""
    limit = _limits(loc)
    if limit is not None and len(value) > limit[0]:
        return False
    if len(loc) >= 3:  # nothing deeper is limited
        return True
    items = value.items() if isinstance(value, dict) else enumerate(value)
    return all(_fits(item, (*loc, at)) for at, item in items if isinstance(item, (dict, list)))


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

    def __init__(self, doc: Document, runs: list[list[Row]] | None = None,
                 flows: dict[str, Any] | None = None, items: dict[str, Item] | None = None):
        self.doc = doc
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.repeated = 0  # bytes repeated by aliases so far
        self.runs = runs or []
        self.flows = flows or {}  # by placeholder, the flow collections not met yet
        self.items = items or {}  # and the items of flow collections
        self.placed = 0  # placeholders of runs of rows met where the rows belong

    def fail(self, line: int | None, message: str, hint: str | None = None,
             limit: bool = False, loc: Loc | None = None) -> NoReturn:
        """Refuse the file at `line`; `loc`, where given, names the node and the place the
        message is about (`node 'talks': table row 2, p.yes: ...`)."""
        kind = LimitError if limit else ScenarioError
        node, where = place(loc or ())
        message = f"{where}: {message}" if where else message
        raise kind(Problem(message, file=self.doc.name, line=line, node=node, hint=hint))

    def build(self, data: bytes) -> Any:
        get = _PARSER(data).get_event
        lines = self.doc.lines
        anchors = self.anchors
        scalar_event, alias_event = events.ScalarEvent, events.AliasEvent
        map_start, seq_start = events.MappingStartEvent, events.SequenceStartEvent
        map_end, seq_end = events.MappingEndEvent, events.SequenceEndEvent
        words, decimal = _WORDS, _decimal
        number_start, word_start, mark, flow_mark = _NUMBER_START, _WORD_START, _MARK, _FLOW_MARK
        flows, deepest_flow, item_mark = self.flows, MAX_DEPTH - _FLOW_DEPTH, _ITEM_MARK
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
                        # YAML 1.2's core schema, and the placeholders of _read_fast
                        if first in number_start:
                            try:
                                value = decimal(value)
                            except _Refused as refused:
                                self._refuse(value, refused, event.start_mark.line, loc)
                        elif first in word_start:
                            value = words.get(value, value)
                        elif first == mark:
                            self._place(value, event, cur, is_map, loc, line_here, limit)
                            continue
                        elif first == flow_mark:  # where a flow collection was written
                            value = flows.pop(value, _NO_KEY)
                            # on its key's line (its elements then have no line of their own
                            # to record), within the nesting and size limits
                            if (value is _NO_KEY or cur is None or event.anchor is not None
                                    or len(stack) > deepest_flow
                                    or (is_map and event.start_mark.line != key_line)
                                    or (len(loc) < 3 and not _fits(value, (
                                        *loc, key if is_map else len(cur))))):
                                raise _NotThere
                        elif first == item_mark:
                            value = self._item(value, event, cur, is_map, loc, len(stack))
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
                    self.fail(line + 1, f"alias *{event.anchor} refers to no anchor before it",
                              "define &" + event.anchor + " first; an alias inside its own "
                              "anchor would repeat forever", loc=loc)
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

    def _item(self, value: str, event: Any, cur: Any, is_map: bool, loc: Loc,
              depth: int) -> Any:
        """A mapping of flow collections in place of its placeholder, an item of `cur`, with
        the lines of its keys after the first."""
        found = self.items.pop(value, None)
        if (found is None or is_map or cur is None or event.anchor is not None
                or depth + 1 + _FLOW_DEPTH > MAX_DEPTH
                or (len(loc) < 3 and not _fits(found[0], (*loc, len(cur))))):
            raise _NotThere
        data, later = found
        line = event.start_mark.line
        for offset, key in enumerate(later, 2):
            self.doc.lines[(*loc, len(cur), key)] = line + offset
        return data

    def _refuse(self, text: str, refused: _Refused, line: int, loc: Loc) -> NoReturn:
        if refused.large:
            self.fail(line + 1, f"the number {_short(text)} is too large for a floating-point "
                                "number", "write a smaller number", loc=loc)
        self.fail(line + 1, f"the number {_short(text)} is too small: it would be read as 0",
                  "write 0, or a number above 1e-300", loc=loc)

    def _bad_key(self, key: str, event: Any, cur: dict[str, Any], loc: Loc, line: int) -> None:
        """Refuse a key written twice, an empty key or a merge key; a quoted "<<" is a name."""
        if key in cur:
            self._twice(key, loc, line)
        if not key:
            self.fail(line + 1, "a key must not be empty", "write a name before the colon",
                      loc=loc)
        if not event.style:
            self.fail(line + 1, "a merge key (<<) is not YAML 1.2: it is refused here rather "
                                "than read as a key named <<",
                      "write the keys out instead of merging an anchor (<<: *name)", loc=loc)

    def _tag(self, tag: str, line: int, loc: Loc) -> None:
        self.fail(line + 1, f"YAML tag {tag} is not allowed",
                  "scenario files hold plain data only; quote a value to make it text", loc=loc)

    def _complex_key(self, line: int, loc: Loc) -> None:
        self.fail(line + 1, "a key must be a plain name or number",
                  "not a list, a mapping or an alias", loc=loc)

    def _twice(self, key: str, loc: Loc, line: int) -> None:
        first = self.doc.line_of((*loc, key))
        same = (" (keys are read as text, so 1 and \"1\" are the same key)"
                if key[:1] in _NUMBER_START or key in _WORDS else "")
        where = f"first written on line {first}; " if first is not None else ""
        self.fail(line + 1, f"key '{key}' is written twice in one mapping{same}",
                  where + "keep one of the two", loc=loc)

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


# How the items of a list are counted in messages, by the list's key: from 1, in words.
_ITEMS = {"table": "table row", "estimates": "estimate", "because": "because entry",
          "what_ifs": "what-if", "judgements": "judgement", "evidence": "evidence entry",
          "resolutions": "resolution", "rows": "rows, row", "states": "state",
          "parents": "parent"}


def place(loc: Loc) -> tuple[str | None, str]:
    """Where `loc` is, as a reader counts: the node it is in (None outside the nodes) and
    the place within it, items numbered from 1 and named (`table row 2, p.yes`,
    `what-if 1, given.talks`, `evidence entry 3, date`; "" for the node or file itself)."""
    node = None
    chunks: list[str] = []
    if len(loc) >= 2 and loc[0] == "nodes":
        node, loc = str(loc[1]), loc[2:]
    elif len(loc) >= 3 and loc[0] == "utilities" and isinstance(loc[2], int):
        chunks.append(f"utility row {loc[2] + 1} of '{loc[1]}'")
        loc = loc[3:]
    keys: list[str] = []
    for part in loc:
        if not isinstance(part, int):
            keys.append(str(part))
            continue
        word = _ITEMS.get(keys[-1]) if len(keys) == 1 else None
        chunks.append(f"{word} {part + 1}" if word else
                      f"{'.'.join(keys)} item {part + 1}" if keys else f"item {part + 1}")
        keys = []
    if keys:
        chunks.append(".".join(keys))
    return node, ", ".join(chunks)


def _short(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:12]}...{text[-8:]} ({len(text):,} characters)"
