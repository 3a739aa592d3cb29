"""The pgmpy engine: checked tables to a pgmpy DiscreteBayesianNetwork, and exact
posteriors, joints and explanations by its VariableElimination.

pgmpy is imported here and only here, lazily: importing its model classes costs about two
seconds (it pulls in scikit-learn), which `scenario validate` must not pay. Observations
(`given`) are evidence in the network; interventions (`do`) query the mutilated network of
`Net.intervene`. pgmpy's factors are read by state name, never by position.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import LimitError, Problem
from ..language.graph import topological_order
from ..language.tables import FloatArray
from ..limits import MAX_QUERY_CELLS
from .net import Assignment, Net, impossible


def pgmpy_classes() -> tuple[Any, Any, Any]:
    """(DiscreteBayesianNetwork, TabularCPD, VariableElimination), quietly imported."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        from pgmpy import config
        from pgmpy.factors.discrete import TabularCPD
        from pgmpy.inference import VariableElimination
        from pgmpy.models import DiscreteBayesianNetwork
    config.set_show_progress(False)
    return DiscreteBayesianNetwork, TabularCPD, VariableElimination


def build_network(states: Mapping[str, Sequence[str]], parents: Mapping[str, Sequence[str]],
                  tables: Mapping[str, FloatArray]) -> Any:
    """A checked pgmpy network; `tables[n]` has shape (card, *parent_cards)."""
    network_cls, cpd_cls, _ = pgmpy_classes()
    network = network_cls()
    network.add_nodes_from(states)
    network.add_edges_from((p, n) for n in states for p in parents[n])
    cpds = []
    for name, table in tables.items():
        ps = list(parents[name])
        card = len(states[name])
        cpds.append(cpd_cls(
            name, card, np.asarray(table, dtype=float).reshape(card, -1),
            evidence=ps or None, evidence_card=[len(states[p]) for p in ps] or None,
            state_names={name: list(states[name]), **{p: list(states[p]) for p in ps}},
        ))
    network.add_cpds(*cpds)
    network.check_model()
    return network


class PgmpyEngine:
    """Exact inference by pgmpy's VariableElimination, one network per intervention."""

    def __init__(self, net: Net):
        self.net = net
        self._by_do: dict[frozenset[tuple[str, str]], tuple[Any, Any]] = {}

    def network(self, do: Assignment | None = None) -> Any:
        return self._model(do or {})[0]

    def _model(self, do: Assignment) -> tuple[Any, Any]:
        key = frozenset(do.items())
        if key not in self._by_do:
            net = self.net.intervene(do)
            network = build_network(net.states, net.parents, net.tables)
            self._by_do[key] = (network, pgmpy_classes()[2](network))
        return self._by_do[key]

    def joint(self, targets: Sequence[str], given: Assignment | None = None,
              do: Assignment | None = None) -> FloatArray:
        """P(targets | given, do(do)) with axes in `targets` order, states in declared order."""
        targets = self.net.check_targets(targets)
        given, do = self.net.question(given, do)
        fixed = {**given, **do}
        free = [t for t in targets if t not in fixed]
        out_shape = tuple(len(self.net.states[t]) for t in targets)
        if self.evidence_probability(given, do) <= 0:
            raise impossible(given)
        if free:
            _, ve = self._model(do)
            factor = ve.query(free, evidence=dict(given) or None, joint=True,
                              show_progress=False)
            values = self._read(factor, free)
        else:
            values = np.ones(())
        out = np.zeros(out_shape)
        index: list[Any] = []
        for t in targets:
            index.append(self.net.states[t].index(fixed[t]) if t in fixed else slice(None))
        out[tuple(index)] = values
        return out

    def evidence_probability(self, given: Assignment | None = None,
                             do: Assignment | None = None) -> float:
        """P(given | do(do)) by the chain rule, one observed node at a time. pgmpy's
        elimination normalises away impossible evidence, so we must check it ourselves."""
        given, do = self.net.question(given, do)
        _, ve = self._model(do)
        prob, seen = 1.0, dict[str, str]()
        for node, state in given.items():
            factor = ve.query([node], evidence=seen or None, joint=True, show_progress=False)
            prob *= float(self._read(factor, [node])[self.net.states[node].index(state)])
            if not prob > 0:
                return 0.0
            seen[node] = state
        return prob

    def _read(self, factor: Any, variables: Sequence[str]) -> FloatArray:
        """Factor values with axes in `variables` order and our state order, by name."""
        values = np.asarray(factor.values, dtype=float)
        values = np.transpose(values, [factor.variables.index(v) for v in variables])
        for axis, v in enumerate(variables):
            theirs = list(factor.state_names[v])
            order = [theirs.index(s) for s in self.net.states[v]]
            values = np.take(values, order, axis=axis)
        return values

    def most_probable(self, given: Assignment | None = None,
                      do: Assignment | None = None) -> tuple[dict[str, str], float]:
        """pgmpy's MAP query over every free node; its probability from the tables."""
        given, do = self.net.question(given, do)
        evidence = self.evidence_probability(given, do)
        if not evidence > 0:
            raise impossible(given)
        free = [n for n in self.net.states if n not in given and n not in do]
        cells = math.prod(len(self.net.states[n]) for n in free)
        if cells > MAX_QUERY_CELLS:
            raise LimitError(Problem(
                f"pgmpy's most probable explanation builds one table over the {len(free)} "
                f"free nodes: {cells:,} cells (limit {MAX_QUERY_CELLS:,})",
                hint="use the compiled engine (the default), which eliminates node by node"))
        _, ve = self._model(do)
        found = ve.map_query(free, evidence=dict(given) or None,
                             show_progress=False) if free else {}
        states = {n: str(found[n]) for n in free}
        joint = self.net.intervene(do).probability_of({**states, **given, **do})
        return states, joint / evidence


def net_from_pgmpy(model: Any) -> Net:
    """A `Net` from a pgmpy DiscreteBayesianNetwork; every axis is matched by state name."""
    cpds = {cpd.variables[0]: cpd for cpd in model.get_cpds()}
    states = {n: tuple(str(s) for s in cpd.state_names[n]) for n, cpd in cpds.items()}
    parents = {n: tuple(cpd.variables[1:]) for n, cpd in cpds.items()}
    tables = {n: _pgmpy_table(cpd, states) for n, cpd in cpds.items()}
    order = topological_order(parents)
    return Net({n: states[n] for n in order}, {n: parents[n] for n in order},
               {n: tables[n] for n in order})


def _pgmpy_table(cpd: Any, states: Mapping[str, tuple[str, ...]]) -> FloatArray:
    """A TabularCPD's values as (card, *parent_cards), states in each node's own order."""
    table = np.asarray(cpd.get_values(), dtype=np.float64).reshape(cpd.cardinality)
    for axis, v in enumerate(cpd.variables):
        theirs = [str(s) for s in cpd.state_names[v]]
        table = np.take(table, [theirs.index(s) for s in states[v]], axis=axis)
    return table


def net_from_bif(path: str) -> Net:
    """A `Net` from a BIF file (gzipped if the name ends in .gz), read by pgmpy."""
    import gzip

    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".gz"):
        data = gzip.decompress(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgmpy.readwrite import BIFReader

        model = BIFReader(string=data.decode()).get_model()
    return net_from_pgmpy(model)
