"""The reader's own decisions solved: the best policy, what each option is worth, and what
knowing each uncertain node would be worth.

`decide(s, actor)` solves the scenario's influence diagram exactly (`network.influence`) at
the written numbers and again under every draw of the uncertain numbers (the probabilities'
ranges and terms, and the worths' ranges), in one batched pass: for each of the reader's
decisions and each combination of what it knows, the best option, each option's expected
utility with its 90% range over the draws, and how often each option is the best one. The
expected value of perfect information (EVPI) of a node is how much the maximum expected
utility rises when the node's state is known before the first decision it does not follow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..display import RichDisplay
from ..errors import LimitError, Problem, QueryError, did_you_mean
from ..language.tables import FloatArray
from ..limits import MAX_SAMPLES, MEMORY_BUDGET_BYTES
from ..network.influence import Diagram, Solution, Stage, solve, solve_bytes
from ..scenario import Scenario
from .decisions import draw_worths
from .uncertainty import Draws, draw, drawn_shapes, pooled
from .uncertainty import most_samples as most_drawn


@dataclass(frozen=True)
class OptionWorth:
    """One option where its decision is taken knowing a given combination of states."""

    option: str
    expected: float  # expected utility at the written numbers
    low: float  # 5th and 95th percentile over the draws
    high: float
    chance_best: float  # share of draws in which it is the best option here


@dataclass(frozen=True)
class Situation:
    """A combination of what a decision knows, and the options there."""

    known: dict[str, str]  # node -> state; empty for a decision that knows nothing
    probability: float  # of getting here with the earlier decisions taken as the policy says
    best: str  # the policy's option here
    options: tuple[OptionWorth, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"known": self.known, "probability": self.probability, "best": self.best,
                "options": [asdict(o) for o in self.options]}


@dataclass(frozen=True)
class DecisionPolicy:
    """One of the reader's decisions solved: what it knows when taken, and the best option
    (with every option's worth) in each combination of that which can happen."""

    node: str
    label: str
    knows: tuple[str, ...]  # everything known when it is taken (no forgetting)
    situations: tuple[Situation, ...]  # every combination that can happen, in state order
    # the states of each node it knows, to say which state of `choice`'s is not one
    states: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False,
                                                  repr=False)

    def choice(self, known: Mapping[str, str]) -> str:
        """The policy's option when `known` holds: a state for every node the decision
        knows (`knows`; other nodes in `known` are ignored). A node missing from `known`,
        a state that is not one of its node's, or a combination the policy never meets
        (probability 0 of getting there) is a QueryError saying which."""
        if not isinstance(known, Mapping):
            raise QueryError(Problem(
                f"choice takes what is known as a mapping of node to state, got "
                f"{type(known).__name__}", node=self.node,
                hint="e.g. {" + ", ".join(f"{n!r}: {self._state(n)!r}"
                                          for n in self.knows) + "}"))
        missing = [n for n in self.knows if n not in known]
        if missing:
            raise QueryError(Problem(
                f"'{self.node}' is taken knowing {_names(self.knows)}: "
                f"{_names(missing)} {'is' if len(missing) == 1 else 'are'} missing from "
                "what is known", node=self.node,
                hint="give a state of " + ", ".join(f"{n!r} (e.g. {self._state(n)!r})"
                                                    for n in missing)))
        problems = [Problem(f"'{known[n]}' is not a state of '{n}'", node=n,
                            hint=did_you_mean(str(known[n]), self.states[n]))
                    for n in self.knows if n in self.states and known[n] not in self.states[n]]
        if problems:
            raise QueryError(problems)
        for s in self.situations:
            if all(known.get(n) == st for n, st in s.known.items()):
                return s.best
        shown = ", ".join(f"{n}={known[n]}" for n in self.knows)
        raise QueryError(Problem(f"'{self.node}' is never taken when {shown}: getting there "
                                 "has probability 0", node=self.node,
                                 hint="ask about a combination in its `situations`"))

    def _state(self, node: str) -> str:
        """A state of `node` for an example."""
        found = self.states.get(node)
        return found[0] if found else "state"

    def to_dict(self) -> dict[str, Any]:
        return {"node": self.node, "label": self.label, "knows": list(self.knows),
                "situations": [s.to_dict() for s in self.situations]}


def _names(nodes: Sequence[str]) -> str:
    """'a', 'a' and 'b', 'a', 'b' and 'c'."""
    quoted = [f"'{n}'" for n in nodes]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


@dataclass(frozen=True)
class InformationValue:
    """EVPI of one node: what knowing its state before deciding would be worth."""

    node: str
    label: str
    value: float  # at the written numbers
    low: float  # 5th and 95th percentile over the draws
    high: float
    before: str  # the first decision that would know it
    known_already: bool  # that decision knows it: the value is 0


