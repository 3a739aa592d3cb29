"""Posteriors by enumerating the full joint distribution: the slow, obvious reference."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from opt_einsum import contract

from model.network.net import Net


def full_joint(net: Net) -> np.ndarray:
    """P(all nodes), one axis per node in `net.nodes` order."""
    index = {n: i for i, n in enumerate(net.nodes)}
    operands: list[object] = []
    for node, table in net.tables.items():
        operands += [table, [index[node], *(index[p] for p in net.parents[node])]]
    return np.asarray(contract(*operands, list(range(len(index)))))


def weighed_joint(net: Net, given: Mapping[str, str] | None = None,
                  do: Mapping[str, str] | None = None,
                  likelihood: Mapping[str, Mapping[str, float]] | None = None) -> np.ndarray:
    """P(all nodes, given, report | do(do)): the mutilated network's joint with each
    observation's indicator and each likelihood's weights (states left out weigh 1)."""
    net = net.intervene(do or {})
    joint = full_joint(net)
    nodes = net.nodes
    factors: list[tuple[str, np.ndarray]] = []
    for node, state in (given or {}).items():
        keep = np.zeros(len(net.states[node]))
        keep[net.states[node].index(state)] = 1.0
        factors.append((node, keep))
    for node, weights in (likelihood or {}).items():
        factors.append((node, np.array([weights.get(s, 1.0) for s in net.states[node]])))
    for node, vector in factors:
        shape = [1] * len(nodes)
        shape[nodes.index(node)] = len(vector)
        joint = joint * vector.reshape(shape)
    return joint


def posterior(net: Net, targets: Sequence[str], given: Mapping[str, str] | None = None,
              do: Mapping[str, str] | None = None,
              likelihood: Mapping[str, Mapping[str, float]] | None = None) -> np.ndarray:
    joint = weighed_joint(net, given, do, likelihood)
    nodes = net.nodes
    others = tuple(i for i, n in enumerate(nodes) if n not in targets)
    marginal = joint.sum(axis=others)
    kept = [n for n in nodes if n in targets]
    marginal = np.transpose(marginal, [kept.index(t) for t in targets])
    return np.asarray(marginal / marginal.sum())
