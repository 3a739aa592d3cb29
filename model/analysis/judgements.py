"""Key judgements: each one's likelihood (its probability, 90% range and ICD 203 term) and,
separately, the analytic confidence it is held with, derived from what it rests on.

    from model.analysis import judgements
    for j in judgements(model.load("scenarios/russia_iran_2025.yaml")):
        print(j.statement, j.probability, j.low, j.high, j.term, j.confidence,
              j.confidence_reason)

What a judgement rests on (`Basis`), measured on the judgement's own event:

- `assumed`: the share of its sensitivity that rests on assumptions rather than cited
  sources. Every written number is swung alone across its 90% interval (as the tornado
  swings it); each number's swing is split between the things its row cites, and the share
  of the assumptions among them is counted as assumed.
- `sources`: the distinct sources cited by the numbers that move it (a swing of at least
  MOVES_SHARE of the largest).
- `spread`: how far apart the sources put it: the judgement's probability as each source
  alone would have it (`disagreement`), largest gap between any two, pooled included.
- `width`: its 90% range over the uncertainty draws.

The rule (`confidence`), documented in docs/analysis.md:

- low when any of: at least half of what moves it is assumption; no cited source bears on
  it; the sources put it at least 30 points apart; its 90% range is at least 40 points wide.
- high when all of: under a quarter of what moves it is assumption; at least two sources
  bear on it; they put it at most 15 points apart; its 90% range is under 20 points wide.
- moderate otherwise.

An analyst may set the confidence in the file (`confidence:` with `because:`); the
judgement then says so, and keeps what the rule gives beside it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..display import RichDisplay
from ..history import possible_rows
from ..language.events import Event, Is, event_mask, event_nodes
from ..language.judgements import JudgementSpec
from ..language.probability import percent, shown_term, whole_percent
from ..language.schema import Assumption, Citation, Confidence
from ..language.tables import Block, FloatArray, Support, when_text
from ..limits import MEMORY_BUDGET_BYTES
from ..scenario import Scenario, offer
from . import DEFAULT_SAMPLES, DEFAULT_SEED
from .disagreement import estimating_sources
from .marginals import MAX_GROUP_CELLS
from .places import Place, places
from .sensitivity import swing_range, swung_values
from .uncertainty import Draws, KeptTables, draw, draw_bytes, varying_tables

if TYPE_CHECKING:
    from ..network.compiled import CompiledNet

# the rule's thresholds, in probability (0.30 = 30 points)
LOW_ASSUMED = 0.50
LOW_SPREAD = 0.30
LOW_WIDTH = 0.40
HIGH_ASSUMED = 0.25
HIGH_SOURCES = 2
HIGH_SPREAD = 0.15
HIGH_WIDTH = 0.20
# A number "bears on" a judgement when its swing is at least this share of the largest.
MOVES_SHARE = 0.10
# The reason counts assumptions among this many of the inputs that move a judgement most.
TOP_INPUTS = 5
# The reason names the row the sources disagree on when believing one or the other of its
# estimates moves the judgement at least this much.
GAP_MOVES = 0.01
# Within this of 0 or 1, over every draw, the evidence log has settled a judgement.
SETTLED = 1e-9
# A file without key judgements has each outcome assessed as one up to this many numbers.
OUTCOME_PARAMS = 2_000



@dataclass(frozen=True)
class Input:
    """One written number and how far it moves the judgement, swung alone."""

    param: int
    place: Place
    at_low: float
    at_high: float
    assumed: float  # share of what its row cites that is assumption, 0 to 1
    sources: tuple[str, ...]

    @property
    def swing(self) -> float:
        return abs(self.at_high - self.at_low)

    def to_dict(self) -> dict[str, Any]:
        return {"param": self.param, **self.place.to_dict(), "at_low": self.at_low,
                "at_high": self.at_high, "swing": self.swing, "assumed": self.assumed,
                "sources": list(self.sources)}


@dataclass(frozen=True)
class Gap:
    """The pooled row whose disagreement moves a judgement most: believing one estimate of
    it or another (every other number as written) moves the judgement by `moves`."""

    node: str
    label: str
    where: str  # the row's condition, "" for a prior
    points: float  # largest gap between two of its estimates on one state
    moves: float

    def to_dict(self) -> dict[str, Any]:
        return {"node": self.node, "label": self.label, "where": self.where,
                "points": self.points, "moves": self.moves}


@dataclass(frozen=True)
class Basis:
    """What a judgement rests on: the measures the confidence rule reads."""

    assumed: float
    inputs: tuple[Input, ...]  # every number that moves it, largest swing first
    sources: tuple[str, ...]
    by_source: Mapping[str, float]  # the judgement as each source alone would put it
    spread: float
    width: float
    gap: Gap | None
    low: float | None = None  # the 90% range's ends, whose difference is `width`
    high: float | None = None

    @property
    def bearing(self) -> tuple[Input, ...]:
        """The inputs that bear on it: a swing of at least MOVES_SHARE of the largest."""
        if not self.inputs:
            return ()
        floor = MOVES_SHARE * self.inputs[0].swing
        return tuple(i for i in self.inputs if i.swing >= floor)

    def to_dict(self) -> dict[str, Any]:
        return {"assumed": self.assumed, "sources": list(self.sources),
                "by_source": dict(self.by_source), "spread": self.spread, "width": self.width,
                "gap": None if self.gap is None else self.gap.to_dict(),
                "inputs": [i.to_dict() for i in self.inputs[:10]],
                "moving": len(self.inputs)}


@dataclass(frozen=True)
class Judgement(RichDisplay):
    """A key judgement assessed: likelihood (probability, range, term) and confidence."""

    name: str
    statement: str
    event: str  # as the file writes it
    probability: float
    low: float  # 5th percentile over the uncertainty draws
    high: float  # 95th percentile
    term: str
    confidence: Confidence
    confidence_reason: str
    derived: Confidence  # what the rule gives, whether or not the analyst overrode it
    overridden: bool
    mean: float
    median: float
    samples: int
    basis: Basis
    line: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "statement": self.statement, "event": self.event,
                "probability": self.probability, "low": self.low, "high": self.high,
                "term": self.term, "confidence": self.confidence,
                "confidence_reason": self.confidence_reason, "derived": self.derived,
                "overridden": self.overridden, "mean": self.mean, "median": self.median,
                "samples": self.samples, "basis": self.basis.to_dict(), "line": self.line}


# the rule -----------------------------------------------------------------------------------


def confidence(basis: Basis) -> tuple[Confidence, str]:
    """The confidence the rule gives, and the one-line reason naming what decides it."""
    top = basis.inputs[:TOP_INPUTS]
    alone = sum(1 for i in top if i.assumed >= 1.0)
    n = len(basis.sources)
    says = {
        "assumed": _assumed_phrase(basis.assumed, alone, len(top)),
        "sources": _sources_phrase(n, basis.spread, len(basis.by_source), basis.gap),
        "width": _width(basis),
    }
    low = [k for k, bad in (("sources", n == 0 or basis.spread >= LOW_SPREAD),
                            ("assumed", basis.assumed >= LOW_ASSUMED),
                            ("width", basis.width >= LOW_WIDTH)) if bad]
    if low:
        return "low", "low: " + "; ".join(says[k] for k in low)
    short = [k for k, ok in (("sources", n >= HIGH_SOURCES and basis.spread <= HIGH_SPREAD),
                             ("assumed", basis.assumed < HIGH_ASSUMED),
                             ("width", basis.width < HIGH_WIDTH)) if not ok]
    if not short:
        return "high", "high: " + "; ".join(says[k] for k in ("sources", "assumed", "width"))
    return "moderate", "moderate: " + "; ".join(says[k] for k in short)


_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _count(n: int) -> str:
    return _WORDS[n] if n < len(_WORDS) else str(n)


def _points(p: float) -> str:
    """A gap in percentage points, in words: "under a point", "3.3 points" (tenths under
    10, as the disagreement annex shows a spread), "1 point", "12 points"."""
    tenths = round(p * 1000)
    if tenths < 5:
        return "under a point"
    if tenths < 100 and tenths % 10:
        return f"{tenths / 10:.1f} points"
    whole = round(p * 100)
    return f"{whole} point" + ("" if whole == 1 else "s")


def _width(basis: Basis) -> str:
    """How wide the 90% range is, in the ends the briefing prints ("77–88%", 11 points,
    where 77.3% to 87.6% is 10.3): a reader checks one against the other."""
    if basis.low is None or basis.high is None:
        return f"its 90% range is {_points(basis.width)} wide"
    low, high = whole_percent(basis.low), whole_percent(basis.high)
    ends = percent(basis.low), percent(basis.high)
    if low == high or not (ends[0][0].isdigit() and ends[1][0].isdigit()):
        return f"its 90% range is {_points(basis.width)} wide"
    wide = high - low
    return (f"its 90% range ({ends[0].removesuffix('%')}–{ends[1]}) is {wide} point"
            + ("" if wide == 1 else "s") + " wide")


def _sources_phrase(n: int, spread: float, measured: int, gap: Gap | None) -> str:
    """How many sources bear on it and how far apart they put it; `measured`: how many
    sources give estimates of their own, to set against the others."""
    wide = spread >= LOW_SPREAD
    if n == 0 and not (measured and wide):
        return "no cited source bears on it"
    if n <= 1 and not (measured and wide):
        return "one source bears on it"
    if not measured:
        return f"{_count(n)} sources bear on it"
    head = f"{_count(n)} sources" if n >= 2 else f"the {_count(max(measured, 2))} sources"
    agree = spread <= HIGH_SPREAD
    apart = (f"that agree on it within {_points(spread).removeprefix('under ')}" if agree
             else f"that put it {_points(spread)} apart")
    # the row they disagree on most, where that says more than the figure itself
    if gap is not None and gap.moves >= GAP_MOVES and _points(gap.points) != _points(spread):
        row = f"one row of “{gap.label}”" if gap.where else f"“{gap.label}”"
        apart += (f" (though {_points(gap.points)} apart on {row}, which moves it "
                  f"only {_points(gap.moves)})" if agree else
                  f" (most of all on {row}: {_points(gap.points)} apart there)")
    return f"{head} {apart}"


def _assumed_phrase(share: float, alone: int, top: int) -> str:
    whole = f"{round(share * 100)}% of what moves it"
    if alone == 0:
        return f"{whole} rests on assumptions"
    if top == 1:
        return f"the one input that moves it rests on assumptions alone ({whole})"
    if alone == top:
        return f"all {top} inputs that move it most rest on assumptions alone ({whole})"
    verb = "rests" if alone == 1 else "rest"
    return f"{alone} of the {top} inputs that move it most {verb} on assumptions alone ({whole})"


def _settled(scenario: Scenario, spec: JudgementSpec, probability: float,
             width: float) -> tuple[Confidence, str] | None:
    """High confidence, naming the reports, where the evidence log has made the judgement
    certain either way under every draw: no number can move it, so the rule's measures
    (sources, assumptions, width) no longer bear on it."""
    if not scenario.evidence or width > SETTLED or SETTLED < probability < 1 - SETTLED:
        return None
    nodes = set(spec.nodes)
    seen = [e for e in scenario.evidence if e.kind == "observed" and nodes & set(e.observed)]
    named = "; ".join(f"{e.label} ({e.date.day} {e.date:%b %Y})" for e in seen) or \
        "its observations"
    return "high", f"high: the evidence log settles it: {named}"


def _override(scenario: Scenario, spec: JudgementSpec, reason: str) -> str:
    """The analyst's confidence and why, then what the rule gives and why."""
    assert spec.confidence is not None
    why = "; ".join(_support_text(scenario, s) for s in spec.because)
    return f"{spec.confidence}, set by the analyst: {why} (the rule gives {reason})"


