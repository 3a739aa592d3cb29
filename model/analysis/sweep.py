"""Sweeps: every outcome and key judgement of a scenario over a grid of its written numbers,
and under each source's reading alone.

    from model.analysis.sweep import sweep
    found = sweep(s, vary=["us_course: P(use_force)=0.1:0.6:6"], each="source")
    found.to_frame()       # one row per variant: its inputs, then each outcome state, judgement

A number is named as the tornado prints it (`places.place_name`): "node: P(state | parent=
state, ...)", "node: P(yes | leak)" or "node: P(yes | cause alone)" for a noisy-OR, with
" by source" for one of several pooled estimates; a node with a single written number (a
yes/no prior) may be named by the node alone. `FROM:TO:STEPS` sweeps it over STEPS evenly
spaced values from FROM to TO, ends included; several `vary`s make a grid of every
combination. Set to a value, a number is held there exactly (`uncertainty.hold`): the other
numbers of its distribution (its prior, table row, or pooled estimate) are scaled so that it
adds up to 1, as the tornado swings it; a state left for the remainder takes what is left
first, the other written numbers scaled down only where they and the number set would pass
1; in every uncertainty draw the number stays set and the others' draws are scaled alike.
Numbers of one distribution set together must leave a state to take up the rest and stay
within 1 together, or the sweep is refused.

With decisions of the reader's own, each variant's policy is solved anew under its numbers
(as decision analysts' sensitivity analyses do: a variant then answers as the file with its
numbers written would), and each variant reports the decider's maximum expected utility
(`Sweep.expected`) and the best option of each decision taken knowing nothing
(`Sweep.best`); its draws take the variant's policy as solved at its numbers. A file of
decisions alone (no outcome, no judgement) sweeps those.

`each="source"` adds a reading per source that gives estimates of its own: that source's
estimates wherever it gave one, the pooled value elsewhere (the reading of `disagreement`),
beside the pooled reading of every source.

Exact figures go through one batched contraction per chunk of variants. With `intervals`,
each variant also gets the 90% interval of each figure over `samples` seeded draws of every
other number, the same draws for every variant (so that two variants differ by what was
varied, not by chance), and for the pooled reading with nothing varied exactly the intervals
`analyze` gives. Chunks run through `runs.run_each`: `jobs` processes, or a Dask cluster.
"""

from __future__ import annotations

import difflib
import io
import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np

from ..display import RichDisplay
from ..errors import LimitError, Problem, QueryError, ScenarioError, did_you_mean
from ..files import write_atomic
from ..language.probability import SUM_TOLERANCE, parse_prob, term_for
from ..language.tables import FloatArray
from ..limits import MAX_VARIANTS, MEMORY_BUDGET_BYTES
from ..network.influence import solve, solve_bytes
from ..runs import Backend, run_each
from ..scenario import Scenario
from . import DEFAULT_SAMPLES, DEFAULT_SEED
from .disagreement import estimating_sources
from .judgements import Events
from .places import Place, places
from .uncertainty import (
    Draws,
    WrittenRows,
    draw,
    hold,
    marginal_draws,
    node_table,
    param_ids,
    source_order,
    varying_tables,
)

if TYPE_CHECKING:
    import pandas as pd

Each = Literal["source"]
EACH_CHOICES: tuple[Each, ...] = get_args(Each)
POOLED = "pooled"  # the reading of every source, pooled as the file says
CHUNK = 256  # variants in one exact batch (and one tick of the progress bar)


# naming a number ----------------------------------------------------------------------------


def _normal(text: str) -> str:
    """A name with runs of whitespace as one space and none around its punctuation."""
    return re.sub(r" ?([:|,()=]) ?", r"\1", " ".join(text.split()))