@dataclass(frozen=True)
class Strategy(RichDisplay):
    """The reader's decisions solved for one actor; `to_dict()` is what `--json` prints. In
    a notebook it shows the policy, each option's worth and the EVPI as `decide` prints
    them."""

    scenario: str
    actor: str
    samples: int
    seed: int | None
    expected: float  # the maximum expected utility at the written numbers
    low: float  # and its 90% range over the draws
    high: float
    decisions: tuple[DecisionPolicy, ...]
    information: tuple[InformationValue, ...]  # largest value first
    after_every_decision: tuple[str, ...]  # nodes no decision could know: no EVPI

    def decision(self, node: str) -> DecisionPolicy:
        """The policy of the reader's decision `node`; a name that is not one of them is a
        QueryError suggesting the closest."""
        for d in self.decisions:
            if d.node == node:
                return d
        names = [d.node for d in self.decisions]
        raise QueryError(Problem(f"'{node}' is not one of the reader's decisions",
                                 hint=did_you_mean(str(node), names)))

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "actor": self.actor, "samples": self.samples,
                "seed": self.seed, "expected": self.expected, "interval": [self.low, self.high],
                "decisions": [d.to_dict() for d in self.decisions],
                "information": [asdict(i) for i in self.information],
                "after_every_decision": list(self.after_every_decision)}


def decide(scenario: Scenario, actor: str | None = None, samples: int | None = 10_000,
           seed: int | None = 2025, draws: Draws | None = None,
           worths: Mapping[str, FloatArray] | None = None) -> Strategy:
    """The best policy of each of the reader's decisions for `actor` (default: whose they
    are, `Scenario.decider`), each option's worth, and the EVPI of each uncertain node.

    `samples` draws seeded by `seed` give the ranges (the same draws as `analyze` with that
    seed; None: 10,000, or as many as the memory budget holds for drawing them and solving
    the decisions under each, `fitted_samples`); `draws` and `worths` pass draws made
    already, as `analyze` does. Draws past what the solving holds are refused before any is
    made (`check_solvable`)."""
    point = scenario.solve(actor)  # refuses a scenario without reader's decisions
    chosen = scenario.decider if actor is None else actor
    assert chosen is not None
    if draws is None:
        if samples is None:
            samples = fitted_samples(scenario)
        check_solvable(scenario, samples)
        draws = draw(scenario, samples, seed)  # refuses a bad number of samples
    else:
        check_solvable(scenario, draws.samples)
    if worths is None:
        worths = draw_worths(scenario, draws.samples, seed)
    drawn = _solve(scenario, scenario.diagram, chosen, draws, worths)
    policies = tuple(_policy(scenario, point, drawn, stage) for stage in point.stages)
    info, after = _information(scenario, chosen, point, drawn, draws, worths)
    low, high = np.percentile(drawn.meu, [5, 95])
    return Strategy(scenario.id, chosen, draws.samples, seed, float(point.meu[0]), float(low),
                    float(high), policies, info, after)


