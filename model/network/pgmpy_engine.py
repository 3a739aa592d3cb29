"""The pgmpy engine: checked tables to a pgmpy DiscreteBayesianNetwork, and exact
posteriors, joints and explanations by its VariableElimination.

pgmpy is imported here and only here, lazily: importing its model classes costs about two
seconds (it pulls in scikit-learn), which `scenario validate` must not pay. Observations
(`given`) are evidence in the network; interventions (`do`) query the mutilated network of
`Net.intervene`. pgmpy's factors are read by state name, never by position.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import Problem, QueryError
from ..language.tables import FloatArray
from .net import Assignment, Net


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

    def joint(self, targets: Sequence[str], given: Assignment, do: Assignment) -> FloatArray:
        """P(targets | given, do(do)) with axes in `targets` order, states in declared order."""
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

    def evidence_probability(self, given: Assignment, do: Assignment) -> float:
        """P(given | do(do)) by the chain rule, one observed node at a time. pgmpy's
        elimination normalises away impossible evidence, so we must check it ourselves."""
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

    def most_probable(self, given: Assignment, do: Assignment) -> dict[str, str]:
        _, ve = self._model(do)
        free = [n for n in self.net.states if n not in given and n not in do]
        if not free:
            return {}
        found = ve.map_query(free, evidence=dict(given) or None, show_progress=False)
        return {n: str(found[n]) for n in free}


def impossible(given: Assignment) -> QueryError:
    shown = ", ".join(f"{k}={v}" for k, v in given.items())
    return QueryError(Problem(
        f"the observations ({shown}) are impossible in this scenario (probability 0)",
        hint="observe states the scenario allows, or use do= to set them by intervention"))
