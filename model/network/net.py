"""The network as plain arrays: states, parents and tables, the form every engine reads.

Interventions are graph surgery on this form: `do(X=x)` cuts X's parent links and gives X
all its probability on x, which is what distinguishes it from observing X=x.

Likelihood (virtual, soft) evidence is a report whose probability under each state of a node
is known up to a common factor: `{"X": {"yes": 1, "no": 3}}` says the report is three times
as probable if X is "no" as if it is "yes". It multiplies X's weight into the joint, as an
observed child of X would; states left out weigh 1.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import Problem, QueryError, did_you_mean
from ..language.assignments import assignment_problems
from ..language.tables import FloatArray

Assignment = Mapping[str, str]
# node -> state -> relative weight of the report under that state (states left out weigh 1)
Likelihood = Mapping[str, Mapping[str, float]]


def _type(value: object) -> str:
    return "None" if value is None else type(value).__name__


def _got(value: object) -> str:
    """What was given instead, for a message: its type, and its value cut short."""
    return "None" if value is None else f"{type(value).__name__} {value!r:.60}"


def as_mapping(value: object, what: str, example: str) -> dict[Any, Any]:
    """`value` as a dict: None is empty, a Mapping (or a pandas Series, which has `items`)
    converts; anything else (a list, a str like "a=x") is a QueryError naming `what`."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    items = getattr(value, "items", None)
    if callable(items) and hasattr(value, "index"):  # a pandas Series: index -> value
        return dict(items())
    hint = f"e.g. {what}={example}"
    if isinstance(value, str) and "=" in value:
        node, _, state = value.partition("=")
        hint = f"e.g. {what}={{{node.strip()!r}: {state.strip()!r}}}"
    raise QueryError(Problem(f"{what} takes a mapping (a dict), got {_got(value)}",
                             hint=hint))


def as_assignment(value: object, what: str) -> dict[str, str]:
    """A query's `given` or `do` checked for type: a mapping of node names to state names
    (None: nothing). Whether the names are known is `Net.question`'s check."""
    found = as_mapping(value, what, "{'node': 'state'}")
    problems = []
    for node, state in found.items():
        if not isinstance(node, str):
            problems.append(Problem(f"{what}: a node is named by a str, got {_got(node)}",
                                    hint="e.g. {'node': 'state'}"))
        elif not isinstance(state, str):
            problems.append(Problem(
                f"{what}: the state of '{node}' must be a state name (a str), got "
                f"{_got(state)}", node=node,
                hint="leave the node out to say nothing of it" if state is None
                else f"e.g. {what}={{{node!r}: 'state'}}"))
    if problems:
        raise QueryError(problems)
    return found


def as_likelihood(value: object, what: str = "likelihood",
                  example: str = "{'node': {'yes': 1, 'no': 3}}") -> dict[str, Any] | None:
    """A likelihood (or beliefs) checked for type: a mapping of node names to mappings of
    states to weights (None: none). The weights themselves are `Net.weights`'s check."""
    found = as_mapping(value, what, example)
    if not found:
        return None
    out: dict[str, Any] = {}
    for node, weights in found.items():
        if not isinstance(node, str):
            raise QueryError(Problem(f"{what}: a node is named by a str, got {_got(node)}",
                                     hint=f"e.g. {what}={example}"))
        # a node's own weights converted where they are a Series; anything else not a
        # mapping is left for the caller's check, which says what the node's states are
        series = not isinstance(weights, Mapping | str) and hasattr(weights, "index") \
            and callable(getattr(weights, "items", None))
        out[node] = dict(weights.items()) if series else weights
    return out


def as_names(value: object, what: str) -> list[str]:
    """Node names: one name (a str) as a list of one, or an iterable of names."""
    if isinstance(value, str):
        return [value]
    if value is None or isinstance(value, Mapping) or not isinstance(value, Iterable):
        raise QueryError(Problem(f"{what} takes node names (a list of str, or one str), "
                                 f"got {_type(value)}", hint=f"e.g. {what}=['a', 'b']"))
    names = list(value)
    if not names:
        raise QueryError(Problem(f"{what}: no node named", hint=f"e.g. {what}=['a', 'b']"))
    return names


def _read_only(table: Any) -> FloatArray:
    """A table as a read-only view: every engine and scenario sharing the network reads
    the same array, so nothing may write into it (copy it to change it)."""
    view: FloatArray = np.asarray(table).view()
    view.flags.writeable = False
    return view


