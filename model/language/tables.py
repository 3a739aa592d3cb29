"""Conditional probability tables built from what the analyst wrote.

Every probability written in a file is a `Param` (one number with its range and where it
was written). A node's table is a function of the values of its params, computed with a
leading batch axis, so the same code yields the headline table (point values) and
thousands of sampled tables for uncertainty analysis in one call.

Array layout, used everywhere in the package: a node's table has shape
`(batch, card, *parent_cards)`, parents in declared order, states in declared order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from .probability import Prob
from .schema import Assumption, Citation, Pool, Role

FloatArray = npt.NDArray[np.float64]
Support = Citation | Assumption


@dataclass(frozen=True)
class Param:
    """One probability as written in the file."""

    id: int
    prob: Prob
    node: str
    state: str | None
    where: str
    line: int | None


@dataclass(frozen=True)
class DistSpec:
    """One written distribution: some states given, at most one left for the remainder."""

    entries: Mapping[str, Param]
    states: tuple[str, ...]

    def values(self, v: FloatArray) -> FloatArray:
        """(batch, card) distribution for param values `v` of shape (batch, n_params)."""
        # Columns are summed one by one: numpy's sum over a short last axis is many times
        # slower than adding a few long vectors, and this runs on 10,000-sample batches.
        batch = v.shape[0]
        given = {s: v[:, p.id] for s, p in self.entries.items()}
        rest = np.clip(1.0 - sum(given.values(), np.zeros(batch)), 0.0, None)
        columns = [given.get(s, rest) for s in self.states]
        total = sum(columns, np.zeros(batch))
        total = np.where(total > 0, total, 1.0)
        return np.stack([c / total for c in columns], axis=1)


@dataclass(frozen=True)
class EstimateSpec:
    dist: DistSpec
    weight: float
    source: str | None  # None for an assumption
    support: Support


@dataclass(frozen=True)
class Block:
    """A prior or one table row: the parent combinations it covers and how it is estimated."""

    columns: tuple[int, ...]
    when: Mapping[str, str | Sequence[str]] | Literal["otherwise"]
    estimates: tuple[EstimateSpec, ...]
    pool: Pool
    because: tuple[Support, ...]
    line: int | None

    def values(self, v: FloatArray, only_source: str | None = None) -> FloatArray:
        estimates = self.estimates
        if only_source is not None:
            mine = tuple(e for e in estimates if e.source == only_source)
            estimates = mine or estimates
        dists = np.stack([e.dist.values(v) for e in estimates])  # (k, batch, card)
        weights = np.array([e.weight for e in estimates])
        weights = weights / weights.sum()
        if self.pool == "linear" or len(estimates) == 1:
            return np.asarray(np.einsum("k,kbc->bc", weights, dists), dtype=np.float64)
        with np.errstate(divide="ignore"):
            logs = np.einsum("k,kbc->bc", weights, np.log(dists))
        pooled = np.exp(logs - logs.max(axis=1, keepdims=True))
        return np.asarray(pooled / pooled.sum(axis=1, keepdims=True), dtype=np.float64)

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.source for e in self.estimates if e.source))


@dataclass(frozen=True)
class NoisyOr:
    """P(first state) = 1 - (1 - leak) * prod over parents in their first state of (1 - w)."""

    leak: Param
    weights: Mapping[str, Param]
    because: tuple[Support, ...]
    line: int | None


@dataclass(frozen=True)
class NodeSpec:
    """A checked node: names, structure, and the recipe for its table."""

    name: str
    label: str
    role: Role
    description: str
    states: tuple[str, ...]
    parents: tuple[str, ...]
    parent_cards: tuple[int, ...]
    blocks: tuple[Block, ...] = ()
    noisy_or: NoisyOr | None = None
    line: int | None = None
    params: tuple[Param, ...] = field(default=())

    @property
    def card(self) -> int:
        return len(self.states)

    @property
    def n_columns(self) -> int:
        return math.prod(self.parent_cards)

    def table(self, v: FloatArray, only_source: str | None = None) -> FloatArray:
        """(batch, card, *parent_cards) table for param values `v` (batch, n_params)."""
        batch = v.shape[0]
        if self.noisy_or is not None:
            return self._noisy_or_table(v)
        flat = np.zeros((batch, self.card, self.n_columns))
        for block in self.blocks:
            flat[:, :, list(block.columns)] = block.values(v, only_source)[:, :, None]
        return flat.reshape((batch, self.card, *self.parent_cards))

    def _noisy_or_table(self, v: FloatArray) -> FloatArray:
        assert self.noisy_or is not None
        batch = v.shape[0]
        off = np.broadcast_to((1.0 - v[:, self.noisy_or.leak.id]).reshape(
            (batch,) + (1,) * len(self.parents)), (batch, *self.parent_cards)).copy()
        for axis, parent in enumerate(self.parents):
            w = v[:, self.noisy_or.weights[parent].id]
            shape = [batch] + [1] * len(self.parents)
            shape[axis + 1] = 2
            factor = np.stack([1.0 - w, np.ones_like(w)], axis=1).reshape(shape)
            off = off * factor
        return np.stack([1.0 - off, off], axis=1)


def wanted_states(when: Mapping[str, str | Sequence[str]], parent: str) -> list[str]:
    """The states of `parent` a `when` names: one, or a list of them."""
    value = when[parent]
    return [value] if isinstance(value, str) else list(value)


def columns_matching(parents: Sequence[str], states: Mapping[str, Sequence[str]],
                     when: Mapping[str, str | Sequence[str]]) -> list[int]:
    """Flat column indices (first parent slowest, as pgmpy orders evidence) matching `when`."""
    ranges = [
        sorted(states[p].index(s) for s in wanted_states(when, p)) if p in when
        else range(len(states[p])) for p in parents
    ]
    cards = [len(states[p]) for p in parents]
    strides = [math.prod(cards[i + 1:]) for i in range(len(cards))]
    cols = [0]
    for rng, stride in zip(ranges, strides, strict=True):
        cols = [c + i * stride for c in cols for i in rng]
    return cols


def column_label(parents: Sequence[str], states: Mapping[str, Sequence[str]],
                 column: int) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in reversed(parents):
        column, i = divmod(column, len(states[p]))
        out[p] = states[p][i]
    return dict(reversed(out.items()))


def when_text(when: Mapping[str, str | Sequence[str]] | Literal["otherwise"]) -> str:
    """A row's condition as the project writes it: "talks=no, strike=yes|no"."""
    if isinstance(when, str):
        return when
    return ", ".join(f"{k}={'|'.join(wanted_states(when, k))}" for k in when)
