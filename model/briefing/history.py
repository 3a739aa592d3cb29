"""The briefing's sections of the evidence log: how the forecast moved (a small step chart
per outcome, each step numbered and keyed to its evidence), how the forecast scored against
what happened, and what changed since an older version (`scenario report --since`).

The charts are drawn by Graphviz, which the briefing already runs for its diagrams, so they
cost no new dependency and little time: every point is pinned (`layout=neato`, positions
in points), the lines are straight edges between them, and the SVG passes through the same
`render_svg` as the other diagrams.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from markupsafe import Markup

from ..analysis.diff import Diff, Move
from ..history import Score, Step, steps
from ..language.evidence_log import EntrySpec
from ..language.probability import percent, shown_points
from ..scenario import Scenario
from .context import Facts, Section
from .evidence import Reason, entry_anchor, reason, resolution_anchor
from .figures import FONT
from .format import Direction, change, day, headline_states, pct, signed
from .graphviz import quote, render_svg

WIDTH = 340.0  # the plot's width and height, in points
HEIGHT = 100.0
LEFT = 40.0  # room for the percent labels
BOTTOM = 26.0  # room for the month labels
FONT_SIZE = 12  # the axis labels: a phone shows the chart at about two thirds of its size
MARKER = 0.24  # a step marker's diameter, in inches
MARKER_FONT = 10
GAP = MARKER * 72 + 2  # markers closer than this (in points) are moved apart
LINE = "#b4582a"
GRID = "#d5dae1"
TEXT = "#4a5563"
HAPPENED = "#1e6b3a"


@dataclass(frozen=True)
class StepRow:
    number: int  # the chart's marker; 0 for the original forecast
    date: str
    label: str
    pct: str
    move: str  # "+18" points, "" for the first: the difference of the whole percents shown
    direction: Direction = "flat"


@dataclass(frozen=True)
class OutcomeHistory:
    label: str
    state: str
    svg: Markup
    rows: tuple[StepRow, ...]
    resolved: str  # "happened: yes, 13 Jun 2025", or ""


@dataclass(frozen=True)
class LogEntry:
    """One dated entry of the log as the reader sees it: what it records and on what."""

    number: int  # the charts' marker of its date
    anchor: str  # its element id, which the sources annex links to
    date: str
    label: str
    records: tuple[str, ...]  # one sentence per node it is about
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class LogResolution:
    anchor: str
    label: str  # the node's label
    state: str  # the state that happened, as the reader sees it
    date: str
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class History:
    outcomes: tuple[OutcomeHistory, ...]
    entries: int
    as_of: str
    last: str
    log: tuple[LogEntry, ...] = ()
    resolutions: tuple[LogResolution, ...] = ()


def history_section(facts: Facts) -> Section | None:
    """How each outcome's forecast moved with the dated evidence; None without any."""
    s = facts.scenario
    if not s.log.entries:
        return None
    history = steps(s)
    stood = [s.at(step.date) for step in history]
    resolutions = {r.node: r for r in s.resolutions}
    out = []
    for node in s.outcomes:
        for state in headline_states(tuple(s.nodes[node].states)):
            ps = [then.query(node)[state] for then in stood]
            r = resolutions.get(node)
            happened = None if r is None else (r.date, r.state == state)
            rows = tuple(_step_row(i, step, ps[i - 1] if i else None, p)
                         for i, (step, p) in enumerate(zip(history, ps, strict=True)))
            label = s.nodes[node].label
            out.append(OutcomeHistory(
                label, state, Markup(chart(s, node, state, history, ps, happened,
                                           facts.graphviz)), rows,
                "" if r is None else f"resolved {s.state_label(node, r.state)} on "
                                     f"{day(r.date)}"))
    number = {step.date: i for i, step in enumerate(history)}  # a date's entries share one
    log = tuple(LogEntry(number[e.date], entry_anchor(k), day(e.date), e.label, records(s, e),
                         tuple(reason(b, s) for b in e.because))
                for k, e in enumerate(s.log.entries))
    settled = tuple(LogResolution(resolution_anchor(k), s.nodes[r.node].label,
                                  s.state_label(r.node, r.state), day(r.date),
                                  tuple(reason(b, s) for b in r.because))
                    for k, r in enumerate(s.log.resolutions))
    return Section("history", "How the forecast moved",
                   History(tuple(out), len(s.log.entries), day(s.file.as_of),
                           day(history[-1].date), log, settled))


