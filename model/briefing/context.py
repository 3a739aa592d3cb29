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
from typing import Any

from ..analysis import Analysis, analyze
from ..analysis.marginals import marginals
from ..analysis.uncertainty import StateSpread
from ..language.probability import decimal_percent, percent
from ..scenario import Scenario
from .format import Pct, day, headline_states, pcts
from .graphviz import Graphviz

ROLE_ORDER = ("driver", "decision", "event", "outcome")
ROLE_GROUPS = {"driver": "Drivers", "decision": "Decisions", "event": "Events",
               "outcome": "Outcomes"}


@dataclass
class Facts:
    """What every section may read: the scenario, its baseline and how to draw."""

    scenario: Scenario
    graphviz: Graphviz | None = None
    generated: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @cached_property
    def baseline(self) -> dict[str, dict[str, float]]:
        """Every node's distribution with nothing observed or set."""
        return marginals(self.scenario, list(self.scenario.nodes))

    @cached_property
    def analysis(self) -> Analysis:
        """Uncertainty, tornadoes, signposts, sources, decisions and likely scenarios: one
        seeded call (default draws and seed), so the same file gives the same page."""
        return analyze(self.scenario)

    def label(self, node: str) -> str:
        return self.scenario.nodes[node].label


@dataclass(frozen=True)
class Section:
    id: str  # the page anchor, and the partial templates/_<id>.html.j2
    title: str
    data: Any


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


def header(facts: Facts) -> Header:
    s = facts.scenario
    f = s.file
    counts = (f"{len(s.nodes)} nodes · {len(s.params)} probabilities · "
              f"{len(s.sources)} sources · {len(s.what_ifs)} what-ifs")
    when = facts.generated.astimezone(dt.UTC)
    return Header(s.id, f.title, f.question, f.description, day(f.as_of), day(f.horizon),
                  f"{day(when.date())}, {when:%H:%M} UTC", when.isoformat(timespec="seconds"),
                  s.digest, s.path.name, counts)


# bottom line up front ----------------------------------------------------------------------


@dataclass(frozen=True)
class StateLine:
    node: str
    state: str
    pct: Pct


def state_lines(s: Scenario, node: str, dist: Mapping[str, float],
                shown: Sequence[str] | None = None) -> tuple[StateLine, ...]:
    """The node's states `shown` (by default those a briefing reports), rounded with all its
    states together so that a distribution shown whole adds up to 100."""
    states = s.nodes[node].states
    rounded = dict(zip(states, pcts([dist[st] for st in states]), strict=True))
    return tuple(StateLine(node, st, rounded[st])
                 for st in (headline_states(states) if shown is None else shown))


@dataclass(frozen=True)
class Interval:
    """The 90% range of a figure over draws of the file's ranges and terms."""

    low: float
    high: float
    text: str  # "19–27%"; "" when nothing written as a range moves the figure


def interval(spread: StateSpread) -> Interval:
    low, high = spread.p5, spread.p95
    if high - low < 1e-12:
        return Interval(low, high, "")
    ends = percent(low), percent(high)
    if ends[0] == ends[1]:  # both ends round alike: tenths show the range is narrow
        ends = decimal_percent(low), decimal_percent(high)
    return Interval(low, high, f"{ends[0].removesuffix('%')}–{ends[1]}")


@dataclass(frozen=True)
class OutcomeSummary:
    node: str
    label: str
    description: str
    sentence: str
    lines: tuple[StateLine, ...]  # one for a yes/no outcome, one per state otherwise
    ranges: tuple[Interval, ...] = ()  # each line's 90% range, in the bottom line only

    @property
    def multi(self) -> bool:
        return len(self.lines) > 1


def outcome_summary(s: Scenario, node: str, dist: Mapping[str, float],
                    ranges: tuple[Interval, ...] = ()) -> OutcomeSummary:
    spec = s.nodes[node]
    lines = state_lines(s, node, dist)
    return OutcomeSummary(node, spec.label, spec.description,
                          judgement(spec.label, lines, day(s.file.horizon)), lines, ranges)


def judgement(label: str, lines: tuple[StateLine, ...], horizon: str) -> str:
    """One plain sentence from the numbers, keeping the analyst's label as written."""
    if len(lines) == 1:
        line = lines[0]
        return f"{label} by {horizon}: {line.pct.term} ({line.pct.text})."
    ranked = sorted(lines, key=lambda ln: -ln.pct.p)
    rest = ", ".join(f"{ln.state} ({ln.pct.text})" for ln in ranked[1:])
    top = ranked[0]
    return (f"{label} by {horizon}: most likely {top.state} ({top.pct.term}, {top.pct.text}),"
            f" then {rest}.")


@dataclass(frozen=True)
class OutcomeColumns:
    """A table's columns for one outcome: one for a yes/no outcome, one per state otherwise."""

    label: str
    states: tuple[str, ...]

    @property
    def multi(self) -> bool:
        return len(self.states) > 1


def outcome_columns(s: Scenario) -> tuple[OutcomeColumns, ...]:
    return tuple(OutcomeColumns(s.nodes[o].label, headline_states(s.nodes[o].states))
                 for o in s.outcomes)


def condition_labels(s: Scenario, when: Iterable[tuple[str, Sequence[str]]]
                     ) -> tuple[tuple[str, str], ...]:
    """(parent label, its state or "a or b") for each parent of a row's condition."""
    return tuple((s.nodes[p].label, " or ".join(states)) for p, states in when)
