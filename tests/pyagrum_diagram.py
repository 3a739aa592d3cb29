"""A scenario as pyAgrum's InfluenceDiagram, the reference for the reader's decisions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyagrum as gum

from model.scenario import Scenario


def influence_diagram(s: Scenario, actor: str, reveal: Mapping[str, str] | None = None) -> Any:
    """The scenario as a pyAgrum InfluenceDiagram: chance tables at the written numbers, the
    reader's decisions with their written parents as information arcs, one utility node per
    table of `actor`'s utility; `reveal` adds arcs node -> decision."""
    diagram = gum.InfluenceDiagram()
    for name, spec in s.nodes.items():
        variable = gum.LabelizedVariable(name, name, list(spec.states))
        if spec.reader_decision:
            diagram.addDecisionNode(variable)
        else:
            diagram.addChanceNode(variable)
    for name, spec in s.nodes.items():
        for parent in spec.parents:
            diagram.addArc(parent, name)
    for node, decision in (reveal or {}).items():
        diagram.addArc(node, decision)
    tables = s.tables()
    for name, spec in s.nodes.items():
        if not spec.reader_decision:
            fill(diagram.cpt(name), name, spec.parents, tables[name], s)
    for i, (scope, table) in enumerate(s.utilities[actor].tables()):
        utility = f"u{i}"
        diagram.addUtilityNode(gum.LabelizedVariable(utility, utility, 1))
        for node in scope:
            diagram.addArc(node, utility)
        fill(diagram.utility(utility), None, scope, table[0], s)
    return diagram


def fill(tensor: Any, node: str | None, parents: tuple[str, ...], table: np.ndarray,
         s: Scenario) -> None:
    """Our (card, *parent_cards) table (or a utility's (*cards)) into a pyAgrum tensor."""
    axes = ([node] if node else []) + list(parents)
    for index in np.ndindex(table.shape):
        at = {a: s.nodes[a].states[i] for a, i in zip(axes, index, strict=True)}
        if node is None:
            tensor[at] = float(table[index])
        else:
            column = {p: at[p] for p in parents}
            row = list(tensor[column]) if parents else list(tensor[:])
            row[index[0]] = float(table[index])
            if parents:
                tensor[column] = row
            else:
                tensor.fillWith(row)


def pyagrum_solution(s: Scenario, actor: str, reveal: Mapping[str, str] | None = None) -> Any:
    inference = gum.ShaferShenoyLIMIDInference(influence_diagram(s, actor, reveal))
    inference.addNoForgettingAssumption(list(s.reader_decisions))
    inference.makeInference()
    return inference