def _support_text(scenario: Scenario, support: Support) -> str:
    """A citation as the reader sees it: the source's short name and its paragraphs."""
    if isinstance(support, Assumption):
        return support.assumption.strip()
    paras = ", ".join(map(str, support.paras))
    where = f", para {paras}" if len(support.paras) == 1 else f", paras {paras}" if paras \
        else ""
    return f"{scenario.source_name(support.source)}{where}: {support.says.strip()}"


# measuring ----------------------------------------------------------------------------------


def supports(scenario: Scenario) -> dict[int, tuple[Support, ...]]:
    """What each written number rests on: its row's `because`, and for one of several
    pooled estimates the estimate's own citation or assumption."""
    out: dict[int, tuple[Support, ...]] = {}
    for spec in scenario.nodes.values():
        if spec.noisy_or is not None:
            noisy = spec.noisy_or
            for param in (noisy.leak, *noisy.weights.values()):
                out[param.id] = noisy.because
        for block in spec.blocks:
            for estimate in block.estimates:
                own = (estimate.support,)
                rests = (*own, *block.because) if len(block.estimates) > 1 else (
                    block.because or own)
                for param in estimate.dist.entries.values():
                    out[param.id] = tuple(rests)
    return out


def event_probabilities(engine: CompiledNet, draws: Draws, event: Event) -> FloatArray:
    """(samples,): P(event) under each draw's numbers, from the joint of its nodes."""
    nodes = list(event_nodes(event))
    joint = draws.joint(engine, nodes)
    mask = event_mask(event, engine.net.states, nodes)
    return np.asarray((joint * mask).reshape(draws.samples, -1).sum(axis=1), dtype=np.float64)


