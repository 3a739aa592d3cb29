"""Decisions and utilities: what each option is worth to each actor.

A `role: decision` node's states are its options. An option is evaluated by intervening on
the decision (do), not by observing it: choosing an option cuts whatever the scenario says
made the choice likely. An actor's utility is additive over the nodes it cares about,
sum over nodes and states of utility x P(state | do(option)); states it does not list count
0. Under the sampled numbers each option's worth has a 90% interval, and each option has the
share of draws in which it is the actor's best.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..language.tables import FloatArray
from ..scenario import Scenario
from .uncertainty import Draws, marginal_draws

if TYPE_CHECKING:
    from ..network.compiled import CompiledNet


@dataclass(frozen=True)
class Option:
    option: str
    expected: dict[str, float]  # actor -> expected utility at the written numbers
    interval: dict[str, tuple[float, float]]  # actor -> 5th, 95th percentile over draws
    chance_best: dict[str, float]  # actor -> share of draws where this option is best
    outcomes: dict[str, dict[str, float]]  # node -> distribution under do(option)

    def to_dict(self) -> dict[str, Any]:
        return {"option": self.option, "expected": self.expected,
                "interval": {a: list(i) for a, i in self.interval.items()},
                "chance_best": self.chance_best, "outcomes": self.outcomes}


@dataclass(frozen=True)
class Decision:
    node: str
    label: str
    actors: tuple[str, ...]
    as_written: dict[str, float]  # actor -> expected utility with the choice left to chance
    options: tuple[Option, ...]

    @property
    def best(self) -> dict[str, str]:
        """actor -> the option of highest expected utility at the written numbers."""
        return {a: max(self.options, key=lambda o: o.expected[a]).option for a in self.actors}

    def to_dict(self) -> dict[str, Any]:
        return {"node": self.node, "label": self.label, "actors": list(self.actors),
                "as_written": self.as_written, "best": self.best,
                "options": [o.to_dict() for o in self.options]}


def utility_vector(scenario: Scenario, actor: str, node: str) -> FloatArray:
    """The actor's utility of each state of `node`, in declared order (0 where not given)."""
    given = scenario.file.utilities[actor][node]
    return np.array([given.get(s, 0.0) for s in scenario.nodes[node].states])


def expected_utility(scenario: Scenario, actor: str,
                     distributions: Mapping[str, FloatArray]) -> FloatArray:
    """Sum over the actor's nodes of utility . P(node); batched if the distributions are."""
    return sum((distributions[n] @ utility_vector(scenario, actor, n)
                for n in scenario.file.utilities[actor]), np.zeros(()))


def evaluate_decision(scenario: Scenario, engine: CompiledNet, node: str,
                      draws: Draws) -> Decision:
    """Each option's expected utility per actor, its spread and its chance of being best."""
    utilities = scenario.file.utilities
    actors = tuple(utilities)
    cared = list(dict.fromkeys(n for a in actors for n in utilities[a]))
    watched = list(dict.fromkeys([*scenario.outcomes, *cared]))
    options = scenario.nodes[node].states
    leads = {o: {n: engine.posterior(n, do={node: o}) for n in watched} for o in options}
    drawn = {}
    for option in options:
        sampled = marginal_draws(engine, draws, cared, {node: option})
        distributions = dict(zip(cared, sampled, strict=True))
        drawn[option] = {a: expected_utility(scenario, a, distributions) for a in actors}
    wins = {a: np.argmax(np.stack([drawn[o][a] for o in options]), axis=0) for a in actors}
    written = {n: engine.posterior(n) for n in cared}
    return Decision(
        node, scenario.nodes[node].label, actors,
        {a: float(expected_utility(scenario, a, written)) for a in actors},
        tuple(Option(option,
                     {a: float(expected_utility(scenario, a, leads[option])) for a in actors},
                     {a: _interval(drawn[option][a]) for a in actors},
                     {a: float(np.mean(wins[a] == i)) for a in actors},
                     {n: _named(scenario, n, leads[option][n]) for n in watched})
              for i, option in enumerate(options)))


def evaluate_decisions(scenario: Scenario, engine: CompiledNet,
                       draws: Draws) -> list[Decision]:
    return [evaluate_decision(scenario, engine, n, draws)
            for n in scenario.nodes_with_role("decision")]


def _interval(values: FloatArray) -> tuple[float, float]:
    low, high = np.percentile(values, [5, 95])
    return float(low), float(high)


def _named(scenario: Scenario, node: str, distribution: FloatArray) -> dict[str, float]:
    return dict(zip(scenario.nodes[node].states, distribution.tolist(), strict=True))
