"""Key judgements as a file states them: each a name, a statement and its event, checked.

Their probabilities, ranges and confidence are assessed by `model.analysis.judgements`;
here the events are read and their names checked, each problem located at the judgement's
`event` line with the column inside the event.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from ..limits import MAX_TABLE_CELLS
from .events import Event, event_mask, event_nodes, read_event
from .findings import Findings
from .loader import Loc
from .schema import Citation, Confidence, Judgement
from .tables import Support

CitationCheck = Callable[[Citation, Loc, str | None], None]


@dataclass(frozen=True)
class JudgementSpec:
    """A checked judgement: its event read, an analyst's confidence if one is set."""

    name: str
    statement: str
    event: Event
    written: str  # the event as the file writes it
    confidence: Confidence | None
    because: tuple[Support, ...]
    line: int | None

    @property
    def nodes(self) -> tuple[str, ...]:
        return event_nodes(self.event)


def check_judgements(findings: Findings, judgements: Sequence[Judgement],
                     states: Mapping[str, Sequence[str]], broken: Collection[str],
                     cite: CitationCheck) -> list[JudgementSpec]:
    """Each judgement's event read and checked against the nodes' states (names of nodes
    that failed their own checks are not blamed again), names unique, the citations of an
    overridden confidence checked. Events that hold always or never are warned about."""
    out: list[JudgementSpec] = []
    seen: dict[str, int] = {}
    for i, j in enumerate(judgements):
        loc: Loc = ("judgements", i)
        if j.name in seen:
            findings.fail((*loc, "name"), f"judgement '{j.name}' is named twice", None,
                          f"the first is judgement {seen[j.name] + 1}; give each its own name")
        seen.setdefault(j.name, i)
        for k, support in enumerate(j.because or ()):
            if isinstance(support, Citation):
                cite(support, (*loc, "because", k), None)
        event, errors = read_event(j.event, states)
        for err in errors:
            if err.node is not None and err.node in broken:
                continue
            findings.fail((*loc, "event"), f"judgement '{j.name}': event, column {err.column}: "
                                           f"{err.message}",
                          err.node if err.node in states else None, err.hint)
        if event is None:
            continue
        _warn_if_fixed(findings, (*loc, "event"), j.name, event, states)
        out.append(JudgementSpec(j.name, j.statement, event, j.event, j.confidence,
                                 tuple(j.because or ()), findings.doc.line_of(loc)))
    return out


def _warn_if_fixed(findings: Findings, loc: Loc, name: str, event: Event,
                   states: Mapping[str, Sequence[str]]) -> None:
    """An event true (or false) in every combination of its nodes' states is certain (or
    impossible) whatever the numbers: almost always a slip in writing it."""
    nodes = event_nodes(event)
    if math.prod(len(states[n]) for n in nodes) > MAX_TABLE_CELLS:
        return
    mask = event_mask(event, states)
    if mask.all():
        findings.warn(loc, f"judgement '{name}': the event holds whatever happens, so its "
                           "probability is always 1", None,
                      "check 'and' against 'or', and the states named")
    elif not mask.any():
        findings.warn(loc, f"judgement '{name}': the event can never hold, so its probability "
                           "is always 0", None, "check 'and' against 'or', and the states named")
