"""Sensitivity (tornado): which written numbers move an outcome most.

Each written probability is swung alone across its range (a range or an estimative term), or
by +/- DEFAULT_SWING where it was written as an exact number, every other number at its point
value. All 2 x n_params swung scenarios go through one batched contraction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..language.tables import FloatArray, Param
from ..scenario import Scenario
from .places import Place, places
from .uncertainty import Draws, marginal_draws

if TYPE_CHECKING:
    from ..network.compiled import CompiledNet

DEFAULT_SWING = 0.1


def swing_range(param: Param, swing: float = DEFAULT_SWING) -> tuple[float, float, bool]:
    """(low, high, assumed): the written range, or point +/- swing clipped to [0, 1]."""
    prob = param.prob
    if prob.uncertain:
        return prob.low, prob.high, False
    return max(prob.point - swing, 0.0), min(prob.point + swing, 1.0), True


def swung_values(scenario: Scenario, swing: float = DEFAULT_SWING) -> FloatArray:
    """(2 n_params, n_params): row 2i holds param i at its low end, row 2i + 1 at its high."""
    n = len(scenario.params)
    values = np.repeat(scenario.point_values(), 2 * n, axis=0)
    for p in scenario.params:
        low, high, _ = swing_range(p, swing)
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
              top: int = 10, swing: float = DEFAULT_SWING) -> list[Tornado]:
    """A tornado of each outcome's first state (e.g. `yes`): the `top` inputs that move it,
    dropping those that do not move it at all."""
    draws = Draws.of(scenario, swung_values(scenario, swing))
    params = scenario.params
    where = places(scenario)
    out = []
    for node, drawn in zip(outcomes, marginal_draws(engine, draws, outcomes), strict=True):
        spec = scenario.nodes[node]
        moved = drawn[:, 0]
        bars = [Bar(p.id, where[p.id], *swing_range(p, swing),
                    float(moved[2 * p.id]), float(moved[2 * p.id + 1])) for p in params]
        ranked = sorted((b for b in bars if b.swing > 0), key=lambda b: -b.swing)
        out.append(Tornado(node, spec.label, spec.states[0], float(engine.posterior(node)[0]),
                           tuple(ranked[:top]), len(params)))
    return out
