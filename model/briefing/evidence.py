"""The briefing's reference sections as plain data: drivers and evidence, sources, method.

Every prior, table row and noisy-OR of the file is listed with what it rests on. Where
several estimates are pooled, each one is shown beside the pooled value it contributes to.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..language.probability import ESTIMATIVE_TERMS
from ..language.schema import AssumedEstimate, Assumption, Citation, CitedEstimate, Report
from ..language.tables import (
    Block,
    DistSpec,
    FloatArray,
    NodeSpec,
    NoisyOr,
    Param,
    Support,
    wanted_states,
)
from ..scenario import Scenario
from .context import (
    ROLE_GROUPS,
    ROLE_ORDER,
    Facts,
    Section,
    StateLine,
    condition_labels,
    state_lines,
)
from .format import Pct, day, headline_states, pct, pcts

SAFE_LINK_SCHEMES = ("https://", "http://")


@dataclass(frozen=True)
class Reason:
    """A citation (source, paragraphs, paraphrase, leaning) or an assumption."""

    source: str  # source id; "" for an assumption
    source_title: str
    source_name: str  # its short name, as the reader sees it
    paras: str  # "¶ 5" or "¶¶ 5, 6"
    says: str
    leans: str
    quote: str
    assumption: str


@dataclass(frozen=True)
class StateValue:
    state: str
    pct: Pct
    written: str  # a term or range as written in the file, else ""
    name: str = ""  # the state as the reader sees it


@dataclass(frozen=True)
class Estimate:
    weight: float
    values: tuple[StateValue, ...]
    reason: Reason


@dataclass(frozen=True)
class Row:
    """A prior or one table row."""

    condition: tuple[tuple[str, str], ...]  # (parent label, state); empty for a prior
    otherwise: int  # how many parent combinations an "otherwise" row covers; 0 if none
    values: tuple[StateValue, ...]  # the pooled values when there are estimates
    estimates: tuple[Estimate, ...]  # empty for a single distribution
    pool: str
    spread: str  # where pooled estimates disagree most; "" when they agree
    reasons: tuple[Reason, ...]
    note: str  # the analyst's note on the row, if any
    line: int | None

    @property
    def is_prior(self) -> bool:
        return not self.condition and not self.otherwise


@dataclass(frozen=True)
class NoisyOrTerm:
    cause: str  # parent label, or "" for the leak
    state: str  # the parent's state that triggers it
    written: str  # a term or range as written, else ""
    pct: Pct


@dataclass(frozen=True)
class NoisyOrEntry:
    state: str  # the node's state the causes bring about
    leak: NoisyOrTerm
    terms: tuple[NoisyOrTerm, ...]
    reasons: tuple[Reason, ...]
    line: int | None


@dataclass(frozen=True)
class NodeEvidence:
    node: str
    label: str
    role: str
    description: str
    states: tuple[str, ...]
    parents: tuple[str, ...]  # labels
    current: tuple[StateLine, ...]
    rows: tuple[Row, ...]
    noisy_or: NoisyOrEntry | None
    line: int | None
    own: bool = False  # the reader's own decision: no probabilities, a policy solved for
    decider: str = ""  # whose decision it is, for the reader's own


@dataclass(frozen=True)
class EvidenceGroup:
    title: str
    nodes: tuple[NodeEvidence, ...]


@dataclass(frozen=True)
class Evidence:
    groups: tuple[EvidenceGroup, ...]
    n_assumptions: int
    n_citations: int
    n_pooled: int


def evidence_section(facts: Facts) -> Section:
    s = facts.scenario
    point = s.point_values()
    groups = []
    for role in ROLE_ORDER:
        entries = tuple(_node(facts, spec, point) for spec in s.nodes.values()
                        if spec.role == role)
        if entries:
            groups.append(EvidenceGroup(ROLE_GROUPS[role], entries))
    reasons = [r for g in groups for n in g.nodes for r in _all_reasons(n)]
    pooled = sum(1 for g in groups for n in g.nodes for row in n.rows if row.estimates)
    return Section("evidence", "Drivers and evidence", Evidence(
        tuple(groups), sum(1 for r in reasons if r.assumption),
        sum(1 for r in reasons if r.source), pooled))


def _all_reasons(entry: NodeEvidence) -> Iterable[Reason]:
    for row in entry.rows:
        yield from row.reasons
        yield from (e.reason for e in row.estimates)
    if entry.noisy_or is not None:
        yield from entry.noisy_or.reasons


def _node(facts: Facts, spec: NodeSpec, point: FloatArray) -> NodeEvidence:
    s = facts.scenario
    current = state_lines(s, spec.name, facts.baseline[spec.name], spec.states)
    rows = tuple(_row(facts, spec, block, point) for block in spec.blocks)
    noisy = _noisy_or(facts, spec, spec.noisy_or, point) if spec.noisy_or else None
    own = spec.name in s.reader_decisions
    return NodeEvidence(spec.name, spec.label, spec.role, spec.description, spec.states,
                        tuple(s.nodes[p].label for p in spec.parents), current, rows, noisy,
                        spec.line, own, (s.decider or "") if own else "")


def _row(facts: Facts, spec: NodeSpec, block: Block, point: FloatArray) -> Row:
    s = facts.scenario
    pooled = any(isinstance(e.support, CitedEstimate | AssumedEstimate)
                 for e in block.estimates)
    if isinstance(block.when, str):  # "otherwise"
        condition: tuple[tuple[str, str], ...] = ()
        otherwise = len(block.columns)
    else:
        condition = condition_labels(facts.scenario, ((p, wanted_states(block.when, p))
                                                      for p in block.when))
        otherwise = 0
    values = _values(s, spec, block.values(point)[0],
                     block.estimates[0].dist if not pooled else None)
    estimates: tuple[Estimate, ...] = ()
    reasons = tuple(reason(r, s, spec.name) for r in block.because)
    if pooled:
        estimates = tuple(Estimate(e.weight, _values(s, spec, e.dist.values(point)[0],
                                                     e.dist), reason(e.support, s, spec.name))
                          for e in block.estimates)
    return Row(condition, otherwise, values, estimates, block.pool,
               _spread([facts.scenario.state_label(spec.name, st) for st in spec.states],
                       estimates), reasons, _note(facts, spec, block), block.line)


def _note(facts: Facts, spec: NodeSpec, block: Block) -> str:
    """The analyst's note on a table row (rows are told apart by their unique `when`)."""
    rows = facts.scenario.file.nodes[spec.name].table or ()
    return next((row.note for row in rows if row.when == block.when), "")


