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

from ..analysis.decision_tree import DecisionTree, TreeNode, predicted_tree, reader_tree
from ..analysis.decisions import Decision
from ..analysis.policy import Strategy
from ..language.probability import percent_text, percents, shares
from .context import Facts, Section, StateLine, state_lines
from .decision_svg import tree_svg
from .decisions import SHORT_NAME, Actor, Utilities, actor_name, utilities_written
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
class Step:
    """One branch on the way to an end, as the tree draws it: an option or a state."""

    name: str  # as the reader sees it; "2 other states" for a lumped branch
    chance: float | None  # given the branches before it; None for the reader's own options
    chance_text: str  # rounded with its siblings, as the drawing shows it; "" for an option
    best: bool  # the option the best strategy takes (the reader's), or an actor's best


@dataclass(frozen=True)
class EndWorth:
    actor: str
    value: float
    text: str  # "−80.0", "≈ 12.3" where it is the expected value from there on


@dataclass(frozen=True)
class EndRow:
    """One end of the drawn tree: the branches leading to it, level by level (None where the
    tree does not branch), the chance of getting there and what it is worth."""

    steps: tuple[Step | None, ...]  # one per level of the tree
    given: str  # node=state;... for scripts and tests
    reach: float  # under the best strategy (0 off it), or, predicted, with the odds predicted
    reach_text: str  # rounded with the other ends'; "" off the best strategy
    worth: tuple[EndWorth, ...]  # one per actor
    folded: bool  # a subtree not drawn in full: its expected value


@dataclass(frozen=True)
class TreeEnds:
    levels: tuple[str, ...]  # the labels of the nodes the tree branches on, in its order
    rows: tuple[EndRow, ...]
    # which ends are worth their expected value from there on: "all", "some" (marked), ""
    approximate: Literal["all", "some", ""]


@dataclass(frozen=True)
class TreeFigure:
    kind: Literal["reader", "predicted"]
    decision: str
    label: str
    chooser: str  # who takes a predicted decision, when the file says; "" otherwise
    svg: Markup
    ends: TreeEnds  # the drawing's numbers as a table, which prints where the drawing's text
    # is too small to read
    utilities: Utilities | None  # what the ends add up (reader's trees; else the Decisions
    # annex lists them)
    actors: tuple[Actor, ...]
    meu: float  # the maximum expected utility (reader's trees)
    expected: str
    range_text: str  # its 90% range: the best strategy's worth, re-chosen in each draw
    first: str  # the first decision's option at its best, as the reader sees it
    first_range: str  # that option's 90% range, the option held in every draw; "" if none
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


def tree_ends(facts: Facts, tree: DecisionTree) -> TreeEnds:
    """Every end of the drawn tree, top to bottom, with the branches on its way and their
    chances, its chance of being reached and its worth to each actor."""
    s = facts.scenario
    depth = max((len(e.prefix) for e in tree.ends), default=0)
    levels = tree.order[:depth]
    found: list[tuple[tuple[Step | None, ...], TreeNode, str]] = []

    def walk(node: TreeNode, steps: tuple[Step | None, ...]) -> None:
        if not node.branches:
            given = ";".join(f"{n}={s.nodes[n].states[i]}"
                             for n, i in zip(levels, node.prefix, strict=False))
            found.append(((*steps, *(None,) * (depth - len(steps))), node, given))
            return
        chances = percents([b.probability or 0.0 for b in node.branches])
        for b, text in zip(node.branches, chances, strict=True):
            # The reader's options: the policy's in bold. A predicted choice is no one's to make.
            best = b.probability is None and bool(b.best)
            step = Step(b.label, b.probability, "" if b.probability is None else text, best)
            # Levels the tree skips (a state certain there) are left blank, as it draws them.
            skipped = (None,) * max(0, len(b.child.prefix) - len(node.prefix) - 1)
            walk(b.child, (*steps, step, *skipped))

    walk(tree.root, ())
    reached = [node.reach for _steps, node, _given in found]
    on = [r for r in reached if r > 0]
    whole = iter(shares(on))
    # An end whose worth later chances still move shows its expected value from there on:
    # marked "≈" where only some are, said once where all are.
    approx = [not node.folded and (not node.certain or bool(node.lumped))
              for _steps, node, _given in found]
    marked = any(approx) and not all(approx)
    rows = []
    for (steps, node, given), reach, rough in zip(found, reached, approx, strict=True):
        worth = tuple(EndWorth(a, v, ("≈ " if marked and rough else "") + signed(v))
                      for a, v in zip(tree.actors, node.values, strict=True))
        rows.append(EndRow(steps[:depth], given, reach,
                           percent_text(reach, next(whole)) if reach > 0 else "", worth,
                           node.folded))
    return TreeEnds(tuple(facts.label(n) for n in levels), tuple(rows),
                    "some" if marked else "all" if any(approx) else "")


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
    # The maximum's range re-chooses the first step in each draw; an option's range holds it.
    first = strategy.decisions[0]
    start = first.situations[0]
    held = next(o for o in start.options if o.option == start.best)
    one_start = len(first.situations) == 1
    svg = _svg(facts, tree)  # names the branches in words, which the table reads too
    return TreeFigure("reader", tree.decision, facts.label(tree.decision), "", svg,
                      tree_ends(facts, tree), utilities_written(facts, strategy.actor),
                      (Actor(strategy.actor, actor_name(strategy.actor)),), strategy.expected,
                      signed(strategy.expected), _range(strategy.low, strategy.high),
                      s.state_label(first.node, start.best) if one_start else "",
                      _range(held.low, held.high) if one_start else "",
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
    svg = _svg(facts, tree)  # names the branches in words, which the table reads too
    return TreeFigure("predicted", d.node, d.label, _chooser(d.actor), svg,
                      tree_ends(facts, tree), None,
                      tuple(Actor(a, actor_name(a)) for a in d.actors), tree.root.values[0], "",
                      "", "", "", (), (), (), tuple(o.option for o in d.options),
                      tuple(s.state_label(d.node, o.option) for o in d.options),
                      state_lines(s, d.node, facts.baseline[d.node], s.nodes[d.node].states),
                      lines, worth,
                      tree.lumped, tree.folded, tree.cut_short)


def _chooser(actor: str | None) -> str:
    """Who takes a predicted decision, as a sentence names it: "the US", "Iran"."""
    if actor is None:
        return ""
    return ("the " if len(actor) <= SHORT_NAME else "") + actor_name(actor)
