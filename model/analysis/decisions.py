"""Predicted decisions and utilities: what each option is worth to each actor.

A `role: decision` node with probabilities is another actor's choice, predicted; its states
are its options. An option is evaluated by intervening on the decision (do), not by
observing it: choosing an option cuts whatever the scenario says made the choice likely.
An actor's expected utility is the sum over its utility tables of worth x P(their nodes |
do(option)); a by-node utility is one table per node. Under the sampled numbers (the
probabilities and the ranges of the worths) each option's worth has a 90% interval, and each
option has the share of draws in which it is the actor's best. The reader's own decisions
(without probabilities) are solved instead, in `policy`; here they follow their policy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..language.tables import FloatArray
from ..language.utilities import UtilitySpec
from ..scenario import Scenario
from .uncertainty import Z95, Draws, KeptWorthTables, marginal_draws

if TYPE_CHECKING:
    from ..network.compiled import CompiledNet

Joints = Mapping[tuple[str, ...], FloatArray]  # scope -> P(scope), batched or not


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
    actor: str | None = None  # whose choice it is, when the file says

    @property
    def best(self) -> dict[str, str]:
        """actor -> the option of highest expected utility at the written numbers."""
        return {a: max(self.options, key=lambda o: o.expected[a]).option for a in self.actors}

    def to_dict(self) -> dict[str, Any]:
        return {"node": self.node, "label": self.label, "actor": self.actor,
                "actors": list(self.actors), "as_written": self.as_written, "best": self.best,
                "options": [o.to_dict() for o in self.options]}


def draw_worths(scenario: Scenario, samples: int, seed: int | None) -> dict[str, FloatArray]:
    """actor -> (samples, n_values): exact worths at their value, each range drawn from the
    normal whose 90% interval it is (mean its midpoint, sd (high - low) / 3.29). The
    generator is seeded apart from the probabilities', so their draws stay as `analyze`'s."""
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
    out: dict[str, FloatArray] = {}
    for actor, spec in scenario.utilities.items():
        values = np.repeat(spec.point_values(), samples, axis=0)
        for p in spec.params:
            if p.uncertain:
                values[:, p.id] = rng.normal(p.point, (p.high - p.low) / (2 * Z95), samples)
        out[actor] = values
    return out


def expected_utility(spec: UtilitySpec, joints: Joints, values: FloatArray | None = None,
                     tables: Sequence[tuple[tuple[str, ...], FloatArray]] | None = None
                     ) -> FloatArray:
    """(batch,): the sum over the actor's tables of worth . P(its nodes); `values` are the
    worths (batch or 1, n_values), the midpoints by default; `tables` are
    `spec.tables(values)` when made already. Every table's cells side by side, one row per
    draw, so the sum is one product of rows (a joint without a batch axis, or worths
    without one, stand for every draw)."""
    found = spec.tables(values) if tables is None else tables
    if not found:
        return np.zeros(1)
    chances = _side_by_side([_rows(joints[scope], len(scope)) for scope, _ in found])
    worths = _side_by_side([_rows(table, len(scope)) for scope, table in found])
    if chances.shape[0] == worths.shape[0]:
        return np.asarray(np.einsum("sk,sk->s", chances, worths))
    if chances.shape[0] == 1:
        return np.asarray(worths @ chances[0])
    return np.asarray(chances @ worths[0])


def _rows(table: FloatArray, axes: int) -> FloatArray:
    """A table over `axes` node axes, after a batch axis or none, as (batch or 1, cells)."""
    return table.reshape(table.shape[0] if table.ndim > axes else 1, -1)


def _side_by_side(parts: list[FloatArray]) -> FloatArray:
    """(rows, cells) tables joined along their cells, one row standing for every row."""
    rows = max(part.shape[0] for part in parts)
    return np.concatenate([np.broadcast_to(part, (rows, part.shape[1])) for part in parts],
                          axis=1)


def scopes(scenario: Scenario, actors: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Every set of nodes an actor's utility table spans, each once."""
    return list(dict.fromkeys(t.scope for a in actors for t in scenario.utilities[a].terms))


