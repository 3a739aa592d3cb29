"""Stage 3, check: what a user can get wrong across the elements of a parsed scenario.

Sources and citations (declared, paragraphs within the text, quotes found in them), the
structure (parents, states, sizes, cycles) and what-ifs are checked here; the tables' rows
as their specs are built (`specs`), key judgements' events in `judgements`, utilities in
`utilities`, decisions in `decisions`.
Every problem of the file is reported at once, each with its line, node and what to do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError

from ..errors import Problem, ScenarioError, did_you_mean
from ..files import read_regular
from ..limits import MAX_SOURCE_BYTES, MAX_TABLE_CELLS, MAX_TOTAL_CELLS
from .assignments import assignment_problems
from .citations import paragraph_problem
from .decisions import DecisionPlan, plan_decisions, reader_decision
from .evidence_log import Log, LogChecker, combine
from .exact import exact_params
from .findings import Findings
from .graph import CycleError, topological_order
from .judgements import JudgementSpec, check_judgements
from .loader import Document, Loc
from .parse import parse
from .schema import Citation, Node, ScenarioFile, published_from
from .specs import SpecBuilder
from .tables import NodeSpec, Params
from .utilities import UtilitySpec, utility_specs


@dataclass
class Checked:
    """The result of checking: nodes in topological order and every written probability."""

    file: ScenarioFile
    nodes: dict[str, NodeSpec]
    params: Params
    warnings: list[Problem] = field(default_factory=list)
    paragraphs: dict[str, list[str]] = field(default_factory=dict)
    judgements: list[JudgementSpec] = field(default_factory=list)
    exact: frozenset[int] = frozenset()  # params marked `exact: true`
    utilities: dict[str, UtilitySpec] = field(default_factory=dict)
    plan: DecisionPlan = field(default_factory=DecisionPlan)
    log: Log = field(default_factory=Log)  # dated evidence and resolutions


def check(doc: Document) -> Checked:
    """Parse and check a document; raise every problem of the file together."""
    scenario, problems, broken, doc = parse(doc)
    if scenario is None:
        raise ScenarioError(problems)
    findings = Findings(doc, list(problems), list(doc.warnings))
    checker = Checker(findings, scenario, broken)
    checker.check_sources()
    checker.check_structure()
    order = checker.order()
    builder = SpecBuilder(findings, checker.states, checker.check_citation)
    specs: dict[str, NodeSpec] = {}
    for name in order:
        node = scenario.nodes[name]
        # a parent whose own numbers are wrong still has its states: its children's tables
        # are checked against them, so one bad table does not hide the next
        if all(p in checker.states for p in node.parents) and not findings.about(name) \
                and not checker.too_large:
            spec = builder.node_spec(name, node)
            if spec is not None:
                specs[name] = spec
        else:
            checker.check_citations_only(name, node)
    checker.check_what_ifs()
    judgements = check_judgements(findings, scenario.judgements, checker.states, broken,
                                  checker.check_citation)
    utilities = utility_specs(findings, scenario, checker.states, order, broken,
                              checker.check_citation)
    plan = plan_decisions(findings, scenario, order, utilities)
    log = check_log(findings, scenario, broken, checker.paragraphs)
    if not plan.order and not any(n.role == "outcome" for n in scenario.nodes.values()) \
            and not _broken_outcome(doc, broken):
        findings.warn(("nodes",), "no node has role: outcome",
                      hint="mark what the briefing should lead with as role: outcome")
    if findings.problems:
        raise ScenarioError(sorted(findings.problems, key=lambda p: p.line or 0),
                            findings.warnings)
    return Checked(scenario, specs, builder.params, findings.warnings, checker.paragraphs,
                   judgements, exact_params(scenario, specs), utilities, plan, log)


def check_log(findings: Findings, scenario: ScenarioFile, broken: set[str],
              paragraphs: dict[str, list[str]]) -> Log:
    """The file's evidence and resolutions (`evidence_log`), problems added to `findings`."""
    logs = LogChecker(findings, scenario.nodes, broken, scenario.as_of, scenario.horizon,
                      scenario.sources, paragraphs)
    log, problems, warnings = combine([(logs.entries(scenario.evidence),
                                        logs.resolutions(scenario.resolutions))])
    findings.problems += problems
    findings.warnings += warnings
    return log


def _broken_outcome(doc: Document, broken: set[str]) -> bool:
    """Whether a node that failed the schema says `role: outcome` (the file has an outcome,
    though one with a problem of its own)."""
    nodes = doc.data.get("nodes") if isinstance(doc.data, dict) else None
    return isinstance(nodes, dict) and any(
        isinstance(raw := nodes.get(name), dict) and raw.get("role") == "outcome"
        for name in broken)


