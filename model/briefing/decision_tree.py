"""The briefing's decision tree as plain data: the figure, and beside it the numbers a reader
acts on.

For the reader's own decisions: the tree of the best strategy, each decision's policy (the
best option for each combination of what is known, each option's expected utility with its
90% range and how often it is best over the draws) and what knowing each uncertain node would
be worth (EVPI), ranked. For a predicted decision (another actor's choice): the tree of its
options, weighted by the analysts' predicted probabilities, and a table of each option beside
the outcomes it leads to and what it is worth to each actor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from markupsafe import Markup

from ..analysis.decision_tree import DecisionTree, predicted_tree, reader_tree
from ..analysis.decisions import Decision
from ..analysis.policy import Strategy
from ..language.probability import percent_text, shares
from .context import Facts, Section, StateLine, state_lines
from .decision_svg import tree_svg
from .decisions import SHORT_NAME, Actor, actor_name
from .format import Pct, headline_states, pct, signed


@dataclass(frozen=True)
class OptionCell:
    option: str
    expected: float
    text: str  # "77.5"
    low: float  # its 90% range over the draws
    high: float
    range_text: str  # "70.1 to 84.0"; "" when nothing written as a range moves it
    best_share: float  # of the draws in which it is best
    best_text: str  # "100%"
    best: bool  # the policy's option here


@dataclass(frozen=True)
class PolicyRow:
    known: tuple[tuple[str, str], ...]  # (node label, state)
    given: str  # node=state;... for scripts and tests
    chance: Pct | None  # of getting here under the policy; None off the policy
    best: str
    cells: tuple[OptionCell, ...]


@dataclass(frozen=True)
class PolicyTable:
    node: str
    label: str
    knows: tuple[str, ...]  # labels
    options: tuple[str, ...]
    rows: tuple[PolicyRow, ...]


@dataclass(frozen=True)
class InfoRow:
    node: str
    label: str
    value: float
    text: str
    range_text: str
    before: str  # the label of the decision that would know it
    known_already: bool


@dataclass(frozen=True)
class CourseWorth:
    option: str
    expected: float
    text: str
    low: float  # its 90% range over the draws
    high: float
    range_text: str
    best: bool  # the actor's best option


@dataclass(frozen=True)
class OutcomeLine:
    """One outcome state under each option, as if chosen."""

    label: str
    state: str  # "" for a yes/no outcome, which shows its "yes"
    cells: tuple[StateLine, ...]  # per option


@dataclass(frozen=True)
class WorthLine:
    actor: Actor
    cells: tuple[CourseWorth, ...]  # per option


@dataclass(frozen=True)
class TreeFigure:
    kind: Literal["reader", "predicted"]
    decision: str
    label: str
    chooser: str  # who takes a predicted decision, when the file says; "" otherwise
    svg: Markup
    actors: tuple[Actor, ...]
    meu: float  # the maximum expected utility (reader's trees)
    expected: str
    range_text: str
    policies: tuple[PolicyTable, ...]
    information: tuple[InfoRow, ...]
    after: tuple[str, ...]  # labels of nodes no decision could know
    options: tuple[str, ...]  # a predicted decision's, with their predicted chances
    option_labels: tuple[str, ...]
    chances: tuple[StateLine, ...]
    outcome_lines: tuple[OutcomeLine, ...]
    worth_lines: tuple[WorthLine, ...]
    lumped: int
    folded: int
    cut_short: bool


@dataclass(frozen=True)
class DecisionTrees:
    figures: tuple[TreeFigure, ...]
    samples: str


def decision_tree_section(facts: Facts) -> Section | None:
    s = facts.scenario
    if s.reader_decisions:
        strategy = facts.analysis.strategy
        assert strategy is not None
        figures: tuple[TreeFigure, ...] = (_reader(facts, strategy),)
    else:
        predicted = [d for d in facts.analysis.decisions if d.actors]
        if not predicted:
            return None
        figures = tuple(_predicted(facts, d) for d in predicted)
    return Section("decision_tree", "The decision tree",
                   DecisionTrees(figures, f"{facts.analysis.samples:,}"))


def _svg(facts: Facts, tree: DecisionTree) -> Markup:
    # Words, not identifiers: each branch named as the reader sees its state.
    stack = [tree.root]
    while stack:
        node = stack.pop()
        for b in node.branches:
            if b.state and node.node is not None:
                b.label = facts.scenario.state_label(node.node, b.state)
            stack.append(b.child)
    # Safe markup: every scenario string is escaped as the SVG is written.
    return Markup(tree_svg(tree, facts.label, actor_name))


def _range(low: float, high: float) -> str:
    return "" if high - low < 1e-9 else f"{signed(low)} to {signed(high)}"


def _reader(facts: Facts, strategy: Strategy) -> TreeFigure:
    s = facts.scenario
    tree = reader_tree(s, strategy.actor)
    policies = []
    for d in strategy.decisions:
        options = tuple(s.state_label(d.node, o.option) for o in d.situations[0].options)
        rows = []
        for sit in d.situations:
            wins = shares([o.chance_best for o in sit.options])
            cells = tuple(OptionCell(o.option, o.expected, signed(o.expected), o.low, o.high,
                                     _range(o.low, o.high), o.chance_best,
                                     percent_text(o.chance_best, w), o.option == sit.best)
                          for o, w in zip(sit.options, wins, strict=True))
            rows.append(PolicyRow(tuple((facts.label(n), s.state_label(n, st))
                                        for n, st in sit.known.items()),
                                  ";".join(f"{n}={st}" for n, st in sit.known.items()),
                                  pct(sit.probability) if sit.probability > 0 else None,
                                  s.state_label(d.node, sit.best), cells))
        rows.sort(key=lambda r: r.chance is None)  # those the best strategy reaches first
        policies.append(PolicyTable(d.node, d.label, tuple(facts.label(n) for n in d.knows),
                                    options, tuple(rows)))
    information = tuple(InfoRow(i.node, i.label, i.value, signed(i.value), _range(i.low, i.high),
                                facts.label(i.before), i.known_already)
                        for i in strategy.information)
    return TreeFigure("reader", tree.decision, facts.label(tree.decision), "", _svg(facts, tree),
                      (Actor(strategy.actor, actor_name(strategy.actor)),), strategy.expected,
                      signed(strategy.expected), _range(strategy.low, strategy.high),
                      tuple(policies), information,
                      tuple(facts.label(n) for n in strategy.after_every_decision), (), (), (),
                      (), (), tree.lumped, tree.folded, tree.cut_short)


def _predicted(facts: Facts, d: Decision) -> TreeFigure:
    s = facts.scenario
    tree = predicted_tree(s, d.node)
    # Each option's distributions rounded together, as every table of the briefing shows them.
    per_option = [{(line.node, line.state): line
                   for n in s.outcomes if n != d.node
                   for line in state_lines(s, n, o.outcomes[n])} for o in d.options]
    lines = tuple(OutcomeLine(facts.label(node), "" if len(headline_states(
        s.nodes[node].states)) == 1 else s.state_label(node, state),
        tuple(cells[(node, state)] for cells in per_option)) for node, state in per_option[0])
    best = d.best
    worth = tuple(WorthLine(Actor(a, actor_name(a)), tuple(
        CourseWorth(o.option, o.expected[a], signed(o.expected[a]), *o.interval[a],
                    _range(*o.interval[a]), best[a] == o.option)
        for o in d.options)) for a in d.actors)
    return TreeFigure("predicted", d.node, d.label, _chooser(d.actor), _svg(facts, tree),
                      tuple(Actor(a, actor_name(a)) for a in d.actors), tree.root.values[0], "",
                      "", (), (), (), tuple(o.option for o in d.options),
                      tuple(s.state_label(d.node, o.option) for o in d.options),
                      state_lines(s, d.node, facts.baseline[d.node], s.nodes[d.node].states),
                      lines, worth,
                      tree.lumped, tree.folded, tree.cut_short)


def _chooser(actor: str | None) -> str:
    """Who takes a predicted decision, as a sentence names it: "the US", "Iran"."""
    if actor is None:
        return ""
    return ("the " if len(actor) <= SHORT_NAME else "") + actor_name(actor)