def _values(s: Scenario, spec: NodeSpec, values: FloatArray,
            written: DistSpec | None) -> tuple[StateValue, ...]:
    entries = written.entries if written is not None else {}
    shown = pcts([float(v) for v in values])
    return tuple(StateValue(st, shown[i], _written(entries.get(st)), s.state_label(spec.name, st))
                 for i, st in enumerate(spec.states))


def _written(param: Param | None) -> str:
    """A term or range as written; plain numbers say nothing the percent does not."""
    return param.prob.text if param is not None and param.prob.uncertain else ""


def _spread(states: Sequence[str], estimates: Sequence[Estimate]) -> str:
    """Where the estimates of a row differ most; `states` as the reader sees them."""
    if len(estimates) < 2:
        return ""
    table = np.array([[v.pct.p for v in e.values] for e in estimates])
    gaps = table.max(axis=0) - table.min(axis=0)
    # A yes/no node's two gaps are equal: name the "yes" one.
    i = int(np.argmax(gaps[: len(headline_states(tuple(states)))]))
    if gaps[i] < 0.005:
        return ""
    shown = " vs ".join(e.values[i].pct.text for e in estimates)
    return (f"The estimates differ by up to {math.floor(gaps[i] * 100 + 0.5)} points "
            f"(P({states[i]}): {shown}).")


def _noisy_or(facts: Facts, spec: NodeSpec, noisy: NoisyOr,
              point: FloatArray) -> NoisyOrEntry:
    nodes = facts.scenario.nodes

    def term(cause: str, state: str, param: Param) -> NoisyOrTerm:
        return NoisyOrTerm(cause, state, _written(param), pct(float(point[0, param.id])))

    leak = term("", "", noisy.leak)
    terms = tuple(term(nodes[p].label, facts.scenario.state_label(p, nodes[p].states[0]), w)
                  for p, w in noisy.weights.items())
    reasons = tuple(reason(r, facts.scenario, spec.name) for r in noisy.because)
    return NoisyOrEntry(spec.states[0], leak, terms, reasons, noisy.line)