def find_place(scenario: Scenario, name: str) -> Place:
    """The written number `name` names (see the module's docstring), or a QueryError that
    lists what it might have meant."""
    found = places(scenario)
    wanted = _normal(name)
    for place in found.values():
        if _normal(place.name) == wanted:
            return place
    node = name.split(":", 1)[0].strip()
    mine = [p for p in found.values() if p.node == node]
    if node == name.strip() and len(mine) == 1:
        return mine[0]
    close = difflib.get_close_matches(wanted, [_normal(p.name) for p in mine], n=1)
    if close:
        hint = f"did you mean '{next(p.name for p in mine if _normal(p.name) == close[0])}'?"
    elif mine:
        listed = "; ".join(f"'{p.name}'" for p in mine[:6]) + ("; ..." if len(mine) > 6 else "")
        hint = f"'{node}' has {len(mine)} written numbers: {listed}"
    elif node in scenario.nodes:
        hint = f"'{node}' has no number of its own written in the file"
    else:
        hint = did_you_mean(node, {p.node for p in found.values()})
    raise QueryError(Problem(f"no written number is named '{name.strip()}'",
                             file=scenario.document.name, hint=hint))


@dataclass(frozen=True)
class Vary:
    """One written number and the values a sweep gives it."""

    place: Place
    values: tuple[float, ...]

    @property
    def name(self) -> str:
        return self.place.name


def _end(scenario: Scenario, text: str, vary: str) -> float:
    hint = "the ends are numbers or percents, e.g. 0.1:0.6:6"
    try:
        prob = parse_prob(text.strip())
    except ValueError as exc:
        raise QueryError(Problem(f"--vary '{vary}': {exc}", file=scenario.document.name,
                                 hint=hint)) from None
    if prob.uncertain:
        raise QueryError(Problem(f"--vary '{vary}': '{text.strip()}' is a range or a term",
                                 file=scenario.document.name, hint=hint))
    return prob.point


def read_vary(scenario: Scenario, text: str) -> Vary:
    """`NAME=FROM:TO:STEPS` (split at the last `=`: a name's conditions hold `=` too)."""
    name, sep, span = text.rpartition("=")
    parts = span.split(":")
    if not sep or not name.strip() or len(parts) != 3:
        raise QueryError(Problem(
            f"--vary '{text}' is not NAME=FROM:TO:STEPS", file=scenario.document.name,
            hint="e.g. --vary 'us_course: P(use_force)=0.1:0.6:6'; the tornado of "
                 "`scenario analyze` prints each number's name"))
    low, high = _end(scenario, parts[0], text), _end(scenario, parts[1], text)
    try:
        steps = int(parts[2])
    except ValueError:
        steps = 0
    if steps < 1:
        raise QueryError(Problem(f"--vary '{text}': STEPS must be a whole number, 1 or more",
                                 file=scenario.document.name,
                                 hint="e.g. 0.1:0.6:6 gives 0.1, 0.2, ..., 0.6"))
    if steps > MAX_VARIANTS:  # before the values are made: 10^9 of them would not fit
        raise LimitError(Problem(f"--vary '{text}': {steps:,} steps, over the limit of "
                                 f"{MAX_VARIANTS:,} variants", file=scenario.document.name,
                                 hint="take fewer steps"))
    values = (low,) if steps == 1 else tuple(float(x) for x in np.linspace(low, high, steps))
    return Vary(find_place(scenario, name), values)


# the variants --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One figure of every variant: an outcome's state, or a key judgement."""

    name: str  # "nuclear_deal=yes", or the judgement's name
    kind: Literal["outcome", "judgement"]
    node: str  # the outcome's node; "" for a judgement
    state: str  # the outcome's state; "" for a judgement


@dataclass(frozen=True)
class Variant:
    index: int
    reading: str  # POOLED, or the source whose reading this is
    values: tuple[float, ...]  # each varied number's value, in the order of `Sweep.inputs`


