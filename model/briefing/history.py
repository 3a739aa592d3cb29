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
from dataclasses import dataclass

from markupsafe import Markup

from ..analysis.diff import Diff, Move
from ..history import Score, Step, steps
from ..language.probability import percent, shown_points
from ..scenario import Scenario
from .context import Facts, Section
from .figures import FONT
from .format import day, headline_states, signed
from .graphviz import quote, render_svg

WIDTH = 460.0  # the plot's width and height, in points
HEIGHT = 96.0
LEFT = 34.0  # room for the percent labels
BOTTOM = 22.0  # room for the month labels
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
    move: str  # "+18" points, "" for the first


@dataclass(frozen=True)
class OutcomeHistory:
    label: str
    state: str
    svg: Markup
    rows: tuple[StepRow, ...]
    resolved: str  # "happened: yes, 13 Jun 2025", or ""


@dataclass(frozen=True)
class History:
    outcomes: tuple[OutcomeHistory, ...]
    entries: int
    as_of: str
    last: str


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
            rows = tuple(StepRow(i, day(step.date), step.label, percent(p),
                                 "" if i == 0 else shown_points(ps[i - 1], p))
                         for i, (step, p) in enumerate(zip(history, ps, strict=True)))
            label = s.nodes[node].label
            out.append(OutcomeHistory(
                label, state, Markup(chart(s, node, state, history, ps, happened,
                                           facts.graphviz)), rows,
                "" if r is None else f"resolved {r.state} on {day(r.date)}"))
    return Section("history", "How the forecast moved",
                   History(tuple(out), len(s.log.entries), day(s.file.as_of),
                           day(history[-1].date)))


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
        lines.append(f'gl{k} [shape=plaintext, width=0, height=0, fontsize=8, fontcolor="{TEXT}", '
                     f'label={quote(percent(p))}, pos="{LEFT - 14:.1f},{y(p):.1f}!"];')
    month = dt.date(start.year, start.month, 1)
    k = 0
    while month <= end:
        if month > start:
            lines.append(f'm{k} [shape=plaintext, width=0, height=0, fontsize=8, '
                         f'fontcolor="{TEXT}", label={quote(f"{month:%b}")}, '
                         f'pos="{x(month):.1f},{BOTTOM - 10:.1f}!"];')
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
    for i, (step, p) in enumerate(zip(history, ps, strict=True)):
        if i == 0:
            continue
        name = f"e{i}"
        titles[name] = f"{i}. {day(step.date)}: {step.label} ({label}: {percent(p)})"
        lines.append(f'{name} [shape=circle, width=0.17, fixedsize=true, style=filled, '
                     f'fillcolor="white", color="{LINE}", fontsize=7, fontcolor="{LINE}", '
                     f'label="{i}", pos="{x(step.date):.1f},{y(p):.1f}!"];')
    if happened is not None:
        when, yes = happened
        titles["r"] = f"Resolved on {day(when)}: {'happened' if yes else 'did not happen'}"
        lines.append(f'r [shape=diamond, width=0.14, height=0.14, fixedsize=true, style=filled, '
                     f'fillcolor="{HAPPENED}", color="{HAPPENED}", label="", '
                     f'pos="{x(when):.1f},{y(1.0 if yes else 0.0):.1f}!"];')
    lines.append("}")
    return render_svg("\n".join(lines), graphviz, titles)


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
