"""Where the sources disagree: each outcome as each source alone would put it.

A source's figure uses that source's own estimate wherever it gave one and the pooled value
everywhere else (`NodeSpec.table(values, only_source=...)`), so it answers "what if we
believed this source on every point it speaks to". All sources go through one batched
contraction per outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..scenario import Scenario

if TYPE_CHECKING:
    from ..network.compiled import CompiledNet

FLAG_SPREAD = 0.15  # probability points (0.15 = 15 points) between the extreme figures


def estimating_sources(scenario: Scenario) -> dict[str, list[str]]:
    """source -> the nodes where it gives its own pooled estimate, in file order."""
    out: dict[str, list[str]] = {}
    for name, spec in scenario.nodes.items():
        for block in spec.blocks:
            for source in block.sources:
                nodes = out.setdefault(source, [])
                if name not in nodes:
                    nodes.append(name)
    return out


@dataclass(frozen=True)
class SourceFigure:
    source: str
    title: str
    nodes: tuple[str, ...]  # where this source's own estimates replace the pooled ones
    distribution: dict[str, float]


@dataclass(frozen=True)
class Disagreement:
    """One outcome: the pooled figure and each source's; `spread` is the largest gap between
    any two of them on any state, pooled figure included."""

    node: str
    label: str
    pooled: dict[str, float]
    sources: tuple[SourceFigure, ...]

    @property
    def spread(self) -> float:
        figures = [self.pooled, *(s.distribution for s in self.sources)]
        return max((max(f[s] for f in figures) - min(f[s] for f in figures)
                    for s in self.pooled), default=0.0)

    @property
    def flagged(self) -> bool:
        return self.spread > FLAG_SPREAD

    def to_dict(self) -> dict[str, Any]:
        return {"node": self.node, "label": self.label, "pooled": self.pooled,
                "spread": self.spread, "flagged": self.flagged,
                "sources": [{"source": s.source, "title": s.title, "nodes": list(s.nodes),
                             "distribution": s.distribution} for s in self.sources]}


def by_source(scenario: Scenario, engine: CompiledNet,
              outcomes: Sequence[str]) -> list[Disagreement]:
    """Each outcome by the pooled model and by each source that gives its own estimates."""
    sources = estimating_sources(scenario)
    names = list(sources)
    point = scenario.point_values()
    touched = dict.fromkeys(n for nodes in sources.values() for n in nodes)
    tables = {n: np.concatenate([scenario.nodes[n].table(point, only_source=s) for s in names])
              for n in touched}
    out = []
    for node in outcomes:
        spec = scenario.nodes[node]
        pooled = dict(zip(spec.states, engine.posterior(node).tolist(), strict=True))
        figures = engine.posterior(node, tables=tables).tolist() if tables else []
        out.append(Disagreement(node, spec.label, pooled, tuple(
            SourceFigure(s, scenario.sources[s].title, tuple(sources[s]),
                         dict(zip(spec.states, figure, strict=True)))
            for s, figure in zip(names, figures, strict=True))))
    return out
