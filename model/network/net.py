"""The network as plain arrays: states, parents and tables, the form every engine reads.

Interventions are graph surgery on this form: `do(X=x)` cuts X's parent links and gives X
all its probability on x, which is what distinguishes it from observing X=x.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import Problem, QueryError, did_you_mean
from ..language.assignments import assignment_problems
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

    def check_node(self, node: str) -> str:
        if node not in self.states:
            raise QueryError(Problem(f"unknown node '{node}'", node=node,
                                     hint=did_you_mean(node, self.states)))
        return node

    def check_targets(self, targets: Sequence[str]) -> list[str]:
        """A joint's targets: known nodes, each named once."""
        checked = [self.check_node(t) for t in targets]
        if len(set(checked)) != len(checked):
            raise QueryError(Problem("a node is named twice in the joint's targets"))
        return checked

    def question(self, given: Assignment | None,
                 do: Assignment | None) -> tuple[dict[str, str], dict[str, str]]:
        """A query's observations and interventions, checked: known nodes and states
        ('did you mean' otherwise), and no node both observed and set."""
        problems = [Problem(found.message, node=found.key, hint=found.hint)
                    for what, assignment in (("given", given), ("do", do))
                    for found in assignment_problems(self.states, assignment or {}, what)]
        if problems:
            raise QueryError(problems)
        given, do = dict(given or {}), dict(do or {})
        both = sorted(set(given) & set(do))
        if both:
            raise QueryError(Problem(f"'{both[0]}' is both observed (given) and set (do)",
                                     node=both[0], hint="keep it in one of the two"))
        return given, do

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

    def probability_of(self, states: Assignment) -> float:
        """The product of every table at a full assignment of the nodes: P(states)."""
        joint = 1.0
        for node, table in self.tables.items():
            index = tuple(self.states[v].index(states[v]) for v in (node, *self.parents[node]))
            joint *= float(table[index])
        return joint


def describe_question(given: Assignment, do: Assignment) -> str:
    """Observations and interventions as the project writes them: "a=x, do(b=y)"."""
    return ", ".join([f"{n}={s}" for n, s in given.items()]
                     + [f"do({n}={s})" for n, s in do.items()])


def impossible(given: Assignment) -> QueryError:
    return QueryError(Problem(
        f"the observations ({describe_question(given, {})}) are impossible in this scenario "
        "(probability 0)",
        hint="observe states the scenario allows, or use do= to set them by intervention"))
