"""The briefing as plain data: what every section shares.

A briefing is a header and an ordered list of `Section`s; each section's template is
`templates/_<section id>.html.j2` and reads only `section.data`. A section builder takes the
`Facts` (the scenario, its baseline and its analysis, computed once) and returns a
`Section`, or None when the scenario has nothing to show there. `page.section_builders`
lists the builders in page order; a new section is one builder there plus one partial.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from ..analysis import Analysis
from ..analysis.judgements import SETTLED
from ..analysis.marginals import event_probabilities, marginals
from ..analysis.memo import Analyses, analyze_apart
from ..analysis.tree import ScenarioTree, scenario_tree
from ..analysis.uncertainty import StateSpread
from ..errors import QueryError
from ..language.probability import decimal_percent, percent
from ..scenario import Scenario
from .figures import clip
from .format import Pct, counted, day, headline_states, pcts
from .graphviz import Graphviz

if TYPE_CHECKING:
    from ..analysis.diff import Diff

ROLE_ORDER = ("driver", "decision", "event", "outcome")
ROLE_GROUPS = {"driver": "Drivers", "decision": "Decisions", "event": "Events",
               "outcome": "Outcomes"}


@dataclass
class Facts:
    """What every section may read: the scenario, its baseline and how to draw."""

    scenario: Scenario
    graphviz: Graphviz | None = None
    generated: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    since: Diff | None = None  # what changed since an older version (`report --since`)
    analyses: Analyses | None = None  # analyses kept from earlier pages (watch mode)
    # what more than one part of the page reads, made once (the diagrams' DOT sources,
    # started ahead and then shown), by name
    shared: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def baseline(self) -> dict[str, dict[str, float]]:
        """Every node's distribution with nothing observed or set."""
        return marginals(self.scenario, list(self.scenario.nodes))

    @cached_property
    def analysis(self) -> Analysis:
        """Uncertainty, tornadoes, signposts, sources, decisions and likely scenarios: one
        seeded call (default draws and seed), so the same file gives the same page. It runs
        on engines of its own, so the page's other figures are the same whether it is made
        now or kept from an earlier page (`analyses`)."""
        self.scenario.compiled  # noqa: B018 (the page's own engine, made here either way)
        if self.analyses is not None:
            return self.analyses.of(self.scenario)
        return analyze_apart(self.scenario)

    @cached_property
    def tree(self) -> ScenarioTree | None:
        """The scenario tree's paths (None without outcomes, or where it has none), for its
        diagram and its table."""
        return scenario_tree(self.scenario, self.baseline) if self.scenario.outcomes else None

    @cached_property
    def what_ifs(self) -> dict[str, dict[str, dict[str, float]] | None]:
        """Each named what-if's outcome distributions (None where its observations cannot
        happen together), computed once for the front and the what-ifs annex."""
        s = self.scenario
        out: dict[str, dict[str, dict[str, float]] | None] = {}
        for w in s.what_ifs:
            try:
                out[w.name] = marginals(s, s.outcomes, w.given, w.do)
            except QueryError:
                out[w.name] = None
        return out

    @cached_property
    def what_if_events(self) -> dict[str, dict[str, float] | None]:
        """P(each key judgement's event | each named what-if), by what-if and judgement
        (None where the what-if's observations cannot happen together): the front's moves,
        exact, so they need not wait for the analysis."""
        s = self.scenario
        specs = s.judgement_specs
        out: dict[str, dict[str, float] | None] = {}
        for w in s.what_ifs:
            try:
                found = event_probabilities(s, [spec.event for spec in specs], w.given, w.do)
            except QueryError:
                out[w.name] = None
                continue
            out[w.name] = {spec.name: p for spec, p in zip(specs, found, strict=True)}
        return out

    def ahead(self) -> None:
        """Make what the page reads that needs no analysis (`sections` does it before the
        sections that read one, so that in watch mode it is made while a worker makes the
        analysis's drawn parts)."""
        for name in ("baseline", "tree", "what_ifs", "what_if_events"):
            getattr(self, name)

    @property
    def given(self) -> str:
        """What the figures are conditioned on, in words: nothing, or the evidence log."""
        entries = self.scenario.evidence
        if not entries:
            return "with nothing observed or set"
        n = len(entries)
        return (f"with the {n} dated evidence {'entry' if n == 1 else 'entries'} up to "
                f"{day(entries[-1].date)}")

    @property
    def dated(self) -> tuple[str, str]:
        """The header's date in words, (what it is, the date): ("As of", "25 Mar 2025"), or,
        with evidence in effect, ("Forecast of", "25 Mar 2025, with evidence to 28 Sep
        2025"): the figures are the forecast of as_of moved by the log."""
        s = self.scenario
        if not s.evidence:
            return "As of", day(s.file.as_of)
        return "Forecast of", f"{day(s.file.as_of)}, with evidence to {day(s.evidence[-1].date)}"

    @property
    def dated_short(self) -> str:
        """The same, short, for the running footer: "as of 25 Mar 2025", or "forecast of
        25 Mar 2025, evidence to 28 Sep 2025"."""
        s = self.scenario
        if not s.evidence:
            return f"as of {day(s.file.as_of)}"
        return f"forecast of {day(s.file.as_of)}, evidence to {day(s.evidence[-1].date)}"

    def settled(self, p: float, at: Callable[[Scenario], float]) -> Settled | None:
        """Whether the evidence log settles a figure now `p` (`at` computes it for a
        scenario: the same question at another day): certain (has happened) or impossible
        (ruled out) with the log, where it was not before any entry. Names the entries of
        the day that settled it (its observations, where it has any)."""
        return settled_by_log(self.scenario, p, at)

    def label(self, node: str) -> str:
        return self.scenario.nodes[node].label