def _step_row(i: int, step: Step, before: float | None, p: float) -> StepRow:
    """A row of the table under a chart: its move is the difference of the whole percents
    shown (`format.change`), as `scenario timeline` prints it."""
    if before is None:
        return StepRow(i, day(step.date), step.label, percent(p), "")
    move, direction = change(pct(before), pct(p))
    return StepRow(i, day(step.date), step.label, percent(p), move, direction)


def records(s: Scenario, entry: EntrySpec) -> tuple[str, ...]:
    """What an entry records, one sentence per node, in the reader's words: the state
    observed, the report's weights as how many times as likely it is under one state as
    under another, or the probability the analyst now holds."""
    def node(n: str) -> str:
        return f"“{s.nodes[n].label}”"

    def state(n: str, st: str) -> str:
        return f"“{s.state_label(n, st)}”"

    if entry.kind == "observed":
        return tuple(f"Observed: {node(n)} is {state(n, st)}."
                     for n, st in entry.observed.items())
    if entry.kind == "likelihood":
        return tuple(_weighed(s, n, ws, node, state) for n, ws in entry.likelihood.items())
    out = []
    for n, ps in entry.believe.items():
        states = tuple(s.nodes[n].states)
        if len(states) == 2 and len(ps) == 1 and next(iter(ps)) == headline_states(states)[0]:
            out.append(f"Belief: after this report, {node(n)} is held at "
                       f"{percent(next(iter(ps.values())))}.")
            continue
        held = ", ".join(f"{state(n, st)} at {percent(p)}" for st, p in ps.items())
        left = [st for st in states if st not in ps]
        rest = ("" if not left else f"; {state(n, left[0])} takes the rest" if len(left) == 1
                else "; the other states share the rest in proportion")
        out.append(f"Belief: after this report, {node(n)} is held {held}{rest}.")
    return tuple(out)


def _weighed(s: Scenario, n: str, written: Mapping[str, float],
             node: Callable[[str], str], state: Callable[[str, str], str]) -> str:
    """A likelihood in words: "reported as 3 times as likely under “no” as under “yes”"
    where the weights take two values (states left out weigh 1), else each weight."""
    states = tuple(s.nodes[n].states)
    ws = {st: float(written.get(st, 1.0)) for st in states}
    weights = ", ".join(f"{s.state_label(n, st)} {_g(w)}" for st, w in ws.items())
    high, low = max(ws.values()), min(ws.values())

    def named(value: float) -> str:
        return " or ".join(state(n, st) for st, w in ws.items() if w == value)

    if high == low:
        words = "a report equally likely under every state, which moves nothing"
    elif len(set(ws.values())) > 2:
        words = "a report weighed state by state"
    elif low == 0:
        words = f"a report impossible under {named(low)}, which rules it out"
    else:
        ratio = high / low
        words = (f"reported as {_g(ratio)} times as likely under {named(high)} as under "
                 f"{named(low)}")
    return f"Likelihood on {node(n)}: {words} (weights {weights}; only their ratios count)."


def _g(x: float) -> str:
    """A weight or ratio in few digits: 3, 1.5, 0.25, 1e-06."""
    return f"{x:.3g}"


