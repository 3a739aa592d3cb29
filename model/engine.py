"""Compiled exact inference: each shape of question becomes one cached tensor contraction.

A question's shape is its free targets, which nodes are observed, which are set by
intervention, and which tables come batched. For each shape we keep only the tables that can
matter (ancestors of targets and evidence, then only the part still connected to the targets
once the evidence is fixed), plan the contraction order once with opt_einsum, and fold the
tables no query of that shape changes into constants. A warm query slices the observed
states out of the few tables that touch evidence and runs the planned contraction.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import opt_einsum as oe

from .errors import LimitError, Problem, QueryError
from .inference import impossible
from .net import Assignment, Net
from .tables import FloatArray

DEFAULT_MAX_CELLS = 50_000_000  # 400 MB of float64 in one intermediate table

Batch = tuple[int, frozenset[str]] | None  # (batch size, nodes with batched tables)
PlanKey = tuple[tuple[str, ...], frozenset[str], frozenset[str], Batch, bool]


@dataclass(frozen=True)
class _Operand:
    """A table the contraction takes at query time: sliced at observed or set states."""

    node: str
    batched: bool
    template: tuple[slice, ...]  # index into the table, before the fills
    fills: tuple[tuple[int, str], ...]  # (axis, fixed node whose state index goes there)

    def take(self, table: FloatArray, state: Mapping[str, int]) -> FloatArray:
        if self.fills:
            index: list[slice | int] = list(self.template)
            for axis, node in self.fills:
                index[axis] = state[node]
            table = table[tuple(index)]
        if self.batched:
            table = np.ascontiguousarray(np.moveaxis(table, 0, -1))
        return table


def _operand(node: str, batched: bool, axes: Sequence[str], fixed: set[str]) -> _Operand:
    lead = 1 if batched else 0
    template = tuple(slice(None) for _ in range(lead + len(axes)))
    fills = tuple((lead + a, v) for a, v in enumerate(axes) if v in fixed)
    return _Operand(node, batched, template, fills)


@dataclass(frozen=True)
class _Plan:
    """A compiled question shape: what to slice, what to contract, what to check."""

    operands: tuple[_Operand, ...]
    expression: Any  # opt_einsum ContractExpression; None when no table depends on the query
    constant: FloatArray  # the result when `expression` is None
    batched: bool  # whether the contraction's result has the batch axis
    checks: tuple[str, ...]  # observed nodes cut off from the targets: must be possible


class CompiledNet:
    """Exact posteriors, joints and evidence probabilities of a `Net` by compiled contraction.

    `given` observes nodes (evidence); `do` sets them by intervention (graph surgery, as in
    `Net.intervene`). `tables` replaces some nodes' tables by batches of shape
    (batch, card, *parent_cards), all with the same batch size; results then gain a leading
    batch axis.
    """

    def __init__(self, net: Net, max_cells: int = DEFAULT_MAX_CELLS):
        self.net = net
        self.max_cells = max_cells
        self._order = {n: i for i, n in enumerate(net.states)}
        self._symbol = {n: oe.get_symbol(i) for i, n in enumerate(net.states)}
        self._batch_symbol = oe.get_symbol(len(net.states))
        self._state = {n: {s: i for i, s in enumerate(ss)} for n, ss in net.states.items()}
        self._tables = {n: _table(net, n) for n in net.states}
        # per node and state: is the state possible under every parent combination?
        self._positive = {n: t.reshape(t.shape[0], -1).min(axis=1) > 0
                          for n, t in self._tables.items()}
        self._plans: dict[PlanKey, _Plan] = {}

    # the API -------------------------------------------------------------------------------

    def posterior(self, target: str, given: Assignment | None = None,
                  do: Assignment | None = None,
                  tables: Mapping[str, FloatArray] | None = None) -> FloatArray:
        """P(target | given, do(do)): shape (card,), or (batch, card) with batched tables."""
        return self.joint([target], given, do, tables)

    def joint(self, targets: Sequence[str], given: Assignment | None = None,
              do: Assignment | None = None,
              tables: Mapping[str, FloatArray] | None = None) -> FloatArray:
        """P(targets | given, do(do)), one axis per target in order (after the batch axis)."""
        targets = [self.net.check_node(t) for t in targets]
        if len(set(targets)) != len(targets):
            raise QueryError(Problem("a node is named twice in the joint's targets"))
        given, do = self._question(given, do)
        tables = tables or {}
        batch = self._batch(tables)
        free = tuple(t for t in targets if t not in given and t not in do)
        values = self._unnormalized(free, given, do, tables, batch, exact=False)
        total = values.reshape((*values.shape[:values.ndim - len(free)], -1)).sum(axis=-1)
        if not np.all(total > 0) or not np.all(np.isfinite(total)):
            raise impossible(given)
        values = values / total.reshape(total.shape + (1,) * len(free))
        return self._embed(values, targets, free, {**given, **do}, batch)

    def evidence_probability(self, given: Assignment | None = None,
                             do: Assignment | None = None,
                             tables: Mapping[str, FloatArray] | None = None
                             ) -> FloatArray | float:
        """P(given | do(do)): a float, or shape (batch,) with batched tables."""
        given, do = self._question(given, do)
        tables = tables or {}
        batch = self._batch(tables)
        values = self._unnormalized((), given, do, tables, batch, exact=True)
        return values if batch is not None else float(values)

    # one query -----------------------------------------------------------------------------

    def _question(self, given: Assignment | None,
                  do: Assignment | None) -> tuple[dict[str, str], dict[str, str]]:
        given = self.net.check_assignment(given, "given")
        do = self.net.check_assignment(do, "do")
        for node in given:
            if node in do:
                raise QueryError(Problem(f"'{node}' is both observed (given) and set (do)",
                                         node=node, hint="keep it in one of the two"))
        return given, do

    def _batch(self, tables: Mapping[str, FloatArray]) -> Batch:
        """The batch size and batched nodes of `tables`, whose shapes are checked here."""
        if not tables:
            return None
        sizes = set()
        for node, table in tables.items():
            expected = self._tables[self.net.check_node(node)].shape
            if table.shape[1:] != expected:
                raise ValueError(f"batched table of '{node}' has shape {table.shape}, "
                                 f"expected (batch, {', '.join(map(str, expected))})")
            sizes.add(table.shape[0])
        if len(sizes) > 1:
            raise ValueError(f"batched tables disagree on the batch size: {sorted(sizes)}")
        return sizes.pop(), frozenset(tables)

    def _unnormalized(self, free: tuple[str, ...], given: dict[str, str], do: dict[str, str],
                      tables: Mapping[str, FloatArray], batch: Batch,
                      exact: bool) -> FloatArray:
        """P(free, given | do(do)) up to factors that cannot be zero (unless `exact`)."""
        key = (free, frozenset(given), frozenset(do), batch, exact)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._compile(free, given, do, batch, exact)
        state = {n: self._state[n][s] for n, s in given.items()}
        state.update((n, self._state[n][s]) for n, s in do.items())
        if not self._possible(plan.checks, state, tables):
            # an observation cut off from the targets may be impossible: contract it too
            return self._unnormalized(free, given, do, tables, batch, exact=True)
        if plan.expression is None:
            values = plan.constant
        else:
            ops = [op.take(tables[op.node] if op.batched else self._tables[op.node], state)
                   for op in plan.operands]
            values = np.asarray(plan.expression(*ops), dtype=np.float64)
        if plan.batched:
            values = np.moveaxis(values, -1, 0)
        elif batch is not None:
            values = np.broadcast_to(values, (batch[0], *values.shape))
        return values

    def _possible(self, checks: tuple[str, ...], state: Mapping[str, int],
                  tables: Mapping[str, FloatArray]) -> bool:
        """Whether each checked observation has probability > 0 whatever its parents are."""
        for node in checks:
            if node in tables:
                if not tables[node][:, state[node]].min() > 0:
                    return False
            elif not self._positive[node][state[node]]:
                return False
        return True

    def _embed(self, values: FloatArray, targets: Sequence[str], free: tuple[str, ...],
               fixed: Mapping[str, str], batch: Batch) -> FloatArray:
        """The free targets' joint placed in the full joint: fixed targets are certain."""
        if len(free) == len(targets):
            return values
        lead = () if batch is None else (batch[0],)
        out = np.zeros(lead + tuple(len(self.net.states[t]) for t in targets))
        index = [slice(None)] * len(lead) + [
            self._state[t][fixed[t]] if t in fixed else slice(None) for t in targets]
        out[tuple(index)] = values
        return out

    # compiling a question shape ------------------------------------------------------------

    def _compile(self, free: tuple[str, ...], given: Mapping[str, str], do: Mapping[str, str],
                 batch: Batch, exact: bool) -> _Plan:
        """Prune to the tables that matter, then plan their contraction."""
        fixed = {*given, *do}
        needed = self._ancestors([*free, *given], do)
        factors = sorted((n for n in needed if n not in do), key=self._order.__getitem__)
        scopes = {n: [v for v in (n, *self.net.parents[n]) if v not in fixed] for n in factors}
        kept = factors if exact else _connected(factors, scopes, free)
        checks = tuple(n for n in factors if n in given and n not in kept)
        if not kept:
            return _Plan((), None, np.ones(()), False, checks)
        in_batch = set() if batch is None else {n for n in kept if n in batch[1]}
        size = 1 if batch is None else batch[0]
        operands: list[_Operand] = []
        constants: dict[int, FloatArray] = {}
        inputs: list[str] = []
        shapes: list[tuple[int, ...]] = []
        for n in kept:
            # the batch axis goes last: einsum's inner loops then run along it
            b = n in in_batch
            inputs.append("".join(self._symbol[v] for v in scopes[n])
                          + (self._batch_symbol if b else ""))
            cards = tuple(len(self.net.states[v]) for v in scopes[n])
            shapes.append((*cards, size) if b else cards)
            axes = (n, *self.net.parents[n])
            if not b and len(scopes[n]) == len(axes):
                constants[len(inputs) - 1] = self._tables[n]
            else:
                operands.append(_operand(n, b, axes, fixed))
        output = "".join(self._symbol[t] for t in free) + (self._batch_symbol if in_batch else "")
        equation = ",".join(inputs) + "->" + output
        path, info = oe.contract_path(equation, *shapes, shapes=True)
        cells = math.prod(len(self.net.states[t]) for t in free) * size
        cells = max(cells, int(info.largest_intermediate))
        if cells > self.max_cells:
            raise self._too_large(free, given, do, cells)
        if not operands:
            value = np.asarray(oe.contract(equation, *constants.values(), optimize=path))
            return _Plan((), None, value, False, checks)
        expression = oe.contract_expression(
            equation, *[constants.get(i, s) for i, s in enumerate(shapes)],
            constants=list(constants), optimize=path)
        return _Plan(tuple(operands), expression, np.ones(()), bool(in_batch), checks)

    def _ancestors(self, start: Sequence[str], do: Mapping[str, str]) -> set[str]:
        """`start` and its ancestors once set nodes have lost their parents."""
        seen = set(start)
        stack = list(start)
        while stack:
            node = stack.pop()
            if node in do:
                continue
            for parent in self.net.parents[node]:
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        return seen

    def _too_large(self, free: Sequence[str], given: Mapping[str, str],
                   do: Mapping[str, str], cells: int) -> LimitError:
        what = ", ".join(free) or "the evidence"
        conditions = [*given, *(f"do({n})" for n in do)]
        if conditions:
            what += " | " + ", ".join(conditions)
        return LimitError(Problem(
            f"exact query P({what}) needs a table of {cells:,} cells "
            f"(limit {self.max_cells:,})",
            hint="ask about fewer targets jointly, observe fewer nodes, "
                 "or estimate it by approximate sampling"))


