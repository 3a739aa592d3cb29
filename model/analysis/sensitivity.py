"""Sensitivity (tornado): which written numbers move an outcome most.

Each written probability is swung alone across the 90% interval of the distribution the
uncertainty draws take it from (`uncertainty.draw_shape`): a range or an estimative term
across its written range; a number written exactly across its default spread (+/- 10 points
at 50%, narrower towards 0 and 1), marked `assumed_swing`; numbers marked `exact: true`, and
0 and 1, not at all. Every other number stays at its point value.

The outcome's probability is linear in each node's table, so one elimination forwards and
backwards gives its derivative with respect to every table (`CompiledNet.derivatives`), and
a swung number's effect is exactly the change in its node's table times that derivative: a
number of a table row changes only that row's columns, so its effect is the row's change
times the derivative summed over those columns. The cost grows with the numbers and the
network's size, not with their product; only the numbers of the outcome's ancestors can
move it, and the others are not swung.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from ..language.tables import FloatArray, Param
from ..limits import MEMORY_BUDGET_BYTES
from ..scenario import Scenario
from .places import Place, places
from .uncertainty import (
    DEFAULT_SPREAD,
    WrittenRows,
    beta_interval,
    default_shape,
    hold_each,
)

if TYPE_CHECKING:
    from ..network.compiled import CompiledNet

# The default spread of a number written exactly, at 50%, as the briefing names it.
DEFAULT_SWING = DEFAULT_SPREAD
# Swung rows of numbers are built this many bytes at a time.
SWING_BYTES = MEMORY_BUDGET_BYTES // 16
# A swing that moves the outcome by less than this is rounding, not an effect.
NO_EFFECT = 1e-12
# Below this share of P(evidence), a swung number leaves the evidence log impossible.
RULED_OUT = 1e-12


def swing_range(param: Param, exact: bool = False) -> tuple[float, float, bool]:
    """(low, high, assumed): the written range; for a number written exactly, its default
    spread's 90% interval (assumed); for one held fixed, its value at both ends."""
    prob = param.prob
    if prob.uncertain:
        return prob.low, prob.high, False
    return _default_swing(prob.point, exact)


@lru_cache(maxsize=4096)
def _default_swing(point: float, exact: bool) -> tuple[float, float, bool]:
    """`swing_range` of a number written exactly: asked for every number by each outcome's
    tornado and each judgement, of the few values a file writes."""
    shape = None if exact or point <= 0.0 or point >= 1.0 else default_shape(point)
    if shape is None:
        return point, point, False
    return (*beta_interval(shape), True)


def swung_values(scenario: Scenario) -> FloatArray:
    """(2 n_params, n_params): row 2i holds param i at its low end, row 2i + 1 at its high,
    the other numbers of its distribution scaled to fill the rest (`uncertainty.hold`)."""
    n = len(scenario.params)
    point = scenario.point_values()
    values = np.repeat(point, 2 * n, axis=0)
    exact = scenario.exact
    held: list[int | None] = [None] * (2 * n)
    for p in scenario.params:
        low, high, _ = swing_range(p, p.id in exact)
        for row, value in ((2 * p.id, low), (2 * p.id + 1, high)):
            values[row, p.id] = value
            held[row] = p.id if value != point[0, p.id] else None
    hold_each(values, held, WrittenRows(scenario))
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
    exact = scenario.exact
    where = places(scenario)
    out = []
    # P(outcome | evidence) with a number swung is the ratio of P(outcome, evidence) and
    # P(evidence), each linear in the number's table: exact from two derivative passes (the
    # evidence is none, P = 1 whatever the tables, unless the scenario has an evidence log)
    evidence, by_evidence = engine.derivatives({})
    changes: dict[str, list[RowChange]] = {}  # each node's, the same for every outcome
    written = WrittenRows(scenario)
    for node in outcomes:
        spec = scenario.nodes[node]
        joint, grads = engine.derivatives({node: spec.states[0]})
        base = joint / evidence
        bars = []
        for name, grad in grads.items():
            swung = list(scenario.nodes[name].params)
            if not swung:
                continue
            ends = [swing_range(p, p.id in exact) for p in swung]
            table = engine.net.tables[name]
            if name not in changes and scenario.nodes[name].noisy_or is None:
                changes[name] = _row_changes(scenario, name, swung, ends, written)
            moved = _effects(scenario, table, name, swung, ends, grad, changes.get(name))
            held = _effects(scenario, table, name, swung, ends, by_evidence[name],
                            changes.get(name)) if name in by_evidence else np.zeros_like(moved)
            # an end at which the evidence log cannot happen (a number an observation needs
            # swung to 0) is ruled out by it: there the figure stays as it is
            below = evidence + held
            possible = below > evidence * RULED_OUT
            at = np.where(possible, (joint + moved) / np.where(possible, below, 1.0), base)
            bars += [Bar(p.id, where[p.id], *end, float(at[2 * k]), float(at[2 * k + 1]))
                     for k, (p, end) in enumerate(zip(swung, ends, strict=True))]
        ranked = sorted((b for b in bars if b.swing > NO_EFFECT), key=lambda b: -b.swing)
        out.append(Tornado(node, spec.label, spec.states[0], base, tuple(ranked[:top]),
                           len(scenario.params)))
    return out


