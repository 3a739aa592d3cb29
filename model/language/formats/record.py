"""The names `scenario export` had to change for a format that restricts them, recorded in
the file it writes (a comment, or a Hugin attribute) so that reading the file back here
gives every node and state its name again. Other tools ignore the record.

An influence diagram's record also keeps whose the decisions are (`actor`: the format has
one unnamed decision maker) and, where a format states what each decision knows in full so
that no forgetting is written out as arcs, each decision's own parents (`informed`: the
parents the scenario gives it and the parents written), restored while the file still
writes the same.

The record is JSON in base64 (the standard alphabet: no `-`, so it may sit in an XML
comment), so that no name can break the comment or string that carries it:
`{"nodes": {written: name}, "states": {written node: {written: name}}, "actor": name,
"informed": {decision: {"parents": [name, ...], "written": [name, ...]}}}`, names in
`informed` as the scenario has them.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

LABEL = "scenario-names"
# The record nests 4 deep ({"informed": {decision: {"parents": [...]}}}); past this it is not
# one, and is told apart before json.loads recurses into it.
MAX_DEPTH = 8
_JSON_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"')
_OPEN = np.frombuffer(b"[{", dtype=np.uint8)
_CLOSE = np.frombuffer(b"]}", dtype=np.uint8)


@dataclass(frozen=True)
class Informed:
    """A decision's parents as the scenario gives them, and as the file writes them."""

    parents: tuple[str, ...]
    written: tuple[str, ...]


@dataclass(frozen=True)
class NameRecord:
    nodes: Mapping[str, str] = field(default_factory=dict)  # written -> original
    states: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # by written node
    actor: str | None = None  # whose the decisions and utilities are
    informed: Mapping[str, Informed] = field(default_factory=dict)  # by original decision

    def __bool__(self) -> bool:
        return bool(self.nodes or self.states or self.actor or self.informed)

    def encode(self) -> str:
        data: dict[str, Any] = {"nodes": dict(self.nodes),
                                "states": {n: dict(s) for n, s in self.states.items()}}
        if self.actor is not None:
            data["actor"] = self.actor
        if self.informed:
            data["informed"] = {d: {"parents": list(i.parents), "written": list(i.written)}
                                for d, i in self.informed.items()}
        raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        return base64.b64encode(raw).decode("ascii")


def decode(text: str) -> NameRecord | None:
    """The record, or None if `text` is not one (a hand-edited or foreign comment)."""
    try:
        raw = base64.b64decode(text, validate=True)
        if _depth(raw) > MAX_DEPTH:
            return None
        data: Any = json.loads(raw.decode())
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    nodes, states = data.get("nodes", {}), data.get("states", {})
    actor, informed = data.get("actor"), data.get("informed", {})
    if not (_text_map(nodes) and isinstance(states, dict)
            and all(isinstance(k, str) and _text_map(v) for k, v in states.items())
            and (actor is None or isinstance(actor, str)) and isinstance(informed, dict)
            and all(isinstance(k, str) and isinstance(v, dict)
                    and _names(v.get("parents")) and _names(v.get("written"))
                    for k, v in informed.items())):
        return None
    return NameRecord(nodes, states, actor,
                      {d: Informed(tuple(v["parents"]), tuple(v["written"]))
                       for d, v in informed.items()})


def _depth(raw: bytes) -> int:
    """How deep the JSON's lists and objects nest (strings aside), found without parsing:
    json.loads recurses once per level, so '[' * 100,000 would exhaust the stack."""
    bare = _JSON_STRING.sub(b'""', raw)
    codes = np.frombuffer(bare, dtype=np.uint8)
    steps = np.isin(codes, _OPEN).astype(np.int8) - np.isin(codes, _CLOSE).astype(np.int8)
    return int(np.cumsum(steps, dtype=np.int64).max(initial=0))


def _names(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _text_map(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str)
                                           for k, v in value.items())