class Events:
    """P(event) under each row of one set of draws, for many events: the joint of all their
    nodes is contracted once when it is small (`marginals.MAX_GROUP_CELLS`), and each event
    is then a sum over it; otherwise each event takes its own contraction."""

    def __init__(self, engine: CompiledNet, draws: Draws, nodes: Sequence[str]):
        self.engine = engine
        self.draws = draws
        self.nodes = list(dict.fromkeys(nodes))
        cells = math.prod(len(engine.net.states[n]) for n in self.nodes)
        self.joint = draws.joint(engine, self.nodes) if cells <= MAX_GROUP_CELLS else None

    def probabilities(self, event: Event) -> FloatArray:
        """(samples,): P(event) under each draw's numbers."""
        if self.joint is None:
            return event_probabilities(self.engine, self.draws, event)
        mask = event_mask(event, self.engine.net.states, self.nodes)
        return np.asarray((self.joint * mask).reshape(self.draws.samples, -1).sum(axis=1),
                          dtype=np.float64)


def _by_source(scenario: Scenario) -> tuple[list[str], Draws] | None:
    """One batch row per source that gives its own estimates: its estimates wherever it gave
    them, the pooled values elsewhere (the reading of `disagreement`)."""
    sources = estimating_sources(scenario)
    names = list(sources)
    if not names:
        return None
    point = scenario.point_values()
    touched = dict.fromkeys(n for nodes in sources.values() for n in nodes)
    tables = {n: np.concatenate([scenario.nodes[n].table(point, only_source=s) for s in names])
              for n in touched}
    return names, Draws(np.repeat(point, len(names), axis=0), tables)


