"""Influence diagrams solved exactly: the reader's decisions, what each knows, and one
actor's utility as a sum of tables over a few nodes each.

The chance part is a `Net` in which each of the reader's decisions is a root with a uniform
table (information arcs carry no probability), so P(x | do(decisions)) is the net's joint
times the number of decision combinations. With the decisions D_1 ... D_k in the order taken
and I_j what D_j knows (no forgetting: I_j holds D_1 ... D_{j-1} and all they knew), the
policy is found by the sum-max-sum rule over O = I_k + D_k, everything decided or known:

    Q_k(I_k, D_k)              = sum over all else of P(x | do(d)) U(x)
    policy of D_j              = argmax over D_j of Q_j
    Q_{j-1}(I_{j-1}, D_{j-1})  = sum over I_j - I_{j-1} - D_{j-1} of max over D_j of Q_j
    maximum expected utility   = sum over I_1 of max over D_1 of Q_1

Q_k is one contraction per utility term whose nodes are not all in O (the others are read
off P(O) itself). Each option's expected utility given what its decision knows is
Q_j / P(I_j | do(earlier decisions)). Every array has a leading batch axis, so thousands of
sampled tables and utilities are solved at once. Ties go to the first option in declared
order (as pyAgrum breaks them); where what a decision knows is impossible, every option ties
at 0 and the first is kept.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ..errors import LimitError, Problem
from ..language.tables import FloatArray
from ..limits import MEMORY_BUDGET_BYTES
from .net import Net

if TYPE_CHECKING:
    from .compiled import CompiledNet

IntArray = npt.NDArray[np.intp]
# (nodes, table of shape (batch or 1, *their cards)), added up
Utility = Sequence[tuple[tuple[str, ...], FloatArray]]
# Cells of the joint one contraction makes per run (the batch cut into runs of this size).
RUN_CELLS = 1 << 22
# Two options whose expected utilities differ by less than this share of the largest worth
# are tied (sums taken in different orders differ in the last bits).
TIE = 1e-12
# Arrays a solution keeps per cell of O (joint, utility, and per decision Q, P, choice).
ARRAYS_PER_DECISION = 3


@dataclass(frozen=True)
class Diagram:
    """The chance net (decisions as uniform roots), the decisions in order, what each knows."""

    net: Net
    decisions: tuple[str, ...]
    knows: Mapping[str, tuple[str, ...]]
    links: Mapping[str, tuple[str, ...]]  # every node's parents, information arcs included

    @classmethod
    def of(cls, states: Mapping[str, tuple[str, ...]], parents: Mapping[str, tuple[str, ...]],
           tables: Mapping[str, FloatArray], decisions: Sequence[str],
           knows: Mapping[str, Sequence[str]]) -> Diagram:
        """From a network's chance nodes (`tables` of every node but the decisions)."""
        net_parents = {n: () if n in decisions else parents[n] for n in states}
        net_tables = {n: np.full(len(states[n]), 1 / len(states[n])) if n in decisions
                      else tables[n] for n in states}
        order = list(states)
        return cls(Net(states, net_parents, net_tables), tuple(decisions),
                   {d: tuple(sorted(knows[d], key=order.index)) for d in decisions},
                   dict(parents))

    @property
    def axes(self) -> tuple[str, ...]:
        """O: every decision and everything known to one, in the net's order."""
        seen = set(self.decisions).union(*self.knows.values())
        return tuple(n for n in self.net.states if n in seen)

    def chance(self) -> list[str]:
        return [n for n in self.net.states if n not in self.decisions]

    def revealing(self, node: str) -> Diagram | None:
        """The diagram in which `node` is known before the first decision it does not follow
        (and so to every later one); None when it follows every decision."""
        later = self._after(node)
        if later is None:
            return self
        if later == len(self.decisions):
            return None
        knows = {d: tuple(n for n in self.net.states
                          if n in self.knows[d] or (i >= later and n == node))
                 for i, d in enumerate(self.decisions)}
        return Diagram(self.net, self.decisions, knows, self.links)

    def known_already(self, node: str) -> bool:
        """Whether `node` is known to the first decision it does not follow."""
        return self._after(node) is None

    def _after(self, node: str) -> int | None:
        """How many decisions `node` follows, or None when the next one knows it already."""
        below = self._descendants()
        count = sum(1 for d in self.decisions if node in below[d])
        if count < len(self.decisions) and node in self.knows[self.decisions[count]]:
            return None
        return count

    def influenced(self) -> dict[str, str]:
        """Every node a decision can change (itself and its descendants), with the first
        decision that can."""
        out: dict[str, str] = {}
        for d, below in reversed(list(self._descendants().items())):
            out.update({n: d for n in (d, *below)})
        return out

    def _descendants(self) -> dict[str, set[str]]:
        """Each decision's descendants along every link, information arcs included."""
        children: dict[str, list[str]] = {}
        for child, ps in self.links.items():
            for p in ps:
                children.setdefault(p, []).append(child)
        out: dict[str, set[str]] = {}
        for d in self.decisions:
            seen: set[str] = set()
            stack = [d]
            while stack:
                for child in children.get(stack.pop(), ()):
                    if child not in seen:
                        seen.add(child)
                        stack.append(child)
            out[d] = seen
        return out


