"""Conditional probability tables built from what the analyst wrote.

Every probability written in a file is a `Param` (one number with its range and where it
was written). A node's table is a function of the values of its params, computed with a
leading batch axis, so the same code yields the headline table (point values) and
thousands of sampled tables for uncertainty analysis in one call.

A compact table (`rows:`) can hold hundreds of thousands of numbers: it is kept as arrays
(`RowTable`), its table built in one reshape, and its `Param`s and per-row `Block`s made
only when something asks for them (`Params` is the sequence that does so).

Array layout, used everywhere in the package: a node's table has shape
`(batch, card, *parent_cards)`, parents in declared order, states in declared order.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal, overload

import numpy as np
import numpy.typing as npt

from .probability import Prob
from .schema import Assumption, Citation, Pool, Role

FloatArray = npt.NDArray[np.float64]
Support = Citation | Assumption
KEPT_ROWS = 4  # one-row answers a Block keeps: the point values, alone or by one source


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
    # the last few one-row results by the numbers the row reads (see `values`)
    _kept: dict[tuple[bytes, str | None], FloatArray] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    @cached_property
    def param_ids(self) -> list[int]:
        """The params of every estimate of the row, in order."""
        return [p.id for e in self.estimates for p in e.dist.entries.values()]

    def values(self, v: FloatArray, only_source: str | None = None) -> FloatArray:
        """(batch, card): the row's distribution for param values `v` (batch, n_params).
        One row of values (the point values, which the briefing's sections and the
        analyses each ask for) is answered from the last KEPT_ROWS answers when the row's
        own numbers are the same, read-only."""
        if v.shape[0] != 1:
            return self._values(v, only_source)
        key = (v[0, self.param_ids].tobytes(), only_source)
        found = self._kept.get(key)
        if found is None:
            found = self._values(v, only_source)
            found.flags.writeable = False
            if len(self._kept) >= KEPT_ROWS:
                self._kept.pop(next(iter(self._kept)), None)
            self._kept[key] = found
        return found

    def _values(self, v: FloatArray, only_source: str | None) -> FloatArray:
        estimates = self.estimates
        if only_source is not None:
            mine = tuple(e for e in estimates if e.source == only_source)
            estimates = mine or estimates
        dists = np.stack([e.dist.values(v) for e in estimates])  # (k, batch, card)
        weights = np.array([e.weight for e in estimates])
        weights = weights / weights.sum()
        if self.pool == "linear" or len(estimates) == 1:
            return np.asarray(np.einsum("k,kbc->bc", weights, dists), dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):  # log 0: the checks ensure support
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


@dataclass(frozen=True, eq=False)  # arrays: compared and hashed by identity
class RowTable:
    """A compact table: one row of `card` numbers per parent combination (first parent
    slowest), held as arrays. Its numbers are params `first` to `first + size - 1`, row by
    row; `written` keeps the few not written as exact numbers (terms, percents, ranges)."""

    node: str
    states: tuple[str, ...]
    parent_states: Mapping[str, Sequence[str]]  # in the node's parent order
    first: int
    points: FloatArray  # (rows, card), as written
    lines: npt.NDArray[np.int64]  # each row's line; 0 where unknown
    written: Mapping[int, Prob]  # flat index in the table -> the probability as written
    because: tuple[Support, ...]
    line: int | None

    @property
    def size(self) -> int:
        return int(self.points.size)

    def values(self, v: FloatArray) -> FloatArray:
        """(batch, card, rows): each row scaled to sum to 1, as `DistSpec.values` does."""
        card = len(self.states)
        block = v[:, self.first:self.first + self.size].reshape(v.shape[0], -1, card)
        total = block.sum(axis=2, keepdims=True)
        return np.asarray((block / np.where(total > 0, total, 1.0)).transpose(0, 2, 1))

    def param(self, k: int) -> Param:
        """The `k`-th number of the table (row by row) as a `Param`."""
        row, j = divmod(k, len(self.states))
        prob = self.written.get(k) or Prob.exact(float(self.points.flat[k]))
        line = int(self.lines[row]) or self.line
        where = f"table row {row + 1}" if self.parent_states else "prior"
        return Param(self.first + k, prob, self.node, self.states[j], where, line)


class Params(Sequence[Param]):
    """Every written probability, numbered in the order met. Explicit params are kept as
    objects; a compact table's are made on access, so a table of a million numbers costs
    arrays, not a million objects. `points`, `lows` and `highs` give them all at once."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._chunks: list[list[Param] | RowTable] = []
        self._size = 0

    def add(self, prob: Prob, node: str, state: str | None, where: str,
            line: int | None) -> Param:
        param = Param(self._size, prob, node, state, where, line)
        last = self._chunks[-1] if self._chunks else None
        if isinstance(last, list):
            last.append(param)
        else:
            self._starts.append(self._size)
            self._chunks.append([param])
        self._size += 1
        self.__dict__.pop("_arrays", None)
        return param

    def add_rows(self, rows: RowTable) -> None:
        assert rows.first == self._size, "a compact table's params start where others end"
        self._starts.append(self._size)
        self._chunks.append(rows)
        self._size += rows.size
        self.__dict__.pop("_arrays", None)

    def __len__(self) -> int:
        return self._size

    @overload
    def __getitem__(self, index: int) -> Param: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Param]: ...

    def __getitem__(self, index: int | slice) -> Param | Sequence[Param]:
        if isinstance(index, slice):
            return ParamsView(self, range(self._size)[index])
        if index < 0:
            index += self._size
        if not 0 <= index < self._size:
            raise IndexError("param index out of range")
        chunk = bisect.bisect_right(self._starts, index) - 1
        found = self._chunks[chunk]
        k = index - self._starts[chunk]
        return found[k] if isinstance(found, list) else found.param(k)

    def __iter__(self) -> Iterator[Param]:
        for found in self._chunks:
            if isinstance(found, list):
                yield from found
            else:
                yield from (found.param(k) for k in range(found.size))

    @cached_property
    def _arrays(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        parts: list[tuple[FloatArray, FloatArray, FloatArray]] = []
        for found in self._chunks:
            if isinstance(found, list):
                probs = [p.prob for p in found]
                parts.append((np.array([p.point for p in probs], dtype=np.float64),
                              np.array([p.low for p in probs], dtype=np.float64),
                              np.array([p.high for p in probs], dtype=np.float64)))
            else:
                point = found.points.ravel().astype(np.float64)
                low, high = point.copy(), point.copy()
                for k, prob in found.written.items():
                    point[k], low[k], high[k] = prob.point, prob.low, prob.high
                parts.append((point, low, high))
        if not parts:
            empty = np.zeros(0)
            return empty, empty, empty
        point, low, high = (np.concatenate([p[i] for p in parts]) for i in range(3))
        for array in (point, low, high):
            array.flags.writeable = False
        return point, low, high

    @property
    def points(self) -> FloatArray:
        """(n_params,): each one's point value (read-only)."""
        return self._arrays[0]

    @property
    def lows(self) -> FloatArray:
        return self._arrays[1]

    @property
    def highs(self) -> FloatArray:
        return self._arrays[2]

    def __repr__(self) -> str:
        return f"<Params: {self._size:,} numbers>"


class ParamsView(Sequence[Param]):
    """Some of the params (a node's, say), made into objects only on access; `ids` are
    their indices, for array lookups that need no objects at all."""

    def __init__(self, params: Params, ids: range):
        self._params = params
        self.ids = ids

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> Param: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Param]: ...

    def __getitem__(self, index: int | slice) -> Param | Sequence[Param]:
        if isinstance(index, slice):
            return ParamsView(self._params, self.ids[index])
        return self._params[self.ids[index]]

    def __iter__(self) -> Iterator[Param]:
        return (self._params[i] for i in self.ids)

    def __repr__(self) -> str:
        return f"<params {self.ids.start} to {self.ids.stop - 1}>"


