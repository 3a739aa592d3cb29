"""Stage 5, query: exact posteriors, joints and explanations through pgmpy.

Observations (`given`) are evidence in the network; interventions (`do`) query the
mutilated network of `Net.intervene`. pgmpy's factors are read by state name, never by
position.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .errors import Problem, QueryError
from .net import Assignment, Net
from .network import build_network, pgmpy_classes
from .tables import FloatArray


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
