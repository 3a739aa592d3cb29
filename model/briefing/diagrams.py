"""The briefing's diagrams as plain data: the network, and the scenario tree with its table
of paths."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from ..analysis.tree import ScenarioTree, TreePath
from ..language.probability import percent_text, shares
from .context import (
    ROLE_ORDER,
    Facts,
    OutcomeColumns,
    Section,
    StateLine,
    outcome_columns,
    state_lines,
)
from .figures import ROLE_STYLES, RoleStyle, network_dot, tree_dot
from .format import Pct, day
from .graphviz import draw_ahead as draw_svg_ahead
from .graphviz import render_svg

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
    given: str = "with nothing observed or set"  # what the figures hold


@dataclass(frozen=True)
class Drawing:
    """A diagram to draw: its DOT source, hover texts and text alternative."""

    source: str
    titles: dict[str, str]
    alt: str

    def svg(self, facts: Facts) -> Markup:
        # Safe markup: scenario text reaches the SVG only escaped, through DOT and titles.
        return Markup(render_svg(self.source, facts.graphviz, self.titles, self.alt))


def draw_ahead(facts: Facts) -> None:
    """Start drawing the network and the scenario tree (with the system `dot`, in processes
    of their own) while the rest of the page is computed; their sections take the drawings."""
    for drawing in (network_drawing(facts), tree_drawing(facts)):
        if drawing is not None:
            draw_svg_ahead(drawing.source, facts.graphviz, drawing.titles, drawing.alt)


def network_drawing(facts: Facts) -> Drawing:
    """The network's diagram to draw, made once per page."""
    if "network" not in facts.shared:
        facts.shared["network"] = _network_drawing(facts)
    drawing: Drawing = facts.shared["network"]
    return drawing


def _network_drawing(facts: Facts) -> Drawing:
    s = facts.scenario
    links = sum(len(spec.parents) for spec in s.nodes.values())
    alt = (f"Diagram of the network: {len(s.nodes)} nodes and {links} links, arrows from "
           "cause to effect, each node with its probability today. Every node is listed, "
           "with what it depends on, in the annex Drivers and evidence.")
    return Drawing(*network_dot(s, facts.baseline), alt)


def network_section(facts: Facts) -> Section:
    s = facts.scenario
    roles = [spec.role for spec in s.nodes.values()]
    links = sum(len(spec.parents) for spec in s.nodes.values())
    svg = network_drawing(facts).svg(facts)
    legend = tuple(LegendItem(r, ROLE_STYLES[r], roles.count(r)) for r in ROLE_ORDER
                   if r in roles)
    return Section("network", "The network", NetworkFigure(svg, legend, len(s.nodes), links,
                                                           facts.given))


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

    @property
    def headings(self) -> tuple[tuple[str, bool], ...]:
        """The table's first headings, (heading, numeric): the path, a column for each
        driver's state, the probability."""
        return (("Path", False), *((d, False) for d in self.drivers), ("Probability", True))


def tree_drawing(facts: Facts) -> Drawing | None:
    """The scenario tree's diagram to draw (None without a tree), made once per page."""
    if "tree" not in facts.shared:
        facts.shared["tree"] = _tree_drawing(facts)
    drawing: Drawing | None = facts.shared["tree"]
    return drawing


def _tree_drawing(facts: Facts) -> Drawing | None:
    tree = facts.tree
    if tree is None:
        return None
    alt = (f"Tree of the {len(tree.paths)} most probable paths of the drivers "
           f"({', '.join(facts.label(d) for d in tree.drivers)}); the same paths, with their "
           "probabilities and outcomes, are in the table below the tree.")
    s = facts.scenario
    return Drawing(*tree_dot(s, tree, day(s.file.as_of),
                             day(s.evidence[-1].date) if s.evidence else ""), alt)


def tree_section(facts: Facts) -> Section | None:
    s = facts.scenario
    tree, drawing = facts.tree, tree_drawing(facts)
    if tree is None or drawing is None:
        return None
    svg = drawing.svg(facts)
    # The leaves add up to 100, in the table as in the diagram; so do the shown paths' total
    # and the lumped leaf.
    whole = shares([leaf.probability for leaf in tree.leaves])
    rows = tuple(_path_row(facts, tree, leaf, Pct(leaf.probability,
                                                  percent_text(leaf.probability, w), "", w))
                 for leaf, w in zip(tree.leaves, whole, strict=True))
    shown = sum(path.probability for path in tree.paths)
    total = sum(whole[:len(tree.paths)])
    shown_pct = Pct(shown, percent_text(shown, total), "", total)
    return Section("tree", "The scenario tree", TreeFigure(
        svg, tuple(facts.label(d) for d in tree.drivers), rows, outcome_columns(s),
        tree.other_count, tuple(facts.label(d) for d in tree.skipped_drivers), shown_pct))


def _path_row(facts: Facts, tree: ScenarioTree, path: TreePath, share: Pct) -> PathRow:
    s = facts.scenario
    given = tuple(zip(tree.drivers, path.states, strict=False))
    states = tuple((facts.label(d), s.state_label(d, st)) for d, st in given)
    outcomes = tuple(line for o in s.outcomes for line in state_lines(s, o, path.outcomes[o]))
    return PathRow(path.rank, given, states, share, outcomes)