def _pooled_rows(scenario: Scenario) -> list[tuple[str, Block]]:
    return [(name, block) for name, spec in scenario.nodes.items() for block in spec.blocks
            if len(block.estimates) > 1]


def _one_row_variants(scenario: Scenario) -> tuple[list[tuple[int, int]], Draws] | None:
    """Every pooled row with each of its estimates believed alone, the rest as written:
    one batch row per (pooled row, estimate), in one set of batched tables."""
    rows = _pooled_rows(scenario)
    if not rows:
        return None
    point = scenario.point_values()
    variants = [(r, j) for r, (_, block) in enumerate(rows) for j in range(len(block.estimates))]
    tables: dict[str, FloatArray] = {}
    for name in dict.fromkeys(name for name, _ in rows):
        spec = scenario.nodes[name]
        base = spec.table(point)[0].reshape(spec.card, -1)
        stack = np.repeat(base[None], len(variants), axis=0)
        for v, (r, j) in enumerate(variants):
            owner, block = rows[r]
            if owner == name:
                values = block.estimates[j].dist.values(point)[0]
                stack[v][:, list(block.columns)] = values[:, None]
        tables[name] = stack.reshape((len(variants), spec.card, *spec.parent_cards))
    return variants, Draws(np.repeat(point, len(variants), axis=0), tables)


