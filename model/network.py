"""Stage 4, build: checked tables to a pgmpy DiscreteBayesianNetwork.

pgmpy is imported here and only here, lazily: importing its model classes costs about two
seconds (it pulls in scikit-learn), which `scenario validate` must not pay.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .tables import FloatArray


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
