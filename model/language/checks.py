"""Stage 3, check: semantic checks of a parsed scenario, and its tables' recipes.

Everything a user can get wrong across elements is checked here (names, states, sources,
paragraphs, quotes, table rows, sums, cycles, sizes) and every problem of the file is
reported at once, each with its line, node and what to do.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from ..errors import LimitError, Problem, ScenarioError, did_you_mean
from ..limits import MAX_NODES, MAX_STATES, MAX_TABLE_CELLS
from .loader import Document, Loc
from .probability import Prob
from .schema import AssumedEstimate, Citation, CitedEstimate, Node, Row, ScenarioFile
from .tables import (
    Block,
    DistSpec,
    EstimateSpec,
    NodeSpec,
    NoisyOr,
    Param,
    columns_matching,
    wanted_states,
)

SUM_TOLERANCE = 1e-6


@dataclass
class Checked:
    """The result of checking: nodes in topological order and every written probability."""

    file: ScenarioFile
    nodes: dict[str, NodeSpec]
    params: list[Param]
    warnings: list[Problem] = field(default_factory=list)
    paragraphs: dict[str, list[str]] = field(default_factory=dict)


def parse(doc: Document) -> tuple[ScenarioFile | None, list[Problem], set[str]]:
    """Validate the document's shape node by node, so that one broken node does not hide
    the problems of the others: (scenario of the valid nodes, problems, broken node names)."""
    data = doc.data
    if not isinstance(data, dict):
        raise ScenarioError(doc.problem((), "a scenario file is a mapping with 'scenario', "
                                            "'title', 'nodes' and so on",
                                        hint="see the README's example"))
    nodes = data.get("nodes")
    problems: list[Problem] = []
    broken: set[str] = set()
    if isinstance(nodes, dict):
        if len(nodes) > MAX_NODES:
            raise LimitError(doc.problem(("nodes",), f"{len(nodes):,} nodes, over the limit "
                                                     f"of {MAX_NODES:,}"))
        valid: dict[str, Node] = {}
        for name, raw in nodes.items():
            try:
                valid[name] = Node.model_validate(raw)
            except ValidationError as exc:
                problems += _schema_problems(doc, exc, ("nodes", name))
                broken.add(name)
        data = {**data, "nodes": valid}
    try:
        scenario = ScenarioFile.model_validate(data)
    except ValidationError as exc:
        errors = [e for e in exc.errors() if not (broken and e["loc"] == ("nodes",))]
        problems += _schema_problems(doc, errors, ())
        return None, problems, broken
    return scenario, problems, broken


def _schema_problems(doc: Document, exc: ValidationError | list[Any],
                     prefix: Loc) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[Loc] = set()
    for err in exc.errors() if isinstance(exc, ValidationError) else exc:
        loc = _data_loc(doc, (*prefix, *err["loc"]), err["type"] == "missing")
        if loc in seen:
            continue  # one problem per place: unions report each alternative
        seen.add(loc)
        node = str(loc[1]) if len(loc) > 1 and loc[0] == "nodes" else None
        where = ".".join(str(p) for p in (loc[2:] if node else loc))
        kind, msg = err["type"], err["msg"]
        hint = None
        if kind == "missing":
            msg = f"'{loc[-1]}' is missing"
            where = where.rpartition(".")[0]
        elif kind == "extra_forbidden":
            msg = f"unknown key '{loc[-1]}'"
            parent = _model_at(loc[:-1])
            if parent:
                hint = did_you_mean(str(loc[-1]), parent)
        elif kind.startswith("value_error"):
            msg = msg.removeprefix("Value error, ")
        problems.append(Problem(f"{where}: {msg}" if where else msg, file=doc.name,
                                line=doc.line_of(loc), node=node, hint=hint))
    return problems


def _data_loc(doc: Document, loc: Loc, missing: bool) -> Loc:
    """pydantic's `loc` without the union and validator tags it puts between the keys: the
    parts that are keys or indices of the data (and the last one, for a missing key)."""
    data: Any = doc.data
    out: list[str | int] = []
    for i, part in enumerate(loc):
        if _holds(data, part):
            data = data[part]
            out.append(part)
        elif missing and i == len(loc) - 1:
            out.append(part)
    return tuple(out)


def _holds(data: Any, part: str | int) -> bool:
    if isinstance(data, dict):
        return part in data
    return isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)


def _model_at(loc: Loc) -> list[str] | None:
    """Field names allowed at a location, for 'did you mean' on an unknown key."""
    from .schema import Citation as C
    from .schema import Node as N
    from .schema import Row as R
    from .schema import Source, WhatIf

    names = [p for p in loc if isinstance(p, str)]
    if not names:
        return list(ScenarioFile.model_fields)
    head = names[0]
    if head == "nodes":
        if len(names) == 2:
            return list(N.model_fields)
        if "table" in names and len(names) == 3:
            return list(R.model_fields)
        return [*C.model_fields, "assumption", "p", "weight"]
    if head == "sources":
        return list(Source.model_fields)
    if head == "what_ifs":
        return list(WhatIf.model_fields)
    return None


class _Checker:
    def __init__(self, doc: Document, scenario: ScenarioFile, problems: list[Problem],
                 broken: set[str]):
        self.doc = doc
        self.s = scenario
        self.problems = list(problems)
        # nodes that failed the schema: names that refer to them are not "unknown", and
        # nodes whose parents are among them cannot have their tables checked
        self.broken = broken
        self.names = [*scenario.nodes, *sorted(broken)]
        self.warnings: list[Problem] = []
        self.params: list[Param] = []
        self.states = {n: list(node.states) for n, node in scenario.nodes.items()}
        self.paragraphs: dict[str, list[str]] = {}

    def fail(self, loc: Loc, message: str, node: str | None = None,
             hint: str | None = None) -> None:
        self.problems.append(self.doc.problem(loc, message, node, hint))

    def run(self) -> Checked:
        self.check_sources()
        self.check_structure()
        order = self.topological_order()
        specs: dict[str, NodeSpec] = {}
        for name in order:
            node = self.s.nodes[name]
            if all(p in specs for p in node.parents) and not self.problems_for(name):
                spec = self.node_spec(name, node)
                if spec is not None:
                    specs[name] = spec
            else:
                self.check_citations_only(name, node)
        self.check_what_ifs()
        self.check_utilities()
        if not any(n.role == "outcome" for n in self.s.nodes.values()):
            self.warnings.append(self.doc.problem(("nodes",), "no node has role: outcome",
                                                  hint="mark what the briefing should lead "
                                                       "with as role: outcome"))
        if self.problems:
            raise ScenarioError(sorted(self.problems, key=lambda p: p.line or 0))
        return Checked(self.s, specs, self.params, self.warnings, self.paragraphs)

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
            target = (folder / src.path).resolve()
            if not target.is_relative_to(folder):
                self.fail(loc, f"source '{sid}': path '{src.path}' leaves the scenario's folder",
                          hint="keep source texts in the scenario's folder or below it")
                continue
            try:
                text = target.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
                self.fail(loc, f"source '{sid}': cannot read '{src.path}' ({reason})",
                          hint="fix the path (relative to the scenario file) or remove it")
                continue
            self.paragraphs[sid] = [line for line in text.splitlines() if line.strip()]

    def check_support(self, items: Iterable[Citation | Any], loc: Loc, node: str) -> None:
        for i, item in enumerate(items):
            if isinstance(item, Citation):
                self.check_citation(item, (*loc, i), node)

    def check_citations_only(self, name: str, node: Node) -> None:
        """Sources of a node whose table cannot be built, so that they are still checked."""
        loc: Loc = ("nodes", name)
        self.check_support(node.because or (), (*loc, "because"), name)
        self.check_support(node.estimates or (), (*loc, "estimates"), name)
        for i, row in enumerate(node.table or ()):
            self.check_support(row.because or (), (*loc, "table", i, "because"), name)
            self.check_support(row.estimates or (), (*loc, "table", i, "estimates"), name)

    def check_citation(self, c: Citation, loc: Loc, node: str) -> None:
        if c.source not in self.s.sources:
            self.fail((*loc, "source"), f"source '{c.source}' is not declared under 'sources'",
                      node, did_you_mean(c.source, self.s.sources))
            return
        if c.leans is not None and c.leans not in self.states[node]:
            self.fail((*loc, "leans"), f"leans '{c.leans}' is not a state of this node",
                      node, did_you_mean(c.leans, self.states[node]))
        paras = self.paragraphs.get(c.source)
        if paras is None:
            return
        beyond = [p for p in c.paras if p > len(paras)]
        if beyond:
            self.fail((*loc, "para"), f"paragraph {beyond[0]} is beyond the end of source "
                                      f"'{c.source}', which has {len(paras)} paragraphs", node,
                      "paragraphs are the text's non-blank lines, numbered from 1")
            return
        if c.quote is not None:
            wanted = _squash(c.quote)
            if not any(wanted in _squash(paras[p - 1]) for p in c.paras):
                found = [i + 1 for i, text in enumerate(paras) if wanted in _squash(text)]
                where = (f"it is in paragraph {found[0]}" if found
                         else "copy the words exactly, or drop 'quote' and paraphrase in 'says'")
                cited = ", ".join(map(str, c.paras))
                self.fail((*loc, "quote"), f"quote not found in paragraph {cited} of "
                                           f"'{c.source}'", node, where)

    # structure ---------------------------------------------------------------------------

    def check_structure(self) -> None:
        for name, node in self.s.nodes.items():
            loc: Loc = ("nodes", name)
            if len(node.states) > MAX_STATES:
                self.fail((*loc, "states"), f"{len(node.states)} states, over the limit of "
                                            f"{MAX_STATES}", name)
            dupes = sorted({s for s in node.states if node.states.count(s) > 1})
            if dupes:
                self.fail((*loc, "states"), f"state '{dupes[0]}' is listed twice", name)
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
            self.check_kind_of_numbers(name, node)

    def check_kind_of_numbers(self, name: str, node: Node) -> None:
        loc: Loc = ("nodes", name)
        has_table = node.table is not None or node.noisy_or is not None
        if node.parents and not has_table:
            what = "a prior" if node.prior or node.estimates else "no probabilities"
            self.fail(loc, f"it has parents but {what}", name,
                      "give a 'table' with a row per parent-state combination, or 'noisy_or'")
        elif not node.parents and not (node.prior or node.estimates):
            what = "a table" if has_table else "no probabilities"
            self.fail(loc, f"it has no parents but {what}", name,
                      "give a 'prior', e.g. prior: {" + node.states[0] + ": 0.3}")

    def topological_order(self) -> list[str]:
        nodes = self.s.nodes
        order: list[str] = []
        mark: dict[str, int] = {}  # 1 visiting, 2 done
        for start in nodes:
            if mark.get(start):
                continue
            stack: list[tuple[str, int]] = [(start, 0)]
            path: list[str] = []
            while stack:
                name, i = stack.pop()
                if i == 0:
                    mark[name] = 1
                    path.append(name)
                parents = [p for p in nodes[name].parents if p in nodes and p != name]
                if i < len(parents):
                    stack.append((name, i + 1))
                    nxt = parents[i]
                    if mark.get(nxt) == 1:
                        cycle = path[path.index(nxt):]
                        ring = " -> ".join([*reversed(cycle), cycle[-1]])
                        self.fail(("nodes", nxt, "parents"), f"cycle: {ring}", nxt,
                                  "a node cannot depend on itself, even through others; "
                                  "remove one of these parent links")
                        return list(nodes)
                    if not mark.get(nxt):
                        stack.append((nxt, 0))
                else:
                    mark[name] = 2
                    path.pop()
                    order.append(name)
        return order

    # tables ------------------------------------------------------------------------------

    def node_spec(self, name: str, node: Node) -> NodeSpec | None:
        loc: Loc = ("nodes", name)
        before = len(self.problems)
        parents = tuple(node.parents)
        parent_states = {p: self.states[p] for p in parents}
        cards = tuple(len(parent_states[p]) for p in parents)
        first_param = len(self.params)
        blocks: list[Block] = []
        noisy = None
        if node.noisy_or is not None:
            noisy = self.noisy_or_spec(name, node)
        elif node.table is not None:
            blocks = self.table_blocks(name, node, parent_states)
        else:
            self.check_support(node.because or (), (*loc, "because"), name)
            blocks = [self.block(name, node, loc, [0], {}, node)]
        if len(self.problems) > before:
            return None
        return NodeSpec(name, node.label, node.role, node.description, tuple(node.states),
                        parents, cards, tuple(blocks), noisy, self.doc.line_of(loc),
                        tuple(self.params[first_param:]))

    def table_blocks(self, name: str, node: Node,
                     parent_states: Mapping[str, Sequence[str]]) -> list[Block]:
        assert node.table is not None
        parents = list(node.parents)
        covered: dict[int, int] = {}  # column -> row index
        blocks: list[Block] = []
        otherwise: list[int] = []
        for i, row in enumerate(node.table):
            loc: Loc = ("nodes", name, "table", i)
            if row.when == "otherwise":
                otherwise.append(i)
                continue
            if not self.check_when(name, row.when, parents, parent_states, (*loc, "when")):
                continue
            cols = columns_matching(parents, parent_states, row.when)
            clash = sorted({covered[c] for c in cols if c in covered})
            if clash:
                other = clash[0]
                other_line = self.doc.line_of(("nodes", name, "table", other))
                self.fail((*loc, "when"), f"table row {i + 1} ({_when(row.when)}) repeats "
                                          f"combinations already given by row {other + 1} "
                                          f"(line {other_line})",
                          name, "give each parent-state combination in exactly one row")
                continue
            covered.update((c, i) for c in cols)
            blocks.append(self.row_block(name, node, row, loc, cols))
        n_cols = math.prod(len(parent_states[p]) for p in parents)
        rest = [c for c in range(n_cols) if c not in covered]
        if len(otherwise) > 1:
            self.fail(("nodes", name, "table", otherwise[1], "when"),
                      "more than one 'otherwise' row", name, "keep one default row")
        elif otherwise:
            i = otherwise[0]
            loc = ("nodes", name, "table", i)
            if rest:
                blocks.append(self.row_block(name, node, node.table[i], loc, rest))
            else:
                self.warnings.append(self.doc.problem(loc, "the 'otherwise' row covers no "
                                                           "combination", name,
                                                      "every combination has its own row"))
        elif rest:
            from .tables import column_label

            missing = [column_label(parents, parent_states, c) for c in rest]
            shown = "; ".join(_when(m) for m in missing[:3])
            more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
            self.fail(("nodes", name, "table"), f"table has no row for {shown}{more}", name,
                      "add a row for each, or a default row with 'when: otherwise'")
        return blocks

    def check_when(self, name: str, when: Mapping[str, str | Sequence[str]],
                   parents: Sequence[str], parent_states: Mapping[str, Sequence[str]],
                   loc: Loc) -> bool:
        ok = True
        for parent in when:
            if parent not in parents:
                hint = (f"add '{parent}' to this node's parents" if parent in self.s.nodes
                        else did_you_mean(parent, parents))
                self.fail((*loc, parent), f"'{parent}' in 'when' is not a parent of this node",
                          name, hint)
                ok = False
                continue
            wanted = wanted_states(when, parent)
            for state in wanted:
                if state not in parent_states[parent]:
                    self.fail((*loc, parent), f"'{state}' is not a state of '{parent}'", name,
                              did_you_mean(state, parent_states[parent]))
                    ok = False
            if len(set(wanted)) != len(wanted):
                self.fail((*loc, parent), f"a state of '{parent}' is listed twice", name)
                ok = False
        if not when:
            self.fail(loc, "empty 'when'", name, "name parent states, or write 'when: otherwise'")
            ok = False
        return ok

    def row_block(self, name: str, node: Node, row: Row, loc: Loc, cols: list[int]) -> Block:
        self.check_support(row.because or (), (*loc, "because"), name)
        return self.block(name, node, loc, cols, row.when, row)

    def block(self, name: str, node: Node, loc: Loc, cols: list[int],
              when: Mapping[str, str | Sequence[str]] | Literal["otherwise"],
              source: Node | Row) -> Block:
        estimates: list[EstimateSpec] = []
        label = f"table row {int(loc[-1]) + 1}" if isinstance(source, Row) else "prior"
        dist = source.prior if isinstance(source, Node) else source.p
        key = "prior" if isinstance(source, Node) else "p"
        if dist is not None:
            spec = self.dist(name, node, dist, (*loc, key), label)
            estimates.append(EstimateSpec(spec, 1.0, None, (source.because or [])[0]))
        for j, est in enumerate(source.estimates or ()):
            eloc: Loc = (*loc, "estimates", j)
            if isinstance(est, CitedEstimate):
                self.check_citation(est, eloc, name)
                by: str | None = est.source
            else:
                assert isinstance(est, AssumedEstimate)
                by = None
            spec = self.dist(name, node, est.p, (*eloc, "p"), f"{label}, estimate {j + 1}")
            estimates.append(EstimateSpec(spec, est.weight, by, est))
        return Block(tuple(cols), when, tuple(estimates), source.pool, tuple(source.because or ()),
                     self.doc.line_of(loc))

    def dist(self, name: str, node: Node, dist: Mapping[str, Prob], loc: Loc,
             label: str) -> DistSpec:
        states = node.states
        entries: dict[str, Param] = {}
        for state, prob in dist.items():
            if state not in states:
                self.fail((*loc, state), f"'{state}' is not a state of this node", name,
                          did_you_mean(state, states))
                continue
            entries[state] = self.param(prob, name, state, label, (*loc, state))
        missing = len(states) - len(dist)
        if len(entries) == len(dist):
            points = [p.prob.point for p in entries.values()]
            total = sum(points)
            shown = ", ".join(f"{s}: {p.prob.text}" for s, p in entries.items())
            if missing > 1:
                self.fail(loc, f"{label} gives {len(dist)} of {len(states)} states", name,
                          "give every state, or all but one (which takes the remainder)")
            elif missing == 1 and total > 1 + SUM_TOLERANCE:
                self.fail(loc, f"{label} adds up to {total:.6g} ({shown}), over 1 before the "
                               "remaining state", name, "lower these probabilities")
            elif missing == 0 and all(not p.prob.uncertain for p in entries.values()):
                if abs(total - 1) > SUM_TOLERANCE:
                    self.fail(loc, f"{label} sums to {total:.6g}, not 1 ({shown})", name,
                              "make the probabilities add up to 1, or leave one state out so "
                              "it takes the remainder")
            elif missing == 0:
                low = sum(p.prob.low for p in entries.values())
                high = sum(p.prob.high for p in entries.values())
                if not low - SUM_TOLERANCE <= 1 <= high + SUM_TOLERANCE:
                    self.fail(loc, f"{label}: no distribution fits these ranges (they span "
                                   f"{low:.3g} to {high:.3g} in total, which must include 1)",
                              name, "adjust the ranges or terms, or leave one state out")
        return DistSpec(entries, tuple(states))

    def noisy_or_spec(self, name: str, node: Node) -> NoisyOr | None:
        assert node.noisy_or is not None
        loc: Loc = ("nodes", name, "noisy_or")
        self.check_support(node.because or (), ("nodes", name, "because"), name)
        if len(node.states) != 2:
            self.fail(loc, "noisy_or needs a node with two states", name,
                      "use a table for nodes with more states")
        for p in node.parents:
            if len(self.states[p]) != 2:
                self.fail(loc, f"noisy_or needs two-state parents; '{p}' has "
                               f"{len(self.states[p])}", name, "use a table instead")
        keys = set(node.noisy_or)
        if "leak" not in keys:
            self.fail(loc, "noisy_or needs a 'leak' (the chance with no parent active)", name,
                      "add e.g. leak: 0.02")
        for key in sorted(keys - {"leak"} - set(node.parents)):
            self.fail((*loc, key), f"'{key}' in noisy_or is not a parent of this node", name,
                      did_you_mean(key, node.parents))
        for p in node.parents:
            if p not in keys:
                self.fail(loc, f"noisy_or has no weight for parent '{p}'", name,
                          f"add {p}: <probability that {p} alone brings {node.states[0]}>")
        if not self.problems_for(name):
            weights = {p: self.param(node.noisy_or[p], name, node.states[0],
                                     f"noisy-OR weight of {p}", (*loc, p)) for p in node.parents}
            leak = self.param(node.noisy_or["leak"], name, node.states[0], "noisy-OR leak",
                              (*loc, "leak"))
            return NoisyOr(leak, weights, tuple(node.because or ()), self.doc.line_of(loc))
        return None

    def problems_for(self, name: str) -> bool:
        return any(p.node == name for p in self.problems)

    def param(self, prob: Prob, node: str, state: str | None, where: str, loc: Loc) -> Param:
        param = Param(len(self.params), prob, node, state, where, self.doc.line_of(loc))
        self.params.append(param)
        return param

    # what-ifs and utilities ----------------------------------------------------------

    def check_assignment(self, assignment: Mapping[str, str], loc: Loc, what: str) -> None:
        for node, state in assignment.items():
            if node in self.broken:
                continue
            if node not in self.s.nodes:
                self.fail((*loc, node), f"{what}: unknown node '{node}'", None,
                          did_you_mean(node, self.s.nodes))
            elif state not in self.states[node]:
                self.fail((*loc, node), f"{what}: '{state}' is not a state of '{node}'", node,
                          did_you_mean(state, self.states[node]))

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

    def check_utilities(self) -> None:
        for actor, by_node in self.s.utilities.items():
            for node, by_state in by_node.items():
                loc: Loc = ("utilities", actor, node)
                if node in self.broken:
                    continue
                if node not in self.s.nodes:
                    self.fail(loc, f"utilities of '{actor}': unknown node '{node}'", None,
                              did_you_mean(node, self.s.nodes))
                    continue
                for state in by_state:
                    if state not in self.states[node]:
                        self.fail((*loc, state), f"'{state}' is not a state of '{node}'", node,
                                  did_you_mean(state, self.states[node]))


def check(doc: Document) -> Checked:
    """Parse and check a document; raise every problem of the file together."""
    scenario, problems, broken = parse(doc)
    if scenario is None:
        raise ScenarioError(problems)
    return _Checker(doc, scenario, problems, broken).run()


def _when(when: Mapping[str, str | Sequence[str]]) -> str:
    return ", ".join(f"{k}={'|'.join(wanted_states(when, k))}" for k in when)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2019", "'")).strip().lower()