def point_joints(engine: CompiledNet, wanted: list[tuple[str, ...]],
                 do: Mapping[str, str] | None = None) -> dict[tuple[str, ...], FloatArray]:
    return {scope: engine.joint(list(scope), do=do) for scope in wanted}


def drawn_joints(engine: CompiledNet, draws: Draws, wanted: list[tuple[str, ...]],
                 do: Mapping[str, str] | None = None) -> dict[tuple[str, ...], FloatArray]:
    """Each scope's (samples, *cards) joint; the one-node scopes from grouped contractions."""
    singles = [s[0] for s in wanted if len(s) == 1]
    out: dict[tuple[str, ...], FloatArray] = {
        (n,): d for n, d in zip(singles, marginal_draws(engine, draws, singles, do), strict=True)}
    out.update({s: draws.joint(engine, list(s), do) for s in wanted if len(s) > 1})
    return out


def evaluate_decision(scenario: Scenario, engine: CompiledNet, node: str, draws: Draws,
                      worths: Mapping[str, FloatArray] | None = None,
                      kept: KeptWorthTables | None = None) -> Decision:
    """Each option's expected utility per actor, its spread and its chance of being best;
    `worths` are drawn worths per actor (`draw_worths`), the midpoints when None; `kept`
    keeps their tables between calls (`uncertainty.Redraw`)."""
    actors = tuple(scenario.utilities)
    wanted = scopes(scenario, actors)
    cared = list(dict.fromkeys(n for s in wanted for n in s))
    watched = list(dict.fromkeys([*scenario.outcomes, *cared]))
    options = scenario.nodes[node].states
    leads = {o: {n: engine.posterior(n, do={node: o}) for n in watched} for o in options}
    drawn = {}
    # the same for every option
    if kept is not None and worths is not None:
        worth_tables = kept.tables(scenario.utilities, worths)
    else:
        worth_tables = {a: scenario.utilities[a].tables(None if worths is None else worths[a])
                        for a in actors}
    for option in options:
        joints = drawn_joints(engine, draws, wanted, {node: option})
        drawn[option] = {a: expected_utility(scenario.utilities[a], joints,
                                             tables=worth_tables[a])
                         for a in actors}
    wins = {a: np.argmax(np.stack([np.broadcast_to(drawn[o][a], (draws.samples,))
                                   for o in options]), axis=0) for a in actors}
    written = point_joints(engine, wanted)
    point = {o: point_joints(engine, wanted, {node: o}) for o in options}
    return Decision(
        node, scenario.nodes[node].label, actors,
        {a: float(expected_utility(scenario.utilities[a], written)[0]) for a in actors},
        tuple(Option(option,
                     {a: float(expected_utility(scenario.utilities[a], point[option])[0])
                      for a in actors},
                     {a: _interval(drawn[option][a]) for a in actors},
                     {a: float(np.mean(wins[a] == i)) for a in actors},
                     {n: _named(scenario, n, leads[option][n]) for n in watched})
              for i, option in enumerate(options)),
        scenario.file.nodes[node].actor)


def evaluate_decisions(scenario: Scenario, engine: CompiledNet, draws: Draws,
                       worths: Mapping[str, FloatArray] | None = None,
                       kept: KeptWorthTables | None = None) -> list[Decision]:
    """Every predicted decision (the reader's own are solved in `policy`)."""
    return [evaluate_decision(scenario, engine, n, draws, worths, kept)
            for n in scenario.nodes_with_role("decision")
            if not scenario.nodes[n].reader_decision]


def _interval(values: FloatArray) -> tuple[float, float]:
    low, high = np.percentile(values, [5, 95])
    return float(low), float(high)


def _named(scenario: Scenario, node: str, distribution: FloatArray) -> dict[str, float]:
    return dict(zip(scenario.nodes[node].states, distribution.tolist(), strict=True))
