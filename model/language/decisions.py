"""The two kinds of decision, checked, and what each of the reader's own decisions knows.

A `role: decision` node with probabilities (a prior or a table) is another actor's choice,
which the analyst predicts: it is a chance node like any other. A decision node without
probabilities is the reader's own: its parents are what is known when it is taken
(information arcs), and its policy is solved, for the actor named by its `actor` or for the
one actor with utilities. The reader's decisions are taken in sequence, each after the one
before it along the links; each knows the earlier ones and everything they knew (no
forgetting).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..errors import did_you_mean
from ..limits import MAX_TABLE_CELLS
from .findings import Findings
from .loader import Loc
from .schema import Node, ScenarioFile
from .utilities import UtilitySpec

NUMBERS = ("prior", "estimates", "table", "noisy_or", "rows")


def reader_decision(node: Node) -> bool:
    """A decision node without probabilities: the reader's own, solved rather than predicted."""
    return node.role == "decision" and all(getattr(node, k) is None for k in NUMBERS)


@dataclass(frozen=True)
class DecisionPlan:
    """The reader's decisions in the order taken, what each knows, and whose they are."""

    order: tuple[str, ...] = ()
    knows: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    actor: str | None = None  # None when there are no reader's decisions


def descendants(parents: Mapping[str, Sequence[str]], node: str) -> set[str]:
    """Every node reached from `node` along the links (not `node` itself)."""
    children: dict[str, list[str]] = {}
    for child, ps in parents.items():
        for p in ps:
            children.setdefault(p, []).append(child)
    seen: set[str] = set()
    stack = [node]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


def plan_decisions(findings: Findings, scenario: ScenarioFile, order: Sequence[str],
                   utilities: Mapping[str, UtilitySpec]) -> DecisionPlan:
    """Check both kinds of decision and plan the reader's; problems go to `findings`."""
    nodes = scenario.nodes
    actors = list(scenario.utilities)
    for name, node in nodes.items():
        if node.actor is None:
            continue
        loc: Loc = ("nodes", name, "actor")
        if node.role != "decision":
            findings.fail(loc, f"'actor' is for decision nodes; this one has role: {node.role}",
                          name, "drop 'actor', or make it role: decision")
        elif node.actor not in actors:
            findings.fail(loc, f"actor '{node.actor}' has no utilities", name,
                          did_you_mean(node.actor, actors) if actors else
                          "give the actor's utilities under 'utilities'")
    mine = [n for n in order if reader_decision(nodes[n])]
    if not mine:
        return DecisionPlan()
    actor = _owner(findings, scenario, mine, actors)
    parents = {n: [p for p in node.parents if p in nodes] for n, node in nodes.items()}
    after = {d: descendants(parents, d) for d in mine}
    for earlier, later in itertools.pairwise(mine):
        if later not in after[earlier]:
            findings.fail(("nodes", later), f"'{earlier}' and '{later}' are both the reader's "
                          "decisions, but neither comes after the other", later,
                          f"if '{later}' is decided after '{earlier}', add '{earlier}' to the "
                          f"parents of '{later}'")
    rank = {n: i for i, n in enumerate(order)}
    knows: dict[str, tuple[str, ...]] = {}
    known: set[str] = set()
    for i, d in enumerate(mine):
        known |= set(parents[d]) | set(mine[:i])
        knows[d] = tuple(sorted(known, key=rank.__getitem__))
        cells = len(nodes[d].states) * math.prod(len(nodes[n].states) for n in knows[d])
        if cells > MAX_TABLE_CELLS and cells > len(nodes[d].states) * math.prod(
                len(nodes[p].states) for p in parents[d]):  # the parents' own is refused already
            findings.fail(("nodes", d, "parents"), f"its policy would have {cells:,} cells, over "
                          f"the limit of {MAX_TABLE_CELLS:,}: a decision knows its parents, the "
                          f"earlier decisions and all they knew ({', '.join(knows[d])})", d,
                          "let the earlier decisions know fewer nodes, or predict some of the "
                          "decisions with a prior")
    if actor is not None and actor in utilities:
        cared = set(utilities[actor].nodes)
        for d in mine:
            if not cared & (after[d] | {d}):
                findings.warn(("nodes", d), f"every option of '{d}' is worth the same to "
                              f"'{actor}': none of its utilities depends on it", d,
                              "give utilities to what the decision leads to")
    return DecisionPlan(tuple(mine), knows, actor)


def _owner(findings: Findings, scenario: ScenarioFile, mine: Sequence[str],
           actors: Sequence[str]) -> str | None:
    """Whose the reader's decisions are: their `actor`, else the one actor with utilities."""
    nodes = scenario.nodes
    named = {d: nodes[d].actor for d in mine if nodes[d].actor is not None}
    owners = list(dict.fromkeys(named.values()))
    if len(owners) > 1:
        second = next(d for d in mine if named.get(d) == owners[1])
        findings.fail(("nodes", second, "actor"), f"the reader's decisions are taken by one "
                      f"actor, but '{second}' names '{owners[1]}' and others '{owners[0]}'",
                      second, "give another actor's choice probabilities (a prior or a "
                              "table) to predict it instead")
        return None
    if owners:
        return owners[0]
    first = mine[0]
    if not actors:
        findings.fail(("nodes", first), f"'{first}' has no probabilities, so it is the reader's "
                      "own decision, but no actor has utilities to choose by", first,
                      "add 'utilities' for the actor who decides, or give the node a prior "
                      "to predict another actor's choice")
        return None
    if len(actors) > 1:
        findings.fail(("nodes", first), f"'{first}' has no probabilities, so it is the reader's "
                      f"own decision; say whose it is: several actors have utilities", first,
                      f"add actor: {actors[0]} (or one of {', '.join(actors[1:])})")
        return None
    return actors[0]