def _gap(scenario: Scenario, shared: _Shared, event: Event) -> Gap | None:
    """The pooled row whose estimates, each believed alone, move the judgement most."""
    if shared.variants is None:
        return None
    variants, events = shared.variants
    moved = events.probabilities(event)
    rows = _pooled_rows(scenario)
    point = scenario.point_values()
    best: Gap | None = None
    for r, (name, block) in enumerate(rows):
        mine = [moved[v] for v, (row, _) in enumerate(variants) if row == r]
        moves = float(max(mine) - min(mine))
        if best is None or moves > best.moves:
            dists = np.stack([e.dist.values(point)[0] for e in block.estimates])
            points = float((dists.max(axis=0) - dists.min(axis=0)).max())
            best = Gap(name, scenario.nodes[name].label, when_text(block.when), points, moves)
    return best


@dataclass(frozen=True)
class _Shared:
    """What every judgement of one scenario is measured with: the draws, the swung numbers,
    each source alone and each pooled row's estimates alone, each as `Events`."""

    draws: Events
    swung: Events
    sources: tuple[list[str], Events] | None
    variants: tuple[list[tuple[int, int]], Events] | None  # see `_one_row_variants`
    supports: Mapping[int, tuple[Support, ...]]
    places: Mapping[int, Place]

    @classmethod
    def of(cls, scenario: Scenario, engine: CompiledNet, draws: Draws,
           nodes: Sequence[str], kept: KeptTables | None = None) -> _Shared:
        def events(found: tuple[Any, Draws] | None) -> tuple[Any, Events] | None:
            return None if found is None else (found[0], Events(engine, found[1], nodes))

        return cls(Events(engine, draws, nodes),
                   Events(engine, swung_draws(scenario, kept), nodes),
                   events(_by_source(scenario)), events(_one_row_variants(scenario)),
                   supports(scenario), places(scenario))


def _basis(scenario: Scenario, shared: _Shared, event: Event, pooled: float,
           p5: float, p95: float) -> Basis:
    """What the judgement rests on; `p5` and `p95` are the ends of its 90% range over the
    draws."""
    moved = shared.swung.probabilities(event)
    exact = scenario.exact
    inputs = []
    for p in scenario.params:
        at_low, at_high = float(moved[2 * p.id]), float(moved[2 * p.id + 1])
        low, high, _ = swing_range(p, p.id in exact)
        if at_low == at_high or low == high:
            continue
        rests = shared.supports.get(p.id, ())
        assumed = (sum(isinstance(s, Assumption) for s in rests) / len(rests)) if rests else 1.0
        cited = tuple(dict.fromkeys(s.source for s in rests if isinstance(s, Citation)))
        inputs.append(Input(p.id, shared.places[p.id], at_low, at_high, assumed, cited))
    inputs.sort(key=lambda i: -i.swing)
    total = sum(i.swing for i in inputs)
    assumed_share = sum(i.swing * i.assumed for i in inputs) / total if total > 0 else 0.0
    basis = Basis(assumed_share, tuple(inputs), (), {}, 0.0, 0.0, None)
    bearing = basis.bearing
    by_source: dict[str, float] = {}
    if shared.sources is not None:
        names, events = shared.sources
        by_source = dict(zip(names, events.probabilities(event).tolist(), strict=True))
    # a source bears on it when a number it is cited for moves it, or when its own
    # estimates, believed alone, would move it (a number marked `exact` does not swing)
    sources = tuple(dict.fromkeys([*(s for i in bearing for s in i.sources),
                                   *(s for s, p in by_source.items()
                                     if abs(p - pooled) >= GAP_MOVES)]))
    figures = [pooled, *by_source.values()]
    return Basis(assumed_share, tuple(inputs), sources, by_source,
                 max(figures) - min(figures), float(p95 - p5), _gap(scenario, shared, event),
                 float(p5), float(p95))


