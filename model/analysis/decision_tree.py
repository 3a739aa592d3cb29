"""The decision tree: decisions as squares, chance as circles, end values as triangles, the
probability of every branch and the expected value rolled back to every node.

For the reader's own decisions the tree follows the order in which things become known: the
chance nodes the first decision knows, the first decision, what the second one learns, the
second decision, and so on, then the nodes the actor's utility depends on that no decision
knows. A decision node is worth its best option (the solved policy's, marked); a chance node
the probability-weighted sum of its branches. For a predicted decision (another actor's
choice) the tree starts with that decision, each option weighted by its predicted
probability and followed, under do(option), by the outcomes it leads to, with every actor's
expected utility at every node and each actor's best option marked.

Every value comes from two exact arrays over the tree's nodes, P(path) and the sum of
P(x) U(x) over each path's completions, so a branch lumped or folded away still shows its
exact value. A chance node with one possible branch is skipped; where nothing left on a path
changes the worth, the path ends. Large trees are coarsened the way the scenario tree lumps
small paths: a chance node shows its likeliest branches and lumps the rest into one, and
past `MAX_ENDS` end points the least likely subtrees are drawn folded, with their value.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ..language.tables import FloatArray
from ..network.influence import Solution, aligned, weigh
from ..scenario import Scenario

Kind = Literal["decision", "chance", "end"]
TreeKind = Literal["reader", "predicted"]
MAX_ENDS = 24  # end points drawn; past this, the least likely subtrees are folded
MAX_BRANCHES = 4  # of a chance node; past this the least likely are lumped into one
MAX_CELLS = 1 << 18  # of the tree's arrays: past this, paths end at the last decision
OUTCOME_LEVELS = 2  # outcomes a predicted decision's tree branches on after its options
OFF_POLICY = 1e-9  # the priority of an option not taken, against the likeliest paths
SAME = 1e-9  # worths closer than this share of the largest are the same


@dataclass
class TreeNode:
    """One node of the drawn tree: `values` holds one expected utility per actor of the tree
    (here, rolled back); `reach` is the chance of getting here when the reader's options are
    taken as the policy says (0 off the policy)."""

    kind: Kind
    node: str | None  # the scenario node it branches on; None for an end
    values: tuple[float, ...]
    reach: float
    prefix: tuple[int, ...]  # the states of the tree's nodes on the way here
    branches: list[Branch] = field(default_factory=list)
    folded: bool = False  # a subtree drawn as its value only
    lumped: int = 0  # an end standing for this many less likely states
    certain: bool = False  # an end whose worth is the same however the rest turns out

    def ends(self) -> list[TreeNode]:
        """The nodes at the right edge: ends, and folded subtrees."""
        if not self.branches:
            return [self]
        return [e for b in self.branches for e in b.child.ends()]


@dataclass
class Branch:
    state: str  # an option or a state; "" for a lumped branch
    label: str  # as drawn: the state, or "3 other states"
    probability: float | None  # None for the reader's own options
    best: tuple[str, ...]  # the actors whose best option this is (decision branches)
    child: TreeNode


@dataclass(frozen=True)
class DecisionTree:
    """The tree of one solved strategy ("reader") or of one predicted decision."""

    kind: TreeKind
    decision: str  # the first of the reader's decisions, or the predicted one
    actors: tuple[str, ...]  # whose values the nodes show
    order: tuple[str, ...]  # the nodes branched on, in the tree's order
    root: TreeNode
    lumped: int  # chance branches lumped together
    folded: int  # subtrees folded
    cut_short: bool  # paths end at the last decision: the full tree would be too large

    @property
    def ends(self) -> list[TreeNode]:
        return self.root.ends()


@dataclass(frozen=True)
class _Arrays:
    """P(path) and, per actor, the sum of P U over its completions; one axis per tree node."""

    order: tuple[str, ...]
    kinds: tuple[Kind, ...]  # "decision" for the reader's own, else "chance"
    p: FloatArray  # (*cards)
    mass: FloatArray  # (actors, *cards)
    known: int  # the axes before this one are known to some decision
    complete: bool  # every node the worths depend on is an axis


def reader_tree(s: Scenario, actor: str | None = None) -> DecisionTree:
    """The tree of the reader's decisions solved for `actor` (default: whose they are)."""
    solved = s.solve(actor)
    chosen = s.decider if actor is None else actor
    assert chosen is not None
    diagram = s.diagram
    order: list[str] = []
    for d in diagram.decisions:
        order += [n for n in diagram.knows[d] if n not in order and n not in diagram.decisions]
        order.append(d)
    known = len(order)
    spec = s.utilities[chosen]
    rest = [n for n in s.nodes if n in spec.nodes and n not in order]
    cut = math.prod(len(s.nodes[n].states) for n in [*order, *rest]) > MAX_CELLS
    if not cut:
        order += rest
    scale = float(math.prod(len(s.nodes[d].states) for d in diagram.decisions))
    p, mass = weigh(s.solver, order, spec.tables(), scale=scale)
    kinds: tuple[Kind, ...] = tuple("decision" if n in diagram.decisions else "chance"
                                    for n in order)
    arrays = _Arrays(tuple(order), kinds, p[0], mass, known, not cut)
    return _grow("reader", diagram.decisions[0], (chosen,), arrays, s, solved, cut)


