"""The briefing's front as plain data: the key judgements with their bars, the what-ifs that
move them most and what would change our mind; then the named what-ifs beside the baseline
(an annex), and the in-page what-if panel with the network it computes on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ..analysis.signposts import strongest
from ..language.probability import percent, points
from ..language.schema import WhatIf
from ..scenario import Scenario
from .context import (
    ROLE_GROUPS,
    ROLE_ORDER,
    Facts,
    OutcomeColumns,
    OutcomeSummary,
    Section,
    StateLine,
    interval,
    outcome_columns,
    outcome_summary,
    state_lines,
)
from .format import Direction, day, direction, headline_states

# the front: bottom line up front ---------------------------------------------------------

FRONT_WHAT_IFS = 3  # the named what-ifs that move the outcomes most
FRONT_MOVES = 2  # outcomes named per what-if, largest moves first
MIN_MOVE = 0.05  # smaller moves are not put on the front


@dataclass(frozen=True)
class Move:
    """One outcome under a what-if: "rises to 59% from 38%"."""

    node: str
    state: str
    label: str
    before: str
    after: str
    change: float
    direction: Direction


@dataclass(frozen=True)
class FrontWhatIf:
    name: str
    settings: tuple[Setting, ...]
    moves: tuple[Move, ...]


@dataclass(frozen=True)
class MindChanger:
    """An observable development that would move an outcome most: a signpost sentence."""

    outcome: str  # the outcome's label
    node: str
    sentence: str
    shift: float
    shift_text: str
    direction: Direction


@dataclass(frozen=True)
class Front:
    outcomes: tuple[OutcomeSummary, ...]
    horizon: str
    samples: str  # how many draws the ranges come from, "10,000"
    ranged: bool  # whether any figure has a range (not when every number is written exact)
    what_ifs: tuple[FrontWhatIf, ...]
    mind: tuple[MindChanger, ...]


def front_section(facts: Facts) -> Section | None:
    s = facts.scenario
    if not s.outcomes:
        return None
    spreads = {u.node: {st.state: st for st in u.states} for u in facts.analysis.uncertainty}
    summaries = tuple(outcome_summary(s, o, facts.baseline[o], tuple(
        interval(spreads[o][st]) for st in headline_states(s.nodes[o].states)))
        for o in s.outcomes)
    ranged = any(r.text for o in summaries for r in o.ranges)
    return Section("front", "Bottom line up front", Front(
        summaries, day(s.file.horizon), f"{facts.analysis.samples:,}", ranged,
        _front_what_ifs(facts), _mind_changers(facts)), part="front")


def _front_what_ifs(facts: Facts) -> tuple[FrontWhatIf, ...]:
    """The named what-ifs whose largest move of any outcome is largest, each with the
    outcomes it moves most."""
    s = facts.scenario
    found = []
    for w in s.what_ifs:
        dists = facts.what_ifs[w.name]
        if dists is None:
            continue
        moves = []
        # An outcome the what-if itself observes or sets is a restatement, not a move.
        for o in (o for o in s.outcomes if o not in w.given and o not in w.do):
            for st in headline_states(s.nodes[o].states):
                before, after = facts.baseline[o][st], dists[o][st]
                label = s.nodes[o].label if len(headline_states(s.nodes[o].states)) == 1 \
                    else f"{s.nodes[o].label}: {s.state_label(o, st)}"
                shown = points(after - before)
                moves.append(Move(o, st, label, percent(before), percent(after),
                                  after - before, direction(after - before, shown)))
        moves.sort(key=lambda m: -abs(m.change))
        kept = tuple(m for m in moves[:FRONT_MOVES] if abs(m.change) >= MIN_MOVE)
        if kept:
            found.append(FrontWhatIf(w.name, _settings(facts, w), kept))
    found.sort(key=lambda f: -abs(f.moves[0].change))
    return tuple(found[:FRONT_WHAT_IFS])


def _mind_changers(facts: Facts) -> tuple[MindChanger, ...]:
    """For each outcome, the signpost that would move it furthest, when that is a move
    worth putting on the front."""
    out = []
    for sp in facts.analysis.signposts:
        posts = [(strongest(p.observations), p) for p in sp.watch]
        posts = [(seen, p) for seen, p in posts if abs(seen.shift) >= MIN_MOVE]
        if not posts:
            continue
        seen, post = max(posts, key=lambda sp_: abs(sp_[0].shift))
        shown = points(seen.shift)
        out.append(MindChanger(sp.label, post.node, post.sentence, seen.shift, shown,
                               direction(seen.shift, shown)))
    return tuple(out)


# named what-ifs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    node: str
    label: str
    state: str
    kind: Literal["given", "do"]  # observed, or set by intervention
    name: str = ""  # the state as the reader sees it


@dataclass(frozen=True)
class Cell:
    line: StateLine
    change_text: str
    direction: Direction


@dataclass(frozen=True)
class WhatIfRow:
    name: str
    description: str
    settings: tuple[Setting, ...]
    cells: tuple[Cell, ...]  # empty when impossible
    impossible: str  # why, when the observations cannot happen together


@dataclass(frozen=True)
class WhatIfTable:
    columns: tuple[OutcomeColumns, ...]
    baseline: tuple[StateLine, ...]
    rows: tuple[WhatIfRow, ...]


def _settings(facts: Facts, w: WhatIf) -> tuple[Setting, ...]:
    s = facts.scenario
    settings = tuple(Setting(n, facts.label(n), st, "given", s.state_label(n, st))
                     for n, st in w.given.items())
    return settings + tuple(Setting(n, facts.label(n), st, "do", s.state_label(n, st))
                            for n, st in w.do.items())


def what_ifs_section(facts: Facts) -> Section | None:
    s = facts.scenario
    if not s.what_ifs or not s.outcomes:
        return None
    baseline = tuple(line for o in s.outcomes for line in state_lines(s, o, facts.baseline[o]))
    rows = []
    for w in s.what_ifs:
        settings = _settings(facts, w)
        dists = facts.what_ifs[w.name]
        if dists is None:
            seen = [f"{item.label} = {item.name}" for item in settings if item.kind == "given"]
            rows.append(WhatIfRow(w.name, w.description, settings, (),
                                  "These observations cannot happen together in this "
                                  f"scenario ({'; '.join(seen)}): their probability is 0."))
            continue
        cells = []
        for line in (ln for o in s.outcomes for ln in state_lines(s, o, dists[o])):
            change = line.pct.p - facts.baseline[line.node][line.state]
            text = points(change)
            cells.append(Cell(line, text, direction(change, text)))
        rows.append(WhatIfRow(w.name, w.description, settings, tuple(cells), ""))
    return Section("what_ifs", "What-ifs", WhatIfTable(outcome_columns(s), baseline,
                                                       tuple(rows)))


# the in-page what-if panel -----------------------------------------------------------------


@dataclass(frozen=True)
class Control:
    node: str
    label: str
    states: tuple[tuple[str, str], ...]  # (state, as the reader sees it)


@dataclass(frozen=True)
class ControlGroup:
    title: str
    controls: tuple[Control, ...]


@dataclass(frozen=True)
class Panel:
    groups: tuple[ControlGroup, ...]
    outcomes: tuple[OutcomeSummary, ...]
    model: dict[str, Any]  # the network, embedded as JSON for the page's script


def panel_section(facts: Facts) -> Section | None:
    s = facts.scenario
    if not s.outcomes:
        return None
    groups = []
    for role in ROLE_ORDER:
        controls = tuple(Control(n, spec.label, tuple((st, s.state_label(n, st))
                                                      for st in spec.states))
                         for n, spec in s.nodes.items() if spec.role == role)
        if controls:
            groups.append(ControlGroup(ROLE_GROUPS[role], controls))
    outcomes = tuple(outcome_summary(s, o, facts.baseline[o]) for o in s.outcomes)
    return Section("panel", "Try your own what-if",
                   Panel(tuple(groups), outcomes, page_model(s)), part="screen")


def page_model(s: Scenario) -> dict[str, Any]:
    """The network as the page's script reads it: tables flattened row-major from shape
    (card, *parent_cards), parents in declared order, first parent slowest."""
    net = s.net
    return {
        "nodes": [{"id": n, "label": s.nodes[n].label, "states": list(net.states[n]),
                   "stateLabels": [s.state_label(n, st) for st in net.states[n]],
                   "parents": list(net.parents[n]),
                   "table": [float(x) for x in net.tables[n].ravel()]} for n in net.states],
        "outcomes": [{"node": o, "states": list(headline_states(s.nodes[o].states))}
                     for o in s.outcomes],
    }