def swung_draws(scenario: Scenario, kept: KeptTables | None = None) -> Draws:
    """Each number swung to each end of its range alone (`swung_values`), as batched tables;
    `kept` hands back those of the last call that are the same."""
    values = swung_values(scenario)
    drawn = Draws(values, varying_tables(scenario, values, kept=kept))
    ok = possible_rows(scenario.compiled, drawn.tables)
    if ok is None or ok.all():
        return drawn
    # an end at which the evidence log cannot happen (a number an observation needs swung to
    # 0) is ruled out by it: the number is left as written there, and moves nothing
    values = values.copy()
    values[~ok] = scenario.point_values()[0]
    return Draws(values, varying_tables(scenario, values))


def outcome_specs(scenario: Scenario, outcomes: Sequence[str]) -> tuple[JudgementSpec, ...]:
    """In a file without key judgements, each outcome stated as one, so that its sentence
    carries a confidence as ICD 203 asks: "yes" of a yes/no outcome, else its most probable
    state. None past OUTCOME_PARAMS written numbers (each is swung: an imported network's
    thousands would cost more than the rest of the analysis)."""
    if scenario.judgement_specs or len(scenario.params) > OUTCOME_PARAMS:
        return ()
    # each number swung to each end makes a batch of tables as large as that many draws'
    # (300 numbers of a 1,000,000-cell table: 4.5 GB): past half the budget, not measured
    if draw_bytes(scenario, 2 * len(scenario.params)) > MEMORY_BUDGET_BYTES // 2:
        return ()
    out = []
    for node in outcomes:
        states = scenario.nodes[node].states
        if len(states) == 2 and states[0].lower() in ("yes", "true"):
            state = states[0]
        else:
            found = scenario.query(node)
            state = max(states, key=lambda st: found[st])
        statement = scenario.nodes[node].label + (
            "" if state == states[0] and len(states) == 2
            else f": {scenario.state_label(node, state)}")
        event = Is(node, (state,))
        out.append(JudgementSpec(f"{node}={state}", statement, event, event.text(), None, (),
                                 None))
    return tuple(out)


def assess(scenario: Scenario, engine: CompiledNet, draws: Draws,
           kept: KeptTables | None = None,
           specs: Sequence[JudgementSpec] | None = None) -> tuple[Judgement, ...]:
    """Every key judgement of the scenario (or `specs`), measured with `draws` (shared with
    the other analyses of one `analyze` call); `kept` keeps the swung numbers' tables
    between calls (`uncertainty.Redraw`)."""
    if specs is None:
        specs = scenario.judgement_specs
    if not specs:
        return ()
    shared = _Shared.of(scenario, engine, draws, [n for spec in specs for n in spec.nodes],
                        kept)
    out = []
    for spec in specs:
        probability = scenario.probability(spec.event)
        drawn = shared.draws.probabilities(spec.event)
        # one call for the three: each is the same order statistic however many are asked
        p5, median, p95 = np.percentile(drawn, [5, 50, 95])
        basis = _basis(scenario, shared, spec.event, probability, p5, p95)
        derived, reason = _settled(scenario, spec, probability, p95 - p5) or confidence(basis)
        level = spec.confidence or derived
        if spec.confidence is not None:
            reason = _override(scenario, spec, reason)
        out.append(Judgement(spec.name, spec.statement, spec.written, probability, float(p5),
                             float(p95), shown_term(probability), level, reason, derived,
                             spec.confidence is not None, float(drawn.mean()), float(median),
                             draws.samples, basis, spec.line))
    return tuple(out)


class Judgements(RichDisplay, tuple[Judgement, ...]):
    """The key judgements of a scenario: a tuple that shows itself in a notebook as the
    briefing's front lists them."""

    __slots__ = ()


def judgements(scenario: Scenario, samples: int = DEFAULT_SAMPLES,
               seed: int | None = DEFAULT_SEED) -> Judgements:
    """The scenario's key judgements, each with its likelihood and confidence; `samples`
    seeded draws (the same as `analyze` makes) give the ranges."""
    return Judgements(assess(scenario, scenario.compiled, draw(scenario, samples, seed)))


offer("judgements", judgements)