def predicted_tree(s: Scenario, decision: str) -> DecisionTree:
    """The tree of a predicted decision: its options with their predicted probabilities, the
    outcomes each leads to under do(option) (the `OUTCOME_LEVELS` that move the actors' worth
    most), every actor's expected utility throughout."""
    actors = tuple(s.utilities)
    prior = s.query(decision)
    weighed = Weighed(s, decision, [o for o in s.outcomes if o != decision])
    outcomes = telling_outcomes(s, decision, prior, weighed)
    ps, masses = [], []
    for option in s.nodes[decision].states:
        per_actor = []
        p = np.ones(1)
        for a in actors:
            p, mass = weighed(outcomes, a, option)
            per_actor.append(prior[option] * mass[0])
        ps.append(prior[option] * p[0])
        masses.append(per_actor)
    mass = np.stack([np.stack([m[a] for m in masses]) for a in range(len(actors))])
    cared = {n for a in actors for n in s.utilities[a].nodes}
    chance: Kind = "chance"
    kinds = (chance,) * (1 + len(outcomes))
    arrays = _Arrays((decision, *outcomes), kinds, np.stack(ps), mass, 1,
                     cared <= {decision, *outcomes})
    return _grow("predicted", decision, actors, arrays, s, None, False)


class Weighed:
    """(P(axes | do(option)), the sum of P(x | do(option)) U(x) over the rest) for a predicted
    decision's options, each actor's utility U, and axes among `nodes` (each (1, *cards of
    axes), as `influence.weigh` gives them): from one joint per option over `nodes` and every
    node the worths depend on, when it has at most MAX_GROUP_CELLS cells; else a joint per
    utility table (`weigh`)."""

    def __init__(self, s: Scenario, decision: str, nodes: Sequence[str]):
        from .marginals import MAX_GROUP_CELLS

        self.s = s
        self.decision = decision
        self.tables = {a: u.tables() for a, u in s.utilities.items()}
        spanned = list(dict.fromkeys([*nodes, *(n for u in s.utilities.values()
                                                for n in u.nodes)]))
        self.nodes = spanned
        self.joints: dict[str, FloatArray] = {}
        self.worths: dict[str, FloatArray] = {}
        cards = tuple(len(s.nodes[n].states) for n in spanned)
        if math.prod(cards) > MAX_GROUP_CELLS:
            return
        states = s.net.states
        for a, tables in self.tables.items():
            total = np.zeros((1, *cards))
            for scope, table in tables:
                total = total + aligned(table, scope, tuple(spanned), states)
            self.worths[a] = total[0]
        with s.located():
            self.joints = {option: s.compiled.joint(spanned, do={decision: option})
                           for option in s.nodes[decision].states}

    def __call__(self, axes: Sequence[str], actor: str,
                 option: str) -> tuple[FloatArray, FloatArray]:
        if not self.joints:
            return weigh(self.s.compiled, axes, self.tables[actor], do={self.decision: option})
        joint = self.joints[option]
        every = list(range(joint.ndim))
        kept = [self.nodes.index(a) for a in axes]
        both: list[Any] = [joint, every, self.worths[actor], every, kept]
        p = np.asarray(np.einsum(*both[:2], kept), dtype=np.float64)
        mass = np.asarray(np.einsum(*both), dtype=np.float64)
        return p[None], mass[None]


