"""Where each written number stands in the file, in words an analyst recognises: whose
chance of which state, in which case (a table row's parent states, the "otherwise" row, a
noisy-OR cause or its leak), on whose word, on which line. The tornado, the briefing and
the command line name a number the same way from this one model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..language.tables import NodeSpec, Param, wanted_states, when_text

if TYPE_CHECKING:
    from ..scenario import Scenario

OTHERWISE = "in every other case"


@dataclass(frozen=True)
class Place:
    """One written number: `when` holds a row's parent states, `case` says in words what
    `when` cannot (the otherwise row, a noisy-OR cause or leak), `source` names the source of
    one of several pooled estimates."""

    param: int
    node: str
    node_label: str
    state: str
    where: str  # "prior", "table row 2", "noisy-OR weight of rain", ...
    when: tuple[tuple[str, tuple[str, ...]], ...]
    case: str
    source: str | None
    line: int | None
    written: str

    @property
    def condition(self) -> str:
        """The case as the project writes conditions: "talks=yes, tension=mid|high"."""
        if self.when:
            return when_text(dict(self.when))
        return "otherwise" if self.case == OTHERWISE else ""

    @property
    def label(self) -> str:
        """E.g. "Israel strikes: P(yes | talks=no) = likely (table row 2, line 40)"."""
        return self._text(self.node_label)

    @property
    def short(self) -> str:
        """The same with the node's name for its label."""
        return self._text(self.node)

    def _text(self, node: str) -> str:
        given = f" | {self.condition}" if self.condition else ""
        by = f", {self.source}'s estimate" if self.source else ""
        line = f", line {self.line}" if self.line is not None else ""
        return f"{node}: P({self.state}{given}) = {self.written} ({self.where}{by}{line})"

    def to_dict(self) -> dict[str, Any]:
        return {"node": self.node, "node_label": self.node_label, "state": self.state,
                "where": self.where, "condition": self.condition, "case": self.case,
                "source": self.source, "line": self.line, "written": self.written,
                "label": self.label}


def places(scenario: Scenario) -> dict[int, Place]:
    """Every written number's place, by param id."""
    found: dict[int, Place] = {}
    for spec in scenario.nodes.values():
        if spec.noisy_or is not None:
            noisy = spec.noisy_or
            found[noisy.leak.id] = _place(spec, noisy.leak, (),
                                          "noisy-OR leak: none of its causes present", None)
            for parent, weight in noisy.weights.items():
                alone = f"noisy-OR: {scenario.nodes[parent].label} alone"
                found[weight.id] = _place(spec, weight, (), alone, None)
        for block in spec.blocks:
            when = () if isinstance(block.when, str) else tuple(
                (p, tuple(wanted_states(block.when, p))) for p in block.when)
            case = OTHERWISE if isinstance(block.when, str) else ""
            for estimate in block.estimates:
                for param in estimate.dist.entries.values():
                    found[param.id] = _place(spec, param, when, case, estimate.source)
    return found


def _place(spec: NodeSpec, param: Param, when: tuple[tuple[str, tuple[str, ...]], ...],
           case: str, source: str | None) -> Place:
    return Place(param.id, spec.name, spec.label, param.state or "", param.where, when, case,
                 source, param.line, param.prob.text)
