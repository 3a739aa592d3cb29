"""Utilities: what each outcome is worth to each actor, checked and turned into tables.

An actor's utilities are written in one of two forms. By node (`actor -> node -> state ->
worth`): the worths add up over the nodes. As rows (`actor -> [{when, value, because}]`): a
row is worth its value whenever every node in its `when` is in one of the states named, and
the rows add up. Either way a worth is a number or a range `[low, high]`, whose midpoint is
the headline figure and which the uncertainty analysis draws (`UtilityParam`).

Both forms become the same `UtilitySpec`: one `UtilityTerm` per set of nodes the rows name
(rows over the same nodes share a table), each a table over those nodes' states that a
batch of drawn worths fills in one step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..errors import did_you_mean
from .findings import Findings
from .loader import Loc
from .schema import Citation, ScenarioFile, UtilityRow
from .tables import FloatArray, Support, when_text

UtilityForm = Literal["by_node", "rows"]
CitationCheck = Callable[[Citation, Loc, str], None]


@dataclass(frozen=True)
class UtilityParam:
    """One worth as written: its midpoint and range (equal for an exact number)."""

    id: int  # its column in the actor's values (`UtilitySpec.point_values`)
    point: float
    low: float
    high: float
    actor: str
    where: str  # "oil=dry", or "row 2"
    line: int | None

    @property
    def uncertain(self) -> bool:
        return self.high > self.low

    @property
    def text(self) -> str:
        """As written: "-70", or "[40, 60]"."""
        if self.uncertain:
            return f"[{self.low:g}, {self.high:g}]"
        return f"{self.point:g}"


@dataclass(frozen=True)
class UtilityLine:
    """One written worth with its condition: a row, or one node-state of the by-node form."""

    when: tuple[tuple[str, tuple[str, ...]], ...]  # (node, states any of which match)
    param: UtilityParam
    because: tuple[Support, ...]  # empty in the by-node form, which has no citations
    note: str

    @property
    def when_text(self) -> str:
        return when_text(dict(self.when))


@dataclass(frozen=True)
class UtilityTerm:
    """The rows over one set of nodes as a table: (batch, *cards) for a batch of worths."""

    scope: tuple[str, ...]  # in the network's order
    cards: tuple[int, ...]
    params: tuple[int, ...]  # the ids of its rows' worths
    indicators: FloatArray  # (rows, *cards): 1 where a row matches

    def table(self, values: FloatArray) -> FloatArray:
        """(batch, *cards) from `values` of shape (batch, n_values)."""
        return np.asarray(np.tensordot(values[:, list(self.params)], self.indicators, axes=1),
                          dtype=np.float64)


@dataclass(frozen=True)
class UtilitySpec:
    """One actor's utility: the worths as written and the tables they add up to."""

    actor: str
    form: UtilityForm
    lines: tuple[UtilityLine, ...]
    terms: tuple[UtilityTerm, ...]

    @property
    def params(self) -> tuple[UtilityParam, ...]:
        return tuple(line.param for line in self.lines)

    @property
    def nodes(self) -> tuple[str, ...]:
        """The nodes the actor's worth depends on."""
        return tuple(dict.fromkeys(n for term in self.terms for n in term.scope))

    def point_values(self) -> FloatArray:
        """(1, n_values): each worth at its midpoint."""
        return np.array([[p.point for p in self.params]], dtype=np.float64)

    def tables(self, values: FloatArray | None = None) -> list[tuple[tuple[str, ...], FloatArray]]:
        """(scope, (batch, *cards)) per term, at `values` (the midpoints by default)."""
        v = self.point_values() if values is None else values
        return [(term.scope, term.table(v)) for term in self.terms]


def utility_specs(findings: Findings, scenario: ScenarioFile,
                  states: Mapping[str, Sequence[str]], order: Sequence[str],
                  broken: set[str], cite: CitationCheck) -> dict[str, UtilitySpec]:
    """Each actor's utilities, checked (nodes, states, conditions, citations); an actor with a
    problem is left out, its problems recorded in `findings`."""
    rank = {n: i for i, n in enumerate(order)}
    specs: dict[str, UtilitySpec] = {}
    for actor, written in scenario.utilities.items():
        before = len(findings.problems)
        if isinstance(written, list):
            lines = _rows(findings, actor, written, states, broken, cite)
            form: UtilityForm = "rows"
        else:
            lines = _by_node(findings, actor, written, states, broken)
            form = "by_node"
        if len(findings.problems) == before and all(n in rank for ln in lines for n, _ in ln.when):
            specs[actor] = UtilitySpec(actor, form, tuple(lines), _terms(lines, states, rank))
    return specs


def _param(findings: Findings, loc: Loc, value: float | list[float], actor: str, where: str,
           n: int) -> UtilityParam:
    low, high = (value[0], value[1]) if isinstance(value, list) else (value, value)
    return UtilityParam(n, (low + high) / 2, low, high, actor, where, findings.doc.line_of(loc))


