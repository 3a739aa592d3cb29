"""Jeffrey's rule: "after this report I am 70% sure" turned into likelihood evidence.

A belief names a node and the probability the analyst now holds for some of its states,
everything else already known taken into account: `{"talks": {"yes": 0.7}}`. The likelihood
that moves the node there is, for each state x,

    weight(x) = belief(x) / current(x)

where `current` is the node's probability given the observations, interventions and
likelihoods already in hand. Querying with that likelihood gives the node exactly its
belief, and every other node moves as Jeffrey's rule says: P'(y) = sum over x of
belief(x) P(y | x, evidence). States the belief leaves out share what is left over in
proportion to their current probabilities (they get one common weight), so a belief about
`yes` of a three-state node keeps the odds between the other two.

Unlike a likelihood, a belief depends on what came before: the same "70% sure" is a
different likelihood after different evidence, and two beliefs applied one after the other
are not the same as the two applied at once. Several beliefs given at once all hold together
afterwards: each node's weights are refitted in turn until every node stands at its belief
(iterative proportional fitting, which finds the likelihood closest to the current
distribution that satisfies them all), or the beliefs are refused as contradictory.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ..errors import Problem, QueryError, did_you_mean
from ..language.probability import SUM_TOLERANCE, parse_prob
from ..language.tables import FloatArray
from .engine import Engine
from .net import Assignment, Likelihood

Beliefs = Mapping[str, Mapping[str, float | str]]
# Several beliefs are refitted until each node is within this of its belief.
TOLERANCE = 1e-12
MAX_ROUNDS = 1_000


def believe(engine: Engine, beliefs: Beliefs, given: Assignment | None = None,
            do: Assignment | None = None,
            likelihood: Likelihood | None = None) -> dict[str, dict[str, float]]:
    """The likelihood evidence to query with so that each believed node has its belief,
    given `given`, `do` and the likelihood already in `likelihood`: the one given, with the
    believed nodes' weights multiplied in (each node's weights scaled so the largest is 1).
    Beliefs are probabilities (0.7, "70%" or an estimative term, at its midpoint)."""
    net = engine.net
    given, do = net.question(given, do)
    weights = net.weights(likelihood)
    cells = _cells(net.states, beliefs, {**given, **do})
    for node, parts in cells.items():  # each belief possible given the evidence so far
        p = engine.joint([node], given, do, likelihood=likelihood)
        for states, target in parts:
            if target > 0 and not p[states].sum() > 0:
                shown = "|".join(net.states[node][i] for i in states)
                raise QueryError(Problem(
                    f"cannot believe {node}={shown} with probability {target:g}: the "
                    "evidence so far rules it out (probability 0)", node=node,
                    hint="believe it with probability 0, or drop the evidence against it"))
    current = {n: w.copy() for n, w in weights.items()}
    for node in cells:
        current.setdefault(node, np.ones(len(net.states[node])))
    for _ in range(MAX_ROUNDS):
        worst = 0.0
        for node, parts in cells.items():
            p = engine.joint([node], given, do, likelihood=_mapping(net.states, current))
            factor = np.zeros(len(p))
            for states, target in parts:
                held = float(p[states].sum())
                worst = max(worst, abs(held - target))
                if held <= 0 and target > 0:  # another belief ruled it out
                    raise contradictory(cells)
                factor[states] = target / held if held > 0 else 0.0
            current[node] = current[node] * factor
            current[node] /= current[node].max()
        if worst <= TOLERANCE:
            return _mapping(net.states, current)
    raise contradictory(cells)


def contradictory(cells: Mapping[str, object]) -> QueryError:
    return QueryError(Problem(
        f"the beliefs about {', '.join(cells)} cannot all hold at once given the evidence",
        hint="believe fewer nodes at once, or make the beliefs agree with each other"))


def _cells(states: Mapping[str, tuple[str, ...]], beliefs: Beliefs,
           fixed: Mapping[str, str]) -> dict[str, list[tuple[list[int], float]]]:
    """Each believed node's parts: each named state with its belief, then the states left
    out together with what is left over. Every problem of the beliefs at once."""
    problems: list[Problem] = []
    out: dict[str, list[tuple[list[int], float]]] = {}
    for node, belief in beliefs.items():
        if node not in states:
            problems.append(Problem(f"believe: unknown node '{node}'", node=node,
                                    hint=did_you_mean(str(node), states)))
            continue
        if node in fixed:
            problems.append(Problem(
                f"believe: '{node}' is already observed or set", node=node,
                hint="a belief is about a node whose state is not known"))
            continue
        own = states[node]
        if not isinstance(belief, Mapping) or not belief:
            problems.append(Problem(f"believe: '{node}' needs state: probability pairs",
                                    node=node, hint=f"e.g. {{{own[0]!r}: 0.7}}"))
            continue
        parts: list[tuple[list[int], float]] = []
        for state, value in belief.items():
            if state not in own:
                problems.append(Problem(f"believe: '{state}' is not a state of '{node}'",
                                        node=node, hint=did_you_mean(str(state), own)))
                continue
            try:
                p = parse_prob(value).point
            except ValueError as exc:
                problems.append(Problem(f"believe: {node}={state}: {exc}", node=node,
                                        hint="a probability: 0.7, \"70%\" or a term"))
                continue
            parts.append(([own.index(state)], p))
        named = sum(p for _, p in parts)
        rest = [i for i in range(len(own)) if own[i] not in belief]
        if named > 1 + SUM_TOLERANCE or (not rest and not math.isclose(named, 1.0,
                                                                        abs_tol=SUM_TOLERANCE)):
            problems.append(Problem(
                f"believe: the probabilities of '{node}' sum to {named:.6g}", node=node,
                hint="they sum to 1 over all states, or to at most 1 over some"))
            continue
        if rest:
            parts.append((rest, max(0.0, 1.0 - named)))
        out[node] = parts
    if problems:
        raise QueryError(problems)
    return out


def _mapping(states: Mapping[str, tuple[str, ...]],
             weights: Mapping[str, FloatArray]) -> dict[str, dict[str, float]]:
    return {n: dict(zip(states[n], w.tolist(), strict=True)) for n, w in weights.items()}
