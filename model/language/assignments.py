"""Checks of `node: state` assignments (what-ifs in a file, a query's given and do)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from ..errors import did_you_mean


def assignment_problems(states: Mapping[str, Sequence[str]], assignment: Mapping[str, str],
                        what: str) -> Iterator[tuple[str | None, str, str]]:
    """(node, message, hint) for each state not of its node, and (None, message, hint) for
    each unknown node (a problem no node of the file can be blamed for)."""
    for node, state in assignment.items():
        if node not in states:
            yield None, f"{what}: unknown node '{node}'", did_you_mean(node, states)
        elif state not in states[node]:
            yield (node, f"{what}: '{state}' is not a state of '{node}'",
                   did_you_mean(state, states[node]))