def chart(s: Scenario, node: str, state: str, history: list[Step], ps: list[float],
          happened: tuple[dt.date, bool] | None, graphviz: str | None = None) -> str:
    """A step chart of one state's probability over time, as inline SVG."""
    start = s.file.as_of
    end = max(s.file.horizon, history[-1].date)
    span = max((end - start).days, 1)

    def x(d: dt.date) -> float:
        return LEFT + WIDTH * (d - start).days / span

    def y(p: float) -> float:
        return BOTTOM + HEIGHT * p

    lines = ["graph chart {", 'layout=neato; inputscale=72; splines=line; outputorder=edgesfirst;',
             f'bgcolor="transparent"; pad="0.05"; fontname="{FONT}";',
             f'node [shape=point, width=0.01, label="", color="{GRID}", fontname="{FONT}"];',
             f'edge [color="{GRID}", penwidth=0.8];']
    titles: dict[str, str] = {}
    for k, p in enumerate((0.0, 0.5, 1.0)):
        lines.append(f'g{k}a [pos="{LEFT:.1f},{y(p):.1f}!"];')
        lines.append(f'g{k}b [pos="{x(end):.1f},{y(p):.1f}!"];')
        lines.append(f'g{k}a -- g{k}b' + (' [style=dashed]' if p == 0.5 else '') + ';')
        lines.append(f'gl{k} [shape=plaintext, width=0, height=0, fontsize={FONT_SIZE}, '
                     f'fontcolor="{TEXT}", label={quote(percent(p))}, '
                     f'pos="{LEFT - 18:.1f},{y(p):.1f}!"];')
    month = dt.date(start.year, start.month, 1)
    k = 0
    while month <= end:
        if month > start:
            lines.append(f'm{k} [shape=plaintext, width=0, height=0, fontsize={FONT_SIZE}, '
                         f'fontcolor="{TEXT}", label={quote(f"{month:%b}")}, '
                         f'pos="{x(month):.1f},{BOTTOM - 13:.1f}!"];')
            k += 1
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    # the steps: flat until the next entry, then up or down to its value
    corners: list[tuple[float, float]] = []
    for i, (step, p) in enumerate(zip(history, ps, strict=True)):
        if i:
            corners.append((x(step.date), y(ps[i - 1])))
        corners.append((x(step.date), y(p)))
    stop = happened[0] if happened is not None else end
    corners.append((x(max(stop, history[-1].date)), y(ps[-1])))
    for i, (cx, cy) in enumerate(corners):
        lines.append(f'c{i} [pos="{cx:.1f},{cy:.1f}!", color="{LINE}"];')
        if i:
            lines.append(f'c{i - 1} -- c{i} [color="{LINE}", penwidth=2];')
    label = s.nodes[node].label
    taken: list[tuple[float, float]] = []  # the centres of the markers placed so far
    if happened is not None:
        when, yes = happened
        titles["r"] = f"Resolved on {day(when)}: {'happened' if yes else 'did not happen'}"
        lines.append(f'r [shape=diamond, width=0.16, height=0.16, fixedsize=true, style=filled, '
                     f'fillcolor="{HAPPENED}", color="{HAPPENED}", label="", '
                     f'pos="{x(when):.1f},{y(1.0 if yes else 0.0):.1f}!"];')
        taken.append((x(when), y(1.0 if yes else 0.0)))
    markers: list[str] = []  # drawn after every dot and leader, so none covers a marker
    for i, (step, p) in enumerate(zip(history, ps, strict=True)):
        if i == 0:
            continue
        name = f"e{i}"
        titles[name] = f"{i}. {day(step.date)}: {step.label} ({label}: {percent(p)})"
        at = (x(step.date), y(p))
        mx, my = place(at, taken)
        taken.append((mx, my))
        if (mx, my) != at:  # moved off its point: a dot there, and a thin line to it
            lines.append(f'p{i} [pos="{at[0]:.1f},{at[1]:.1f}!", width=0.06, color="{LINE}"];')
            lines.append(f'p{i} -- {name} [color="{LINE}", penwidth=0.7];')
        markers.append(f'{name} [shape=circle, width={MARKER}, fixedsize=true, style=filled, '
                       f'fillcolor="white", color="{LINE}", fontsize={MARKER_FONT}, '
                       f'fontcolor="{LINE}", label="{i}", pos="{mx:.1f},{my:.1f}!"];')
    lines.extend(markers)
    lines.append("}")
    shown = state if state == "yes" else s.state_label(node, state)
    alt = (f"{label}{'' if state == 'yes' else ': ' + shown}: a step chart of its probability "
           f"from {day(start)} to {day(end)}, {percent(ps[0])} at first and {percent(ps[-1])} "
           f"after the last entry; the table below the chart gives every step")
    return render_svg("\n".join(lines), graphviz, titles, alt)


def place(at: tuple[float, float], taken: list[tuple[float, float]]) -> tuple[float, float]:
    """Where a marker for the point `at` goes: on it when no marker placed before is within
    `GAP`, else the nearest free place of a grid around it, `GAP` apart (towards the middle
    of the plot first, then later in time; never below the 0% line, where the months are),
    so that the markers of entries a few days apart do not cover one another."""
    inward = -1.0 if at[1] > BOTTOM + HEIGHT / 2 else 1.0

    def free(c: tuple[float, float]) -> bool:
        return all((c[0] - tx) ** 2 + (c[1] - ty) ** 2 >= GAP ** 2 for tx, ty in taken)

    spots = sorted(((dx, dy) for dx in range(-3, 4) for dy in range(-5, 6)),
                   key=lambda d: (d[0] ** 2 + d[1] ** 2, d[1] * inward < 0, d[0] < 0))
    for dx, dy in spots:
        c = (at[0] + dx * GAP, at[1] + dy * GAP)
        if BOTTOM <= c[1] <= BOTTOM + HEIGHT + GAP and c[0] >= LEFT and free(c):
            return c
    return at


# scores -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreRow:
    label: str
    happened: str
    settled: str
    forecast: str  # the probability the forecast gave what happened
    brier: str
    log: str
    averaged: str


