"""The briefing's decisions and most likely scenarios as plain data, from `Facts.analysis`.

A decision's options are scored by intervening, do(option), with the utilities the analyst
wrote per actor, listed as written with what each rests on (`utilities_written`, which the
decision tree of the reader's own decisions shows too); the likely scenarios are the
drivers' most probable joint states.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..analysis.decisions import Decision
from ..language.probability import MINUS, percent_text, shares
from .context import (
    Facts,
    OutcomeColumns,
    Section,
    StateLine,
    condition_labels,
    outcome_columns,
    state_lines,
)
from .evidence import Reason, reason
from .format import Pct, signed

SHORT_NAME = 3  # actor ids this short are acronyms: "us" is the US, "eu" the EU


def actor_name(actor: str) -> str:
    """An actor as a reader would write it: "us" -> "US", "saudi_arabia" -> "Saudi Arabia"."""
    if len(actor) <= SHORT_NAME:
        return actor.upper()
    return " ".join(word[:1].upper() + word[1:] for word in actor.split("_"))


# decisions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    id: str
    name: str


@dataclass(frozen=True)
class Worth:
    """One option to one actor: expected utility, its 90% range, how often it is best."""

    actor: str
    expected: float
    text: str
    low: float
    high: float
    range_text: str  # "4.0 to 9.8"
    best_share: float  # of the draws in which this option is the actor's best
    best_text: str
    best: bool  # the actor's best option at the written numbers


@dataclass(frozen=True)
class OptionRow:
    option: str
    name: str  # the option as the reader sees it
    worth: tuple[Worth, ...]  # one per actor
    outcomes: tuple[StateLine, ...]  # each outcome under do(option)


@dataclass(frozen=True)
class AsWritten:
    actor: str
    expected: float
    text: str


@dataclass(frozen=True)
class Basis:
    """What one actor's worth rests on: a citation or an assumption."""

    actor: str  # the actor's name where several actors give a basis for one condition, else ""
    reason: Reason


@dataclass(frozen=True)
class ValueCell:
    actor: str
    text: str  # as written: "−70", "[40, 60]"; "" where the actor gives it nothing
    line: int | None  # its line in the file (for the analyst's tools: data-line)


@dataclass(frozen=True)
class ValueRow:
    """What one combination of node states is worth to each actor, as written in the file."""

    condition: tuple[tuple[str, str], ...]  # (node label, its state or "a or b")
    values: tuple[ValueCell, ...]  # one per actor
    basis: tuple[Basis, ...]  # empty where the file gives none (its by-node form takes none)


@dataclass(frozen=True)
class Utilities:
    """Every actor's utilities as written, one row per condition, the actors side by side."""

    actors: tuple[Actor, ...]
    rows: tuple[ValueRow, ...]
    with_basis: bool  # some row says what it rests on
    ranged: bool  # some worth is written as a range
    # what the worths rest on; the drivers annex counts what the probabilities rest on
    n_assumptions: int
    n_citations: int


@dataclass(frozen=True)
class DecisionTable:
    node: str
    label: str
    description: str
    actors: tuple[Actor, ...]
    options: tuple[OptionRow, ...]
    as_written: tuple[AsWritten, ...]
    best: tuple[str, ...]  # one option per actor, as the reader sees it
    columns: tuple[OutcomeColumns, ...]


@dataclass(frozen=True)
class Decisions:
    tables: tuple[DecisionTable, ...]
    utilities: Utilities | None  # every actor's, after the tables
    samples: str


def decisions_section(facts: Facts) -> Section | None:
    found = facts.analysis.decisions
    if not found:  # the reader's own decisions alone: the decision tree holds their numbers
        return None
    tables = tuple(_decision(facts, d) for d in found)
    return Section("decisions", "Decisions", Decisions(tables, utilities_written(facts),
                                                       f"{facts.analysis.samples:,}"))