def _by_node(findings: Findings, actor: str,
             written: Mapping[str, Mapping[str, float | list[float]]],
             states: Mapping[str, Sequence[str]], broken: set[str]) -> list[UtilityLine]:
    lines: list[UtilityLine] = []
    for node, by_state in written.items():
        loc: Loc = ("utilities", actor, node)
        if node in broken:
            continue
        if node not in states:
            findings.fail(loc, f"utilities of '{actor}': unknown node '{node}'", None,
                          did_you_mean(node, states))
            continue
        for state, value in by_state.items():
            if state not in states[node]:
                findings.fail((*loc, state), f"'{state}' is not a state of '{node}'", node,
                              did_you_mean(state, states[node]))
                continue
            param = _param(findings, (*loc, state), value, actor, f"{node}={state}", len(lines))
            lines.append(UtilityLine(((node, (state,)),), param, (), ""))
    return lines


def _rows(findings: Findings, actor: str, rows: Sequence[UtilityRow],
          states: Mapping[str, Sequence[str]], broken: set[str],
          cite: CitationCheck) -> list[UtilityLine]:
    lines: list[UtilityLine] = []
    seen: dict[tuple[tuple[str, tuple[str, ...]], ...], int] = {}
    for i, row in enumerate(rows):
        loc: Loc = ("utilities", actor, i)
        when = _when(findings, actor, row, loc, states, broken)
        for j, support in enumerate(row.because):
            if isinstance(support, Citation):
                if support.leans is not None:
                    findings.fail((*loc, "because", j, "leans"), "'leans' names a state of the "
                                  "node a probability is about; a utility row has none", None,
                                  "drop 'leans' here")
                    continue
                cite(support, (*loc, "because", j), next(iter(row.when), actor))
        if when is None:
            continue
        key = tuple(sorted((n, tuple(sorted(ss))) for n, ss in when))
        if key in seen:
            first = seen[key]
            findings.warn((*loc, "when"), f"utility rows {first + 1} and {i + 1} of '{actor}' have "
                          f"the same condition ({when_text(dict(when))}); both count",
                          None, "rows add up: merge them into one row if that was not meant")
        seen.setdefault(key, i)
        param = _param(findings, (*loc, "value"), row.value, actor, f"row {i + 1}", len(lines))
        lines.append(UtilityLine(when, param, tuple(row.because), row.note))
    return lines


def _when(findings: Findings, actor: str, row: UtilityRow, loc: Loc,
          states: Mapping[str, Sequence[str]],
          broken: set[str]) -> tuple[tuple[str, tuple[str, ...]], ...] | None:
    """The row's condition as (node, states) pairs, or None (problems recorded)."""
    if not row.when:
        findings.fail((*loc, "when"), f"utility row of '{actor}' has an empty 'when'", None,
                      "name the node states this row is worth something under, e.g. "
                      "when: {drill: yes, oil: dry}")
        return None
    out: list[tuple[str, tuple[str, ...]]] = []
    ok = True
    for node, value in row.when.items():
        wanted = (value,) if isinstance(value, str) else tuple(value)
        if node in broken:
            ok = False
            continue
        if node not in states:
            findings.fail((*loc, "when", node), f"utilities of '{actor}': unknown node '{node}'",
                          None, did_you_mean(node, states))
            ok = False
            continue
        for state in wanted:
            if state not in states[node]:
                findings.fail((*loc, "when", node), f"'{state}' is not a state of '{node}'", node,
                              did_you_mean(state, states[node]))
                ok = False
        if len(set(wanted)) != len(wanted):
            findings.fail((*loc, "when", node), f"a state of '{node}' is listed twice", node)
            ok = False
        out.append((node, wanted))
    return tuple(out) if ok else None


def _terms(lines: Sequence[UtilityLine], states: Mapping[str, Sequence[str]],
           rank: Mapping[str, int]) -> tuple[UtilityTerm, ...]:
    """The lines grouped by the nodes they name, each group one table."""
    groups: dict[tuple[str, ...], list[UtilityLine]] = {}
    for line in lines:
        scope = tuple(sorted((n for n, _ in line.when), key=rank.__getitem__))
        groups.setdefault(scope, []).append(line)
    terms = []
    for scope, group in groups.items():
        cards = tuple(len(states[n]) for n in scope)
        indicators = np.zeros((len(group), *cards))
        for r, line in enumerate(group):
            wanted = dict(line.when)
            index = tuple([states[n].index(s) for s in wanted[n]] for n in scope)
            indicators[r][np.ix_(*index)] = 1.0
        terms.append(UtilityTerm(scope, cards, tuple(ln.param.id for ln in group), indicators))
    return tuple(terms)

