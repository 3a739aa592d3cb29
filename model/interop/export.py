"""Export: a scenario's network for another tool, with a warning for everything the file
does not keep (ranges and terms at their point values, what the format has no place for,
every name written otherwise)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Literal, get_args

from ..errors import Problem, ScenarioError
from ..language.schema import Citation, Support
from ..language.tables import NodeSpec
from ..network.net import Net
from .importing import Converted
from .names import RULES, identifier, written_names
from .writers import WRITERS, ToWrite

if TYPE_CHECKING:
    from ..scenario import Scenario

ExportFormat = Literal["bif", "xmlbif", "net", "xdsl", "uai"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = get_args(ExportFormat)
# What each format keeps beyond the network itself.
KEEPS_LABELS = {"net", "xdsl"}
TOOLS = {"bif": "BIF", "xmlbif": "XMLBIF", "net": "Hugin NET", "xdsl": "XDSL", "uai": "UAI"}


def export_scenario(scenario: Scenario, to: ExportFormat) -> Converted:
    """The scenario's network (tables at point values) as a `to` file, with what it drops."""
    file = scenario.document.name
    labels = {n: spec.label for n, spec in scenario.nodes.items()}
    converted = export_network(scenario.net, to, scenario.id, scenario.title, labels, file)
    return Converted(converted.text, (*_dropped(scenario, to), *converted.warnings))


def export_network(net: Net, to: str, name: str, title: str | None = None,
                   labels: Mapping[str, str] | None = None,
                   file: str | None = None) -> Converted:
    """`net` written for `to` (bif, xmlbif, net, xdsl or uai), with the names it changed."""
    if to not in WRITERS:
        raise ScenarioError(Problem(f"cannot export to '{to}'", file=file,
                                    hint="formats: " + ", ".join(EXPORT_FORMATS)))
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
    return Converted(WRITERS[to](doc), tuple(warnings))


def _dropped(scenario: Scenario, to: ExportFormat) -> list[Problem]:
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
    if scenario.reader_decisions:
        notes.append(Problem(
            f"the reader's decisions ({', '.join(scenario.reader_decisions)}) are exported as "
            f"chance nodes holding {scenario.decider}'s best policy (tables of 0s and 1s): "
            f"{TOOLS[to]} keeps no decision or utility nodes", file=file))
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
    if scenario.file.utilities:
        kept.append(f"the utilities of {_count(len(scenario.file.utilities), 'actor')}")
    if scenario.sources:
        kept.append(_count(len(scenario.sources), "source"))
    notes.append(Problem(f"{TOOLS[to]} keeps the network only (states, parents, tables"
                         f"{', labels' if to in KEEPS_LABELS else ''}): "
                         + ", ".join(kept) + " stay in the scenario", file=file))
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