@dataclass(frozen=True)
class Sweep(RichDisplay):
    """Every figure of every variant; `low` and `high` (5th and 95th percentiles over the
    draws) when intervals were asked for."""

    scenario: str
    title: str
    digest: str
    inputs: tuple[Vary, ...]
    readings: tuple[str, ...]
    columns: tuple[Column, ...]
    variants: tuple[Variant, ...]
    probabilities: FloatArray  # (variants, columns)
    low: FloatArray | None
    high: FloatArray | None
    samples: int | None  # draws behind the intervals; None without them
    seed: int | None
    # with decisions of the reader's own: whose they are, and each variant's maximum
    # expected utility for that actor, the decisions solved anew under its numbers
    decider: str | None = None
    expected: FloatArray | None = None  # (variants,)
    # each of the reader's decisions taken knowing nothing: its best option in each variant
    best: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def expected_name(self) -> str:
        """The name of the expected utility's column: "expected utility (walker)"."""
        return f"expected utility ({self.decider})"

    def to_frame(self) -> pd.DataFrame:
        """One row per variant: `variant`, `reading` (with several readings), each varied
        number by its name, then each figure, and with intervals its `p5` and `p95`; with
        decisions of the reader's own, last, the variant's maximum expected utility."""
        import pandas as pd

        data: dict[str, Any] = {"variant": [v.index for v in self.variants]}
        if len(self.readings) > 1:
            data["reading"] = [v.reading for v in self.variants]
        for i, vary in enumerate(self.inputs):
            data[vary.name] = [v.values[i] for v in self.variants]
        for j, column in enumerate(self.columns):
            data[column.name] = self.probabilities[:, j]
            if self.low is not None and self.high is not None:
                data[f"{column.name} p5"] = self.low[:, j]
                data[f"{column.name} p95"] = self.high[:, j]
        if self.expected is not None:
            data[self.expected_name] = self.expected
        for decision, options in self.best.items():
            data[f"best {decision}"] = list(options)
        return pd.DataFrame(data)

    def save(self, output: str | Path) -> Path:
        """Write `to_frame()` to `output`, as CSV or Parquet by its suffix; return the path.
        A Parquet file also records the scenario, its digest, the draws and the seed."""
        suffix = Path(output).suffix.lower()
        frame = self.to_frame()
        if suffix == ".csv":
            return write_atomic(output, _inert(frame).to_csv(index=False))
        if suffix != ".parquet":
            raise QueryError(Problem(f"cannot tell how to write '{output}'",
                                     hint="end it in .csv or .parquet"))
        try:
            import pyarrow  # noqa: F401  (pandas writes Parquet through it)
        except ImportError:
            raise ScenarioError(Problem(
                "writing Parquet needs pyarrow, which is not installed",
                hint="pip install 'scenario-modeller[parquet]', or write .csv")) from None
        frame.attrs = {"scenario": self.scenario, "digest": self.digest,
                       "samples": self.samples, "seed": self.seed}
        body = io.BytesIO()
        frame.to_parquet(body, index=False)
        return write_atomic(output, body.getvalue())

    def to_dict(self) -> dict[str, Any]:
        """What `scenario sweep --json` prints."""
        rows = []
        for i, v in enumerate(self.variants):
            figures = {}
            for j, column in enumerate(self.columns):
                p = float(self.probabilities[i, j])
                figure: dict[str, Any] = {"probability": p, "term": term_for(p)}
                if self.low is not None and self.high is not None:
                    figure |= {"p5": float(self.low[i, j]), "p95": float(self.high[i, j])}
                figures[column.name] = figure
            row = {"variant": v.index, "reading": v.reading,
                   "inputs": dict(zip([x.name for x in self.inputs], v.values, strict=True)),
                   "figures": figures}
            if self.expected is not None:
                row["expected_utility"] = float(self.expected[i])
            if self.best:
                row["best"] = {d: options[i] for d, options in self.best.items()}
            rows.append(row)
        return {"scenario": self.scenario, "title": self.title, "digest": self.digest,
                "decider": self.decider,
                "inputs": [{"name": x.name, "label": x.place.label, "values": list(x.values)}
                           for x in self.inputs],
                "readings": list(self.readings),
                "columns": [{"name": c.name, "kind": c.kind, "node": c.node, "state": c.state}
                            for c in self.columns],
                "samples": self.samples, "seed": self.seed, "variants": rows}


# A spreadsheet reads a cell that starts with one of these as a formula (which may fetch a
# URL: =HYPERLINK(...)); names from the file are text, so such a cell starts with a quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every name and text cell a spreadsheet would run as a formula made
    text (OWASP's advice for CSV: a leading apostrophe); numbers are left as they are."""
    def text(value: Any) -> Any:
        return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) \
            else value

    out = frame.rename(columns=text)
    for name in out.columns:
        if out[name].dtype == object:
            out[name] = out[name].map(text)
    return out