def telling_outcomes(s: Scenario, decision: str, prior: Mapping[str, float],
                     weighed: Weighed | None = None) -> list[str]:
    """The outcomes whose states move the actors' expected utilities most, at most
    `OUTCOME_LEVELS`, in file order: by the mean absolute change knowing the outcome makes to
    each actor's expected utility under each option, in units of that actor's largest worth."""
    actors = tuple(s.utilities)
    if weighed is None:
        weighed = Weighed(s, decision, [o for o in s.outcomes if o != decision])
    units = {a: max((abs(p.point) for p in s.utilities[a].params), default=1.0) or 1.0
             for a in actors}
    scores: dict[str, float] = {}
    for outcome in (o for o in s.outcomes if o != decision):
        score = 0.0
        for a in actors:
            for option in s.nodes[decision].states:
                p, mass = weighed([outcome], a, option)
                mean = float(mass[0].sum())
                with np.errstate(divide="ignore", invalid="ignore"):
                    given = np.where(p[0] > 0, mass[0] / np.where(p[0] > 0, p[0], 1.0), mean)
                score += prior[option] * float((p[0] * np.abs(given - mean)).sum()) / units[a]
        scores[outcome] = score
    top = sorted(scores, key=lambda o: -scores[o])[:OUTCOME_LEVELS]
    return [o for o in s.outcomes if o in top]


