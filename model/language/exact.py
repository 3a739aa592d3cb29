"""Which written numbers the analyst marked `exact: true` (on a node, or on a table row).

Uncertainty analysis reads every other number written exactly as "about" that figure
(`model/analysis/uncertainty.py`); marked numbers are held fixed there and in the tornado.
"""

from __future__ import annotations

from collections.abc import Mapping

from .schema import ScenarioFile
from .tables import NodeSpec, ParamsView


def exact_params(file: ScenarioFile, nodes: Mapping[str, NodeSpec]) -> frozenset[int]:
    """The ids of the params marked exact."""
    found: set[int] = set()
    for name, spec in nodes.items():
        node = file.nodes[name]
        if node.exact:
            params = spec.params
            found.update(params.ids if isinstance(params, ParamsView)
                         else (p.id for p in params))
            continue
        marked = [row.when for row in node.table or () if row.exact]
        if not marked:
            continue
        for block in spec.blocks:
            # a row's `when` (or `otherwise`) is its own in a checked file: rows that cover
            # the same combinations are refused
            if block.when in marked:
                found.update(block.param_ids)
    return frozenset(found)