def utilities_written(facts: Facts, only: str | None = None) -> Utilities | None:
    """Each actor's worths (or `only` that actor's) as the file writes them, by condition,
    with what each rests on; a worth of 0 without a basis says nothing and is left out. None
    without utilities."""
    s = facts.scenario
    actors = tuple(a for a in s.utilities if only is None or a == only)
    if not actors:
        return None
    by_when: dict[tuple[tuple[str, tuple[str, ...]], ...], dict[str, ValueCell]] = {}
    reasons: dict[tuple[tuple[str, tuple[str, ...]], ...], list[tuple[str, Reason]]] = {}
    assumptions = citations = 0
    ranged = False
    for a in actors:
        for line in s.utilities[a].lines:
            written = [reason(r, s, line.when[0][0]) for r in line.because]
            assumptions += sum(1 for r in written if r.assumption)
            citations += sum(1 for r in written if r.source)
            if not (line.param.low or line.param.high or written):
                continue
            text = line.param.text.replace("-", MINUS)
            ranged = ranged or line.param.uncertain
            by_when.setdefault(line.when, {})[a] = ValueCell(a, text, line.param.line)
            reasons.setdefault(line.when, []).extend((a, r) for r in written)
    if not by_when:
        return None
    rows = []
    for when, cells in by_when.items():
        given = reasons[when]
        several = len({a for a, _r in given}) > 1
        rows.append(ValueRow(condition_labels(s, when),
                             tuple(cells.get(a, ValueCell(a, "", None)) for a in actors),
                             tuple(Basis(actor_name(a) if several else "", r) for a, r in given)))
    return Utilities(tuple(Actor(a, actor_name(a)) for a in actors), tuple(rows),
                     any(r.basis for r in rows), ranged, assumptions, citations)


def _decision(facts: Facts, d: Decision) -> DecisionTable:
    s = facts.scenario
    best = d.best
    # Per actor, the shares of draws in which each option is best add up to 100.
    wins = {a: shares([o.chance_best[a] for o in d.options]) for a in d.actors}
    rows = []
    for i, o in enumerate(d.options):
        worth = tuple(Worth(a, o.expected[a], signed(o.expected[a]), *o.interval[a],
                            f"{signed(o.interval[a][0])} to {signed(o.interval[a][1])}",
                            o.chance_best[a], percent_text(o.chance_best[a], wins[a][i]),
                            best[a] == o.option) for a in d.actors)
        outcomes = tuple(line for n in s.outcomes for line in state_lines(s, n, o.outcomes[n]))
        rows.append(OptionRow(o.option, s.state_label(d.node, o.option), worth, outcomes))
    spec = s.nodes[d.node]
    return DecisionTable(d.node, d.label, spec.description,
                         tuple(Actor(a, actor_name(a)) for a in d.actors), tuple(rows),
                         tuple(AsWritten(a, d.as_written[a], signed(d.as_written[a]))
                               for a in d.actors),
                         tuple(s.state_label(d.node, best[a]) for a in d.actors),
                         outcome_columns(s))


# most likely scenarios ---------------------------------------------------------------------


@dataclass(frozen=True)
class LikelyRow:
    rank: int
    given: tuple[tuple[str, str], ...]  # (driver, state)
    names: tuple[str, ...]  # the drivers' states as the reader sees them
    pct: Pct
    outcomes: tuple[StateLine, ...]


@dataclass(frozen=True)
class Likely:
    headings: tuple[tuple[str, bool], ...]  # (heading, numeric): rank, each driver, probability
    rows: tuple[LikelyRow, ...]
    columns: tuple[OutcomeColumns, ...]
    covered: Pct  # what the listed combinations hold together
    rest: Pct | None  # the combinations not listed, together; None when all are listed
    rest_count: int


def likely_section(facts: Facts) -> Section | None:
    s = facts.scenario
    likely = facts.analysis.likely
    if not likely.top or not s.outcomes:  # as the tree: combinations are read by outcomes
        return None
    combinations = math.prod(s.nodes[d].card for d in likely.drivers)
    rest_p = max(1.0 - likely.covered, 0.0)
    ps = [*(j.probability for j in likely.top), rest_p]
    # The listed combinations and the rest add up to 100, as the tree's leaves do.
    whole = shares(ps)
    shown = [Pct(p, percent_text(p, w), "", w) for p, w in zip(ps, whole, strict=True)]
    rows = tuple(LikelyRow(
        rank, tuple(j.states.items()), tuple(s.state_label(d, st) for d, st in j.states.items()),
        shown[rank - 1],
        tuple(line for o in s.outcomes for line in state_lines(s, o, j.outcomes[o])))
        for rank, j in enumerate(likely.top, start=1))
    listed = len(likely.top)
    rest = shown[-1] if listed < combinations and shown[-1].text != "0%" else None
    headings = (("", False), *((s.nodes[d].label, False) for d in likely.drivers),
                ("Probability", True))
    return Section("likely", "Most likely scenarios", Likely(
        headings, rows, outcome_columns(s),
        Pct(likely.covered, percent_text(likely.covered, sum(whole[:-1])), "", sum(whole[:-1])),
        rest, combinations - listed))
