"""A `Net` as pyAgrum's BayesNet, tables copied as float64: the reference of the tests
against pyAgrum and of the benchmarks that race it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyagrum as gum

from model.network.net import Net


def gum_network(net: Net) -> Any:
    """The same network as a pyAgrum BayesNet, with the same names, states and tables."""
    bn = gum.BayesNet()
    for node, states in net.states.items():
        bn.add(gum.LabelizedVariable(node, node, list(states)))
    for node, ps in net.parents.items():
        for p in ps:
            bn.addArc(p, node)
    for node in net.states:
        fill_gum(bn, net, node, net.tables[node])
    return bn


def fill_gum(bn: Any, net: Net, node: str, table: np.ndarray) -> None:
    """Write `table` (card, *parent_cards, in `net`'s parent order) into the node's CPT."""
    cpt = bn.cpt(node)
    ours = [node, *net.parents[node]]
    # pyAgrum lays a table out with its variables in reverse order of cpt.names
    axes = [ours.index(v) for v in reversed(cpt.names)]
    cpt.fillWith(np.transpose(table, axes).ravel().tolist())