def _table(net: Net, node: str) -> FloatArray:
    table = np.ascontiguousarray(net.tables[node], dtype=np.float64)
    expected = tuple(len(net.states[n]) for n in (node, *net.parents[node]))
    if table.shape != expected:
        raise ValueError(f"table of '{node}' has shape {table.shape}, expected {expected}")
    return table


def _connected(factors: Sequence[str], scopes: Mapping[str, Sequence[str]],
               free: Sequence[str]) -> list[str]:
    """The factors linked to the free targets through unobserved nodes (d-connection).

    The others multiply the result by a constant, which normalising cancels.
    """
    by_node: dict[str, list[str]] = {}
    for f in factors:
        for v in scopes[f]:
            by_node.setdefault(v, []).append(f)
    seen_nodes, kept = set(free), set()
    stack = list(free)
    while stack:
        for f in by_node.get(stack.pop(), ()):
            if f in kept:
                continue
            kept.add(f)
            for v in scopes[f]:
                if v not in seen_nodes:
                    seen_nodes.add(v)
                    stack.append(v)
    return [f for f in factors if f in kept]


def net_from_pgmpy(model: Any) -> Net:
    """A `Net` from a pgmpy DiscreteBayesianNetwork; every axis is matched by state name."""
    cpds = {cpd.variables[0]: cpd for cpd in model.get_cpds()}
    states = {n: tuple(str(s) for s in cpd.state_names[n]) for n, cpd in cpds.items()}
    parents = {n: tuple(cpd.variables[1:]) for n, cpd in cpds.items()}
    tables = {n: _pgmpy_table(cpd, states) for n, cpd in cpds.items()}
    order = _topological(parents)
    return Net({n: states[n] for n in order}, {n: parents[n] for n in order},
               {n: tables[n] for n in order})


