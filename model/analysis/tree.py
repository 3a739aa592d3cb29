"""The scenario tree: the most probable joint paths through the drivers, and where each leads.

The drivers' joint distribution is queried once; branch probabilities are ratios of its
prefix sums. Each shown path's outcomes are queried given the path; the paths not shown are
lumped into one "other" leaf whose outcome probabilities follow exactly from the total:
P(o | other) = (P(o) - sum over shown paths of P(path) P(o | path)) / P(other).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..scenario import Scenario
from .marginals import marginals

MAX_PATHS = 6
# Past four levels a drawn tree is too small to read, and its joint is enumerated cell by
# cell: the tree follows the first drivers in file order within both limits, and says so.
MAX_DEPTH = 4
MAX_JOINT_CELLS = 4096


@dataclass(frozen=True)
class TreePath:
    """One leaf: a joint state of the drivers (empty for the "other" leaf)."""

    states: tuple[str, ...]
    probability: float
    outcomes: Mapping[str, Mapping[str, float]]  # outcome -> state -> P(state | path)
    rank: int  # 1 = most probable; 0 for the "other" leaf


@dataclass(frozen=True)
class ScenarioTree:
    drivers: tuple[str, ...]
    paths: tuple[TreePath, ...]  # most probable first
    other: TreePath | None  # the paths not shown, lumped; None when every path is shown
    other_count: int
    prefix_probability: Mapping[tuple[str, ...], float]  # for each prefix of a shown path
    skipped_drivers: tuple[str, ...]  # left out to keep the joint small

    @property
    def leaves(self) -> tuple[TreePath, ...]:
        """The shown paths, then the "other" leaf if there is one."""
        return (*self.paths, *((self.other,) if self.other is not None else ()))

    def branch_probability(self, prefix: tuple[str, ...]) -> float:
        """P(last state of `prefix` | the states before it)."""
        parent = self.prefix_probability[prefix[:-1]]
        return self.prefix_probability[prefix] / parent if parent > 0 else 0.0


def scenario_tree(s: Scenario, baseline: Mapping[str, Mapping[str, float]],
                  max_paths: int = MAX_PATHS) -> ScenarioTree | None:
    """The tree for `s`; `baseline` holds each outcome's unconditional distribution.

    None when the scenario has nothing to branch on.
    """
    drivers, skipped = _within_limit(s, s.drivers)
    if not drivers:
        return None
    joint = s.joint(drivers)
    ranked = sorted((item for item in joint.items() if item[1] > 0),
                    key=lambda item: -item[1])
    # Lumping a single path into "other" would hide it for nothing.
    shown = ranked if len(ranked) <= max_paths + 1 else ranked[:max_paths]
    paths = tuple(TreePath(states, p,
                           marginals(s, s.outcomes, dict(zip(drivers, states, strict=True))),
                           rank)
                  for rank, (states, p) in enumerate(shown, start=1))
    rest = ranked[len(shown):]
    other = _other_leaf(s, baseline, paths, sum(p for _, p in rest)) if rest else None
    prefixes: dict[tuple[str, ...], float] = {}
    for path in paths:
        for depth in range(len(drivers) + 1):
            prefixes.setdefault(path.states[:depth], 0.0)
    for states, p in joint.items():
        for depth in range(len(drivers) + 1):
            if states[:depth] in prefixes:
                prefixes[states[:depth]] += p
    return ScenarioTree(tuple(drivers), paths, other, len(rest), prefixes, tuple(skipped))


def _within_limit(s: Scenario, drivers: Sequence[str]) -> tuple[list[str], list[str]]:
    kept: list[str] = []
    for i, d in enumerate(drivers):
        cells = math.prod(len(s.nodes[k].states) for k in [*kept, d])
        if len(kept) == MAX_DEPTH or cells > MAX_JOINT_CELLS:
            return kept, list(drivers[i:])
        kept.append(d)
    return kept, []


def _other_leaf(s: Scenario, baseline: Mapping[str, Mapping[str, float]],
                paths: Sequence[TreePath],
                probability: float) -> TreePath:
    outcomes: dict[str, dict[str, float]] = {}
    for o in s.outcomes:
        outcomes[o] = {}
        for state, total in baseline[o].items():
            shown = sum(path.probability * path.outcomes[o][state] for path in paths)
            outcomes[o][state] = min(1.0, max(0.0, (total - shown) / probability))
    return TreePath((), probability, outcomes, 0)
