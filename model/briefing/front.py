"""The briefing's front sections as plain data: the bottom line, the named what-ifs beside
the baseline, and the in-page what-if panel with the network it computes on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ..analysis.marginals import marginals
from ..errors import QueryError
from ..language.probability import points
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

# bottom line up front ----------------------------------------------------------------------


@dataclass(frozen=True)
class Bluf:
    outcomes: tuple[OutcomeSummary, ...]
    horizon: str
    samples: str  # how many draws the ranges come from, "10,000"
    ranged: bool  # whether any figure has a range (not when every number is written exact)


def bluf_section(facts: Facts) -> Section | None:
    s = facts.scenario
    if not s.outcomes:
        return None
    spreads = {u.node: {st.state: st for st in u.states} for u in facts.analysis.uncertainty}
    summaries = tuple(outcome_summary(s, o, facts.baseline[o], tuple(
        interval(spreads[o][st]) for st in headline_states(s.nodes[o].states)))
        for o in s.outcomes)
    ranged = any(r.text for o in summaries for r in o.ranges)
    return Section("bluf", "Bottom line up front", Bluf(
        summaries, day(s.file.horizon), f"{facts.analysis.samples:,}", ranged))


# named what-ifs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    node: str
    label: str
    state: str
    kind: Literal["given", "do"]  # observed, or set by intervention


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


def what_ifs_section(facts: Facts) -> Section | None:
    s = facts.scenario
    if not s.what_ifs or not s.outcomes:
        return None
    baseline = tuple(line for o in s.outcomes for line in state_lines(s, o, facts.baseline[o]))
    rows = []
    for w in s.what_ifs:
        settings = tuple(Setting(n, facts.label(n), st, "given") for n, st in w.given.items())
        settings += tuple(Setting(n, facts.label(n), st, "do") for n, st in w.do.items())
        try:
            dists = marginals(s, s.outcomes, w.given, w.do)
        except QueryError as exc:
            why = exc.problems[0].message
            rows.append(WhatIfRow(w.name, w.description, settings, (),
                                  why[:1].upper() + why[1:] + "."))
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
    states: tuple[str, ...]


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
        controls = tuple(Control(n, spec.label, spec.states) for n, spec in s.nodes.items()
                         if spec.role == role)
        if controls:
            groups.append(ControlGroup(ROLE_GROUPS[role], controls))
    outcomes = tuple(outcome_summary(s, o, facts.baseline[o]) for o in s.outcomes)
    return Section("panel", "Try your own what-if",
                   Panel(tuple(groups), outcomes, page_model(s)))


def page_model(s: Scenario) -> dict[str, Any]:
    """The network as the page's script reads it: tables flattened row-major from shape
    (card, *parent_cards), parents in declared order, first parent slowest."""
    net = s.net
    return {
        "nodes": [{"id": n, "label": s.nodes[n].label, "states": list(net.states[n]),
                   "parents": list(net.parents[n]),
                   "table": [float(x) for x in net.tables[n].ravel()]} for n in net.states],
        "outcomes": [{"node": o, "states": list(headline_states(s.nodes[o].states))}
                     for o in s.outcomes],
    }
