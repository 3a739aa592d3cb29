"""The network as plain arrays: states, parents and tables, the form every engine reads.

Interventions are graph surgery on this form: `do(X=x)` cuts X's parent links and gives X
all its probability on x, which is what distinguishes it from observing X=x.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..errors import Problem, QueryError, did_you_mean
from ..language.tables import FloatArray

Assignment = Mapping[str, str]


@dataclass(frozen=True)
class Net:
    """A discrete Bayesian network; nodes in topological order, tables (card, *parent_cards)."""

    states: Mapping[str, tuple[str, ...]]
    parents: Mapping[str, tuple[str, ...]]
    tables: Mapping[str, FloatArray]

    @property
    def nodes(self) -> list[str]:
        return list(self.states)

    def children(self, node: str) -> list[str]:
        return [n for n, ps in self.parents.items() if node in ps]

    def check_assignment(self, assignment: Assignment | None, what: str) -> dict[str, str]:
        """Names and states of a query's `given` or `do`, checked, with 'did you mean'."""
        problems: list[Problem] = []
        for node, state in (assignment or {}).items():
            if node not in self.states:
                problems.append(Problem(f"{what}: unknown node '{node}'", node=node,
                                        hint=did_you_mean(node, self.states)))
            elif state not in self.states[node]:
                problems.append(Problem(f"{what}: '{state}' is not a state of '{node}'",
                                        node=node, hint=did_you_mean(state, self.states[node])))
        if problems:
            raise QueryError(problems)
        return dict(assignment or {})

    def check_node(self, node: str, file: str | None = None) -> str:
        if node not in self.states:
            raise QueryError(Problem(f"unknown node '{node}'", file=file, node=node,
                                     hint=did_you_mean(node, self.states)))
        return node

    def intervene(self, do: Assignment) -> Net:
        """The mutilated network of do(do): set nodes lose their parents and become certain."""
        if not do:
            return self
        parents = dict(self.parents)
        tables = dict(self.tables)
        for node, state in do.items():
            table = np.zeros(len(self.states[node]))
            table[self.states[node].index(state)] = 1.0
            parents[node] = ()
            tables[node] = table
        return Net(self.states, parents, tables)
