"""Many nodes' distributions from few queries: each `Scenario.joint` over a small group of
nodes is one exact contraction (and one plan to compile), where a `Scenario.query` per node
would be one each. The briefing asks for every outcome under every what-if and every tree
path, so this is most of its inference.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..network.net import Assignment
from ..scenario import Scenario

# A group's joint has at most this many cells; past a few hundred, the joint costs more than
# the separate queries it replaces.
MAX_GROUP_CELLS = 256


def marginals(s: Scenario, nodes: Sequence[str], given: Assignment | None = None,
              do: Assignment | None = None) -> dict[str, dict[str, float]]:
    """{node: {state: P(state | given, do(do))}} for each of `nodes`."""
    out: dict[str, dict[str, float]] = {}
    for group in _groups(s, nodes):
        joint = s.joint(group, given, do)
        for axis, node in enumerate(group):
            dist = dict.fromkeys(s.nodes[node].states, 0.0)
            for states, p in joint.items():
                dist[states[axis]] += p
            out[node] = dist
    return out


def _groups(s: Scenario, nodes: Sequence[str]) -> list[list[str]]:
    groups: list[list[str]] = []
    cells = MAX_GROUP_CELLS + 1
    for node in nodes:
        card = len(s.nodes[node].states)
        if cells * card > MAX_GROUP_CELLS:
            groups.append([])
            cells = 1
        groups[-1].append(node)
        cells *= card
    return groups
