"""Stage 6, analyse: what an analyst needs beyond the headline figures, from one call.

    from model import load
    from model.analysis import analyze
    a = analyze(load("scenarios/russia_iran_2025.yaml"), samples=10_000, seed=2025)
    a.to_dict()  # plain data for JSON and the briefing

One module per analysis: `uncertainty` (spread of outcomes when ranges and terms are drawn),
`sensitivity` (tornado), `signposts` (value of information), `disagreement` (each source
alone), `decisions` (expected utility of each predicted decision's options per actor), `policy`
(the reader's own decisions solved: `decide`), `likely_scenarios` (the drivers' likeliest
joint states). The exact ones share one compiled engine; the ones that read the draws
(`Drawn`) share one set of draws and an engine of their own, so they may also be made in
another process (`apart`); every random number comes from the seeded generator, so a rerun
prints the same numbers.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..display import RichDisplay
from ..errors import Problem, QueryError
from ..progress import task

# The analyses are imported when `analyze` runs: the `scenario` command imports this
# package for its defaults, and `scenario validate` must start fast.
if TYPE_CHECKING:
    from ..scenario import Scenario
    from .decisions import Decision
    from .disagreement import Disagreement
    from .judgements import Judgement
    from .likely_scenarios import LikelyScenarios
    from .policy import Strategy
    from .sensitivity import Tornado
    from .signposts import Signposts
    from .uncertainty import OutcomeUncertainty, Redraw

DEFAULT_SAMPLES = 10_000
DEFAULT_SEED = 2025
TORNADO_BARS = 10


@dataclass(frozen=True)
class Analysis(RichDisplay):
    """Every analysis of a scenario's outcomes; `to_dict()` is what `--json` prints. In a
    notebook it shows itself as the briefing's sections (`analysed` is the scenario)."""

    scenario: str
    title: str
    digest: str
    outcomes: tuple[str, ...]
    samples: int
    seed: int | None
    judgements: tuple[Judgement, ...]
    uncertainty: tuple[OutcomeUncertainty, ...]
    sensitivity: tuple[Tornado, ...]
    signposts: tuple[Signposts, ...]
    disagreement: tuple[Disagreement, ...]
    decisions: tuple[Decision, ...]
    likely: LikelyScenarios
    strategy: Strategy | None = None  # the reader's decisions solved for `Scenario.decider`
    analysed: Scenario | None = field(default=None, compare=False, repr=False)
    note: str = ""  # why fewer draws were taken than the default, when they were
    # in a file without key judgements, each outcome assessed as one (likelihood and
    # confidence; `judgements.outcome_specs`), so that its sentence carries a confidence
    outcome_judgements: tuple[Judgement, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        from .disagreement import FLAG_SPREAD
        from .sensitivity import DEFAULT_SWING

        return {
            "scenario": self.scenario, "title": self.title, "digest": self.digest,
            "outcomes": list(self.outcomes), "samples": self.samples, "seed": self.seed,
            "swing": DEFAULT_SWING, "flag_spread": FLAG_SPREAD,
            "judgements": [j.to_dict() for j in self.judgements],
            "uncertainty": [u.to_dict() for u in self.uncertainty],
            "sensitivity": [t.to_dict() for t in self.sensitivity],
            "signposts": [s.to_dict() for s in self.signposts],
            "disagreement": [d.to_dict() for d in self.disagreement],
            "decisions": [d.to_dict() for d in self.decisions],
            "likely_scenarios": self.likely.to_dict(),
            "strategy": None if self.strategy is None else self.strategy.to_dict(),
            "note": self.note,
            "outcome_judgements": [j.to_dict() for j in self.outcome_judgements],
        }


@dataclass(frozen=True)
class Drawn:
    """The parts of an analysis that read the draws of the uncertain numbers: the key
    judgements' ranges and confidence, the outcomes' spreads, the predicted decisions and
    the reader's strategy (the rest is exact). Plain data, so it may be made in another
    process (`apart`)."""

    judgements: tuple[Judgement, ...]
    uncertainty: tuple[OutcomeUncertainty, ...]
    decisions: tuple[Decision, ...]
    strategy: Strategy | None
    outcome_judgements: tuple[Judgement, ...] = ()


def analyze(scenario: Scenario, outcome: str | Sequence[str] | None = None,
            samples: int | None = None,
            seed: int | None = DEFAULT_SEED, *, redraw: Redraw | None = None,
            drawn: Callable[[], Drawn | None] | None = None) -> Analysis:
    """Analyse `outcome` (any node's name), several nodes (a list of names, analysed in
    that order), or every `role: outcome` node when None. `scenario` is a loaded Scenario:
    for a file, `analyze(model.load(path))`.

    `samples` draws of the uncertain numbers (seeded by `seed`) feed the uncertainty
    intervals and the decisions' intervals; everything else is exact. None takes
    DEFAULT_SAMPLES, or as many as the memory budget holds where the drawn numbers and
    tables are so large that fewer fit (`uncertainty.most_samples`; the analysis's `note`
    says so); a number asked for is taken as it is, or refused. `redraw` keeps what the last
    draws made (`uncertainty.Redraw`); `drawn`, called once the exact parts are made, may
    hand over the drawn parts made elsewhere for the same file and settings (None: they
    are made here).
    """
    from .disagreement import by_source
    from .likely_scenarios import most_likely_scenarios
    from .sensitivity import tornadoes
    from .signposts import signposts_for
    from .uncertainty import check_samples

    check_scenario(scenario, "analyze")
    chosen = check_outcomes(scenario, outcome)
    samples = check_samples_given(samples)
    check_seed(seed)
    note = ""
    if samples is None:
        samples, note = default_samples(scenario)
    check_samples(scenario, samples)  # before any work
    if scenario.reader_decisions:
        from .policy import check_solvable

        check_solvable(scenario, samples)
    outcomes = chosen if chosen is not None else scenario.outcomes
    engine = scenario.compiled  # batched tables: the compiled engine, whatever answers queries
    # The bar's shares are each step's part of the time on the seed at 100,000 draws.
    with task(f"analysing {scenario.id}", 100, unit="%") as advance:
        sensitivity = tuple(tornadoes(scenario, engine, outcomes, TORNADO_BARS))
        signposts = tuple(signposts_for(scenario, engine, o) for o in outcomes)
        sources = tuple(by_source(scenario, engine, outcomes))
        likely = most_likely_scenarios(scenario, engine)
        advance(15)
        made = drawn() if drawn is not None else None
        if made is None:  # on an engine of its own, as a worker makes them (`apart`)
            made = drawn_part(scenario.fresh(), outcomes, samples, seed, redraw, advance)
    return Analysis(scenario.id, scenario.title, scenario.digest, tuple(outcomes), samples,
                    seed, made.judgements, made.uncertainty, sensitivity, signposts, sources,
                    made.decisions, likely, made.strategy, analysed=scenario, note=note,
                    outcome_judgements=made.outcome_judgements)


def default_samples(scenario: Scenario) -> tuple[int, str]:
    """DEFAULT_SAMPLES, or as many draws as the memory budget holds when fewer (for the
    drawn numbers and their tables, and for solving the reader's decisions under each), with
    the analysis's note saying so."""
    from .policy import most_samples as most_solved
    from .uncertainty import most_samples

    drawn = min(DEFAULT_SAMPLES, most_samples(scenario))
    solved = most_solved(scenario) if scenario.reader_decisions else drawn
    samples = max(1, min(drawn, solved))
    if samples == DEFAULT_SAMPLES:
        return samples, ""
    if solved < drawn:
        return samples, (f"{samples:,} draws, not {DEFAULT_SAMPLES:,}: solving the decisions "
                         "under more would not fit the memory budget")
    return samples, (f"{samples:,} draws, not {DEFAULT_SAMPLES:,}: the drawn numbers and the "
                     "tables they make would not fit the memory budget for more")


def drawn_part(scenario: Scenario, outcomes: Sequence[str], samples: int, seed: int | None,
               redraw: Redraw | None = None,
               advance: Callable[[float], object] | None = None) -> Drawn:
    """The parts of `analyze` that read the draws (`Drawn`), for `samples` checked already;
    `advance` hears each step's share of the bar's 100 (85 in all)."""
    from .decisions import draw_worths, evaluate_decisions
    from .judgements import assess, outcome_specs
    from .policy import decide
    from .uncertainty import draw, outcome_spreads

    def step(share: float) -> None:
        if advance is not None:
            advance(share)

    engine = scenario.compiled
    draws = draw(scenario, samples, seed, redraw)
    worths = draw_worths(scenario, samples, seed)
    step(50)
    kept = None if redraw is None else redraw.swung
    judged = assess(scenario, engine, draws, kept)
    # only one of the two is ever measured: the outcomes are judged where nothing else is
    outcomes_judged = assess(scenario, engine, draws, kept, outcome_specs(scenario, outcomes))
    step(5)
    spreads = tuple(outcome_spreads(scenario, engine, draws, outcomes))
    step(15)
    decided = tuple(evaluate_decisions(scenario, engine, draws, worths,
                                       None if redraw is None else redraw.worths))
    strategy = (decide(scenario, draws=draws, worths=worths, seed=seed)
                if scenario.reader_decisions else None)
    step(15)
    return Drawn(judged, spreads, decided, strategy, outcomes_judged)


def decide(scenario: Scenario, actor: str | None = None,
           samples: int | None = DEFAULT_SAMPLES, seed: int | None = DEFAULT_SEED) -> Strategy:
    """The reader's own decisions solved for `actor` (default: whose they are): for each,
    the best option for every combination of what it knows, each option's expected utility
    with its 90% range over `samples` seeded draws of the uncertain numbers (None: as many
    as solving the decisions under each holds, up to DEFAULT_SAMPLES) and how often it is
    best, the maximum expected utility, and each uncertain node's EVPI
    (`model.analysis.policy`)."""
    from .policy import decide as solve

    check_scenario(scenario, "decide")
    if actor is not None and not isinstance(actor, str):
        raise QueryError(Problem(f"decide: actor is an actor's name (a str), got "
                                 f"{type(actor).__name__}", hint="e.g. decide(s, 'wildcatter')"))
    samples = check_samples_given(samples)
    check_seed(seed)
    return solve(scenario, actor, samples, seed)


def check_scenario(scenario: object, what: str) -> None:
    """A loaded Scenario; a path or anything else is refused, saying how to load it."""
    from ..scenario import Scenario

    if not isinstance(scenario, Scenario):
        got = "None" if scenario is None else type(scenario).__name__
        raise QueryError(Problem(
            f"{what} takes a loaded Scenario, got {got}",
            hint=f"load it first: {what}(model.load(path))"
            if isinstance(scenario, str) or hasattr(scenario, "__fspath__")
            else f"e.g. {what}(model.load('scenarios/x.yaml'))"))


def check_outcomes(scenario: Scenario, outcome: object) -> list[str] | None:
    """The outcomes `analyze` is asked about: one name, a sequence of names (each known,
    each once), or None for the scenario's own."""
    if outcome is None:
        return None
    names = [outcome] if isinstance(outcome, str) else outcome
    if not isinstance(names, Sequence) or not names or \
            not all(isinstance(n, str) for n in names):
        raise QueryError(Problem(
            f"outcome is a node's name or a list of names, got {outcome!r:.60}",
            file=scenario.document.name, hint="e.g. outcome='nuclear_deal'"))
    if len(set(names)) != len(names):
        raise QueryError(Problem("outcome names a node twice", file=scenario.document.name,
                                 hint="name each node once"))
    for name in names:
        scenario.query(name)  # an unknown node is refused here, with the file's name
    return list(names)


def check_samples_given(samples: object) -> int | None:
    """A number of draws as asked for: None, or a whole number (the range is checked with
    the scenario's memory budget, `uncertainty.check_samples`)."""
    if samples is not None and (isinstance(samples, bool)
                                or not isinstance(samples, numbers.Integral)):
        raise QueryError(Problem(f"samples is a whole number of draws, got "
                                 f"{type(samples).__name__} {samples!r:.40}",
                                 hint="e.g. samples=10_000"))
    return None if samples is None else int(samples)


def check_seed(seed: int | None) -> None:
    """A seed numpy takes: None, or a whole number of at least 0."""
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise QueryError(Problem(f"the seed must be a whole number of at least 0, got {seed!r}",
                                 hint="e.g. seed=2025"))


__all__ = ["DEFAULT_SAMPLES", "DEFAULT_SEED", "Analysis", "Drawn", "analyze", "decide"]