def _columns(scenario: Scenario, outcomes: Sequence[str]) -> tuple[Column, ...]:
    out = [Column(f"{node}={state}", "outcome", node, state)
           for node in outcomes for state in scenario.nodes[node].states]
    out += [Column(j.name, "judgement", "", "") for j in scenario.judgement_specs]
    return tuple(out)


def _readings(scenario: Scenario, each: Each | None) -> tuple[str, ...]:
    if each is None:
        return (POOLED,)
    if each not in EACH_CHOICES:
        raise QueryError(Problem(f"unknown --each '{each}'", hint="use --each source"))
    sources = list(estimating_sources(scenario))
    if not sources:
        raise QueryError(Problem(
            "--each source: no source gives estimates of its own in this scenario, so every "
            "reading is the pooled one", file=scenario.document.name,
            hint="write several sources' figures for a prior or row as `estimates:`"))
    return (POOLED, *sources)


@dataclass(frozen=True)
class _Chunk:
    """Work for one worker: variants of one reading, their varied numbers' values."""

    scenario: Scenario
    reading: str
    ids: tuple[int, ...]  # the varied params
    values: FloatArray  # (k, len(ids))
    outcomes: tuple[str, ...]
    intervals: bool
    samples: int
    seed: int | None


def sweep(scenario: Scenario, vary: Sequence[str | Vary] = (), each: Each | None = None,
          outcome: Sequence[str] | None = None, intervals: bool = False,
          samples: int = DEFAULT_SAMPLES, seed: int | None = DEFAULT_SEED, jobs: int = 1,
          backend: Backend = "local", scheduler: str | None = None) -> Sweep:
    """Every `outcome` (default: each role: outcome node) and key judgement of the scenario
    for every combination of the `vary` values (`NAME=FROM:TO:STEPS` or `Vary`) under each
    reading (`each="source"`: the pooled one and each source's alone)."""
    problems: list[Problem] = []
    found: list[Vary] = []
    for v in vary:
        try:
            found.append(read_vary(scenario, v) if isinstance(v, str) else v)
        except QueryError as exc:
            problems.extend(exc.problems)
    names = [v.name for v in found]
    twice = sorted({n for n in names if names.count(n) > 1})
    problems += [Problem(f"--vary names '{n}' twice", hint="give each number one range")
                 for n in twice]
    if not twice:
        problems += _rows_held(scenario, found)
    outcomes = list(outcome) if outcome else scenario.outcomes
    for node in outcomes:
        if node not in scenario.nodes:
            problems.append(Problem(f"unknown outcome node '{node}'", file=scenario.document.name,
                                    hint=did_you_mean(node, scenario.nodes)))
    if problems:
        raise QueryError(problems)
    readings = _readings(scenario, each)
    grid = list(itertools.product(*(v.values for v in found)))
    total = len(grid) * len(readings)
    if total > MAX_VARIANTS:
        raise LimitError(Problem(
            f"the sweep has {total:,} variants (limit {MAX_VARIANTS:,})",
            hint="take fewer steps, or vary fewer numbers at once"))
    columns = _columns(scenario, outcomes)
    if not columns and not scenario.reader_decisions:
        raise QueryError(Problem("nothing to sweep: the scenario has no outcome, no key "
                                 "judgement and no decision of the reader's own",
                                 file=scenario.document.name,
                                 hint="name one with --outcome NODE"))
    if intervals:
        draw(scenario, samples, seed)  # refuses a bad count or one past the memory budget
    ids = tuple(v.place.param for v in found)
    table = np.array(grid, dtype=np.float64).reshape(len(grid), len(ids))
    size = 1 if intervals else max(1, min(CHUNK, _chunk_limit(scenario, found, readings)))
    chunks = [_Chunk(scenario, reading, ids, table[start:start + size], tuple(outcomes),
                     intervals, samples, seed)
              for reading in readings for start in range(0, len(grid), size)]
    parts = run_each(_run_chunk, chunks, jobs=jobs, backend=backend, scheduler=scheduler,
                     description=f"sweeping {scenario.id}", unit="chunk")
    variants = tuple(Variant(i, reading, tuple(float(x) for x in values))
                     for i, (reading, values) in enumerate(
                         (r, values) for r in readings for values in grid))
    decider = scenario.decider if scenario.reader_decisions else None
    first = _first_decisions(scenario)
    chosen = np.concatenate([p[4] for p in parts]) if first else np.empty((0, 0), dtype=int)
    best = {d: tuple(scenario.nodes[d].states[int(c)] for c in chosen[:, j])
            for j, d in enumerate(first)}
    return Sweep(scenario.id, scenario.title, scenario.digest, tuple(found), readings, columns,
                 variants, np.concatenate([p[0] for p in parts]),
                 np.concatenate([p[1] for p in parts]) if intervals else None,
                 np.concatenate([p[2] for p in parts]) if intervals else None,
                 samples if intervals else None, seed, decider,
                 np.concatenate([p[3] for p in parts]) if decider is not None else None, best)


