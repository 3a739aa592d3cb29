"""Many nodes' distributions from few queries: each joint over a small group of nodes is one
exact contraction (and one plan to compile), where a query per node would be one each. The
briefing asks for every outcome under every what-if and every tree path, and the analyses
for every outcome under thousands of draws, so this is most of their inference.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from ..errors import LimitError
from ..language.events import Event, event_mask, event_nodes
from ..language.tables import FloatArray
from ..network.net import Assignment, Likelihood
from ..scenario import Scenario

# A group's joint has at most this many cells; past a few hundred, the joint costs more than
# the separate queries it replaces.
MAX_GROUP_CELLS = 256
# Past this many groups, one pass forwards and backwards over the whole network gives every
# node's distribution at once (`CompiledNet.marginals`), where a joint per group would
# eliminate the network once per group.
MAX_GROUPS = 8


def marginals(s: Scenario, nodes: Sequence[str], given: Assignment | None = None,
              do: Assignment | None = None,
              likelihood: Likelihood | None = None) -> dict[str, dict[str, float]]:
    """{node: {state: P(state | given, report, do(do))}} for each of `nodes`."""
    out: dict[str, dict[str, float]] = {}
    runs = groups(nodes, lambda n: len(s.nodes[n].states))
    if len(runs) > MAX_GROUPS and s.engine_name == "compiled":
        try:
            with s.located():
                every = s.compiled.marginals(given, do, likelihood=likelihood)
            return {n: dict(zip(s.nodes[n].states, every[n].tolist(), strict=True))
                    for n in nodes}
        except LimitError:  # one pass over the whole network is too large: joints it is
            pass
    for group in runs:
        try:
            joint = s.joint(group, given, do, likelihood)
        except LimitError:  # a small joint whose contraction is large: one node at a time
            if len(group) == 1:
                raise
            out.update(marginals(s, group[:1], given, do, likelihood))
            out.update(marginals(s, group[1:], given, do, likelihood))
            continue
        for axis, node in enumerate(group):
            dist = dict.fromkeys(s.nodes[node].states, 0.0)
            for states, p in joint.items():
                dist[states[axis]] += p
            out[node] = dist
    return out


def groups(nodes: Sequence[str], card: Callable[[str], int],
           limit: int = MAX_GROUP_CELLS) -> list[list[str]]:
    """`nodes` cut, in order, into runs whose joints have at most `limit` cells (a node
    larger than `limit` alone forms a run)."""
    out: list[list[str]] = []
    cells = limit + 1
    for node in nodes:
        if cells * card(node) > limit:
            out.append([])
            cells = 1
        out[-1].append(node)
        cells *= card(node)
    return out


def event_probabilities(s: Scenario, events: Sequence[str | Event],
                        given: Assignment | None = None,
                        do: Assignment | None = None) -> list[float]:
    """P(each event | given, do(do)), exact (as `Scenario.probability` gives each): from
    one joint of all their nodes when it has at most MAX_GROUP_CELLS cells, a sum over it
    per event; otherwise one joint per event."""
    found = [s.event(e) for e in events]
    nodes = list(dict.fromkeys(n for e in found for n in event_nodes(e)))
    if not found or math.prod(len(s.nodes[n].states) for n in nodes) > MAX_GROUP_CELLS:
        return [s.probability(e, given, do) for e in found]
    with s.located():
        joint = s.engine.joint(nodes, given, do)
    return [min(max(float((joint * event_mask(e, s.net.states, nodes)).sum()), 0.0), 1.0)
            for e in found]


def events_given_each(s: Scenario, events: Sequence[str | Event],
                      node: str) -> FloatArray | None:
    """(events, node's states): P(event | node = state) for each, from one joint of the
    events' nodes and `node` (NaN where the state cannot happen); None when that joint has
    more than MAX_GROUP_CELLS cells."""
    found = [s.event(e) for e in events]
    nodes = list(dict.fromkeys([*(n for e in found for n in event_nodes(e)), node]))
    if math.prod(len(s.nodes[n].states) for n in nodes) > MAX_GROUP_CELLS:
        return None
    with s.located():
        joint = np.moveaxis(s.engine.joint(nodes), nodes.index(node), -1)
    rest = tuple(range(len(nodes) - 1))
    chance = joint.sum(axis=rest)
    out = np.full((len(found), len(chance)), np.nan)
    possible = chance > 0
    for k, e in enumerate(found):
        mask = np.moveaxis(event_mask(e, s.net.states, nodes), nodes.index(node), -1)
        both = (joint * mask).sum(axis=rest)
        out[k, possible] = np.clip(both[possible] / chance[possible], 0.0, 1.0)
    return out
