"""The pgmpy engine: checked tables to a pgmpy DiscreteBayesianNetwork, and exact
posteriors, joints and explanations by its VariableElimination.

pgmpy is imported here and only here, lazily: importing its model classes costs about two
seconds (it pulls in scikit-learn), which `scenario validate` must not pay. Observations
(`given`) are evidence in the network; interventions (`do`) query the mutilated network of
`Net.intervene`. Likelihood evidence on a node is the textbook reduction: a two-state child
of the node whose first state has probability weight / largest weight under each of its
states, observed in that state. pgmpy's factors are read by state name, never by position.
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
from .net import Assignment, Likelihood, Net, impossible

SEEN = "seen"  # the observed state of a likelihood's virtual child
MAX_MODELS = 16  # networks kept, one per intervention and likelihood


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
    """Exact inference by pgmpy's VariableElimination, one network per intervention (and
    likelihood, whose virtual children it carries)."""

    def __init__(self, net: Net):
        self.net = net
        self._models: dict[tuple[frozenset[tuple[str, str]], tuple[Any, ...]],
                           tuple[Any, Any, dict[str, str], float]] = {}

    def network(self, do: Assignment | None = None) -> Any:
        return self._model(do or {}, {})[0]

    def _model(self, do: Assignment, weights: Mapping[str, FloatArray]
               ) -> tuple[Any, Any, dict[str, str], float]:
        """(network, its VariableElimination, the virtual children's evidence, the product
        of the likelihoods' largest weights, which the virtual children divide out)."""
        key = (frozenset(do.items()),
               tuple((n, tuple(w.tolist())) for n, w in weights.items()))
        if key not in self._models:
            net = self.net.intervene(do)
            states = dict(net.states)
            parents = dict(net.parents)
            tables = dict(net.tables)
            seen: dict[str, str] = {}
            for node, w in weights.items():
                child = _fresh(f"__report_on_{node}", states)
                states[child] = (SEEN, "unseen")
                parents[child] = (node,)
                tables[child] = np.stack([w / w.max(), 1 - w / w.max()])
                seen[child] = SEEN
            network = build_network(states, parents, tables)
            scale = math.prod(float(w.max()) for w in weights.values())
            if len(self._models) >= MAX_MODELS:
                del self._models[next(iter(self._models))]
            self._models[key] = (network, pgmpy_classes()[2](network), seen, scale)
        return self._models[key]

    def joint(self, targets: Sequence[str], given: Assignment | None = None,
              do: Assignment | None = None, *,
              likelihood: Likelihood | None = None) -> FloatArray:
        """P(targets | given, report, do(do)) with axes in `targets` order, states in
        declared order."""
        targets = self.net.check_targets(targets)
        given, do = self.net.question(given, do)
        weights = self.net.weights(likelihood)
        fixed = {**given, **do}
        free = [t for t in targets if t not in fixed]
        out_shape = tuple(len(self.net.states[t]) for t in targets)
        if self.evidence_probability(given, do, likelihood=likelihood) <= 0:
            raise impossible(given, likelihood)
        if free:
            _, ve, seen, _ = self._model(do, weights)
            factor = ve.query(free, evidence={**given, **seen} or None, joint=True,
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
                             do: Assignment | None = None, *,
                             likelihood: Likelihood | None = None) -> float:
        """P(given, report | do(do)) by the chain rule, one observed node at a time. pgmpy's
        elimination normalises away impossible evidence, so we must check it ourselves."""
        given, do = self.net.question(given, do)
        weights = self.net.weights(likelihood, as_written=True)
        _, ve, seen_children, scale = self._model(do, weights)
        prob, seen = scale, dict[str, str]()
        for node, state in [*given.items(), *seen_children.items()]:
            factor = ve.query([node], evidence=seen or None, joint=True, show_progress=False)
            names = [str(s) for s in factor.state_names[node]]
            prob *= float(np.asarray(factor.values, dtype=float)[names.index(state)])
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
                      do: Assignment | None = None, *,
                      likelihood: Likelihood | None = None) -> tuple[dict[str, str], float]:
        """pgmpy's MAP query over every free node; its probability from the tables."""
        given, do = self.net.question(given, do)
        weights = self.net.weights(likelihood, as_written=True)
        evidence = self.evidence_probability(given, do, likelihood=likelihood)
        if not evidence > 0:
            raise impossible(given, likelihood)
        free = [n for n in self.net.states if n not in given and n not in do]
        cells = math.prod(len(self.net.states[n]) for n in free)
        if cells > MAX_QUERY_CELLS:
            raise LimitError(Problem(
                f"pgmpy's most probable explanation builds one table over the {len(free)} "
                f"free nodes: {cells:,} cells (limit {MAX_QUERY_CELLS:,})",
                hint="use the compiled engine (the default), which eliminates node by node"))
        _, ve, seen, _ = self._model(do, weights)
        found = ve.map_query(free, evidence={**given, **seen} or None,
                             show_progress=False) if free else {}
        states = {n: str(found[n]) for n in free}
        everything = {**states, **given, **do}
        joint = self.net.intervene(do).probability_of(everything)
        joint *= math.prod(float(w[self.net.states[n].index(everything[n])])
                           for n, w in weights.items())
        return states, joint / evidence


def _fresh(name: str, taken: Mapping[str, object]) -> str:
    """`name`, or `name` with a number after it, not already a node's name."""
    candidate, k = name, 1
    while candidate in taken:
        candidate, k = f"{name}_{k}", k + 1
    return candidate


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
