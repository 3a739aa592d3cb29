"""Checks of `node: state` assignments (what-ifs in a file, a query's given and do)."""

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
