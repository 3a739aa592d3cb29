"""Uncertainty of the numbers themselves: how much an outcome moves when every number is
drawn anew, within what the analyst wrote and what the sources disagree about.

Each written probability is drawn from a Beta distribution: a range or an estimative term
from one whose mean is its point value and which puts about 90% of its mass inside it; a
number written exactly from one with that mean and a default spread (DEFAULT_SPREAD: a 90%
interval of +/-10 points at 50%, narrower towards 0 and 1), unless it is marked
`exact: true`, or is 0 or 1 (impossible and certain stay so). Where several estimates are
pooled, each draw believes one of them, chosen by weight, so the draws cover what the
sources disagree about: one uniform number per draw picks the estimate in every pooled row,
sources in one fixed order, so that with equal weights a draw believes the same source in
every row it speaks to (the "each source alone" figures of `disagreement`). A state left
for the remainder takes what the numbers drawn leave; in a fully written distribution each
draw holds its widest drawn number as drawn and scales the others to fill the rest
(`DrawnRows`), as the tornado and the sweep hold a number (`hold`); `NodeSpec.table` then
renormalises what still needs it. All draws go through batched contractions, one per small
group of outcomes (`marginal_draws`).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ..errors import LimitError, Problem, QueryError
from ..language.probability import Prob
from ..language.tables import Block, FloatArray, NodeSpec, Param, ParamsView
from ..language.utilities import UtilitySpec
from ..limits import MAX_SAMPLES, MEMORY_BUDGET_BYTES
from ..scenario import Scenario
from .marginals import groups

if TYPE_CHECKING:
    from ..network.compiled import CompiledNet

# z of the 95th percentile: (high - low) is read as a 90% interval, mean +/- Z95 sd.
Z95 = 1.6448536269514722
# Each distinct Beta's quantile function is tabulated once and drawn from by inverse
# transform, interpolating between knots: about 6x faster than numpy's Beta sampler.
CDF_CELLS = 8192
QUANTILE_KNOTS = 1024
# A number written exactly is read as "about" it: Beta(n p, n (1 - p)), n = DEFAULT_STRENGTH,
# the concentration whose 90% interval at p = 50% is 50 +/- DEFAULT_SPREAD points (as if the
# figure were a share seen in about 67 cases). The spread narrows towards 0 and 1: 15% is
# drawn within 9-23%, 2% within 0.3-5%.
DEFAULT_SPREAD = 0.10
DEFAULT_STRENGTH = 0.25 / (DEFAULT_SPREAD / Z95) ** 2 - 1
IntArray = npt.NDArray[np.intp]


def shapes(point: FloatArray, low: FloatArray, high: FloatArray,
           spread: npt.NDArray[np.bool_]) -> tuple[FloatArray, FloatArray]:
    """(alpha, beta) of each number's Beta, all at once: where `high > low` (a range or a
    term), mean = point and sd = (high - low) / 3.29, the moments of a normal whose 90%
    interval is the written range (coverage in [low, high] is 90-92% for the ICD 203 bands);
    where `spread` (a number written exactly), concentration DEFAULT_STRENGTH. The
    concentration is raised where needed so that both shapes are at least 1: a wide range
    such as [0, 1] becomes flat rather than piled up at 0 and 1, and a number within 1.5%
    of 0 or 1 keeps its density finite at the near end. Other entries are NaN."""
    ranged = high > low
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = (high - low) / (2 * Z95)
        concentration = np.where(ranged, point * (1 - point) / sd**2 - 1, DEFAULT_STRENGTH)
        concentration = np.maximum(concentration, 1 / np.minimum(point, 1 - point))
    concentration = np.where(ranged | spread, concentration, np.nan)
    return point * concentration, (1 - point) * concentration


def beta_shape(prob: Prob) -> tuple[float, float]:
    """(alpha, beta) of a written range or term (see `shapes`)."""
    return _one(prob.point, prob.low, prob.high, False)


def default_shape(point: float) -> tuple[float, float]:
    """(alpha, beta) of the default spread of a number written exactly (see `shapes`)."""
    return _one(point, point, point, True)


def _one(point: float, low: float, high: float, spread: bool) -> tuple[float, float]:
    alpha, beta = shapes(np.array([point]), np.array([low]), np.array([high]),
                         np.array([spread]))
    return float(alpha[0]), float(beta[0])


@lru_cache(maxsize=256)
def _quantiles(alpha: float, beta: float) -> FloatArray:
    """The Beta(alpha, beta) quantile function at QUANTILE_KNOTS + 1 evenly spaced levels,
    from its density integrated by the midpoint rule on CDF_CELLS cells. The two end knots
    sit at the levels 1/8 knot inside 0 and 1, so the outermost cells stay in the tails
    instead of stretching to wherever the density underflows."""
    edges = np.linspace(0.0, 1.0, CDF_CELLS + 1)
    mids = (edges[:-1] + edges[1:]) / 2
    log_pdf = (alpha - 1) * np.log(mids) + (beta - 1) * np.log1p(-mids)
    cdf = np.concatenate([[0.0], np.cumsum(np.exp(log_pdf - log_pdf.max()))])
    cdf /= cdf[-1]
    levels = np.arange(QUANTILE_KNOTS + 1) / QUANTILE_KNOTS
    levels[[0, -1]] = 1 / (8 * QUANTILE_KNOTS), 1 - 1 / (8 * QUANTILE_KNOTS)
    knots = np.interp(levels, cdf, edges)
    knots.flags.writeable = False
    return knots


def draw_shape(param: Param, exact: bool = False) -> tuple[float, float] | None:
    """The Beta a number is drawn from, or None for one held fixed (marked exact, or 0 or 1)."""
    prob = param.prob
    if prob.uncertain:
        return beta_shape(prob)
    if exact or prob.point <= 0.0 or prob.point >= 1.0:
        return None
    return default_shape(prob.point)


def beta_interval(shape: tuple[float, float], level: float = 0.90) -> tuple[float, float]:
    """The central `level` interval of a Beta, from the same quantile table the draws use."""
    knots = _quantiles(*shape)
    levels = np.arange(QUANTILE_KNOTS + 1) / QUANTILE_KNOTS
    tail = (1 - level) / 2
    low, high = np.interp([tail, 1 - tail], levels, knots)
    return float(low), float(high)


def drawn_shapes(scenario: Scenario) -> tuple[IntArray, FloatArray, FloatArray]:
    """The ids of the numbers the draws vary, and each one's Beta (alpha, beta): every
    number but those marked exact and 0 and 1. From the params' arrays, so a compact table
    of many numbers costs array operations, not one object per number."""
    params = scenario.checked.params
    point, low, high = params.points, params.lows, params.highs
    spread = (high == low) & (point > 0) & (point < 1)
    spread[list(scenario.exact)] = False
    ids = np.flatnonzero((high > low) | spread)
    alpha, beta = shapes(point[ids], low[ids], high[ids], spread[ids])
    return ids, alpha, beta


def sample_values(scenario: Scenario, samples: int,
                  rng: np.random.Generator) -> FloatArray:
    """(samples, n_params): every number drawn from its Beta (`drawn_shapes`), the fixed
    ones at their value; in each fully written distribution, its widest drawn number held
    and the rest scaled to fill what it leaves (`DrawnRows`)."""
    values = np.repeat(scenario.point_values(), samples, axis=0)
    ids, alpha, beta = drawn_shapes(scenario)
    if not ids.size:
        return values
    cell, within = uniform_cells(rng, samples, ids.size)
    values[:, ids] = inverse_draws(cell, within, alpha, beta)
    del cell, within
    DrawnRows.of(scenario, ids, alpha, beta).hold(values)
    return values


def uniform_cells(rng: np.random.Generator, samples: int,
                  n: int) -> tuple[IntArray, FloatArray]:
    """(samples, n) uniform numbers as the quantile cell each falls in and where in it."""
    u = rng.random((samples, n))  # in place below: the largest arrays the draws make
    u *= QUANTILE_KNOTS  # below QUANTILE_KNOTS: random() < 1 and the product rounds down
    cell = u.astype(np.intp)
    u -= cell
    return cell, u


def inverse_draws(cell: IntArray, within: FloatArray, alpha: FloatArray,
                  beta: FloatArray) -> FloatArray:
    """Column j drawn from Beta(alpha[j], beta[j]) by inverse transform of its uniform
    numbers (`uniform_cells`). Each entry is its own knot's lookup and one multiply-add, so a
    column comes out the same drawn alone or among others."""
    # one quantile table per distinct Beta: imported tables repeat their numbers often
    distinct, which = np.unique(np.stack([alpha, beta], axis=1), axis=0, return_inverse=True)
    knots = np.stack([_quantiles(float(a), float(b)) for a, b in distinct])
    starts, steps = knots[:, :-1].ravel(), np.diff(knots, axis=1).ravel()
    cell = cell + which.reshape(-1).astype(np.intp) * QUANTILE_KNOTS
    drawn_values = steps.take(cell)
    drawn_values *= within
    drawn_values += starts.take(cell)
    return drawn_values


def source_order(scenario: Scenario) -> dict[str, int]:
    """The sources that give pooled estimates, in the order the file first has them: the
    order in which every pooled row lays out its estimates for the draws."""
    order: dict[str, int] = {}
    for spec in scenario.nodes.values():
        for block in spec.blocks:
            for source in block.sources:
                order.setdefault(source, len(order))
    return order


def chosen_estimates(block: Block, order: Mapping[str, int], u: FloatArray) -> IntArray:
    """For each draw's uniform number in `u`, the index of the estimate it believes in this
    pooled row: estimates laid out along [0, 1) by weight, sources in `order`, assumed
    estimates after them, so that rows sharing their sources and weights choose alike."""
    estimates = block.estimates
    keys = [(order[e.source], 0) if e.source is not None else (len(order), j)
            for j, e in enumerate(estimates)]
    ranked = sorted(range(len(estimates)), key=keys.__getitem__)
    weights = np.array([estimates[j].weight for j in ranked], dtype=np.float64)
    ends = np.cumsum(weights) / weights.sum()
    picked = np.minimum(np.searchsorted(ends, u, side="right"), len(ranked) - 1)
    return np.asarray(np.array(ranked, dtype=np.intp)[picked], dtype=np.intp)


def pooled(spec: NodeSpec) -> list[Block]:
    return [b for b in spec.blocks if len(b.estimates) > 1]


def node_table(spec: NodeSpec, values: FloatArray, u: FloatArray | None,
               order: Mapping[str, int]) -> FloatArray:
    """The node's batched table for `values`; with the draws' uniform numbers `u`, each
    pooled row holds, draw by draw, the one estimate that draw believes."""
    table = spec.table(values)
    rows = pooled(spec) if u is not None else []
    if not rows:
        return table
    assert u is not None
    batch = values.shape[0]
    flat = table.reshape(batch, spec.card, -1)
    draws = np.arange(batch)
    for block in rows:
        each = np.stack([e.dist.values(values) for e in block.estimates])  # (k, batch, card)
        believed = each[chosen_estimates(block, order, u), draws]  # (batch, card)
        flat[:, :, list(block.columns)] = believed[:, :, None]
    return flat.reshape(table.shape)


def varying_tables(scenario: Scenario, values: FloatArray, u: FloatArray | None = None,
                   kept: KeptTables | None = None,
                   same: npt.NDArray[np.bool_] | None = None) -> dict[str, FloatArray]:
    """Batched tables of the nodes whose numbers differ across the rows of `values` (or,
    with `u`, that pool several estimates); the engine keeps the others' point tables.
    `kept` hands back the tables of its last call whose recipe and numbers are the same
    (`same`: which columns of `values` are known to be those of its last call)."""
    moving = np.ptp(values, axis=0) > 0
    order = source_order(scenario)
    wanted = [spec for spec in scenario.nodes.values()
              if moving[param_ids(spec)].any() or (u is not None and pooled(spec))]
    if kept is not None:
        return kept.tables(wanted, values, u, order, same)
    return {spec.name: node_table(spec, values, u, order) for spec in wanted}


def same_recipe(a: NodeSpec, b: NodeSpec) -> bool:
    """Whether two nodes' tables are the same function of the values: every field equal,
    and the params one by one (a `ParamsView` compares by identity). A compact table
    (`RowTable`, compared by identity) is the same only as itself."""
    return (all(getattr(a, f.name) == getattr(b, f.name) for f in fields(NodeSpec)
                if f.name != "params")
            and (a.params is b.params or list(a.params) == list(b.params)))


class KeptTables:
    """The batched tables (`node_table`) of the last call, handed back for a node whose
    recipe (`same_recipe`), own columns of the values, uniform numbers `u` and sources'
    order are all the same: a table reads nothing else, so the table kept is the one
    `node_table` makes. The tables handed out are read-only, as they are shared."""

    def __init__(self) -> None:
        self._values: FloatArray | None = None
        self._u: FloatArray | None = None
        self._order: dict[str, int] = {}
        self._kept: dict[str, tuple[NodeSpec, FloatArray]] = {}

    def tables(self, specs: Sequence[NodeSpec], values: FloatArray, u: FloatArray | None,
               order: Mapping[str, int], same: npt.NDArray[np.bool_] | None = None
               ) -> dict[str, FloatArray]:
        """The specs' tables; `same` says which columns of `values` are those of the last
        call (compared here when not given)."""
        last, kept = self._values, self._kept
        if (last is None or last.shape != values.shape or dict(order) != self._order
                or not (u is self._u or (u is not None and self._u is not None
                                         and np.array_equal(u, self._u)))):
            kept = {}
            same = np.zeros(values.shape[1], dtype=bool)
        elif same is None:
            same = (values == last).all(axis=0)  # each column as the last call had it
        out: dict[str, FloatArray] = {}
        for spec in specs:
            found = kept.get(spec.name)
            if (found is not None and same[param_ids(spec)].all()
                    and same_recipe(found[0], spec)):
                out[spec.name] = found[1]
                continue
            table = node_table(spec, values, u, order)
            if table.base is not None:  # its own numbers, so read-only means unchanging
                table = table.copy()
            table.flags.writeable = False
            out[spec.name] = table
        self._values, self._u, self._order = values, u, dict(order)
        self._kept = {spec.name: (spec, out[spec.name]) for spec in specs}
        return out


def param_ids(spec: NodeSpec) -> list[int] | range:
    """The ids of a node's numbers, without making a compact table's into objects."""
    params = spec.params
    return params.ids if isinstance(params, ParamsView) else [p.id for p in params]


# numbers held where they are set -------------------------------------------------------------

# A written distribution: its numbers' ids, and whether a state left out takes the remainder.
Row = tuple[tuple[int, ...], bool]


class WrittenRows:
    """Which written distribution each number is one of: a prior, a table row, one estimate
    of a pooled row, a row of a compact table. A noisy-OR's numbers are each one of their
    own (a cause's weight or the leak is a probability alone)."""

    def __init__(self, scenario: Scenario) -> None:
        self._rows: dict[int, Row] = {}
        compact: list[tuple[int, int, int]] = []  # (first, stop, card) of each compact table
        for spec in scenario.nodes.values():
            if spec.rows is not None:
                compact.append((spec.rows.first, spec.rows.first + spec.rows.size, spec.card))
            elif spec.noisy_or is None:
                for block in spec.written:
                    for estimate in block.estimates:
                        ids = tuple(p.id for p in estimate.dist.entries.values())
                        row = (ids, len(ids) < len(estimate.dist.states))
                        self._rows.update(dict.fromkeys(ids, row))
        self._compact = sorted(compact)
        self._starts = [c[0] for c in self._compact]

    def of(self, param: int) -> Row | None:
        """The written distribution number `param` is one of; None for a noisy-OR's."""
        found = self._rows.get(param)
        if found is not None:
            return found
        k = bisect.bisect_right(self._starts, param) - 1
        if k < 0:
            return None
        first, stop, card = self._compact[k]
        if param >= stop:
            return None
        start = first + (param - first) // card * card
        return tuple(range(start, start + card)), False


def hold(values: FloatArray, held: Sequence[int], rows: WrittenRows) -> None:
    """Hold the numbers `held` at their values in every row of `values` (batch, n_params),
    in place: the other numbers of each one's written distribution are scaled so that it
    adds up to 1, and `NodeSpec.table` then finds it summing to 1 and leaves it so (`held`
    of one distribution together). A state left for the remainder takes what is left first:
    the other written numbers are scaled down only as far as they and the numbers held pass
    1. Where the others are all 0 and no state takes the remainder, they share what is left
    equally."""
    found: dict[tuple[int, ...], tuple[list[int], bool]] = {}
    for param in held:
        row = rows.of(param)
        if row is not None:
            found.setdefault(row[0], ([], row[1]))[0].append(param)
    for ids, (mine, remainder) in found.items():
        others = [i for i in ids if i not in mine]
        if others:
            values[:, others] = _scaled(values[:, mine].sum(axis=1), values[:, others],
                                        remainder)


def hold_each(values: FloatArray, held: Sequence[int | None], rows: WrittenRows) -> None:
    """`hold` with one number per row of the batch: row r of `values` holds number
    `held[r]` (None: none), in place."""
    found: dict[tuple[int, ...], tuple[list[int], list[int], bool]] = {}
    for r, param in enumerate(held):
        row = rows.of(param) if param is not None else None
        if row is not None and len(row[0]) > 1:
            at = found.setdefault(row[0], ([], [], row[1]))
            at[0].append(r)
            at[1].append(row[0].index(param))
    for ids, (batch, position, remainder) in found.items():
        where = np.ix_(batch, ids)
        block = values[where]
        mine = np.zeros(block.shape, dtype=bool)
        mine[np.arange(len(batch)), position] = True
        others = block[~mine].reshape(len(batch), len(ids) - 1)
        block[~mine] = _scaled(block[mine], others, remainder).ravel()
        values[where] = block


# The arrays of one chunk of `DrawnRows.hold` (the numbers of its distributions in every
# draw, a few times over) stay below this, far below the drawn numbers it holds.
HOLD_CHUNK_BYTES = MEMORY_BUDGET_BYTES // 64


@dataclass(frozen=True)
class DrawnRows:
    """The fully written distributions (every state given: no remainder) the draws vary,
    each with the number the draws hold in it: its drawn number of the widest spread (the
    smallest concentration alpha + beta; the first of equals). In each draw that number
    keeps the value drawn from its own Beta, and the others, as drawn, are scaled to fill
    what it leaves, as `hold` scales them for a number set; so a two-state distribution
    draws each state across its own spread, and one whose other numbers are held fixed
    draws its one range across that range. A row of numbers that are all 0 but the one held
    is left to `NodeSpec.table`, which renormalises it: impossible stays impossible.
    `groups` are (columns (rows, k), the held one's position in each row (rows,))."""

    groups: tuple[tuple[IntArray, IntArray], ...]

    @classmethod
    def of(cls, scenario: Scenario, ids: IntArray, alpha: FloatArray,
           beta: FloatArray) -> DrawnRows:
        """From the numbers drawn and their Betas (`drawn_shapes`)."""
        spread = np.full(len(scenario.params), np.inf)
        spread[ids] = alpha + beta
        by_length: dict[int, list[tuple[int, ...]]] = {}
        groups: list[tuple[IntArray, IntArray]] = []
        for spec in scenario.nodes.values():
            if spec.rows is not None:
                first, card = spec.rows.first, spec.card
                mine = spread[first:first + spec.rows.size].reshape(-1, card)
                rows = np.flatnonzero(np.isfinite(mine).any(axis=1))
                if rows.size and card > 1:
                    columns = first + rows[:, None] * card + np.arange(card)[None, :]
                    groups.append((columns, np.argmin(mine[rows], axis=1)))
            elif spec.noisy_or is None:
                for block in spec.written:
                    for estimate in block.estimates:
                        row = tuple(p.id for p in estimate.dist.entries.values())
                        if len(row) == len(estimate.dist.states) > 1 and \
                                np.isfinite(spread[list(row)]).any():
                            by_length.setdefault(len(row), []).append(row)
        for found in by_length.values():
            columns = np.array(found, dtype=np.intp)
            groups.append((columns, np.argmin(spread[columns], axis=1)))
        return cls(tuple(groups))

    def touching(self, marked: npt.NDArray[np.bool_]) -> DrawnRows:
        """The distributions with a number `marked` (a mask over every number)."""
        out = []
        for columns, held in self.groups:
            keep = marked[columns].any(axis=1)
            if keep.any():
                out.append((columns[keep], held[keep]))
        return DrawnRows(tuple(out))

    def columns(self) -> IntArray:
        """Every number of the distributions."""
        if not self.groups:
            return np.zeros(0, dtype=np.intp)
        return np.concatenate([columns.ravel() for columns, _ in self.groups])

    def hold(self, values: FloatArray) -> None:
        """In place: in each draw (row of `values`), each distribution's held number kept,
        the others scaled to fill what it leaves of 1. Row by row the same whatever else is
        held alongside (`Redraw` holds again only the distributions it draws anew)."""
        for columns, held in self.groups:
            step = max(1, HOLD_CHUNK_BYTES // (32 * values.shape[0] * columns.shape[1]))
            for start in range(0, len(columns), step):
                part, at = columns[start:start + step], held[start:start + step]
                values[:, part] = _hold_rows(values[:, part], at)


def _hold_rows(block: FloatArray, held: IntArray) -> FloatArray:
    """(draws, rows, k), a copy made for it and changed in place: in each row, column
    `held[row]` kept, the others scaled to fill what it leaves of 1 (left as they are where
    they are all 0). Each row's numbers are summed alone, along the last axis of an array
    laid out alike whatever else is held alongside, so a row comes out the same among any
    others."""
    rows = np.arange(block.shape[1])
    mine = block[:, rows, held]
    block[:, rows, held] = 0.0
    others = block.sum(axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(others > 0, np.clip(1.0 - mine, 0.0, None) / others, 1.0)
    block *= scale[:, :, None]
    block[:, rows, held] = mine
    return block


def _scaled(held: FloatArray, others: FloatArray, remainder: bool) -> FloatArray:
    """`others` (batch, m) scaled to fill what `held` (batch,) leaves of 1; with a state for
    the remainder, only as far as they would pass it."""
    room = np.clip(1.0 - held, 0.0, None)
    total = others.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(total > 0, room / total, 1.0)
    if remainder:
        return np.asarray(others * np.minimum(scale, 1.0)[:, None], dtype=np.float64)
    shared = np.broadcast_to((room / others.shape[1])[:, None], others.shape)
    return np.asarray(np.where((total > 0)[:, None], others * scale[:, None], shared),
                      dtype=np.float64)


@dataclass(frozen=True)
class Draws:
    """Rows of param values (samples, n_params), each draw's uniform number choosing the
    estimate it believes in pooled rows (None: the pooled value), and the batched tables
    they make."""

    values: FloatArray
    tables: dict[str, FloatArray]
    sources: FloatArray | None = None

    @classmethod
    def of(cls, scenario: Scenario, values: FloatArray,
           sources: FloatArray | None = None) -> Draws:
        return cls(values, varying_tables(scenario, values, sources), sources)

    @property
    def samples(self) -> int:
        return int(self.values.shape[0])

    def tables_at(self, scenario: Scenario, i: int) -> dict[str, FloatArray]:
        """Every node's table in draw `i`, built for that draw alone."""
        values = self.values[i:i + 1]
        sources = None if self.sources is None else self.sources[i:i + 1]
        order = source_order(scenario)
        return {n: node_table(spec, values, sources, order)[0]
                for n, spec in scenario.nodes.items()}

    def joint(self, engine: CompiledNet, targets: Sequence[str],
              do: Mapping[str, str] | None = None) -> FloatArray:
        """(samples, *cards): P(targets | do(do)) under each row's numbers."""
        tables = self._tables(do)
        if tables:
            return engine.joint(targets, do=do, tables=tables)
        point = engine.joint(targets, do=do)
        return np.broadcast_to(point, (self.samples, *point.shape))

    def posteriors(self, engine: CompiledNet, targets: Sequence[str],
                   do: Mapping[str, str] | None = None) -> list[FloatArray]:
        """Each target's (samples, card) P(target | do(do)) under each row's numbers, from
        one contraction over their joint (`CompiledNet.posteriors`)."""
        tables = self._tables(do)
        if tables:
            return engine.posteriors(targets, do=do, tables=tables)
        return [np.broadcast_to(p, (self.samples, *p.shape))
                for p in engine.posteriors(targets, do=do)]

    def _tables(self, do: Mapping[str, str] | None) -> dict[str, FloatArray]:
        """The batched tables a question uses: those of the nodes it does not set."""
        return {n: t for n, t in self.tables.items() if n not in (do or {})}

    def posterior(self, engine: CompiledNet, node: str,
                  do: Mapping[str, str] | None = None) -> FloatArray:
        """(samples, card): P(node | do(do)) under each row's numbers."""
        return self.joint(engine, [node], do)


def marginal_draws(engine: CompiledNet, draws: Draws, nodes: Sequence[str],
                   do: Mapping[str, str] | None = None) -> list[FloatArray]:
    """Each node's (samples, card) posteriors, from one batched contraction per group of
    nodes whose joint is small (`marginals.groups`, `CompiledNet.posteriors`): a small joint
    costs about as much as one node's posterior."""
    out: list[FloatArray] = []
    for group in groups(nodes, lambda n: len(engine.net.states[n])):
        out += _group_posteriors(engine, draws, group, do)
    return out


def _group_posteriors(engine: CompiledNet, draws: Draws, group: list[str],
                      do: Mapping[str, str] | None) -> list[FloatArray]:
    """A group's posteriors from its joint; one node at a time where the joint, small as
    it is, needs a contraction past the table limit."""
    if len(group) > 1:
        try:
            return draws.posteriors(engine, group, do)
        except LimitError:
            return [draws.posterior(engine, node, do) for node in group]
    return [draws.posterior(engine, group[0], do)]


def draw_bytes(scenario: Scenario, samples: int) -> int:
    """What `draw` holds at its peak: the values, the uniform numbers behind the drawn ones,
    and the batched tables of every node that varies."""
    ids, alpha, beta = drawn_shapes(scenario)
    drawn = np.zeros(len(scenario.params), dtype=bool)
    drawn[ids] = True
    varying = [spec for spec in scenario.nodes.values()
               if pooled(spec) or drawn[param_ids(spec)].any()]
    cells = sum(spec.card * math.prod(spec.parent_cards) for spec in varying)
    distinct = len(np.unique(np.stack([alpha, beta], axis=1), axis=0)) if ids.size else 0
    return 8 * (samples * (len(scenario.params) + 3 * ids.size + 2 * cells)
                + 3 * distinct * (QUANTILE_KNOTS + 1))


def most_samples(scenario: Scenario) -> int:
    """The most draws whose peak (`draw_bytes`, linear in the draws) fits the memory budget;
    at least 1."""
    fixed = draw_bytes(scenario, 0)
    each = draw_bytes(scenario, 1) - fixed
    return int(max(1, min(MAX_SAMPLES, (MEMORY_BUDGET_BYTES - fixed) // max(1, each))))


def draw(scenario: Scenario, samples: int, seed: int | None,
         kept: Redraw | None = None) -> Draws:
    """`samples` seeded draws of every number, each believing one estimate of every pooled
    row, and their tables; refused past the memory budget before anything is drawn. With
    `kept`, what it holds of the last draw is reused where it is the same (`Redraw`)."""
    check_samples(scenario, samples)
    if kept is not None and seed is not None:
        return _possible(scenario, kept.draw(scenario, samples, seed), seed)
    rng = np.random.default_rng(seed)
    sources = rng.random(samples)
    return _possible(scenario, Draws.of(scenario, sample_values(scenario, samples, rng),
                                        sources), seed)


# Rounds of drawing again the draws under which the evidence log cannot happen.
REDRAWS = 20


def _possible(scenario: Scenario, drawn: Draws, seed: int | None) -> Draws:
    """The draws, each one under which the evidence in effect cannot happen (an observed
    state drawn at 0: a row of 3% and 93% drawn past 100% leaves its third state nothing)
    drawn again, seeded, up to REDRAWS times; one still impossible then is dropped. Every
    figure is given the evidence, so such a draw has none to give; the uncertainty of the
    numbers is what the evidence leaves possible."""
    from ..history import possible_rows

    ok = possible_rows(scenario.compiled, drawn.tables)
    if ok is None or ok.all():
        return drawn
    rng = np.random.default_rng(None if seed is None else [seed, 1])
    values = drawn.values.copy()
    sources = None if drawn.sources is None else drawn.sources.copy()
    for _ in range(REDRAWS):
        bad = np.flatnonzero(~ok)
        if not bad.size:
            break
        values[bad] = sample_values(scenario, bad.size, rng)
        if sources is not None:
            sources[bad] = rng.random(bad.size)
        again = Draws.of(scenario, values[bad], None if sources is None else sources[bad])
        found = possible_rows(scenario.compiled, again.tables)
        ok[bad] = True if found is None else found
    if not ok.any():
        raise QueryError(Problem(
            "the evidence log cannot happen under any draw of the numbers",
            file=scenario.document.name,
            hint="widen the ranges of the numbers the log's observations rest on"))
    return Draws.of(scenario, values[ok], None if sources is None else sources[ok])


def check_samples(scenario: Scenario, samples: int) -> None:
    """Refuse a number of draws below 1, above MAX_SAMPLES or past the memory budget."""
    if not 1 <= samples <= MAX_SAMPLES:
        error = QueryError if samples < 1 else LimitError
        raise error(Problem(f"samples must be between 1 and {MAX_SAMPLES:,}, got {samples:,}"))
    needed = draw_bytes(scenario, samples)
    if needed > MEMORY_BUDGET_BYTES:
        raise LimitError(Problem(
            f"{samples:,} draws of this scenario's numbers need about {needed / 1e6:,.0f} MB, "
            f"over the memory budget of {MEMORY_BUDGET_BYTES / 1e6:,.0f} MB",
            hint=f"ask for at most {most_samples(scenario):,} samples (--samples "
                 f"{most_samples(scenario)}), or mark tables whose numbers are exact with "
                 "'exact: true'"))


WorthTables = list[tuple[tuple[str, ...], FloatArray]]  # `UtilitySpec.tables`


class KeptWorthTables:
    """Each actor's utility tables at its drawn worths (`UtilitySpec.tables`) from the last
    call, handed back while the actor's terms (their nodes, rows and indicators) and drawn
    worths are the same: a table reads nothing else. Read-only, as they are shared."""

    def __init__(self) -> None:
        self._kept: dict[str, tuple[UtilitySpec, FloatArray, WorthTables]] = {}

    def tables(self, utilities: Mapping[str, UtilitySpec],
               worths: Mapping[str, FloatArray]) -> dict[str, WorthTables]:
        out: dict[str, WorthTables] = {}
        for actor, spec in utilities.items():
            found = self._kept.get(actor)
            values = worths[actor]
            if (found is not None and _same_terms(found[0], spec)
                    and found[1].shape == values.shape and np.array_equal(found[1], values)):
                out[actor] = found[2]
                continue
            out[actor] = spec.tables(values)
            for _, table in out[actor]:
                table.flags.writeable = False
        self._kept = {a: (utilities[a], worths[a], out[a]) for a in utilities}
        return out


def _same_terms(a: UtilitySpec, b: UtilitySpec) -> bool:
    if len(a.terms) != len(b.terms):
        return False
    return all(x.scope == y.scope and x.cards == y.cards and x.params == y.params
               and np.array_equal(x.indicators, y.indicators)
               for x, y in zip(a.terms, b.terms, strict=True))


@dataclass(frozen=True)
class _Drawn:
    """One seeded draw: its uniform numbers (`uniform_cells`), the Betas of the numbers
    drawn and every number's values."""

    seed: int
    samples: int
    ids: IntArray
    alpha: FloatArray
    beta: FloatArray
    points: FloatArray
    cell: IntArray
    within: FloatArray
    sources: FloatArray
    values: FloatArray


class Redraw:
    """What the last seeded `draw` made, so that drawing a scenario again (watch mode, after
    a number was edited) draws anew only the numbers whose Beta changed and builds only the
    tables of nodes whose numbers changed. The draws are the ones `draw` makes afresh: with
    the same seed, draws and drawn numbers the generator gives the same uniform numbers, and
    each number's column is drawn from its own column of them alone (`inverse_draws`). The
    values handed out are read-only, as they are kept."""

    def __init__(self) -> None:
        self.tables = KeptTables()  # the draws' tables
        self.swung = KeptTables()  # the tables of the swung numbers (`judgements`)
        self.worths = KeptWorthTables()  # the utilities' tables at the drawn worths
        self._last: _Drawn | None = None

    def draw(self, scenario: Scenario, samples: int, seed: int) -> Draws:
        ids, alpha, beta = drawn_shapes(scenario)
        points = scenario.checked.params.points
        last = self._last
        if (last is not None and (last.seed, last.samples) == (seed, samples)
                and np.array_equal(last.ids, ids) and last.points.shape == points.shape):
            cell, within, sources = last.cell, last.within, last.sources
            values = last.values
            fixed = np.ones(points.shape, dtype=bool)
            fixed[ids] = False
            moved = np.flatnonzero(fixed & (last.points != points))
            changed = np.flatnonzero((last.alpha != alpha) | (last.beta != beta))
            same = np.ones(points.shape, dtype=bool)
            same[moved] = same[ids[changed]] = False
            if moved.size or changed.size:
                values = values.copy()
                values[:, moved] = points[moved]
                values[:, ids[changed]] = inverse_draws(
                    cell[:, changed], within[:, changed], alpha[changed], beta[changed])
                # the distributions held anew: each of their numbers as drawn, then held
                rows = DrawnRows.of(scenario, ids, alpha, beta).touching(~same)
                columns = rows.columns()
                if columns.size:
                    drawn = np.isin(columns, ids)
                    at = np.searchsorted(ids, columns[drawn])
                    values[:, columns[~drawn]] = points[columns[~drawn]]
                    values[:, columns[drawn]] = inverse_draws(cell[:, at], within[:, at],
                                                              alpha[at], beta[at])
                    rows.hold(values)
                    same[columns] = False
        else:
            same = np.zeros(points.shape, dtype=bool)
            rng = np.random.default_rng(seed)
            sources = rng.random(samples)
            cell, within = uniform_cells(rng, samples, ids.size)
            values = np.repeat(scenario.point_values(), samples, axis=0)
            if ids.size:
                values[:, ids] = inverse_draws(cell, within, alpha, beta)
                DrawnRows.of(scenario, ids, alpha, beta).hold(values)
        values.flags.writeable = False
        self._last = _Drawn(seed, samples, ids, alpha, beta, points.copy(), cell, within,
                            sources, values)
        return Draws(values, varying_tables(scenario, values, sources, self.tables, same),
                     sources)


@dataclass(frozen=True)
class StateSpread:
    """One state's headline probability and its spread over the draws."""

    state: str
    point: float
    mean: float
    median: float
    p5: float
    p95: float


@dataclass(frozen=True)
class OutcomeUncertainty:
    node: str
    label: str
    samples: int
    states: tuple[StateSpread, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"node": self.node, "label": self.label, "samples": self.samples,
                "states": [asdict(s) for s in self.states]}


def summarise(node: str, label: str, states: Sequence[str], point: FloatArray,
              draws: FloatArray) -> OutcomeUncertainty:
    """Mean, median and 90% interval of each column of `draws` (samples, card)."""
    p5, median, p95 = np.percentile(draws, [5, 50, 95], axis=0)
    mean = draws.mean(axis=0)
    return OutcomeUncertainty(node, label, draws.shape[0], tuple(
        StateSpread(s, float(point[i]), float(mean[i]), float(median[i]), float(p5[i]),
                    float(p95[i])) for i, s in enumerate(states)))


def outcome_spreads(scenario: Scenario, engine: CompiledNet, draws: Draws,
                    outcomes: Sequence[str]) -> list[OutcomeUncertainty]:
    """Each outcome's spread over the draws."""
    out = []
    for node, drawn in zip(outcomes, marginal_draws(engine, draws, outcomes), strict=True):
        spec = scenario.nodes[node]
        out.append(summarise(node, spec.label, spec.states, engine.posterior(node), drawn))
    return out