def reason(support: Support | Report, s: Scenario, node: str = "") -> Reason:
    """What a number, or a dated entry or resolution (a `Report`: its paragraph optional,
    no leaning), rests on, as the reader sees it."""
    sources = s.sources
    if isinstance(support, Citation | Report):
        paras = support.paras
        mark = "¶" if len(paras) == 1 else "¶¶"
        title = sources[support.source].title if support.source in sources else support.source
        leans = (s.state_label(node, support.leans)
                 if isinstance(support, Citation) and support.leans else "")
        return Reason(support.source, title, s.source_name(support.source),
                      f"{mark} {', '.join(map(str, paras))}" if paras else "", support.says,
                      leans, support.quote or "", "")
    assert isinstance(support, Assumption)
    return Reason("", "", "", "", "", "", "", support.assumption)


# sources -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceEntry:
    id: str
    name: str  # its short name
    title: str
    author: str
    published: str
    url: str
    href: str  # the url when it is a web address, else "" (no javascript: links)
    path: str
    citations: int  # by the file's numbers, its dated entries and its resolutions
    cited_for: tuple[str, ...]  # node labels
    cited_by_log: tuple[LogUse, ...] = ()  # the dated entries and resolutions citing it
    outlet: str = ""


@dataclass(frozen=True)
class LogUse:
    """An evidence entry or a resolution that cites a source, and where the history annex
    shows it (`anchor`, an element id there)."""

    text: str  # "entry of 13 Jun 2025", "resolution of “Israel strikes” (13 Jun 2025)"
    anchor: str


def entry_anchor(index: int) -> str:
    """The id of the evidence log's entry `index` (0-based, in the log's order) in the
    history annex."""
    return f"log-entry-{index + 1}"


def resolution_anchor(index: int) -> str:
    """The id of the log's resolution `index` (0-based) in the history annex."""
    return f"log-resolution-{index + 1}"


def sources_section(facts: Facts) -> Section | None:
    s = facts.scenario
    if not s.sources:
        return None
    counts: Counter[str] = Counter()
    cited_for: dict[str, dict[str, None]] = {sid: {} for sid in s.sources}
    for spec in s.nodes.values():
        for r in _supports(spec):
            if isinstance(r, Citation) and r.source in cited_for:
                counts[r.source] += 1
                cited_for[r.source][spec.label] = None
    by_log: dict[str, dict[LogUse, None]] = {sid: {} for sid in s.sources}
    shown = bool(s.log.entries)  # the history annex, where the log is listed, is shown
    uses = [(LogUse(f"entry of {day(e.date)}", entry_anchor(i) if shown else ""), e.because)
            for i, e in enumerate(s.log.entries)]
    uses += [(LogUse(f"resolution of “{s.nodes[r.node].label}” ({day(r.date)})",
                     resolution_anchor(k) if shown else ""), r.because)
             for k, r in enumerate(s.log.resolutions)]
    for use, because in uses:
        for support in because:
            if isinstance(support, Report) and support.source in by_log:
                counts[support.source] += 1
                by_log[support.source][use] = None
    entries = tuple(SourceEntry(
        sid, s.source_name(sid), src.title, src.author or "", str(src.published or ""),
        src.url or "",
        src.url if src.url and src.url.lower().startswith(SAFE_LINK_SCHEMES) else "",
        src.path or "", counts[sid], tuple(cited_for[sid]), tuple(by_log[sid]),
        src.outlet or "")
        for sid, src in s.sources.items())
    return Section("sources", "Sources", entries)


def _supports(spec: NodeSpec) -> Iterable[Support]:
    for block in spec.blocks:
        yield from block.because
        yield from (e.support for e in block.estimates
                    if isinstance(e.support, CitedEstimate | AssumedEstimate))
    if spec.noisy_or is not None:
        yield from spec.noisy_or.because


# method ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TermRow:
    term: str
    alternative: str
    low: str
    high: str


@dataclass(frozen=True)
class Method:
    terms: tuple[TermRow, ...]
    n_nodes: int
    n_params: int
    headline_note: str


def method_section(facts: Facts) -> Section:
    s = facts.scenario
    terms = tuple(TermRow(main, alt, f"{round(low * 100)}%", f"{round(high * 100)}%")
                  for main, alt, low, high in ESTIMATIVE_TERMS)
    binary = any(len(headline_states(spec.states)) == 1 for spec in s.nodes.values())
    note = ("For a yes/no node the briefing reports the probability of yes." if binary
            else "")
    return Section("method", "Method note", Method(terms, len(s.nodes), len(s.params), note))