@dataclass(frozen=True)
class Settled:
    """A figure the evidence log settles: it has happened (probability 1) or is ruled out
    (probability 0). Not an estimate, so it carries no estimative term or confidence."""

    happened: bool
    entries: str  # "Israel strikes Iran's nuclear and military sites, 13 Jun 2025"

    @property
    def term(self) -> str:
        """What the bar says in place of an estimative term."""
        return "happened" if self.happened else "ruled out"

    @property
    def text(self) -> str:
        """The predicate: "has happened (evidence log: ..., 13 Jun 2025)"."""
        if self.happened:
            return f"has happened (evidence log: {self.entries})"
        return f"is ruled out by the evidence log ({self.entries})"


def settled_by_log(s: Scenario, p: float, at: Callable[[Scenario], float]) -> Settled | None:
    """`Facts.settled`: the entries whose day made the figure `p` certain or impossible (as
    `judgements._settled` holds a judgement settled), or None where it is not settled, or was
    already before any evidence (a structural 0 is no report's doing)."""
    if not s.evidence or SETTLED < p < 1 - SETTLED:
        return None
    happened = p >= 1 - SETTLED

    def done(q: float) -> bool:
        return q >= 1 - SETTLED if happened else q <= SETTLED

    if done(at(s.at(s.file.as_of))):
        return None
    days = sorted({e.date for e in s.evidence})
    first = next((d for d in days[:-1] if done(at(s.at(d)))), days[-1])
    entries = [e for e in s.evidence if e.date == first]
    named = [e for e in entries if e.kind == "observed"] or entries
    return Settled(happened, "; ".join(f"{e.label}, {day(e.date)}" for e in named))


Part = Literal["front", "screen", "annex"]  # the front, screen only (the panel), an annex


@dataclass(frozen=True)
class Section:
    id: str  # the page anchor, and the partial templates/_<id>.html.j2
    title: str
    data: Any
    part: Part = "annex"


SectionBuilder = Callable[[Facts], Section | None]


# header ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    scenario_id: str
    title: str
    question: str
    description: str
    as_of: str
    horizon: str
    generated: str
    generated_iso: str
    digest: str
    file_name: str
    counts: str
    late: str  # a warning when the page was made after the horizon; "" otherwise
    running: str  # the printed pages' running footer: title, as-of date (and evidence), digest
    exact: str  # what the footer can truly say about how the numbers were computed
    # what the header's date is: "As of", or "Forecast of" where evidence is in effect, and
    # the date in words ("25 Mar 2025, with evidence to 28 Sep 2025")
    dated_term: str = "As of"
    dated: str = ""


def header(facts: Facts, sampled: bool) -> Header:
    """`sampled`: whether the page shows ranges from random draws beside exact figures."""
    s = facts.scenario
    f = s.file
    counts = " · ".join((counted(len(s.nodes), "node"),
                         counted(len(s.params), "probability", "probabilities"),
                         counted(len(s.sources), "source"), counted(len(s.what_ifs), "what-if")))
    when = facts.generated.astimezone(dt.UTC)
    late = ""
    if when.date() > f.horizon:
        late = (f"This briefing was generated on {day(when.date())}, after its horizon "
                f"({day(f.horizon)}): it forecasts a period that has ended. Its figures are "
                + (f"the forecast with the dated evidence up to {day(s.evidence[-1].date)}"
                   if s.evidence else f"what the sources suggested as of {day(f.as_of)}")
                + "; check them against what happened before relying on them.")
    exact = ("The probabilities are exact computations on the scenario's network"
             + (f"; the 90% ranges and the decisions' ranges and shares come from "
                f"{facts.analysis.samples:,} seeded random draws of the file's numbers, so they "
                "are estimates." if sampled else "."))
    dated_term, dated = facts.dated
    return Header(s.id, s.title, f.question, s.description, day(f.as_of), day(f.horizon),
                  f"{day(when.date())}, {when:%H:%M} UTC", when.isoformat(timespec="seconds"),
                  s.digest, s.path.name, counts, late,
                  f"{clip(s.title, RUNNING_TITLE)} · {facts.dated_short} · {s.digest}", exact,
                  dated_term, dated)


# The running footer's title, cut to fit one line beside the page number (Chromium's page
# margin boxes neither clip nor ellipsise).
RUNNING_TITLE = 60