def _grow(kind: TreeKind, decision: str, actors: tuple[str, ...], arrays: _Arrays,
          s: Scenario, solved: Solution | None, cut: bool) -> DecisionTree:
    """The tree from its arrays: the root, then the likeliest subtrees first."""
    order, n = arrays.order, len(arrays.order)
    # P and mass of every prefix: later axes summed, or (decisions) taken at their best.
    prob = [arrays.p]
    value = [arrays.mass]
    for i in range(n - 1, -1, -1):
        if arrays.kinds[i] == "decision":
            prob.insert(0, prob[0][(slice(None),) * i + (0,)])
            value.insert(0, value[0].max(axis=i + 1))
        else:
            prob.insert(0, prob[0].sum(axis=i))
            value.insert(0, value[0].sum(axis=i + 1))
    scale = max(1.0, float(np.abs(arrays.mass).max(initial=0.0)))
    counts = {"lumped": 0, "folded": 0}

    def worth(prefix: tuple[int, ...]) -> tuple[float, ...]:
        p = float(prob[len(prefix)][prefix])
        if p <= 0:
            return tuple(0.0 for _ in actors)
        return tuple(float(v) / p for v in value[len(prefix)][_every_actor(prefix)])

    def settled(prefix: tuple[int, ...]) -> bool:
        """Whether the worth is the same on every possible completion of `prefix`."""
        if len(prefix) < arrays.known or not arrays.complete:
            return False
        p = arrays.p[prefix]
        per = arrays.mass[_every_actor(prefix)] / np.where(p > 0, p, 1.0)
        seen = per[:, p > 0] if np.ndim(p) else per[:, None]
        return bool((seen.max(axis=1) - seen.min(axis=1) <= SAME * scale).all())

    def make(prefix: tuple[int, ...], reach: float) -> TreeNode:
        """The node at `prefix`, skipping chance nodes with one possible branch."""
        while True:
            depth = len(prefix)
            if depth == n or settled(prefix):
                return TreeNode("end", None, worth(prefix), reach, prefix,
                                certain=arrays.complete)
            if arrays.kinds[depth] == "chance":
                possible = np.flatnonzero(prob[depth + 1][prefix] > 0)
                if len(possible) == 1:
                    prefix = (*prefix, int(possible[0]))
                    continue
            return TreeNode(arrays.kinds[depth], order[depth], worth(prefix), reach, prefix,
                            folded=True)

    def width(node: TreeNode) -> int:
        depth = len(node.prefix)
        if node.kind == "decision":
            return len(s.nodes[order[depth]].states)
        possible = int((prob[depth + 1][node.prefix] > 0).sum())
        return min(possible, MAX_BRANCHES)

    def expand(node: TreeNode) -> list[TreeNode]:
        """Give a folded node its branches; return the children."""
        prefix, depth = node.prefix, len(node.prefix)
        states = s.nodes[order[depth]].states
        node.folded = False
        if node.kind == "decision":
            best = _best(solved, order, prefix)
            for i, option in enumerate(states):
                child = make((*prefix, i), node.reach if i == best else 0.0)
                node.branches.append(Branch(option, option, None,
                                            actors if i == best else (), child))
            return [b.child for b in node.branches]
        p_here = float(prob[depth][prefix])
        chances = prob[depth + 1][prefix] / p_here
        ranked = sorted((int(i) for i in np.flatnonzero(chances > 0)), key=lambda i: -chances[i])
        shown = ranked if len(ranked) <= MAX_BRANCHES else ranked[:MAX_BRANCHES - 1]
        for i in sorted(shown):
            child = make((*prefix, i), node.reach * float(chances[i]))
            node.branches.append(Branch(states[i], states[i], float(chances[i]), (), child))
        rest = ranked[len(shown):]
        if rest:
            counts["lumped"] += len(rest)
            share = float(sum(chances[i] for i in rest))
            lumped = tuple(sum(float(value[depth + 1][(a, *prefix, i)]) for i in rest)
                           / (share * p_here) for a in range(len(actors)))
            end = TreeNode("end", None, lumped, node.reach * share, prefix, lumped=len(rest))
            node.branches.append(Branch("", f"{len(rest)} other states", share, (), end))
        return [b.child for b in node.branches]

    root = make((), 1.0)
    ends = 1
    queue: list[tuple[float, int, TreeNode]] = [(-1.0, 0, root)] if root.folded else []
    tick = 0
    while queue:
        _, _, node = heapq.heappop(queue)
        if node is not root and ends + width(node) - 1 > MAX_ENDS:
            counts["folded"] += 1
            continue
        children = expand(node)
        ends += len(children) - 1
        for child in children:
            if child.folded:
                tick += 1
                weight = child.reach if child.reach > 0 else OFF_POLICY * node.reach
                heapq.heappush(queue, (-weight, tick, child))
    if kind == "predicted":
        root.kind = "decision"  # drawn as a decision; its branches carry the predicted chances
        for a, actor in enumerate(actors):
            best = max(root.branches, key=lambda b: b.child.values[a])
            best.best = (*best.best, actor)
    return DecisionTree(kind, decision, actors, order, root, counts["lumped"], counts["folded"],
                        cut)


def _every_actor(prefix: tuple[int, ...]) -> tuple[slice | int, ...]:
    """The index of `prefix` in an array with the actors' axis first."""
    return (slice(None), *prefix)


def _best(solved: Solution | None, order: Sequence[str], prefix: tuple[int, ...]) -> int:
    """The policy's option at `prefix`: the solver's, which queries answer under."""
    assert solved is not None
    depth = len(prefix)
    stage = solved.stage(order[depth])
    at = [0] * len(solved.axes)
    for i, node in enumerate(order[:depth]):
        if node in solved.axes:
            at[solved.axes.index(node)] = prefix[i]
    return int(stage.choice[(0, *at)])
