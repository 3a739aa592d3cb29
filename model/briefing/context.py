"""The briefing as plain data: every number and sentence the page shows, computed here.

A briefing is a header and an ordered list of `Section`s; each section's template is
`templates/_<section id>.html.j2` and reads only `section.data`. A section builder takes the
`Facts` (the scenario and its baseline, computed once) and returns a `Section`, or None when
the scenario has nothing to show there. `model.report.SECTIONS` lists the builders in page
order; a new section is one builder there plus one partial.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from markupsafe import Markup

from ..analysis import Analysis, analyze
from ..analysis.marginals import marginals
from ..analysis.tree import ScenarioTree, TreePath, scenario_tree
from ..analysis.uncertainty import StateSpread
from ..errors import QueryError
from ..language.probability import decimal_percent, percent, percent_text, points, shares
from ..scenario import Scenario
from .figures import ROLE_STYLES, RoleStyle, network_svg, tree_svg
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


# the network -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LegendItem:
    role: str
    style: RoleStyle
    count: int


@dataclass(frozen=True)
class NetworkFigure:
    svg: Markup
    legend: tuple[LegendItem, ...]
    n_nodes: int
    n_links: int


def network_section(facts: Facts) -> Section:
    s = facts.scenario
    # Safe markup: scenario text reaches the SVG only escaped, through DOT and its titles.
    svg = Markup(network_svg(s, facts.baseline, facts.graphviz))
    roles = [spec.role for spec in s.nodes.values()]
    legend = tuple(LegendItem(r, ROLE_STYLES[r], roles.count(r)) for r in ROLE_ORDER
                   if r in roles)
    links = sum(len(spec.parents) for spec in s.nodes.values())
    return Section("network", "The network", NetworkFigure(svg, legend, len(s.nodes), links))


# the scenario tree -------------------------------------------------------------------------


@dataclass(frozen=True)
class PathRow:
    rank: int  # 0 for the lumped "other" leaf
    given: tuple[tuple[str, str], ...]  # (driver, state); empty for the "other" leaf
    states: tuple[tuple[str, str], ...]  # (driver label, state)
    pct: Pct
    outcomes: tuple[StateLine, ...]


@dataclass(frozen=True)
class TreeFigure:
    svg: Markup
    drivers: tuple[str, ...]  # labels
    rows: tuple[PathRow, ...]
    columns: tuple[OutcomeColumns, ...]
    other_count: int
    skipped: tuple[str, ...]  # labels of drivers left out to keep the joint small
    shown_pct: Pct


def tree_section(facts: Facts) -> Section | None:
    s = facts.scenario
    if not s.outcomes:
        return None
    tree = scenario_tree(s, facts.baseline)
    if tree is None:
        return None
    svg = Markup(tree_svg(s, tree, day(s.file.as_of), facts.graphviz))  # as the network
    # The leaves add up to 100, in the table as in the diagram; so do the shown paths' total
    # and the lumped leaf.
    whole = shares([leaf.probability for leaf in tree.leaves])
    rows = tuple(_path_row(facts, tree, leaf, Pct(leaf.probability,
                                                  percent_text(leaf.probability, w), ""))
                 for leaf, w in zip(tree.leaves, whole, strict=True))
    shown = sum(path.probability for path in tree.paths)
    shown_pct = Pct(shown, percent_text(shown, sum(whole[:len(tree.paths)])), "")
    return Section("tree", "The scenario tree", TreeFigure(
        svg, tuple(facts.label(d) for d in tree.drivers), rows, outcome_columns(s),
        tree.other_count, tuple(facts.label(d) for d in tree.skipped_drivers), shown_pct))


def _path_row(facts: Facts, tree: ScenarioTree, path: TreePath, share: Pct) -> PathRow:
    s = facts.scenario
    given = tuple(zip(tree.drivers, path.states, strict=False))
    states = tuple((facts.label(d), st) for d, st in given)
    outcomes = tuple(line for o in s.outcomes for line in state_lines(s, o, path.outcomes[o]))
    return PathRow(path.rank, given, states, share, outcomes)


# named what-ifs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    node: str
    label: str
    state: str
    kind: str  # "given" (observed) or "do" (set by intervention)


@dataclass(frozen=True)
class Cell:
    line: StateLine
    change_text: str
    direction: str  # "up", "down" or "flat"


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
            direction = "flat" if text == "±0" else ("up" if change > 0 else "down")
            cells.append(Cell(line, text, direction))
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