def _first_decisions(scenario: Scenario) -> tuple[str, ...]:
    """The reader's decisions taken knowing nothing: one best option per variant (a later
    decision's best depends on what it knows, which the variant's utility sums over)."""
    if not scenario.reader_decisions:
        return ()
    knows = scenario.diagram.knows
    return tuple(d for d in scenario.reader_decisions if not knows[d])


def _rows_held(scenario: Scenario, found: Sequence[Vary]) -> list[Problem]:
    """The varied numbers of one written distribution must leave it room: a state not set
    to take up the rest, and values that together stay within 1."""
    rows = WrittenRows(scenario)
    together: dict[tuple[int, ...], tuple[bool, list[Vary]]] = {}
    for v in found:
        row = rows.of(v.place.param)
        if row is not None:
            together.setdefault(row[0], (row[1], []))[1].append(v)
    problems = []
    for ids, (remainder, mine) in together.items():
        names = " and ".join(f"'{v.name}'" for v in mine)
        most = sum(max(v.values) for v in mine)
        if len(mine) == len(ids) and not remainder:
            problems.append(Problem(
                f"--vary sets every number of one distribution ({names}): none is left to "
                "take up the rest", file=scenario.document.name, line=mine[0].place.line,
                hint="vary all but one of them: the others are scaled to fill what the "
                     "numbers set leave of 1"))
        elif len(mine) > 1 and most > 1 + SUM_TOLERANCE:
            problems.append(Problem(
                f"--vary sets numbers of one distribution ({names}) that add up to "
                f"{most:.4g} at most, over 1", file=scenario.document.name,
                line=mine[0].place.line, hint="narrow their ranges so that they stay within 1"))
    return problems


def _touched(scenario: Scenario, ids: Sequence[int], reading: str) -> list[str]:
    """The nodes whose tables a variant changes: those holding a varied number, and those
    where the reading's source gives estimates of its own."""
    varied = set(ids)
    sources = estimating_sources(scenario)
    theirs = set(sources.get(reading, ())) if reading != POOLED else set()
    return [n for n, spec in scenario.nodes.items()
            if n in theirs or varied.intersection(param_ids(spec))]


def _chunk_limit(scenario: Scenario, found: Sequence[Vary], readings: Sequence[str]) -> int:
    """Variants per exact batch whose tables, and the solving of the reader's decisions
    under them, stay well inside the memory budget."""
    ids = [v.place.param for v in found]
    cells = max(sum(scenario.nodes[n].card * math.prod(scenario.nodes[n].parent_cards)
                    for n in _touched(scenario, ids, r)) for r in readings)
    solving = solve_bytes(scenario.diagram) if scenario.reader_decisions else 0
    return int(MEMORY_BUDGET_BYTES // (16 * max(cells, 1) + 8 * len(scenario.params)
                                       + 2 * solving))


