"""Stage 3b, specs: each checked node's recipe for its table (`tables.NodeSpec`), with every
written probability numbered as a `Param`.

Rows are checked as they are built: which parent combinations each covers (no two rows the
same one, none left out), that each distribution names the node's states and adds up.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import numpy as np

from ..errors import did_you_mean
from .decisions import reader_decision
from .findings import Findings
from .loader import Loc
from .probability import SUM_TOLERANCE, Prob, parse_prob, sum_text
from .schema import AssumedEstimate, Citation, CitedEstimate, Node, Row
from .tables import (
    Block,
    DistSpec,
    EstimateSpec,
    NodeSpec,
    NoisyOr,
    Param,
    Params,
    RowTable,
    column_label,
    columns_matching,
    wanted_states,
    when_text,
)

# A compact table with many bad rows gets this many problems, then one that counts the rest.
MAX_ROW_PROBLEMS = 20

CitationCheck = Callable[[Citation, Loc, str], None]


class SpecBuilder:
    """Builds node specs in topological order; `params` numbers every written probability
    in the order met. `cite` checks a citation (its source, paragraphs and quote)."""

    def __init__(self, findings: Findings, states: Mapping[str, Sequence[str]],
                 cite: CitationCheck):
        self.findings = findings
        self.states = states
        self.cite = cite
        self.params = Params()

    def fail(self, loc: Loc, message: str, node: str | None = None,
             hint: str | None = None) -> None:
        self.findings.fail(loc, message, node, hint)

    def cite_all(self, items: Sequence[object], loc: Loc, node: str) -> None:
        for i, item in enumerate(items):
            if isinstance(item, Citation):
                self.cite(item, (*loc, i), node)

    def node_spec(self, name: str, node: Node) -> NodeSpec | None:
        loc: Loc = ("nodes", name)
        before = len(self.findings.problems)
        parents = tuple(node.parents)
        parent_states = {p: self.states[p] for p in parents}
        cards = tuple(len(parent_states[p]) for p in parents)
        first_param = len(self.params)
        blocks: list[Block] = []
        noisy = rows = None
        if reader_decision(node):
            pass  # the reader's own decision: no table; its policy is solved
        elif node.noisy_or is not None:
            noisy = self.noisy_or_spec(name, node)
        elif node.rows is not None:
            self.cite_all(node.because or (), (*loc, "because"), name)
            rows = self.row_table(name, node, parent_states)
        elif node.table is not None:
            blocks = self.table_blocks(name, node, parent_states)
        else:
            self.cite_all(node.because or (), (*loc, "because"), name)
            blocks = [self.block(name, node, loc, [0], {}, node)]
        if len(self.findings.problems) > before:
            return None
        return NodeSpec(name, node.label or name, node.role, node.description,
                        tuple(node.states), parents, cards, tuple(blocks), noisy,
                        self.findings.doc.line_of(loc), self.params[first_param:], rows)

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
                other_line = self.findings.doc.line_of(("nodes", name, "table", other))
                self.fail((*loc, "when"), f"table row {i + 1} ({when_text(row.when)}) repeats "
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
                self.findings.warn(loc, "the 'otherwise' row covers no combination", name,
                                   "every combination has its own row")
        elif rest:
            missing = [column_label(parents, parent_states, c) for c in rest]
            shown = "; ".join(when_text(m) for m in missing[:3])
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
                hint = (f"add '{parent}' to this node's parents" if parent in self.states
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
        self.cite_all(row.because or (), (*loc, "because"), name)
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
                self.cite(est, eloc, name)
                by: str | None = est.source
            else:
                assert isinstance(est, AssumedEstimate)
                by = None
            spec = self.dist(name, node, est.p, (*eloc, "p"), f"{label}, estimate {j + 1}")
            estimates.append(EstimateSpec(spec, est.weight, by, est))
        if source.pool == "logarithmic" and len(estimates) > 1:
            self.check_support(name, node, estimates, (*loc, "estimates"), label)
        return Block(tuple(cols), when, tuple(estimates), source.pool, tuple(source.because or ()),
                     self.findings.doc.line_of(loc))

    def check_support(self, name: str, node: Node, estimates: Sequence[EstimateSpec], loc: Loc,
                      label: str) -> None:
        """A logarithmic pool multiplies the estimates: some state must have a chance above
        0 in every one of them, or the pooled distribution does not exist."""
        shared = set(node.states)
        for estimate in estimates:
            given = {s: p.prob.point for s, p in estimate.dist.entries.items()}
            rest = max(1 - sum(given.values()), 0.0)
            shared &= {s for s in node.states if given.get(s, rest) > 0}
        if not shared:
            self.fail(loc, f"{label}: the estimates share no state that each gives a chance "
                           "above 0, so their logarithmic pool has no distribution", name,
                      "use pool: linear, or let the estimates overlap on some state")

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
                self.fail(loc, f"{label} adds up to {sum_text(total)} ({shown}), over 1 before the "
                               "remaining state", name, "lower these probabilities")
            elif missing == 0 and all(not p.prob.uncertain for p in entries.values()):
                if abs(total - 1) > SUM_TOLERANCE:
                    self.fail(loc, f"{label} sums to {sum_text(total)}, not 1 ({shown})", name,
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
        self.cite_all(node.because or (), ("nodes", name, "because"), name)
        if len(node.states) != 2:
            self.fail(loc, "noisy_or needs a node with two states", name,
                      "use a table for nodes with more states")
        for p in node.parents:
            if len(self.states[p]) != 2:
                self.fail(loc, f"noisy_or needs two-state parents; '{p}' has "
                               f"{len(self.states[p])}", name, "use a table instead")
        keys = set(node.noisy_or)
        if "leak" in node.parents:
            self.fail((*loc, "leak"), "a parent named 'leak' cannot have a noisy_or weight: "
                                      "'leak' is the key of the leak itself", name,
                      "write this node's table with 'table' or 'rows', or rename the parent")
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
        if self.findings.about(name):
            return None
        weights = {p: self.param(node.noisy_or[p], name, node.states[0],
                                 f"noisy-OR weight of {p}", (*loc, p)) for p in node.parents}
        leak = self.param(node.noisy_or["leak"], name, node.states[0], "noisy-OR leak",
                          (*loc, "leak"))
        return NoisyOr(leak, weights, tuple(node.because or ()),
                       self.findings.doc.line_of(loc))

    def param(self, prob: Prob, node: str, state: str | None, where: str, loc: Loc) -> Param:
        return self.params.add(prob, node, state, where, self.findings.doc.line_of(loc))

    # compact tables ----------------------------------------------------------------------

    def row_table(self, name: str, node: Node,
                  parent_states: Mapping[str, Sequence[str]]) -> RowTable | None:
        """A `rows:` table checked as arrays: one row per parent combination, each row a
        distribution over the states in order. Rows of plain numbers (the imported case)
        never become Python objects one by one."""
        assert node.rows is not None
        rows = node.rows
        loc: Loc = ("nodes", name, "rows")
        states = tuple(node.states)
        card = len(states)
        n_rows = math.prod(len(s) for s in parent_states.values())
        doc = self.findings.doc
        if len(rows) != n_rows:
            order = (f"the {n_rows:,} combinations of {', '.join(parent_states)} (the first "
                     "parent's states changing slowest)" if parent_states else "one row")
            self.fail(loc, f"rows: {len(rows):,} rows where the table needs {n_rows:,}", name,
                      f"give one row per parent-state combination: {order}")
            return None
        problems = _RowProblems(self, name, loc)
        kinds = {type(x) for row in rows for x in row}
        if kinds <= {float, int} and all(len(row) == card for row in rows):
            points = np.array(rows, dtype=np.float64).reshape(n_rows, card)
            written: dict[int, Prob] = {}
        else:
            points, written = self._slow_rows(rows, states, problems)
        broken = np.zeros(n_rows, dtype=bool)
        broken[list(problems.rows)] = True
        outside = ~((points >= 0) & (points <= 1)) & ~broken[:, None]
        for r, j in zip(*np.nonzero(outside), strict=True):
            problems.add(int(r), f"row {r + 1}, {states[j]}: probability "
                                 f"{_shown(rows[r][j])} is outside [0, 1]",
                         "write each as a number from 0 to 1, a percent or a term")
        uncertain = np.zeros(n_rows, dtype=bool)
        for k, prob in written.items():
            uncertain[k // card] |= prob.uncertain
        totals = points.sum(axis=1)
        off = np.abs(totals - 1) > SUM_TOLERANCE
        for r in np.nonzero(off & ~uncertain & ~outside.any(axis=1) & ~broken)[0]:
            problems.add(int(r), f"row {r + 1} sums to {sum_text(float(totals[r]))}, not 1",
                         f"make the {card} probabilities of each row add up to 1")
        for r in np.nonzero(uncertain & ~broken)[0]:
            cells = [written.get(int(r) * card + j) or Prob.exact(float(points[r, j]))
                     for j in range(card)]
            low, high = sum(c.low for c in cells), sum(c.high for c in cells)
            if not low - SUM_TOLERANCE <= 1 <= high + SUM_TOLERANCE:
                problems.add(int(r), f"row {r + 1}: no distribution fits these ranges (they "
                                     f"span {low:.3g} to {high:.3g} in total, which must "
                                     "include 1)", "adjust the ranges or terms")
        problems.close()
        if problems.count:
            return None
        lines = doc.item_lines(loc, n_rows)
        table = RowTable(name, states, dict(parent_states), len(self.params), points, lines,
                         written, tuple(node.because or ()), doc.line_of(loc))
        self.params.add_rows(table)
        return table

    def _slow_rows(self, rows: Sequence[Sequence[Any]], states: tuple[str, ...],
                   problems: _RowProblems) -> tuple[Any, dict[int, Prob]]:
        """Rows holding terms, percents or ranges (or mistakes), read item by item."""
        card = len(states)
        points = np.full((len(rows), card), 0.5)
        written: dict[int, Prob] = {}
        for r, row in enumerate(rows):
            if len(row) != card:
                problems.add(r, f"row {r + 1} has {len(row)} probabilities for the {card} "
                                f"states ({', '.join(states)})",
                             "give one probability per state, in the order of 'states'")
                continue
            for j, item in enumerate(row):
                if type(item) in (float, int):
                    points[r, j] = item
                    continue
                try:
                    prob = parse_prob(item)
                except ValueError as exc:
                    problems.add(r, f"row {r + 1}, {states[j]}: {exc}", None, j)
                    continue
                points[r, j] = prob.point
                if prob.kind != "number" or prob.uncertain:
                    written[r * card + j] = prob
        return points, written



class _RowProblems:
    """A compact table's problems, each at its row's line, the first MAX_ROW_PROBLEMS of
    them one by one and the rest counted."""

    def __init__(self, builder: SpecBuilder, node: str, loc: Loc):
        self.builder, self.node, self.loc = builder, node, loc
        self.count = 0
        self.rows: set[int] = set()
        self.first_untold: int | None = None

    def add(self, row: int, message: str, hint: str | None, item: int | None = None) -> None:
        self.count += 1
        self.rows.add(row)
        if self.count <= MAX_ROW_PROBLEMS:
            where = (*self.loc, row) if item is None else (*self.loc, row, item)
            self.builder.fail(where, f"rows: {message}", self.node, hint)
        elif self.first_untold is None:
            self.first_untold = row

    def close(self) -> None:
        if self.first_untold is not None:
            self.builder.fail((*self.loc, self.first_untold),
                              f"rows: {self.count - MAX_ROW_PROBLEMS:,} more "
                                        f"problems in {len(self.rows):,} rows in all", self.node,
                              "fix the rows above, then validate again to see the rest")


def _shown(value: object) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)