# bottom line up front ----------------------------------------------------------------------


@dataclass(frozen=True)
class StateLine:
    node: str
    state: str
    pct: Pct
    name: str = ""  # the state as the reader sees it (its label)


def state_lines(s: Scenario, node: str, dist: Mapping[str, float],
                shown: Sequence[str] | None = None) -> tuple[StateLine, ...]:
    """The node's states `shown` (by default those a briefing reports), rounded with all its
    states together so that a distribution shown whole adds up to 100."""
    states = s.nodes[node].states
    rounded = dict(zip(states, pcts([dist[st] for st in states]), strict=True))
    return tuple(StateLine(node, st, rounded[st], s.state_label(node, st))
                 for st in (headline_states(states) if shown is None else shown))


@dataclass(frozen=True)
class Interval:
    """The 90% range of a figure over draws of the file's ranges and terms."""

    low: float
    high: float
    text: str  # "19–27%"; "" when nothing written as a range moves the figure


def interval(spread: StateSpread) -> Interval:
    return interval_of(spread.p5, spread.p95)


def interval_of(low: float, high: float) -> Interval:
    if high - low < 1e-12:
        return Interval(low, high, "")
    ends = percent(low), percent(high)
    # both ends round alike, or one is "<1%" or ">99%": tenths show where the range lies
    if ends[0] == ends[1] or not (ends[0][0].isdigit() and ends[1][0].isdigit()):
        ends = _tenths(low), _tenths(high)
    return Interval(low, high, f"{ends[0].removesuffix('%')}–{ends[1]}")


def _tenths(p: float) -> str:
    """A range's end to a tenth of a percent, never 0.0% or 100.0% where it is not."""
    text = decimal_percent(p)
    if text == "100.0%" and p < 1 - 1e-9:
        return ">99.9%"
    if text == "0.0%" and p > 1e-9:
        return "<0.1%"
    return text


@dataclass(frozen=True)
class OutcomeSummary:
    node: str
    label: str
    description: str
    sentence: str
    lines: tuple[StateLine, ...]  # one for a yes/no outcome, one per state otherwise
    ranges: tuple[Interval, ...] = ()  # each line's 90% range, in the bottom line only
    # in the bottom line of a file without key judgements: the analytic confidence in the
    # outcome's first-stated state ("low"), the state named for a multi-state outcome, why
    confidence: str = ""
    confident_in: str = ""
    reason: str = ""
    # each line's settlement by the evidence log (None where it is an estimate); empty when
    # none is settled
    settled: tuple[Settled | None, ...] = ()

    @property
    def multi(self) -> bool:
        return len(self.lines) > 1

    def term(self, i: int) -> str:
        """Line i's word beside its bar: the estimative term, or "happened" / "ruled out"."""
        found = self.settled[i] if self.settled else None
        return found.term if found is not None else self.lines[i].pct.term


def outcome_summary(s: Scenario, node: str, dist: Mapping[str, float],
                    ranges: tuple[Interval, ...] = ()) -> OutcomeSummary:
    spec = s.nodes[node]
    lines = state_lines(s, node, dist)
    return OutcomeSummary(node, spec.label, spec.description,
                          judgement(spec.label, lines, day(s.file.horizon)), lines, ranges)


def judgement(label: str, lines: tuple[StateLine, ...], horizon: str) -> str:
    """One plain sentence from the numbers, keeping the analyst's label as written. Of
    several states, the first is "most likely" only when it is more likely than not."""
    if len(lines) == 1:
        line = lines[0]
        return f"{label} by {horizon}: {line.pct.term} ({line.pct.text})."
    ranked = sorted(lines, key=lambda ln: -ln.pct.p)
    rest = ", ".join(f"{ln.name or ln.state} ({ln.pct.text})" for ln in ranked[1:])
    top = ranked[0]
    lead = "most likely" if top.pct.p > 0.5 else "most probable"
    return (f"{label} by {horizon}: {lead} {top.name or top.state} ({top.pct.term}, "
            f"{top.pct.text}), then {rest}.")


@dataclass(frozen=True)
class OutcomeColumns:
    """A table's columns for one outcome: one for a yes/no outcome, one per state otherwise."""

    label: str
    states: tuple[str, ...]
    names: tuple[str, ...]  # the states as the reader sees them

    @property
    def multi(self) -> bool:
        return len(self.states) > 1


def outcome_columns(s: Scenario) -> tuple[OutcomeColumns, ...]:
    out = []
    for o in s.outcomes:
        states = headline_states(s.nodes[o].states)
        out.append(OutcomeColumns(s.nodes[o].label, states,
                                  tuple(s.state_label(o, st) for st in states)))
    return tuple(out)


def condition_labels(s: Scenario, when: Iterable[tuple[str, Sequence[str]]]
                     ) -> tuple[tuple[str, str], ...]:
    """(parent label, its state or "a or b", as the reader sees them) for each parent of a
    row's condition."""
    return tuple((s.nodes[p].label, " or ".join(s.state_label(p, st) for st in states))
                 for p, states in when)
