"""`node: state` assignments: read from the command line's `NODE=STATE`, and checked
(what-ifs in a file, a query's given and do)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import NamedTuple

from ..errors import did_you_mean


class AssignmentProblem(NamedTuple):
    key: str  # the node named in the assignment
    blamed: str | None  # the node the problem is about: None when the name is unknown
    message: str
    hint: str


def assignment_problems(states: Mapping[str, Sequence[str]], assignment: Mapping[str, str],
                        what: str) -> Iterator[AssignmentProblem]:
    """Each unknown node, and each state not of its node."""
    for node, state in assignment.items():
        if node not in states:
            yield AssignmentProblem(node, None, f"{what}: unknown node '{node}'",
                                    did_you_mean(node, states))
        elif state not in states[node]:
            yield AssignmentProblem(node, node, f"{what}: '{state}' is not a state of '{node}'",
                                    did_you_mean(state, states[node]))


def split_assignment(text: str) -> tuple[str, str]:
    """`NODE=STATE` as (node, state), split at the first `=`; a node or state in quotes
    (`"a=b"=yes`, `'High (>100)'='yes, soon'`) is taken exactly as quoted, so a name may
    hold `=` or spaces at its ends. Raises ValueError saying what is wrong."""
    node, rest = _part(text, "=")
    if not rest.startswith("="):
        raise ValueError("expected NODE=STATE")
    state, after = _part(rest[1:], "")
    if after.strip():
        raise ValueError(f"unexpected text after the quoted state: {after.strip()!r}")
    if not node or not state:
        raise ValueError("both the node and the state must be given")
    return node, state


def _part(text: str, stop: str) -> tuple[str, str]:
    """A quoted or bare name at the start of `text` (a bare one runs to `stop`, or the end)
    and what follows it."""
    stripped = text.lstrip()
    if stripped[:1] in ("\"", "'"):
        quote = stripped[0]
        end = stripped.find(quote, 1)
        if end < 0:
            raise ValueError(f"a name opened with {quote} is not closed")
        return stripped[1:end], stripped[end + 1:].lstrip()
    end = text.find(stop) if stop else -1
    name, rest = (text, "") if end < 0 else (text[:end], text[end:])
    return name.strip(), rest
