"""Random discrete networks for exactness tests and the query benchmark."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from model.network.net import Net

if TYPE_CHECKING:
    from model.scenario import Scenario


def random_net(nodes: int, seed: int, *, window: int | None = None, max_parents: int = 3,
               max_states: int = 3, zeros: bool = False) -> Net:
    """Each node takes up to `max_parents` parents among the `window` nodes before it (all
    earlier nodes when None) and 2 to `max_states` states; `zeros` puts impossible cells in."""
    rng = np.random.default_rng(seed)
    states: dict[str, tuple[str, ...]] = {}
    parents: dict[str, tuple[str, ...]] = {}
    tables = {}
    for i in range(nodes):
        name = f"v{i}"
        states[name] = tuple(f"s{j}" for j in range(int(rng.integers(2, max_states + 1))))
        earlier = list(states)[max(0, i - window) if window else 0:i]
        k = int(rng.integers(0, min(max_parents, len(earlier)) + 1))
        parents[name] = tuple(str(p) for p in rng.choice(earlier, size=k, replace=False))
        cards = [len(states[p]) for p in parents[name]]
        table = rng.dirichlet(np.ones(len(states[name])), size=int(np.prod(cards))).T
        if zeros:
            table[0] *= rng.random(table.shape[1]) > 0.3
            table /= table.sum(axis=0)
        tables[name] = table.reshape(len(states[name]), *cards)
    return Net(states, parents, tables)


def sampled_tables(scenario: Scenario, rows: int, seed: int
                   ) -> tuple[list[Net], dict[str, np.ndarray]]:
    """`rows` draws of every number uniformly within its written range: each draw's network,
    and every node's batched table (rows first)."""
    rng = np.random.default_rng(seed)
    low = np.array([p.prob.low for p in scenario.params])
    high = np.array([p.prob.high for p in scenario.params])
    values = rng.uniform(low, high, size=(rows, len(low)))
    tables = {n: spec.table(values) for n, spec in scenario.nodes.items()}
    net = scenario.net
    return [Net(net.states, net.parents, {n: t[i] for n, t in tables.items()})
            for i in range(rows)], tables