def _run_chunk(chunk: _Chunk) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray,
                                        np.ndarray]:
    """(probabilities, p5, p95, expected utility, best options): each (k, columns), the
    intervals empty without them; the expected utility (k,), empty without decisions of the
    reader's own; the best option of each decision taken knowing nothing (k, decisions)."""
    s = chunk.scenario
    k = chunk.values.shape[0]
    ids = list(chunk.ids)
    rows = WrittenRows(s)
    values = np.repeat(s.point_values(), k, axis=0)
    values[:, ids] = chunk.values
    hold(values, ids, rows)
    touched = _touched(s, chunk.ids, chunk.reading)
    only = None if chunk.reading == POOLED else chunk.reading
    tables = {n: s.nodes[n].table(values, only) for n in touched}
    policies, expected = _decided(s, tables, k)
    first = _first_decisions(s)
    chosen = (np.stack([policies[d].argmax(axis=1) for d in first], axis=1) if first
              else np.empty((k, 0), dtype=int))
    probabilities = _figures(s, Draws(values, tables | policies), chunk.outcomes)
    if not chunk.intervals:
        empty = np.empty((k, 0))
        return probabilities, empty, empty, expected, chosen
    base = draw(s, chunk.samples, chunk.seed)
    lows, highs = [], []
    for i, row in enumerate(chunk.values):
        drawn = base.values.copy()
        drawn[:, ids] = row
        hold(drawn, ids, rows)  # in each draw, the rest of the row fills what it leaves
        if only is None:
            # the varied nodes too: their numbers no longer vary across the draws
            order = source_order(s)
            drawn_tables = varying_tables(s, drawn, base.sources)
            drawn_tables |= {n: node_table(s.nodes[n], drawn, base.sources, order)
                             for n in touched}
        else:
            moving = np.ptp(drawn, axis=0) > 0
            nodes = [n for n, spec in s.nodes.items()
                     if n in touched or moving[param_ids(spec)].any()]
            drawn_tables = {n: s.nodes[n].table(drawn, only) for n in nodes}
        # the variant's policy, as solved at its numbers, taken whatever each draw holds
        drawn_tables |= {d: np.repeat(t[i:i + 1], base.samples, axis=0)
                         for d, t in policies.items()}
        draws = Draws(drawn, drawn_tables, base.sources if only is None else None)
        figures = _figures(s, draws, chunk.outcomes)
        p5, p95 = np.percentile(figures, [5, 95], axis=0)
        lows.append(p5)
        highs.append(p95)
    return probabilities, np.stack(lows), np.stack(highs), expected, chosen


def _decided(s: Scenario, tables: dict[str, FloatArray],
             k: int) -> tuple[dict[str, FloatArray], FloatArray]:
    """The reader's decisions solved anew under each of the k variants' `tables` (batched,
    the nodes a variant changes): each decision's policy as batched tables, and the maximum
    expected utility of each variant, for `Scenario.decider`. Without such decisions,
    nothing; with nothing changed, the policies solved at the written numbers (those of
    `Scenario.net`)."""
    if not s.reader_decisions:
        return {}, np.empty(0)
    decider = s.decider
    assert decider is not None
    if not tables:
        solved = s.solve()
        return ({d: np.repeat(solved.policy_tables(d)[:1], k, axis=0)
                 for d in s.reader_decisions}, np.repeat(solved.meu[:1], k))
    solved = solve(s.solver, s.diagram, s.utilities[decider].tables(), tables)
    return ({d: solved.policy_tables(d) for d in s.reader_decisions},
            np.asarray(solved.meu, dtype=np.float64))


def _figures(s: Scenario, draws: Draws, outcomes: Sequence[str]) -> FloatArray:
    """(batch, columns): every outcome state, then every judgement, under each batch row."""
    engine = s.compiled
    if not outcomes and not s.judgement_specs:  # a sweep of decisions alone
        return np.empty((draws.values.shape[0], 0))
    parts = list(marginal_draws(engine, draws, outcomes)) if outcomes else []
    specs = s.judgement_specs
    if specs:
        events = Events(engine, draws, [n for spec in specs for n in spec.nodes])
        parts += [events.probabilities(spec.event)[:, None] for spec in specs]
    return np.concatenate([np.asarray(p, dtype=np.float64) for p in parts], axis=1)