def _states_of_broken(doc: Document, broken: set[str]) -> dict[str, list[str]]:
    """The states of each node that failed the schema, where they pass it themselves (two
    or more distinct names, or the default yes/no when left out)."""
    nodes = doc.data.get("nodes") if isinstance(doc.data, dict) else None
    adapter: TypeAdapter[Any] = TypeAdapter(Node.model_fields["states"].annotation)
    out: dict[str, list[str]] = {}
    for name in broken:
        raw = nodes.get(name) if isinstance(nodes, dict) else None
        if not isinstance(raw, dict):
            continue
        try:
            states = [str(s) for s in adapter.validate_python(raw.get("states", ["yes", "no"]))]
        except ValidationError:
            continue
        if len(states) >= 2 and len(set(states)) == len(states):
            out[name] = states
    return out


class Checker:
    """The cross-checks of one parsed scenario; `broken` are the nodes that failed the
    schema: names that refer to them are not "unknown", and nodes whose parents are among
    them cannot have their tables checked."""

    def __init__(self, findings: Findings, scenario: ScenarioFile, broken: set[str]):
        self.findings = findings
        self.doc = findings.doc
        self.s = scenario
        self.broken = broken
        self.names = [*scenario.nodes, *sorted(broken)]
        self.states = {n: list(node.states) for n, node in scenario.nodes.items()}
        # a node that failed the schema for another reason still has its states, for the
        # checks of its children's tables
        self.states.update(_states_of_broken(self.doc, broken))
        self.paragraphs: dict[str, list[str]] = {}
        self.late: set[str] = set()  # sources published after as_of, warned about
        self.too_large = False  # the tables together are past MAX_TOTAL_CELLS: none is built

    def fail(self, loc: Loc, message: str, node: str | None = None,
             hint: str | None = None) -> None:
        self.findings.fail(loc, message, node, hint)

    # sources ---------------------------------------------------------------------------

    def check_sources(self) -> None:
        folder = self.doc.path.resolve().parent
        for sid, src in self.s.sources.items():
            if src.path is None:
                continue
            loc: Loc = ("sources", sid, "path")
            if "\0" in src.path:
                self.fail(loc, f"source '{sid}': the path holds a NUL character")
                continue
            try:
                target = (folder / src.path).resolve()
            except (OSError, RuntimeError):  # Python 3.11 raises RuntimeError on a loop
                self.fail(loc, f"source '{sid}': cannot read the source text: Too many levels "
                               f"of symbolic links ('{src.path}')", hint="fix the link")
                continue
            if not target.is_relative_to(folder):
                self.fail(loc, f"source '{sid}': path '{src.path}' leaves the scenario's folder",
                          hint="keep source texts in the scenario's folder or below it")
                continue
            try:
                data = read_regular(target, MAX_SOURCE_BYTES, "source text")
            except ScenarioError as exc:
                found = exc.problems[0]
                self.fail(loc, f"source '{sid}': {found.message} ('{src.path}')",
                          hint=found.hint or "fix the path (relative to the scenario file)")
                continue
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                at = data.count(b"\n", 0, exc.start) + 1
                self.fail(loc, f"source '{sid}': '{src.path}' is not UTF-8 text (line {at} of "
                               "the text)", hint="save the text as UTF-8")
                continue
            self.paragraphs[sid] = [line for line in text.splitlines() if line.strip()]

    def check_citations_only(self, name: str, node: Node) -> None:
        """Sources of a node whose table cannot be built, so that they are still checked."""
        loc: Loc = ("nodes", name)
        groups: list[tuple[Loc, list[object]]] = [
            ((*loc, "because"), list(node.because or ())),
            ((*loc, "estimates"), list(node.estimates or ()))]
        for i, row in enumerate(node.table or ()):
            groups.append(((*loc, "table", i, "because"), list(row.because or ())))
            groups.append(((*loc, "table", i, "estimates"), list(row.estimates or ())))
        for where, items in groups:
            for j, item in enumerate(items):
                if isinstance(item, Citation):
                    self.check_citation(item, (*where, j), name)

    def check_citation(self, c: Citation, loc: Loc, node: str | None) -> None:
        """A citation of `node`'s numbers, or (node None) of a judgement's confidence."""
        if c.source not in self.s.sources:
            self.fail((*loc, "source"), f"source '{c.source}' is not declared under 'sources'",
                      node, did_you_mean(c.source, self.s.sources))
            return
        if node is None:
            if c.leans is not None:
                self.fail((*loc, "leans"), "'leans' names a state of a node; a judgement's "
                                           "citation has none", None, "remove 'leans'")
        elif c.leans is not None and c.leans not in self.states[node]:
            self.fail((*loc, "leans"), f"leans '{c.leans}' is not a state of this node",
                      node, did_you_mean(c.leans, self.states[node]))
        self.check_published(c.source)
        paras = self.paragraphs.get(c.source)
        if paras is None:
            return
        problem = paragraph_problem(c.source, paras, c.paras, c.quote)
        if problem is not None:
            field, message, hint = problem
            self.fail((*loc, field), message, node, hint)

    def check_published(self, sid: str) -> None:
        """A source the forecast rests on came out by `as_of`, what the sources could know:
        one published later belongs in a dated evidence entry (warned once per source)."""
        first = published_from(self.s.sources[sid].published)
        if first is None or first <= self.s.as_of or sid in self.late:
            return
        self.late.add(sid)
        self.findings.warn(("sources", sid, "published"),
                           f"source '{sid}' came out after as_of ({self.s.sources[sid].published}"
                           f" is later than {self.s.as_of}), yet the forecast's numbers or "
                           "judgements cite it",
                           hint="cite it in a dated entry under 'evidence:' instead, or move "
                                "as_of to when it came out")

    # structure ---------------------------------------------------------------------------

    def check_structure(self) -> None:
        sizes: dict[str, int] = {}  # each table's cells, for the limit on them together
        for name, node in self.s.nodes.items():
            loc: Loc = ("nodes", name)
            dupes = sorted({s for s in node.states if node.states.count(s) > 1})
            if dupes:
                self.fail((*loc, "states"), f"state '{dupes[0]}' is listed twice", name)
            for state in node.labels:
                if state not in node.states:
                    self.fail((*loc, "labels", state), f"labels names an unknown state "
                                                       f"'{state}'", name,
                              did_you_mean(state, node.states))
            for i, parent in enumerate(node.parents):
                if parent in self.broken:
                    continue
                if parent not in self.s.nodes:
                    self.fail((*loc, "parents", i), f"unknown parent '{parent}'", name,
                              did_you_mean(parent, self.names))
                elif parent == name:
                    self.fail((*loc, "parents", i), "a node cannot be its own parent", name)
            if len(set(node.parents)) != len(node.parents):
                self.fail((*loc, "parents"), "a parent is listed twice", name)
            cells = len(node.states) * math.prod(
                len(self.s.nodes[p].states) for p in node.parents if p in self.s.nodes)
            if cells > MAX_TABLE_CELLS:
                self.fail((*loc, "parents"), f"its table would have {cells:,} cells, over the "
                                             f"limit of {MAX_TABLE_CELLS:,}", name,
                          "use fewer parents, fewer states, or noisy_or")
            elif not reader_decision(node):
                sizes[name] = cells
            self.check_kind_of_numbers(name, node)
        total = sum(sizes.values())
        self.too_large = total > MAX_TOTAL_CELLS
        if self.too_large:  # before any table is built: a short file can ask for many
            largest = max(sizes, key=lambda n: sizes[n])
            self.fail(("nodes", largest, "parents"),
                      f"the network's tables would hold {total:,} cells together, over the "
                      f"limit of {MAX_TOTAL_CELLS:,} (limits.MAX_TOTAL_CELLS)", largest,
                      f"use fewer parents, fewer states or noisy_or (the largest, "
                      f"'{largest}', has {sizes[largest]:,} cells)")

    def check_kind_of_numbers(self, name: str, node: Node) -> None:
        loc: Loc = ("nodes", name)
        if reader_decision(node):
            return  # the reader's own decision: its parents are what it knows
        has_table = node.table is not None or node.noisy_or is not None
        if node.parents and not (has_table or node.rows):
            what = "a prior" if node.prior or node.estimates else "no probabilities"
            self.fail(loc, f"it has parents but {what}", name,
                      "give a 'table' with a row per parent-state combination, 'rows', or "
                      "'noisy_or'")
        elif not node.parents and not (node.prior or node.estimates or node.rows):
            what = "a table" if has_table else "no probabilities"
            self.fail(loc, f"it has no parents but {what}", name,
                      "give a 'prior', e.g. prior: {" + node.states[0] + ": 0.3}")

    def order(self) -> list[str]:
        """The nodes in topological order; on a cycle, the problem and the file's order."""
        parents = {n: [p for p in node.parents if p != n] for n, node in self.s.nodes.items()}
        try:
            return topological_order(parents)
        except CycleError as exc:
            self.fail(("nodes", exc.node, "parents"), str(exc), exc.node,
                      "a node cannot depend on itself, even through others; remove one of "
                      "these parent links")
            return list(self.s.nodes)

    # what-ifs ----------------------------------------------------------

    def check_assignment(self, assignment: dict[str, str], loc: Loc, what: str) -> None:
        wanted = {n: s for n, s in assignment.items() if n not in self.broken}
        for found in assignment_problems(self.states, wanted, what):
            self.fail((*loc, found.key), found.message, found.blamed, found.hint)

    def check_what_ifs(self) -> None:
        names: dict[str, int] = {}
        for i, w in enumerate(self.s.what_ifs):
            loc: Loc = ("what_ifs", i)
            if w.name in names:
                self.fail((*loc, "name"), f"what-if '{w.name}' is named twice", None,
                          "give each what-if its own name")
            names[w.name] = i
            self.check_assignment(w.given, (*loc, "given"), f"what-if '{w.name}', given")
            self.check_assignment(w.do, (*loc, "do"), f"what-if '{w.name}', do")
            for both in sorted(set(w.given) & set(w.do)):
                self.fail((*loc, "do", both), f"what-if '{w.name}' both observes and sets "
                                              f"'{both}'", both, "keep it in 'given' or in 'do'")
