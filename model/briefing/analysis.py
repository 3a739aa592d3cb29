"""The briefing's analysis sections as plain data: what moves the outcomes (tornadoes),
signposts to watch, and where the sources disagree.

Every number here comes from `Facts.analysis`, the one seeded `analyze` call per briefing;
the decisions and the likely scenarios are in `report_decisions`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ..analysis.disagreement import FLAG_SPREAD
from ..analysis.places import Place
from ..analysis.sensitivity import DEFAULT_SWING, Tornado
from ..analysis.signposts import Signposts, mid_sentence, strongest
from ..language.probability import decimal_percent, percent, percents, shown_points
from ..scenario import Scenario
from .context import Facts, Section, condition_labels
from .format import Direction, direction, headline_states

SWING_POINTS = round(DEFAULT_SWING * 100)
FLAG_POINTS = round(FLAG_SPREAD * 100)


# what moves the outcomes -------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """Part of a tornado bar: from the baseline to the outcome at one end of the input."""

    left: float  # position on the track, in percent of its width
    width: float


@dataclass(frozen=True)
class End:
    """The outcome with the input at one end of its range, as printed beside the bar."""

    end: Literal["low", "high"]  # which end of the input gives it
    value: float
    text: str


@dataclass(frozen=True)
class TornadoBar:
    param: int
    place: Place
    state: str  # the state whose chance this is, as the reader sees it
    when: tuple[tuple[str, str], ...]  # (parent label, its state, or "a or b")
    source: str  # the source's short name, for one of several pooled estimates; else ""
    source_title: str
    assumed: bool  # written exact, swung by the assumed +/- SWING_POINTS
    swung: str  # the input's range, "15–30%"
    low: Segment
    high: Segment
    ends: tuple[End, End]  # left to right


@dataclass(frozen=True)
class TornadoChart:
    node: str
    label: str  # "Israel strikes", or "Escalation: war" for a state other than yes
    base: float
    base_text: str
    bars: tuple[TornadoBar, ...]
    inputs: int


@dataclass(frozen=True)
class Sensitivity:
    charts: tuple[TornadoChart, ...]
    swing_points: int


def sensitivity_section(facts: Facts) -> Section | None:
    charts = tuple(_chart(facts.scenario, t) for t in facts.analysis.sensitivity if t.bars)
    if not charts:
        return None
    return Section("sensitivity", "What moves the outcomes", Sensitivity(charts, SWING_POINTS))


def _chart(s: Scenario, t: Tornado) -> TornadoChart:
    # The baseline sits in the middle; the input that moves the outcome furthest from it,
    # either way, reaches the track's edge.
    half = max(abs(x - t.base) for b in t.bars for x in (b.at_low, b.at_high))

    def at(x: float) -> float:
        return 50 + (x - t.base) / half * 50

    def segment(x: float) -> Segment:
        return Segment(min(at(x), 50.0), abs(at(x) - 50))

    bars = []
    for b in t.bars:
        ends = sorted((End("low", b.at_low, decimal_percent(b.at_low)),
                       End("high", b.at_high, decimal_percent(b.at_high))),
                      key=lambda e: (e.value, e.end == "high"))
        swung = f"{percent(b.input_low).removesuffix('%')}–{percent(b.input_high)}"
        place = b.place
        source = s.sources.get(place.source or "")
        bars.append(TornadoBar(b.param, place, s.state_label(place.node, place.state),
                               tuple((mid_sentence(label), state) for label, state
                                     in condition_labels(s, place.when)),  # after "if"
                               s.source_name(place.source) if place.source else "",
                               source.title if source else "", b.assumed_swing, swung,
                               segment(b.at_low), segment(b.at_high), (ends[0], ends[1])))
    return TornadoChart(t.node, _titled(s, t.node, t.label, t.state), t.base,
                        decimal_percent(t.base), tuple(bars), t.inputs)


def _titled(s: Scenario, node: str, label: str, state: str) -> str:
    """An outcome's label, with the state it is about unless that is plain "yes"."""
    return label if state.lower() in ("yes", "true") else f"{label}: {s.state_label(node, state)}"