def most_samples(scenario: Scenario, budget: int | None = None) -> int:
    """The most draws under which `decide` solves the reader's decisions within the memory
    budget (`budget`, of it, when given; `solve_per_draw`). MAX_SAMPLES when nothing is
    drawn (the solving is then one row); 0 when not even one draw fits."""
    if not _anything_drawn(scenario):
        return MAX_SAMPLES
    budget = MEMORY_BUDGET_BYTES if budget is None else budget
    return int(min(MAX_SAMPLES, budget // solve_per_draw(scenario)))


def solve_per_draw(scenario: Scenario) -> int:
    """The bytes `decide` keeps per draw while it solves: the solution of the diagram, kept
    while each EVPI's diagram (one node known earlier) is solved beside it, each with a row
    per draw (`influence.solve_bytes`)."""
    diagram = scenario.diagram
    revealed = [r for node in diagram.chance()
                if (r := diagram.revealing(node)) is not None and r is not diagram]
    return solve_bytes(diagram) + max((solve_bytes(r) for r in revealed), default=0)


def _anything_drawn(scenario: Scenario) -> bool:
    """Whether the draws vary anything the decisions are solved with: a probability, the
    estimate a pooled row believes, or a worth's range."""
    return (drawn_shapes(scenario)[0].size > 0
            or any(pooled(spec) for spec in scenario.nodes.values())
            or any(p.uncertain for u in scenario.utilities.values() for p in u.params))


def fitted_samples(scenario: Scenario, wanted: int = 10_000) -> int:
    """`wanted` draws, or as many as fit the memory budget where fewer do, for drawing the
    numbers (`uncertainty.most_samples`) and for solving the decisions under each draw
    (`most_samples`); at least 1."""
    return max(1, min(wanted, most_drawn(scenario), most_samples(scenario)))


def check_solvable(scenario: Scenario, samples: int) -> None:
    """Refuse solving the reader's decisions under `samples` draws past the memory budget
    before any is drawn, saying how many fit."""
    if not scenario.reader_decisions or samples <= most_samples(scenario):
        return
    most = most_samples(scenario)
    needed = samples * solve_per_draw(scenario)
    raise LimitError(Problem(
        f"solving the decisions under {samples:,} draws needs about {needed / 1e6:,.0f} MB, "
        f"over the memory budget of {MEMORY_BUDGET_BYTES / 1e6:,.0f} MB",
        file=scenario.document.name,
        hint=(f"ask for at most {most:,} samples (--samples {most}), or let the decisions "
              "know fewer nodes") if most else "let the decisions know fewer nodes"))


def _solve(scenario: Scenario, diagram: Diagram, actor: str, draws: Draws,
           worths: Mapping[str, FloatArray]) -> Solution:
    """The diagram solved under every draw."""
    utility = scenario.utilities[actor].tables(worths[actor])
    tables = {n: t for n, t in draws.tables.items() if n in diagram.net.states}
    if not tables and all(t.shape[0] == 1 for _, t in utility):  # nothing varies
        return _repeat(solve(scenario.solver, diagram, utility), draws.samples)
    return solve(scenario.solver, diagram, utility, tables or None)


def _repeat(solution: Solution, samples: int) -> Solution:
    """A solution of one row standing for `samples` identical draws (views, not copies)."""
    def rows(a: Any) -> Any:
        return np.broadcast_to(a, (samples, *a.shape[1:]))

    stages = tuple(Stage(s.decision, s.knows, rows(s.q), rows(s.p), rows(s.choice),
                         rows(s.reach)) for s in solution.stages)
    return Solution(solution.axes, solution.cards, stages, rows(solution.meu),
                    rows(solution.joint), rows(solution.worth))


def _policy(scenario: Scenario, point: Solution, drawn: Solution, stage: Stage) -> DecisionPolicy:
    d = stage.decision
    axes = point.axes
    axis = axes.index(d)
    options = scenario.nodes[d].states
    expected = stage.expected()[0]
    drawn_stage = drawn.stage(d)
    drawn_expected = drawn_stage.expected()
    wins = drawn_stage.choice
    reach = stage.reach[0]
    p = stage.p[0]
    known = [i for i, n in enumerate(axes) if n in stage.knows]
    situations = []
    for index in np.ndindex(*(point.cards[i] for i in known)):
        at: list[int | slice] = [0] * len(axes)
        for i, k in zip(known, index, strict=True):
            at[i] = k
        if not p[tuple(at)] > 0:
            continue
        states = {axes[i]: scenario.nodes[axes[i]].states[k]
                  for i, k in zip(known, index, strict=True)}
        worth = []
        for o, option in enumerate(options):
            at[axis] = o
            values = drawn_expected[(slice(None), *at)]
            low, high = np.nanpercentile(values, [5, 95])
            at[axis] = 0
            share = float(np.mean(wins[(slice(None), *at)] == o))
            at[axis] = o
            worth.append(OptionWorth(option, float(expected[tuple(at)]), float(low), float(high),
                                     share))
        at[axis] = 0
        best = options[int(stage.choice[0][tuple(at)])]
        situations.append(Situation(states, float(reach[tuple(at)]), best, tuple(worth)))
    return DecisionPolicy(d, scenario.nodes[d].label, stage.knows, tuple(situations),
                          {n: scenario.nodes[n].states for n in stage.knows})


def _information(scenario: Scenario, actor: str, point: Solution, drawn: Solution,
                 draws: Draws, worths: Mapping[str, FloatArray]
                 ) -> tuple[tuple[InformationValue, ...], tuple[str, ...]]:
    diagram = scenario.diagram
    found: list[InformationValue] = []
    after: list[str] = []
    for node in diagram.chance():
        label = scenario.nodes[node].label
        revealed = diagram.revealing(node)
        if revealed is None:
            after.append(node)
            continue
        first = next(d for d in diagram.decisions if node in revealed.knows[d])
        if revealed is diagram:
            found.append(InformationValue(node, label, 0.0, 0.0, 0.0, first, True))
            continue
        utility = scenario.utilities[actor].tables()
        knowing = solve(scenario.solver, revealed, utility)
        knowing_drawn = _solve(scenario, revealed, actor, draws, worths)
        gain = knowing_drawn.meu - drawn.meu
        low, high = np.percentile(gain, [5, 95])
        found.append(InformationValue(node, label, float(knowing.meu[0] - point.meu[0]),
                                      float(low), float(high), first, False))
    found.sort(key=lambda i: -i.value)
    return tuple(found), tuple(after)
