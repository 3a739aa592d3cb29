"""Stage 1, load: YAML 1.2 text to plain Python data, remembering the line of every element.

ruamel.yaml reads YAML 1.2 (so `yes`, `no`, `on` and `off` stay strings), refuses a key
written twice in one mapping, and constructs no Python objects from tags. We copy its
result into plain dicts and lists under an element budget, so an alias bomb
("billion laughs") is refused rather than expanded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import LimitError, Problem, ScenarioError
from ..limits import MAX_DEPTH, MAX_ELEMENTS, MAX_FILE_BYTES

PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in
              ("map", "seq", "str", "int", "float", "bool", "null", "timestamp")}

Loc = tuple[str | int, ...]


@dataclass
class Document:
    """A scenario file's data with the line on which each element starts."""

    path: Path
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)
    digest: str = ""  # short hash of the text, to tell two printed briefings apart

    @property
    def name(self) -> str:
        return str(self.path)

    def line_of(self, loc: Loc) -> int | None:
        """The line of `loc`, or of its nearest enclosing element we know the line of."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(loc[:end])
            if line is not None:
                return line
        return None

    def item_lines(self, loc: Loc, n: int) -> npt.NDArray[np.int64]:
        """The lines of the first `n` items of the sequence at `loc` (0 where unknown)."""
        return np.array([self.line_of((*loc, i)) or 0 for i in range(n)], dtype=np.int64)

    def problem(self, loc: Loc, message: str, node: str | None = None,
                hint: str | None = None) -> Problem:
        return Problem(message, file=self.name, line=self.line_of(loc), node=node, hint=hint)


def read_document(path: str | Path) -> Document:
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ScenarioError(Problem(f"cannot read the scenario file: {exc.strerror}",
                                    file=str(path), hint="check the path")) from None
    if size > MAX_FILE_BYTES:
        raise LimitError(Problem(
            f"the file is {size:,} bytes, over the limit of {MAX_FILE_BYTES:,}", file=str(path),
            hint="split the scenario, or keep source texts in their own files"))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(Problem(f"the file is not UTF-8 text ({exc.reason})",
                                    file=str(path), hint="save it as UTF-8")) from None
    return parse_document(text, path)


def parse_document(text: str, path: str | Path = "<string>") -> Document:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    path = Path(path)
    _check_depth(text, path)
    yaml = YAML(typ="rt")
    try:
        with warnings.catch_warnings():  # e.g. a reused anchor: legal, and not ours to print
            warnings.simplefilter("ignore")
            raw = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or exc.context or "invalid YAML"
        hint = "check indentation, colons and quotes"
        duplicate = re.match(r'found duplicate key "(.*?)" with value', str(what))
        if duplicate:
            key = duplicate.group(1)
            first = _first_key_line(text, key, exc.problem_mark) if exc.problem_mark else None
            what = f"key '{key}' is written twice in one mapping"
            hint = (f"first written on line {first}; " if first else "") + "keep one of the two"
        raise ScenarioError(Problem(f"YAML syntax error: {what}", file=str(path), line=line,
                                    hint=hint)) from None
    except (YAMLError, ValueError, TypeError, LookupError, RecursionError) as exc:
        # ruamel's constructors fail on some malformed scalars with IndexError (`!!float 1x`)
        raise ScenarioError(Problem(f"YAML error: {exc}", file=str(path),
                                    hint="check the file's syntax")) from None
    doc = Document(path, None, digest=hashlib.sha256(text.encode()).hexdigest()[:12])
    budget = [MAX_ELEMENTS]
    doc.data = _plain(raw, (), doc, budget, 1)
    return doc


def _first_key_line(text: str, key: str, mark: Any) -> int | None:
    """The line of the earlier, same-indented `key:` that a duplicate key repeats."""
    lines = text.splitlines()
    for i in range(mark.line - 1, -1, -1):
        line = lines[i]
        indent = len(line) - len(line.lstrip(" -"))
        if indent < mark.column and line.strip():
            return None
        if indent == mark.column and line[indent:].startswith((f"{key}:", f"'{key}':",
                                                               f'"{key}":')):
            return i + 1
    return None


def _plain(node: Any, loc: Loc, doc: Document, budget: list[int], line: int) -> Any:
    """Copy ruamel's node into plain Python data, recording lines and refusing tags."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar

    budget[0] -= 1
    if budget[0] < 0:
        raise LimitError(doc.problem(loc, f"the file expands to more than {MAX_ELEMENTS:,} "
                                          "elements", hint="do not nest aliases (*name)"))
    if len(loc) > MAX_DEPTH:
        raise LimitError(doc.problem(loc, f"the data is nested more than {MAX_DEPTH} deep",
                                     hint="an alias (*name) inside its own anchor repeats "
                                          "forever"))
    doc.lines.setdefault(loc, line)
    tag = getattr(getattr(node, "tag", None), "value", None)
    if isinstance(node, TaggedScalar) or (tag and tag not in PLAIN_TAGS):
        raise ScenarioError(doc.problem(loc, f"YAML tag {tag or ''} is not allowed",
                                        hint="scenario files hold plain data only"))
    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        for key in node:
            kline = _line(node.lc.key(key), line)
            name = _key(key)
            if name is None:
                raise ScenarioError(Problem("a key must be a plain name or number",
                                            file=doc.name, line=kline,
                                            hint="not null, a list, a mapping or a tag"))
            doc.lines[(*loc, name)] = kline
            out[name] = _plain(node[key], (*loc, name), doc, budget, kline)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for i, item in enumerate(node):
            iline = _line(node.lc.item(i), line)
            doc.lines[(*loc, i)] = iline
            items.append(_plain(item, (*loc, i), doc, budget, iline))
        return items
    if isinstance(node, Mapping | list):
        raise ScenarioError(doc.problem(loc, "unsupported YAML construct"))
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        if abs(node) > sys.float_info.max:  # every number is used as a float
            raise ScenarioError(doc.problem(loc, "this number is too large"))
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, dt.datetime):
        return node.date() if not (node.hour or node.minute or node.second) else node
    if isinstance(node, dt.date):
        return dt.date(node.year, node.month, node.day)
    raise ScenarioError(doc.problem(loc, f"unsupported YAML value {type(node).__name__}"))


def _check_depth(text: str, path: Path) -> None:
    """Refuse brackets nested past MAX_DEPTH before ruamel spends minutes on them."""
    depth, line = 0, 1
    for match in re.finditer(r"[\[\]{}\n]", text):
        char = match.group()
        if char == "\n":
            line += 1
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise LimitError(Problem(f"brackets nested more than {MAX_DEPTH} deep",
                                         file=str(path), line=line,
                                         hint="close each [ and { where it ends"))
        else:
            depth = max(depth - 1, 0)


def _line(position: Any, default: int) -> int:
    """1-based line from ruamel's (line, column), which aliased elements lack."""
    return int(position[0]) + 1 if position else default


def _key(key: Any) -> str | None:
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, str | int | float):
        return str(key)
    if isinstance(key, dt.date):
        return key.isoformat()
    return None