# signposts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignpostItem:
    sentence: str
    cause: str  # the node to watch
    state: str  # the state that moves the outcome most
    shift: float
    shift_text: str  # "+21", "−23"
    direction: Direction
    chance: float  # of seeing that state
    chance_text: str


@dataclass(frozen=True)
class SignpostGroup:
    node: str
    label: str  # as the tornado's title
    base: float
    base_text: str
    items: tuple[SignpostItem, ...]


def signposts_section(facts: Facts) -> Section | None:
    groups = tuple(group for sp in facts.analysis.signposts
                   if (group := _signposts(facts.scenario, sp)).items)
    if not groups:
        return None
    return Section("signposts", "Signposts to watch", groups)


def _signposts(s: Scenario, sp: Signposts) -> SignpostGroup:
    items = []
    for post in sp.watch:
        seen = strongest(post.observations)
        shift = shown_points(sp.base, seen.posterior)
        if shift == "±0":  # informative on average, but no state of it moves the figure
            continue
        # The chance of seeing the state, rounded with the node's other states as the
        # evidence section shows them.
        chances = {o.state: o.chance for o in post.observations}
        states = s.nodes[post.node].states
        texts = dict(zip(states, percents([chances.get(st, 0.0) for st in states]),
                         strict=True))
        items.append(SignpostItem(post.sentence, post.node, seen.state, seen.shift, shift,
                                  direction(seen.shift, shift), seen.chance,
                                  texts[seen.state]))
    return SignpostGroup(sp.node, _titled(s, sp.node, sp.label, sp.state), sp.base,
                         percent(sp.base), tuple(items))


# where the sources disagree ----------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    source: str  # "" for the pooled figure
    p: float
    text: str


@dataclass(frozen=True)
class DisagreementRow:
    node: str
    label: str
    state: str
    name: str  # the state as the reader sees it
    first: bool  # the outcome's first row (multi-state outcomes have one row per state)
    rows: int  # how many rows the outcome takes
    pooled: Figure
    figures: tuple[Figure, ...]  # one per source, in the order of `SourcesDisagree.sources`
    low: float  # the lowest and highest figure, for the strip
    high: float
    spread: float  # the outcome's largest gap on any state
    spread_text: str
    flagged: bool


@dataclass(frozen=True)
class SourceNote:
    id: str
    name: str  # its short name
    title: str
    nodes: tuple[str, ...]  # labels of the nodes where its own estimates are used


@dataclass(frozen=True)
class SourcesDisagree:
    sources: tuple[SourceNote, ...]
    rows: tuple[DisagreementRow, ...]
    flag_points: int
    flagged: int  # how many outcomes are flagged


def disagreement_section(facts: Facts) -> Section | None:
    s = facts.scenario
    found = facts.analysis.disagreement
    if not found or len(found[0].sources) < 2:  # one source alone disagrees with nobody
        return None
    notes = tuple(SourceNote(f.source, s.source_name(f.source), f.title,
                             tuple(s.nodes[n].label for n in f.nodes))
                  for f in found[0].sources)
    rows = []
    for d in found:
        states = s.nodes[d.node].states
        shown = headline_states(states)
        pooled = _figures(states, d.pooled)
        by_source = [_figures(states, f.distribution) for f in d.sources]
        spread = f"{d.spread * 100:.1f}"
        for i, st in enumerate(shown):
            figures = tuple(Figure(note.id, dist[st].p, dist[st].text)
                            for note, dist in zip(notes, by_source, strict=True))
            values = [pooled[st].p, *(f.p for f in figures)]
            rows.append(DisagreementRow(d.node, d.label, st, s.state_label(d.node, st), i == 0,
                                        len(shown), pooled[st],
                                        figures, min(values), max(values), d.spread, spread,
                                        d.flagged))
    return Section("disagreement", "Where the sources disagree", SourcesDisagree(
        notes, tuple(rows), FLAG_POINTS, sum(d.flagged for d in found)))


def _figures(states: Sequence[str], dist: dict[str, float]) -> dict[str, Figure]:
    texts = percents([dist[st] for st in states])
    return {st: Figure("", dist[st], text) for st, text in zip(states, texts, strict=True)}