@dataclass(frozen=True)
class NodeSpec:
    """A checked node: names, structure, and the recipe for its table: `written` blocks
    (a prior, table rows), a noisy-OR, or a compact `rows` table."""

    name: str
    label: str
    role: Role
    description: str
    states: tuple[str, ...]
    parents: tuple[str, ...]
    parent_cards: tuple[int, ...]
    written: tuple[Block, ...] = ()
    noisy_or: NoisyOr | None = None
    line: int | None = None
    params: Sequence[Param] = field(default=())
    rows: RowTable | None = None

    @property
    def card(self) -> int:
        return len(self.states)

    @property
    def n_columns(self) -> int:
        return math.prod(self.parent_cards)

    @cached_property
    def blocks(self) -> tuple[Block, ...]:
        """Each prior or table row with what it rests on; a compact table's rows are made
        into blocks here, on first use (the briefing and the analyses list them)."""
        if self.rows is None:
            return self.written
        rows = self.rows
        out = []
        for r in range(len(rows.points)):
            when = column_label(self.parents, rows.parent_states, r)
            entries = {s: rows.param(r * self.card + j) for j, s in enumerate(self.states)}
            estimate = EstimateSpec(DistSpec(entries, self.states), 1.0, None, rows.because[0])
            out.append(Block((r,), when, (estimate,), "linear", rows.because,
                             int(rows.lines[r]) or rows.line))
        return tuple(out)

    @property
    def reader_decision(self) -> bool:
        """A decision without probabilities: the reader's own, whose policy is solved."""
        return (self.role == "decision" and not self.written and self.noisy_or is None
                and self.rows is None)

    def table(self, v: FloatArray, only_source: str | None = None) -> FloatArray:
        """(batch, card, *parent_cards) table for param values `v` (batch, n_params)."""
        batch = v.shape[0]
        if self.reader_decision:
            raise ValueError(f"'{self.name}' is the reader's decision: it has a policy, not "
                             "a table of probabilities")
        if self.noisy_or is not None:
            return self._noisy_or_table(v)
        if self.rows is not None:
            return self.rows.values(v).reshape((batch, self.card, *self.parent_cards))
        flat = np.zeros((batch, self.card, self.n_columns))
        for block in self.blocks:
            flat[:, :, list(block.columns)] = block.values(v, only_source)[:, :, None]
        return flat.reshape((batch, self.card, *self.parent_cards))

    def _noisy_or_table(self, v: FloatArray) -> FloatArray:
        assert self.noisy_or is not None
        batch = v.shape[0]
        # in logarithms, P(no) = exp(log1p(-leak) + sum log1p(-w)) and P(yes) = -expm1(...):
        # 1 - (1 - 1e-17) * (1 - 1e-17) would cancel to 0, and a possible yes read as none
        with np.errstate(divide="ignore"):  # a weight or leak of 1: log1p(-1) = -inf
            log_off = np.broadcast_to(np.log1p(-v[:, self.noisy_or.leak.id]).reshape(
                (batch,) + (1,) * len(self.parents)), (batch, *self.parent_cards)).copy()
            for axis, parent in enumerate(self.parents):
                w = v[:, self.noisy_or.weights[parent].id]
                shape = [batch] + [1] * len(self.parents)
                shape[axis + 1] = 2
                log_off = log_off + np.stack([np.log1p(-w), np.zeros_like(w)],
                                             axis=1).reshape(shape)
        return np.stack([-np.expm1(log_off), np.exp(log_off)], axis=1)


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
