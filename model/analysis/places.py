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
    name: str = ""  # how a command names it (see `place_name`)

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
        """Its name (what `scenario sweep --vary` takes), value and place: "rain: P(yes) =
        likely (prior, line 16)"."""
        line = f", line {self.line}" if self.line is not None else ""
        return f"{self.name} = {self.written} ({self.where}{line})"

    def _text(self, node: str) -> str:
        given = f" | {self.condition}" if self.condition else ""
        by = f", {self.source}'s estimate" if self.source else ""
        line = f", line {self.line}" if self.line is not None else ""
        return f"{node}: P({self.state}{given}) = {self.written} ({self.where}{by}{line})"

    def to_dict(self) -> dict[str, Any]:
        return {"node": self.node, "node_label": self.node_label, "state": self.state,
                "where": self.where, "condition": self.condition, "case": self.case,
                "source": self.source, "line": self.line, "written": self.written,
                "label": self.label, "name": self.name}


def places(scenario: Scenario) -> dict[int, Place]:
    """Every written number's place, by param id."""
    found: dict[int, Place] = {}
    for spec in scenario.nodes.values():
        if spec.noisy_or is not None:
            noisy = spec.noisy_or
            found[noisy.leak.id] = _place(spec, noisy.leak, (),
                                          "noisy-OR leak: none of its causes present", None,
                                          "leak")
            for parent, weight in noisy.weights.items():
                alone = f"noisy-OR: {scenario.nodes[parent].label} alone"
                found[weight.id] = _place(spec, weight, (), alone, None, f"{parent} alone")
        for block in spec.blocks:
            when = () if isinstance(block.when, str) else tuple(
                (p, tuple(wanted_states(block.when, p))) for p in block.when)
            case = OTHERWISE if isinstance(block.when, str) else ""
            condition = when_text(block.when)
            sources = [e.source for e in block.estimates]
            for j, estimate in enumerate(block.estimates):
                whose = ""
                if len(block.estimates) > 1:
                    whose = (f" by {estimate.source}" if estimate.source is not None
                             and sources.count(estimate.source) == 1 else f", estimate {j + 1}")
                for param in estimate.dist.entries.values():
                    found[param.id] = _place(spec, param, when, case, estimate.source,
                                             condition, whose)
    return found


def place_name(node: str, state: str, condition: str = "", whose: str = "") -> str:
    """A written number's name, as `scenario sweep --vary` takes it and the tornado prints
    it: "israeli_strike: P(yes | iran_rollback=no, ultimatum_lapses=no)", "us_course:
    P(use_force)", "wet: P(yes | rain alone)" and "wet: P(yes | leak)" for a noisy-OR,
    "us_russia_track: P(stalls) by jiss_oped" for one of several pooled estimates."""
    given = f" | {condition}" if condition else ""
    return f"{node}: P({state}{given}){whose}"


def _place(spec: NodeSpec, param: Param, when: tuple[tuple[str, tuple[str, ...]], ...],
           case: str, source: str | None, condition: str, whose: str = "") -> Place:
    state = param.state or ""
    return Place(param.id, spec.name, spec.label, state, param.where, when, case, source,
                 param.line, param.prob.text, place_name(spec.name, state, condition, whose))