@dataclass(frozen=True)
class Net:
    """A discrete Bayesian network; nodes in topological order, tables (card, *parent_cards).
    The tables are read-only (shared by the engines and by `Scenario.fresh`'s copies): to
    change one, make a new `Net` with a copy."""

    states: Mapping[str, tuple[str, ...]]
    parents: Mapping[str, tuple[str, ...]]
    tables: Mapping[str, FloatArray]

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", {
            n: t if isinstance(t, np.ndarray) and not t.flags.writeable else _read_only(t)
            for n, t in self.tables.items()})

    @property
    def nodes(self) -> list[str]:
        return list(self.states)

    def children(self, node: str) -> list[str]:
        return [n for n, ps in self.parents.items() if node in ps]

    def check_node(self, node: str, what: str | None = None) -> str:
        """`node`, checked to be a node's name (a str, of this network); `what` names the
        argument it came as, for the message."""
        if not isinstance(node, str):
            raise QueryError(Problem(
                f"{what + ': ' if what else ''}a node is named by a str, got {_got(node)}",
                hint="several nodes together: joint([...]); one: query('node')"
                if isinstance(node, list | tuple) else "e.g. query('node')"))
        if node not in self.states:
            raise QueryError(Problem(f"unknown node '{node}'", node=node,
                                     hint=did_you_mean(node, self.states)))
        return node

    def check_targets(self, targets: Sequence[str]) -> list[str]:
        """A joint's targets: known nodes, each named once."""
        checked = [self.check_node(t, "targets") for t in targets]
        if len(set(checked)) != len(checked):
            raise QueryError(Problem("a node is named twice in the joint's targets"))
        return checked

    def question(self, given: Assignment | None,
                 do: Assignment | None) -> tuple[dict[str, str], dict[str, str]]:
        """A query's observations and interventions, checked: known nodes and states
        ('did you mean' otherwise), and no node both observed and set. Each is a mapping of
        node names to state names (a dict, or a pandas Series), or None for none."""
        given, do = as_assignment(given, "given"), as_assignment(do, "do")
        problems = [Problem(found.message, node=found.key, hint=found.hint)
                    for what, assignment in (("given", given), ("do", do))
                    for found in assignment_problems(self.states, assignment, what)]
        if problems:
            raise QueryError(problems)
        both = sorted(set(given) & set(do))
        if both:
            raise QueryError(Problem(f"'{both[0]}' is both observed (given) and set (do)",
                                     node=both[0], hint="keep it in one of the two"))
        return given, do

    def weights(self, likelihood: Likelihood | None,
                as_written: bool = False) -> dict[str, FloatArray]:
        """A likelihood checked and made into one weight vector per node, states in declared
        order: known nodes and states, weights finite and not negative, not all zero. Each
        vector is divided by its largest weight (a posterior reads only their ratios, and
        several nodes' weights multiplied then neither overflow nor underflow), unless
        `as_written`: the probability of the evidence counts them as P(report | state)."""
        likelihood = as_likelihood(likelihood)
        if not likelihood:
            return {}
        out: dict[str, FloatArray] = {}
        problems: list[Problem] = []
        for node, weights in likelihood.items():
            if node not in self.states:
                problems.append(Problem(f"likelihood: unknown node '{node}'", node=node,
                                        hint=did_you_mean(str(node), self.states)))
                continue
            states = self.states[node]
            if not isinstance(weights, Mapping):
                problems.append(Problem(
                    f"likelihood of '{node}' must map states to weights, got "
                    f"{type(weights).__name__}", node=node,
                    hint=f"e.g. {{{states[0]!r}: 1, {states[-1]!r}: 3}}"))
                continue
            vector = np.ones(len(states))
            for state, weight in weights.items():
                if state not in states:
                    problems.append(Problem(
                        f"likelihood: '{state}' is not a state of '{node}'", node=node,
                        hint=did_you_mean(str(state), states)))
                elif isinstance(weight, bool) or not isinstance(weight, numbers.Real) \
                        or not math.isfinite(weight) or weight < 0:
                    problems.append(Problem(
                        f"likelihood of '{node}={state}' is {weight!r}, not a finite number "
                        "of at least 0", node=node,
                        hint="weights are relative: how probable the report is under each "
                             "state, e.g. 1 and 3"))
                else:
                    vector[states.index(state)] = float(weight)
            if not vector.any():
                problems.append(Problem(
                    f"likelihood of '{node}' weighs every state 0: no state could have "
                    "produced the report", node=node,
                    hint="give at least one state a weight above 0 (states left out weigh 1)"))
                continue
            out[node] = vector if as_written else vector / vector.max()
        if problems:
            raise QueryError(problems)
        return out

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


def describe_likelihood(likelihood: Likelihood) -> str:
    """Likelihood evidence as the command line writes it: "likelihood(c=yes:1,no:3)"."""
    return ", ".join("likelihood(" + n + "=" + ",".join(f"{s}:{w:g}" for s, w in ws.items())
                     + ")" for n, ws in likelihood.items())


def describe_question(given: Assignment, do: Assignment,
                      likelihood: Likelihood | None = None) -> str:
    """Observations, interventions and likelihoods as the project writes them:
    "a=x, do(b=y), likelihood(c=yes:1,no:3)"."""
    return ", ".join([f"{n}={s}" for n, s in given.items()]
                     + [f"do({n}={s})" for n, s in do.items()]
                     + ([describe_likelihood(likelihood)] if likelihood else []))


def each_marginal(joint: FloatArray) -> list[FloatArray]:
    """Each axis of a joint (one axis per target, no batch axis) summed out of the others:
    the targets' own distributions."""
    axes = range(joint.ndim)
    return [joint.sum(axis=tuple(j for j in axes if j != i)) for i in axes]


def impossible(given: Assignment, likelihood: Likelihood | None = None) -> QueryError:
    if likelihood:
        return QueryError(Problem(
            f"the evidence ({describe_question(given, {}, likelihood)}) is impossible in this "
            "scenario (probability 0)",
            hint="a likelihood of 0 rules its state out: check that the states it allows are "
                 "possible given the observations, or use do= to set nodes by intervention"))
    return QueryError(Problem(
        f"the observations ({describe_question(given, {})}) are impossible in this scenario "
        "(probability 0)",
        hint="observe states the scenario allows, or use do= to set them by intervention"))
