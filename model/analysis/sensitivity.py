"""Sensitivity (tornado): which written numbers move an outcome most.

Each written probability is swung alone across the 90% interval of the distribution the
uncertainty draws take it from (`uncertainty.draw_shape`): a range or an estimative term
across its written range; a number written exactly across its default spread (+/- 10 points
at 50%, narrower towards 0 and 1), marked `assumed_swing`; numbers marked `exact: true`, and
0 and 1, not at all. Every other number stays at its point value. All 2 x n_params swung
scenarios go through one batched contraction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..language.tables import FloatArray, Param
from ..scenario import Scenario
from .places import Place, places
from .uncertainty import DEFAULT_SPREAD, Draws, beta_interval, draw_shape, marginal_draws

if TYPE_CHECKING:
    from ..network.compiled import CompiledNet

# The default spread of a number written exactly, at 50%, as the briefing names it.
DEFAULT_SWING = DEFAULT_SPREAD


def swing_range(param: Param, exact: bool = False) -> tuple[float, float, bool]:
    """(low, high, assumed): the written range; for a number written exactly, its default
    spread's 90% interval (assumed); for one held fixed, its value at both ends."""
    prob = param.prob
    if prob.uncertain:
        return prob.low, prob.high, False
    shape = draw_shape(param, exact)
    if shape is None:
        return prob.point, prob.point, False
    return (*beta_interval(shape), True)


def swung_values(scenario: Scenario) -> FloatArray:
    """(2 n_params, n_params): row 2i holds param i at its low end, row 2i + 1 at its high."""
    n = len(scenario.params)
    values = np.repeat(scenario.point_values(), 2 * n, axis=0)
    exact = scenario.exact
    for p in scenario.params:
        low, high, _ = swing_range(p, p.id in exact)
        values[2 * p.id, p.id] = low
        values[2 * p.id + 1, p.id] = high
    return values


@dataclass(frozen=True)
class Bar:
    """One input's bar: the outcome at the input's low and high end."""

    param: int
    place: Place
    input_low: float
    input_high: float
    assumed_swing: bool
    at_low: float
    at_high: float

    @property
    def swing(self) -> float:
        return abs(self.at_high - self.at_low)

    def to_dict(self) -> dict[str, Any]:
        return {"param": self.param, **self.place.to_dict(),
                "input_low": self.input_low, "input_high": self.input_high,
                "assumed_swing": self.assumed_swing, "at_low": self.at_low,
                "at_high": self.at_high, "swing": self.swing}


@dataclass(frozen=True)
class Tornado:
    """P(outcome = state) at point values, and the inputs that move it most, largest first."""

    node: str
    label: str
    state: str
    base: float
    bars: tuple[Bar, ...]
    inputs: int

    def to_dict(self) -> dict[str, Any]:
        return {"node": self.node, "label": self.label, "state": self.state,
                "base": self.base, "inputs": self.inputs,
                "bars": [b.to_dict() for b in self.bars]}


def tornadoes(scenario: Scenario, engine: CompiledNet, outcomes: Sequence[str],
              top: int = 10) -> list[Tornado]:
    """A tornado of each outcome's first state (e.g. `yes`): the `top` inputs that move it,
    dropping those that do not move it at all."""
    draws = Draws.of(scenario, swung_values(scenario))
    params = scenario.params
    exact = scenario.exact
    where = places(scenario)
    out = []
    for node, drawn in zip(outcomes, marginal_draws(engine, draws, outcomes), strict=True):
        spec = scenario.nodes[node]
        moved = drawn[:, 0]
        bars = [Bar(p.id, where[p.id], *swing_range(p, p.id in exact),
                    float(moved[2 * p.id]), float(moved[2 * p.id + 1])) for p in params]
        ranked = sorted((b for b in bars if b.swing > 0), key=lambda b: -b.swing)
        out.append(Tornado(node, spec.label, spec.states[0], float(engine.posterior(node)[0]),
                           tuple(ranked[:top]), len(params)))
    return out