# A table row's swings: the indices of their effects (low, high per number), the row's
# columns, and each swing's change to the row's distribution, (swings, card).
RowChange = tuple[list[int], list[int], FloatArray]


def _effects(scenario: Scenario, table: FloatArray, node: str, swung: Sequence[Param],
             ends: Sequence[tuple[float, float, bool]], grad: FloatArray,
             rows: list[RowChange] | None = None) -> FloatArray:
    """(2 k,): the change in the outcome when each of the node's k numbers is at its low
    end, then its high end: sum((swung table - table) * derivative). A table row's numbers
    change only its columns: the row's distribution's change (`_row_changes`, given as
    `rows` when known) times the derivative summed over them. A noisy-OR's numbers change
    the whole table, which is rebuilt, a chunk of swings at a time."""
    spec = scenario.nodes[node]
    swings = [(p.id, value) for p, end in zip(swung, ends, strict=True) for value in end[:2]]
    out = np.zeros(len(swings))
    if spec.noisy_or is not None:
        for start, part, values in _swung_rows(scenario, swings, table.size):
            change = (spec.table(values) - table).reshape(len(part), -1)
            out[start:start + len(part)] = change @ grad.ravel()
        return out
    flat = grad.reshape(spec.card, -1)
    for at, columns, change in rows if rows is not None else \
            _row_changes(scenario, node, swung, ends):
        out[at] = change @ flat[:, columns].sum(axis=1)
    return out


def _row_changes(scenario: Scenario, node: str, swung: Sequence[Param],
                 ends: Sequence[tuple[float, float, bool]],
                 written: WrittenRows | None = None) -> list[RowChange]:
    """Each table row's swings and what they change (see `RowChange`), a chunk of swings
    at a time: a swung number held at its end, the rest of its distribution scaled to fill
    what it leaves (`uncertainty.hold`)."""
    written = WrittenRows(scenario) if written is None else written
    spec = scenario.nodes[node]
    swings = [(p.id, value) for p, end in zip(swung, ends, strict=True) for value in end[:2]]
    position = {p.id: 2 * k for k, p in enumerate(swung)}  # its low end; its high is next
    out: list[RowChange] = []
    for block in spec.blocks:
        rows = [k for i in block.param_ids if i in position
                for k in (position[i], position[i] + 1)]
        if not rows:
            continue
        point = block.values(scenario.point_values())[0]
        for start, part, values in _swung_rows(scenario, [swings[k] for k in rows],
                                               spec.card, written):
            out.append(([rows[start + j] for j in range(len(part))], list(block.columns),
                        block.values(values) - point))
    return out


def _swung_rows(scenario: Scenario, swings: Sequence[tuple[int, float]], cells: int,
                rows: WrittenRows | None = None
                ) -> Iterator[tuple[int, Sequence[tuple[int, float]], FloatArray]]:
    """Chunks of swings: (first swing's index, the swings, their rows of numbers) with the
    numbers up to the last swung one, each row with one number at its end; with `rows`, the
    other numbers of its distribution scaled to fill the rest (`uncertainty.hold`)."""
    width = max(param for param, _ in swings) + 1
    if rows is not None:  # the rest of each swung number's distribution is held with it
        width = max([width, *(max(r[0]) + 1 for param, _ in swings
                               if (r := rows.of(param)) is not None)])
    point = scenario.point_values()[:, :width]
    chunk = max(1, SWING_BYTES // (8 * (width + 2 * cells)))
    for start in range(0, len(swings), chunk):
        part = swings[start:start + chunk]
        values = np.repeat(point, len(part), axis=0)
        for row, (param, value) in enumerate(part):
            values[row, param] = value
        if rows is not None:
            hold_each(values, [param if value != point[0, param] else None
                               for param, value in part], rows)
        yield start, part, values