@dataclass(frozen=True)
class Scores:
    as_of: str
    rows: tuple[ScoreRow, ...]
    brier: str
    log: str
    averaged: str
    latest_brier: str
    latest_as_at: str


def _n(x: float) -> str:
    return "∞" if x == float("inf") else f"{x:.3f}"


def score_section(facts: Facts) -> Section | None:
    """The original forecast's Brier and log scores against the resolutions; None without
    resolutions."""
    s = facts.scenario
    if not s.resolutions:
        return None
    original: Score = s.at(s.file.as_of).score()
    latest = s.score()
    rows = tuple(ScoreRow(s.nodes[n.node].label, n.state, day(n.settled),
                          percent(n.forecast[n.state]), _n(n.brier), _n(n.log),
                          _n(n.time_averaged_brier)) for n in original.nodes)
    return Section("scores", "How the forecast scored",
                   Scores(day(s.file.as_of), rows, _n(original.brier), _n(original.log),
                          _n(original.time_averaged_brier), _n(latest.brier),
                          day(latest.as_at)))


# what changed since an older version --------------------------------------------------------


@dataclass(frozen=True)
class MoveRow:
    label: str
    old: str
    new: str
    move: str  # points (an expected utility: its own units), or "" when not compared
    compared: bool  # False: the question is not the same in both versions
    note: str  # why not: "added", "its states changed (...)", ...


@dataclass(frozen=True)
class ChangeRow:
    detail: str
    effects: tuple[str, ...]  # one per column, in points to one decimal


@dataclass(frozen=True)
class Changes:
    since: str
    moves: tuple[MoveRow, ...]
    columns: tuple[str, ...]
    changes: tuple[ChangeRow, ...]
    method: str
    worth: bool  # a column is an expected utility, in the utilities' own units


def _worth(x: float) -> str:
    return signed(x, 2)


def changes_section(facts: Facts) -> Section | None:
    """What moved since `facts.since`, and which changes moved it: every move that is the
    same question in both versions and moved, each a column of the changes' shares, then
    those whose question changed (not compared); None without an older version."""
    found: Diff | None = facts.since
    if found is None:
        return None
    s = facts.scenario
    top = found.top_moves()

    def label(m: Move) -> str:
        if m.kind == "judgement":
            spec = next((j for j in s.judgement_specs if j.name == m.node), None)
            return spec.statement if spec else m.node
        if m.kind == "utility":
            return f"Expected utility to {m.node}"
        if m.node not in s.nodes or m.state is None:
            return m.node if m.state is None else f"{m.node}: {m.state}"
        name = s.nodes[m.node].label
        states = tuple(s.nodes[m.node].states)
        if m.state not in states:
            return f"{name}: {m.state}"
        if m.kind == "outcome" and headline_states(states) == (m.state,):
            return name
        return f"{name}: {s.state_label(m.node, m.state)}"

    def figure(m: Move, x: float | None) -> str:
        if x is None:
            return "—"
        return percent(x) if m.probability else _worth(x)

    def row(m: Move) -> MoveRow:
        change = m.change
        if change is None:
            move = ""
        elif m.probability:
            move = shown_points(m.old or 0.0, m.new or 0.0)
        else:
            move = ("+" if change > 0 else "") + _worth(change)
        return MoveRow(label(m), figure(m, m.old), figure(m, m.new), move, m.attributed,
                       m.note)

    def headline(m: Move) -> bool:  # of a yes/no node only "yes", in either version
        if m.state is None or m.kind == "utility":
            return True
        spec = s.nodes.get(m.node)
        states = tuple(spec.states) if spec is not None else (m.state,)
        return len(headline_states(states)) != 1 or m.state in headline_states(states)

    apart = [m for m in found.moves if not m.attributed and headline(m)]
    moves = (*(row(m) for m in top), *(row(m) for m in apart))

    def share(m: Move, x: float) -> str:
        return signed(100 * x) if m.probability else _worth(x)

    changes = tuple(ChangeRow(_in_words(s, c.detail), tuple(share(m, c.effect.get(m.key, 0.0))
                                                            for m in top))
                    for c in found.changes)
    return Section("changes", f"What changed since {found.old}",
                   Changes(found.old, moves, tuple(label(m) for m in top), changes,
                           found.method, any(not m.probability for m in top)))


_QUOTED = re.compile(r"'([^']+)'")


def _in_words(s: Scenario, detail: str) -> str:
    """A change as the reader sees it: each node the detail names ('us_course') by its
    label; a name the scenario no longer has (a node removed) stays as written."""
    return _QUOTED.sub(lambda m: f"“{s.nodes[m.group(1)].label}”" if m.group(1) in s.nodes
                       else m.group(0), detail)