@dataclass(frozen=True)
class Stage:
    """One decision solved; arrays have a batch axis and one axis per node of O (size 1 for
    nodes the decision does not know, its own axis full where it has options)."""

    decision: str
    knows: tuple[str, ...]
    q: FloatArray  # sum of P(x | do(d)) U(x) over what it does not know, optimal afterwards
    p: FloatArray  # P(what it knows | do(the decisions among it))
    choice: IntArray  # the best option's index, the decision's own axis of size 1
    reach: FloatArray  # P(reaching what it knows, the earlier decisions taken optimally)

    def expected(self) -> FloatArray:
        """Each option's expected utility given what the decision knows (nan where that
        cannot happen)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.p > 0, self.q / np.where(self.p > 0, self.p, 1.0), np.nan)


@dataclass(frozen=True)
class Solution:
    """The policies of one diagram for one utility, per row of the batch."""

    axes: tuple[str, ...]
    cards: tuple[int, ...]
    stages: tuple[Stage, ...]
    meu: FloatArray  # (batch,)
    joint: FloatArray  # (batch, *O): P(O | do(decisions in O))
    worth: FloatArray  # (batch, *O): sum over all else of P(x | do(d)) U(x)

    @property
    def batch(self) -> int:
        return int(self.meu.shape[0])

    def stage(self, decision: str) -> Stage:
        return next(s for s in self.stages if s.decision == decision)

    def policy_table(self, decision: str, row: int = 0) -> FloatArray:
        """The policy of `decision` as a table (card, *cards of what it knows) of 0s and 1s,
        for row `row` of the batch."""
        return np.asarray(self.policy_tables(decision, slice(row, row + 1))[0],
                          dtype=np.float64)

    def policy_tables(self, decision: str, rows: slice = slice(None)) -> FloatArray:
        """The policy of `decision` in each row of the batch (`rows` of it): a batched table
        (batch, card, *cards of what it knows) of 0s and 1s, as a network holds it."""
        stage = self.stage(decision)
        axis = self.axes.index(decision)
        card = self.cards[axis]
        choice = stage.choice[rows]
        keep = [i for i, n in enumerate(self.axes) if n in stage.knows]
        choice = choice.reshape([choice.shape[0],
                                 *(c for i, c in enumerate(choice.shape[1:]) if i in keep)])
        options = np.arange(card).reshape((1, card) + (1,) * (choice.ndim - 1))
        return np.asarray(options == choice[:, None], dtype=np.float64)


def solve(engine: CompiledNet, diagram: Diagram, utility: Utility,
          tables: Mapping[str, FloatArray] | None = None) -> Solution:
    """The optimal policies, each option's expected utility and the maximum expected utility,
    under `tables` (batched chance tables, (batch, card, *parent_cards)) and `utility` (tables
    with a batch of 1 or the same batch)."""
    axes = diagram.axes
    states = diagram.net.states
    cards = tuple(len(states[n]) for n in axes)
    batch = _batch(tables, utility)
    kept = solve_bytes(diagram, batch)
    if kept > MEMORY_BUDGET_BYTES:
        most = most_rows(diagram)
        raise LimitError(Problem(
            f"solving the decisions for {batch:,} draws needs {kept / 1e6:,.0f} MB "
            f"(the budget is {MEMORY_BUDGET_BYTES / 1e6:,.0f} MB): what the decisions know "
            f"has {math.prod(cards):,} combinations",
            hint=(f"use at most {most:,} samples (--samples {most}), or let the decisions "
                  "know fewer nodes") if most else "let the decisions know fewer nodes"))
    scale = float(math.prod(len(states[d]) for d in diagram.decisions))
    joint, worth = weigh(engine, axes, utility, tables, scale)
    return _backward(diagram, axes, cards, joint, worth)


def solve_bytes(diagram: Diagram, batch: int = 1) -> int:
    """What `solve` keeps for a batch of `batch` rows: per cell of O, the joint and the
    worth, and per decision its Q, P and choice (ARRAYS_PER_DECISION)."""
    size = math.prod(len(diagram.net.states[n]) for n in diagram.axes)
    return batch * size * 8 * (2 + ARRAYS_PER_DECISION * len(diagram.decisions))


def most_rows(diagram: Diagram, budget: int | None = None) -> int:
    """The most rows of a batch (draws, variants) `solve` takes within the memory budget
    (`budget`, of it, when given); 0 when not even one fits."""
    return int((MEMORY_BUDGET_BYTES if budget is None else budget)
               // max(1, solve_bytes(diagram, 1)))


def weigh(engine: CompiledNet, axes: Sequence[str], utility: Utility,
          tables: Mapping[str, FloatArray] | None = None, scale: float = 1.0,
          do: Mapping[str, str] | None = None) -> tuple[FloatArray, FloatArray]:
    """(P(axes | do(do)), the sum over every other node of P(x | do(do)) U(x)), each
    (batch, *cards of axes), from the engine's joints times `scale` (the decision
    combinations, where the decisions are uniform roots)."""
    states = engine.net.states
    cards = tuple(len(states[n]) for n in axes)
    batch = _batch(tables, utility)
    joint = scale * _joint(engine, list(axes), tables, batch, do)
    worth = np.zeros((batch, *cards))
    for scope, table in utility:
        if set(scope) <= set(axes):
            worth = worth + joint * aligned(table, scope, tuple(axes), states)
            continue
        targets = [*axes, *(n for n in scope if n not in axes)]
        extra = tuple(range(1 + len(axes), 1 + len(targets)))
        per_row = math.prod(len(states[n]) for n in targets)
        run = max(1, RUN_CELLS // per_row)
        parts = []
        for start in range(0, batch, run):
            stop = min(batch, start + run)
            part = _joint(engine, targets, _rows(tables, start, stop), stop - start, do)
            rows = table if table.shape[0] == 1 else table[start:stop]
            parts.append((part * aligned(rows, scope, tuple(targets), states)).sum(axis=extra))
        worth = worth + scale * np.concatenate(parts)
    return joint, worth


def _backward(diagram: Diagram, axes: tuple[str, ...], cards: tuple[int, ...],
              joint: FloatArray, worth: FloatArray) -> Solution:
    position = {n: 1 + i for i, n in enumerate(axes)}
    batch = joint.shape[0]
    value = worth
    solved: list[tuple[str, FloatArray, IntArray]] = []
    for j in range(len(diagram.decisions) - 1, -1, -1):
        d = diagram.decisions[j]
        axis = position[d]
        q = value
        top = q.max(axis=axis, keepdims=True)
        tolerance = TIE * max(1.0, float(np.abs(worth).max(initial=0.0)))
        choice = np.argmax(q >= top - tolerance, axis=axis, keepdims=True)
        solved.append((d, q, choice))
        earlier = set(diagram.knows[diagram.decisions[j - 1]]) | {diagram.decisions[j - 1]} \
            if j > 0 else set()
        gone = tuple(position[n] for n in diagram.knows[d] if n not in earlier)
        value = top.sum(axis=gone, keepdims=True) if gone else top
    meu = value.reshape(batch)
    stages: list[Stage] = []
    taken = np.ones((batch,) + (1,) * len(axes))
    for d, q, choice in reversed(solved):
        known = set(diagram.knows[d])
        p = joint
        summed = tuple(position[n] for n in axes if n not in known and n not in diagram.decisions)
        if summed:
            p = p.sum(axis=summed, keepdims=True)
        undecided = [position[n] for n in axes if n in diagram.decisions and n not in known]
        p = p[tuple(slice(0, 1) if i in undecided else slice(None) for i in range(p.ndim))]
        stages.append(Stage(d, diagram.knows[d], q, p, choice, p * taken))
        axis = position[d]
        shape = [1] * (1 + len(axes))
        shape[axis] = cards[axis - 1]
        taken = taken * (np.arange(cards[axis - 1]).reshape(shape) == choice)
    return Solution(axes, cards, tuple(stages), meu, joint, worth)


def _batch(tables: Mapping[str, FloatArray] | None, utility: Utility) -> int:
    sizes = {t.shape[0] for t in (tables or {}).values()}
    sizes |= {t.shape[0] for _, t in utility if t.shape[0] != 1}
    if len(sizes) > 1:
        raise ValueError(f"batched tables and utilities disagree on the batch: {sorted(sizes)}")
    return sizes.pop() if sizes else 1


def _rows(tables: Mapping[str, FloatArray] | None, start: int,
          stop: int) -> dict[str, FloatArray] | None:
    return {n: t[start:stop] for n, t in tables.items()} if tables else None


def _joint(engine: CompiledNet, targets: Sequence[str],
           tables: Mapping[str, FloatArray] | None, batch: int,
           do: Mapping[str, str] | None = None) -> FloatArray:
    """(batch, *cards of targets): the joint under each row's tables."""
    if tables:
        return np.asarray(engine.joint(targets, do=do, tables=tables))
    point = engine.joint(targets, do=do)
    return np.asarray(np.broadcast_to(point, (batch, *point.shape)), dtype=np.float64)


def aligned(table: FloatArray, scope: Sequence[str], targets: Sequence[str],
             states: Mapping[str, tuple[str, ...]]) -> FloatArray:
    """A utility table (batch, *cards of scope) laid along `targets`' axes (size 1 elsewhere)."""
    order = sorted(range(len(scope)), key=lambda i: targets.index(scope[i]))
    moved = np.transpose(table, (0, *(1 + i for i in order)))
    placed = {scope[i] for i in order}
    shape = [moved.shape[0]] + [len(states[n]) if n in placed else 1 for n in targets]
    return moved.reshape(shape)
