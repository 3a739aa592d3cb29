"""Scenario data written as YAML that every YAML reader reads back as the same data.

The importer writes through this serializer, never by pasting names into text: a scalar is
written plain only when it is a word no YAML reader (1.1 or 1.2) takes for anything but that
string, and otherwise double-quoted with every character that could end a line, act on a
terminal or confuse a reader escaped, so no name can break the file (a trailing newline,
quotes, `#`, `: `). Numbers are written with every digit (shortest round trip) and always
with a point, so a YAML 1.1 reader takes `1.0e-05` for a number too.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

# Plain only: starts with a letter or _, then letters, digits, _ - . (no spaces, no
# indicators), and is not a word some YAML version reads as a boolean or null.
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*", re.ASCII)
_PLAIN_TEXT = re.compile(r"[A-Za-z_(][A-Za-z0-9_.\-;()/ ]*[A-Za-z0-9_.)]", re.ASCII)
_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf"}
# Characters a YAML reader refuses in the file or takes for a line break, and those that act
# on a terminal or change how text reads (errors.CONTROL: the bidirectional overrides and
# isolates, zero-width and tag characters), escaped in quoted text; a comment escapes the C0
# controls too (a quoted string escapes those itself).
_UNSAFE = ("\x7f-\x9f\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069"
           "\ufeff\ufffe\uffff\ud800-\udfff\U000e0000-\U000e007f")
_ESCAPE = re.compile(f"[{_UNSAFE}]")
_COMMENT_ESCAPE = re.compile(f"[\x00-\x1f{_UNSAFE}]")


def _escaped(match: re.Match[str]) -> str:
    """A character as YAML's double-quoted escape: `\\u202e`, `\\U000e0041`."""
    code = ord(match.group())
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def scalar(value: Any) -> str:
    """One value as a YAML scalar (str, float, int, bool, None or date)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float):
        return number(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return string(str(value))


def string(text: str) -> str:
    if text.lower() not in _WORDS and (_PLAIN_NAME.fullmatch(text) or (
            _PLAIN_TEXT.fullmatch(text) and "  " not in text)):
        return text
    quoted = json.dumps(text, ensure_ascii=False)
    return _ESCAPE.sub(_escaped, quoted)


def number(value: float) -> str:
    text = repr(float(value))
    if "e" in text and "." not in text.split("e")[0]:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}.0e{exponent}"
    return text


def comment(text: str) -> str:
    """Text safe inside a `#` comment: nothing that ends the line or that a reader refuses."""
    return _COMMENT_ESCAPE.sub(_escaped, text)


def flow(value: Any) -> str:
    """Any plain data in flow style: `{a: [1.0, 2.0], b: c}`."""
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{string(str(k))}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Sequence) and not isinstance(value, str):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return scalar(value)


def row(values: Sequence[float]) -> str:
    return "[" + ", ".join(map(number, values)) + "]"


def dump(data: Mapping[str, Any], head: Sequence[str] = (),
         row_notes: Mapping[str, Sequence[str]] | None = None) -> str:
    """A scenario's data as YAML: top-level keys in order, `nodes` one block per node, each
    node's `rows` one line per row (with `row_notes[node][i]` as its comment), `utilities`
    one line per row, the rest in flow style. `head` lines open the file as comments."""
    lines = [f"# {comment(line)}" for line in head]
    for key, value in data.items():
        if key == "nodes" and isinstance(value, Mapping):
            lines.append("nodes:")
            for name, node in value.items():
                lines.append(f"  {string(str(name))}:")
                lines += _node(node, (row_notes or {}).get(str(name)))
        elif key == "utilities" and isinstance(value, Mapping):
            lines.append("utilities:")
            for actor, rows in value.items():
                lines.append(f"  {string(str(actor))}:")
                lines += [f"    - {flow(r)}" for r in rows]
        elif isinstance(value, Mapping | list | tuple):
            lines.append(f"{string(key)}: {flow(value)}")
        else:
            lines.append(f"{string(key)}: {scalar(value)}")
    return "\n".join(lines) + "\n"


def _node(node: Mapping[str, Any], notes: Sequence[str] | None) -> list[str]:
    lines = []
    for key, value in node.items():
        if key == "rows":
            lines.append("    rows:")
            for i, values in enumerate(value):
                note = f"  # {comment(notes[i])}" if notes else ""
                lines.append(f"      - {row(values)}{note}")
        else:
            lines.append(f"    {string(key)}: {flow(value)}")
    return lines
