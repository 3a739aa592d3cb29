"""The names `scenario export` had to change for a format that restricts them, recorded in
the file it writes (a comment, or a Hugin attribute) so that reading the file back here
gives every node and state its name again. Other tools ignore the record.

The record is JSON in base64 (the standard alphabet: no `-`, so it may sit in an XML
comment), so that no name can break the comment or string that carries it:
`{"nodes": {written: name}, "states": {written node: {written: name}}}`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

LABEL = "scenario-names"


@dataclass(frozen=True)
class NameRecord:
    nodes: Mapping[str, str] = field(default_factory=dict)  # written -> original
    states: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # by written node

    def __bool__(self) -> bool:
        return bool(self.nodes or self.states)

    def encode(self) -> str:
        data = {"nodes": dict(self.nodes), "states": {n: dict(s) for n, s in self.states.items()}}
        raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        return base64.b64encode(raw).decode("ascii")


def decode(text: str) -> NameRecord | None:
    """The record, or None if `text` is not one (a hand-edited or foreign comment)."""
    try:
        raw = base64.b64decode(text, validate=True)
        data: Any = json.loads(raw.decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    nodes, states = data.get("nodes", {}), data.get("states", {})
    if not (_text_map(nodes) and isinstance(states, dict)
            and all(isinstance(k, str) and _text_map(v) for k, v in states.items())):
        return None
    return NameRecord(nodes, states)


def _text_map(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str)
                                           for k, v in value.items())
