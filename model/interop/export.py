"""Export: a scenario's network for another tool, with a warning for everything the file
does not keep (ranges and terms at their point values, what the format has no place for,
every name written otherwise).

A scenario with decisions of the reader's own is an influence diagram: XDSL (GeNIe) and
XMLBIF (pyAgrum's BIFXML) hold it, with the decisions, and the utilities of the actor who
takes them as utility nodes, one per table the utility rows add up to. The other formats
have no decision or utility nodes, and refuse it, rather than drop them; `policy=True`
writes each decision as a chance node holding the best policy instead, for any format.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

import numpy as np

from ..errors import Problem, ScenarioError
from ..language.formats.record import Informed
from ..language.schema import Citation, Support
from ..language.tables import FloatArray, NodeSpec
from ..network.net import Net
from .importing import Converted
from .names import RULES, fresh, identifier, written_names
from .writers import WRITERS, ToWrite, UtilityNode

if TYPE_CHECKING:
    from ..scenario import Scenario

ExportFormat = Literal["bif", "xmlbif", "net", "xdsl", "uai"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = get_args(ExportFormat)
# What each format keeps beyond the network itself.
KEEPS_LABELS = {"net", "xdsl"}
# The formats with decision and utility nodes; which of them state all a decision knows (a
# limited-memory diagram), so that no forgetting is written out as arcs.
HOLDS_DIAGRAMS = {"xdsl", "xmlbif"}
LIMID = {"xmlbif"}
TOOLS = {"bif": "BIF", "xmlbif": "XMLBIF", "net": "Hugin NET", "xdsl": "XDSL", "uai": "UAI"}
# Past this length a utility node is named by its number rather than its parents.
MAX_UTILITY_NAME = 60


@dataclass(frozen=True)
class Influence:
    """What an influence diagram adds to its network: whose the utilities are, each
    decision's own parents and what it knows (the earlier decisions and all they knew), and
    the utility tables, each (scope, worths over the scope's states)."""

    actor: str
    parents: Mapping[str, tuple[str, ...]]
    knows: Mapping[str, tuple[str, ...]]
    utilities: Sequence[tuple[tuple[str, ...], FloatArray]]


def export_scenario(scenario: Scenario, to: ExportFormat, policy: bool = False) -> Converted:
    """The scenario's network (tables at point values) as a `to` file, with what it drops.

    The reader's decisions and their actor's utilities go out as decision and utility nodes
    to xdsl and xmlbif; the other formats refuse them, unless `policy` is set, which writes
    each decision as a chance node holding the best policy (to any format)."""
    file = scenario.document.name
    labels = {n: spec.label for n, spec in scenario.nodes.items()}
    decisions = scenario.reader_decisions
    if decisions and not policy and to not in HOLDS_DIAGRAMS:
        raise ScenarioError(Problem(
            f"{TOOLS.get(to, to)} has no decision or utility nodes: the reader's decisions "
            f"({', '.join(decisions)}) and {scenario.decider}'s utilities would be lost",
            file=file, hint="export to xdsl (GeNIe) or xmlbif (pyAgrum's BIFXML), which hold "
                            "influence diagrams; or export with --policy (policy=True in "
                            "Python) to write each decision as a chance node holding the best "
                            "policy"))
    influence = None
    if decisions and not policy:
        actor = scenario.decider
        assert actor is not None  # a scenario with reader's decisions has their actor
        influence = Influence(actor, {d: scenario.nodes[d].parents for d in decisions},
                              scenario.diagram.knows,
                              [(scope, table[0]) for scope, table
                               in scenario.utilities[actor].tables()])
    converted = export_network(scenario.net, to, scenario.id, scenario.title, labels, file,
                               influence)
    return Converted(converted.text,
                     (*_dropped(scenario, to, influence), *converted.warnings))


def export_network(net: Net, to: str, name: str, title: str | None = None,
                   labels: Mapping[str, str] | None = None,
                   file: str | None = None, influence: Influence | None = None) -> Converted:
    """`net` written for `to` (bif, xmlbif, net, xdsl or uai), with the names it changed;
    with `influence` (xdsl and xmlbif only), as an influence diagram."""
    if to not in WRITERS:
        raise ScenarioError(Problem(f"cannot export to '{to}'", file=file,
                                    hint="formats: " + ", ".join(EXPORT_FORMATS)))
    if influence is not None and to not in HOLDS_DIAGRAMS:
        raise ScenarioError(Problem(f"{TOOLS[to]} has no decision or utility nodes", file=file,
                                    hint="export influence diagrams to xdsl or xmlbif"))
    names = written_names(net, to, file)
    warnings = list(names.warnings)
    shown = dict(labels or {})
    if to == "net":
        quoted = [n for n in net.states if '"' in shown.get(n, n)]
        if quoted:
            warnings.append(Problem(
                "Hugin strings hold no double quote: written as ' in the labels of "
                + ", ".join(f"'{n}'" for n in quoted[:10])
                + (f" and {len(quoted) - 10:,} more" if len(quoted) > 10 else ""), file=file))
    if to == "uai":
        warnings.append(Problem("UAI keeps no names: nodes are written as variables 0, 1, "
                                "... in the scenario's order of nodes, states as 0, 1, ... in "
                                "each node's order", file=file))
    network_id = identifier(name, RULES[to][0]) if to in RULES else name
    doc = ToWrite(net, names, network_id, title or name, shown)
    if influence is not None:
        doc = _with_diagram(doc, to, influence)
    return Converted(WRITERS[to](doc), tuple(warnings))


def _with_diagram(doc: ToWrite, to: str, influence: Influence) -> ToWrite:
    """`doc` with the decisions' parents, the utility nodes (named as the format allows, after
    their parents) and, in XDSL, the node summing them; the record keeps whose they are and,
    where the file writes all a decision knows, the decision's own parents."""
    rule = RULES[to][0] if to in RULES else None
    taken = set(doc.names.nodes.values())
    actor = influence.actor
    nodes: list[UtilityNode] = []
    for i, (scope, table) in enumerate(influence.utilities):
        text = "U_" + "_".join(doc.names.nodes[n] for n in scope)
        if len(text) > MAX_UTILITY_NAME:
            text = f"U_{i + 1}"
        label = f"{actor}: {', '.join(doc.labels.get(n, n) for n in scope)}"
        nodes.append(UtilityNode(fresh(text, rule, taken), label, scope,
                                 np.ascontiguousarray(table).ravel()))
    total = (fresh(actor, rule, taken), f"{actor}'s utility (the sum)") \
        if to == "xdsl" and len(nodes) > 1 else None
    written = influence.knows if to in LIMID else influence.parents
    informed = {d: Informed(influence.parents[d], written[d]) for d in written
                if tuple(written[d]) != tuple(influence.parents[d])}
    record = dataclasses.replace(doc.names.record, actor=actor, informed=informed)
    names = dataclasses.replace(doc.names, record=record)
    return dataclasses.replace(doc, names=names, decisions=dict(written),
                               utilities=tuple(nodes), total=total)


def _dropped(scenario: Scenario, to: ExportFormat,
             influence: Influence | None) -> list[Problem]:
    """What the scenario says that the file does not keep, each counted."""
    file = scenario.document.name
    notes = []
    params = scenario.checked.params
    uncertain = int((params.lows < params.highs).sum())
    if uncertain:
        what = ("1 probability written as a range or term is exported at its point value"
                if uncertain == 1 else f"{uncertain:,} probabilities written as ranges or "
                                       "terms are exported at their point values")
        notes.append(Problem(what, file=file))
    if influence is not None:
        ranged = sum(p.uncertain for p in scenario.utilities[influence.actor].params)
        if ranged:
            notes.append(Problem(f"{_count(ranged, 'worth')} of {influence.actor} written as "
                                 f"{'a range is' if ranged == 1 else 'ranges are'} exported "
                                 f"at {'its midpoint' if ranged == 1 else 'their midpoints'}",
                                 file=file))
    elif scenario.reader_decisions:
        notes.append(Problem(
            f"the reader's decisions ({', '.join(scenario.reader_decisions)}) are exported as "
            f"chance nodes holding {scenario.decider}'s best policy (tables of 0s and 1s), "
            "as asked", file=file))
    specs = scenario.nodes.values()
    kept: list[str] = []
    if to not in KEEPS_LABELS and any(spec.label != spec.name for spec in specs):
        kept.append("the nodes' labels")
    described = sum(1 for spec in specs if spec.description)
    if described:
        kept.append(_count(described, "description"))
    kept.append("roles")
    citations = assumptions = 0
    for spec in specs:
        for support in _supports(spec):
            if isinstance(support, Citation):
                citations += 1
            else:
                assumptions += 1
    reasons = [_count(citations, "citation")] * bool(citations) + \
              [_count(assumptions, "assumption")] * bool(assumptions)
    if reasons:
        kept.append(f"the reasons for the numbers ({' and '.join(reasons)})")
    if scenario.what_ifs:
        kept.append(_count(len(scenario.what_ifs), "what-if"))
    others = [a for a in scenario.file.utilities if influence is None or a != influence.actor]
    if others:
        kept.append(f"the utilities of {_count(len(others), 'actor')}"
                    + (f" ({', '.join(others)})" if influence is not None else ""))
    if scenario.judgement_specs:
        kept.append(_count(len(scenario.judgement_specs), "key judgement"))
    # the network is the model's, before any report: the log does not go with it
    if scenario.log.entries:
        n = len(scenario.log.entries)
        kept.append(f"the evidence log ({n:,} dated entr{'y' if n == 1 else 'ies'}: the "
                    "tables written are the model's, with no report applied)")
    if scenario.resolutions:
        kept.append(_count(len(scenario.resolutions), "resolution"))
    if scenario.sources:
        kept.append(_count(len(scenario.sources), "source"))
    labels = ", labels" if to in KEEPS_LABELS else ""
    held = (f"the influence diagram (states, parents, tables, the reader's decisions, "
            f"{influence.actor}'s utilities{labels})" if influence is not None
            else f"the network only (states, parents, tables{labels})")
    notes.append(Problem(f"{TOOLS[to]} keeps {held}: " + ", ".join(kept)
                         + " stay in the scenario", file=file))
    return notes


def _supports(spec: NodeSpec) -> Iterator[Support]:
    """Every citation and assumption a node's numbers rest on."""
    if spec.rows is not None:
        yield from spec.rows.because
    if spec.noisy_or is not None:
        yield from spec.noisy_or.because
    for block in spec.written:
        yield from block.because or [e.support for e in block.estimates]


def _count(n: int, thing: str) -> str:
    return f"{n:,} {thing}" + ("" if n == 1 else "s")