def _pgmpy_table(cpd: Any, states: Mapping[str, tuple[str, ...]]) -> FloatArray:
    """A TabularCPD's values as (card, *parent_cards), states in each node's own order."""
    table = np.asarray(cpd.get_values(), dtype=np.float64).reshape(cpd.cardinality)
    for axis, v in enumerate(cpd.variables):
        theirs = [str(s) for s in cpd.state_names[v]]
        table = np.take(table, [theirs.index(s) for s in states[v]], axis=axis)
    return table


def net_from_bif(path: str) -> Net:
    """A `Net` from a BIF file (gzipped if the name ends in .gz), read by pgmpy."""
    import gzip
    import warnings

    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".gz"):
        data = gzip.decompress(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgmpy.readwrite import BIFReader

        model = BIFReader(string=data.decode()).get_model()
    return net_from_pgmpy(model)


def _topological(parents: Mapping[str, Sequence[str]]) -> list[str]:
    order: list[str] = []
    placed: set[str] = set()
    pending = list(parents)
    while pending:
        ready = [n for n in pending if all(p in placed for p in parents[n])]
        if not ready:
            raise ValueError(f"the network has a cycle through {sorted(pending)[:5]}")
        order += ready
        placed.update(ready)
        pending = [n for n in pending if n not in placed]
    return order
