"""Compiled exact inference: each shape of question becomes one cached tensor contraction.

A question's shape is its free targets, which nodes are observed, which are set by
intervention, and which tables come batched. For each shape we keep only the tables that can
matter: the ancestors of the targets and the evidence (the rest sums to one), and of those
only the part still connected to the targets once the evidence is fixed (the rest is a
constant factor, which normalising cancels; it is only contracted when it might be zero,
that is when the evidence might be impossible).

A shape seen for the first time is answered at once by bucket elimination: its nodes are
summed out one at a time in an order computed once for the whole network, so planning costs
a sort, where opt_einsum's search and expression building cost more than the arithmetic of
most queries. A shape that comes back is planned properly: the tables no query of the shape
changes are contracted ahead of time and the order of the rest is found by opt_einsum, once.
A warm query then slices the observed states out of the few tables that touch them and runs
the planned steps. Batched tables (thousands of sampled table sets, for uncertainty
analysis) always take the planned path, with the batch as the innermost axis, in chunks of
samples small enough to stay in cache. Both paths refuse a query whose largest table would
pass `max_cells`.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, overload

import numpy as np
import numpy.typing as npt
import opt_einsum as oe

from ..errors import LimitError, Problem
from ..language.tables import FloatArray
from ..limits import MAX_QUERY_CELLS
from .net import Assignment, Net, describe_question, impossible

# Tables that no query of a shape changes are contracted ahead of time when the result has
# at most this many cells (or no more than the largest of the tables it replaces).
FOLD_CELLS = 1 << 16
# Batched tables are contracted in chunks of samples holding about this many cells (2 MB).
CHUNK_CELLS = 1 << 18
# Below this many cells in its largest table a contraction runs faster on einsum alone than
# with BLAS (tensordot's reshaping costs more than it saves on small tables).
BLAS_CELLS = 1 << 14
# Question shapes kept, the planned ones with their folded tables; past this the oldest go.
MAX_PLANS = 2_000

Batch = tuple[int, frozenset[str]] | None  # (batch size, nodes with batched tables)
ShapeKey = tuple[tuple[str, ...], frozenset[str], frozenset[str], Batch, bool]
K = TypeVar("K")
V = TypeVar("V")


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
        if self.batched:  # batch axis last: einsum's inner loops then run along it, ~30x faster
            table = np.ascontiguousarray(np.moveaxis(table, 0, -1))
        return table


def _operand(node: str, batched: bool, axes: Sequence[str], fixed: set[str]) -> _Operand:
    lead = 1 if batched else 0
    template = tuple(slice(None) for _ in range(lead + len(axes)))
    fills = tuple((lead + a, v) for a, v in enumerate(axes) if v in fixed)
    return _Operand(node, batched, template, fills)


@dataclass(frozen=True)
class _Contraction:
    """Planned steps over the operands; `constant` is the result when nothing varies."""

    operands: tuple[_Operand, ...]
    expression: Any  # opt_einsum ContractExpression, or None
    constant: FloatArray
    batched: bool  # the result's last axis is the batch
    chunk: int  # samples per run of the expression


_NOTHING = _Contraction((), None, np.ones(()), False, 1)


@dataclass(frozen=True)
class _Cut:
    """Tables cut off from the targets by the evidence: a constant factor of the answer."""

    factors: tuple[int, ...]  # by number, in the net's order
    checks: tuple[str, ...]  # its observed nodes: the factor is > 0 if each is always possible


@dataclass
class _Shape:
    """The tables a question shape needs (by number) and, once the shape comes back, their
    planned contraction."""

    main: tuple[int, ...]  # linked to the free targets (every needed table when exact)
    cut: tuple[_Cut, ...]
    planned: _Contraction | None = None


class CompiledNet:
    """Exact posteriors, joints and evidence probabilities of a `Net` by compiled contraction.

    `given` observes nodes (evidence); `do` sets them by intervention (graph surgery, as in
    `Net.intervene`). `tables` replaces some nodes' tables by batches of shape
    (batch, card, *parent_cards), all with the same batch size; results then gain a leading
    batch axis.
    """

    def __init__(self, net: Net, max_cells: int = MAX_QUERY_CELLS):
        self.net = net
        self.max_cells = max_cells
        # the planning of new shapes works on node numbers (the net's order)
        self._nodes = list(net.states)
        self._index = {n: i for i, n in enumerate(self._nodes)}
        self._family = [tuple(self._index[v] for v in (n, *net.parents[n])) for n in self._nodes]
        children: list[list[int]] = [[] for _ in self._nodes]
        for i, family in enumerate(self._family):
            for parent in family[1:]:
                children[parent].append(i)
        self._children = [tuple(c) for c in children]
        self._card = [len(net.states[n]) for n in self._nodes]
        self._rank = _elimination_ranks(self._family, self._card, max_cells)
        self._symbol = {n: oe.get_symbol(i) for i, n in enumerate(net.states)}
        self._batch_symbol = oe.get_symbol(len(net.states))
        self._state = {n: {s: i for i, s in enumerate(ss)} for n, ss in net.states.items()}
        self._tables = {n: _table(net, n) for n in net.states}
        # per node and state: is the state possible under every parent combination?
        self._positive = {n: t.reshape(t.shape[0], -1).min(axis=1) > 0
                          for n, t in self._tables.items()}
        self._arrays = list(self._tables.values())  # by node number
        self._shapes: dict[ShapeKey, _Shape] = {}
        self._cuts: dict[tuple[_Cut, frozenset[str], Batch], _Contraction] = {}

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
        targets = self.net.check_targets(targets)
        given, do = self.net.question(given, do)
        tables = tables or {}
        batch = self._batch(tables)
        free = tuple(t for t in targets if t not in given and t not in do)
        values = self._unnormalized(free, given, do, tables, batch, exact=False)
        total = values.reshape((*values.shape[:values.ndim - len(free)], -1)).sum(axis=-1)
        if not ((total > 0).all() and np.isfinite(total).all()):
            raise impossible(given)
        values = values / total.reshape(total.shape + (1,) * len(free))
        return self._embed(values, targets, free, {**given, **do}, batch)

    @overload
    def evidence_probability(self, given: Assignment | None = None,
                             do: Assignment | None = None, tables: None = None) -> float: ...

    @overload
    def evidence_probability(self, given: Assignment | None, do: Assignment | None,
                             tables: Mapping[str, FloatArray]) -> FloatArray: ...

    def evidence_probability(self, given: Assignment | None = None,
                             do: Assignment | None = None,
                             tables: Mapping[str, FloatArray] | None = None
                             ) -> FloatArray | float:
        """P(given | do(do)): a float, or shape (batch,) with batched tables."""
        given, do = self.net.question(given, do)
        tables = tables or {}
        batch = self._batch(tables)
        values = self._unnormalized((), given, do, tables, batch, exact=True)
        return np.array(values) if batch is not None else float(values)

    def most_probable(self, given: Assignment | None = None,
                      do: Assignment | None = None) -> tuple[dict[str, str], float]:
        """The likeliest joint state of every node neither observed nor set, and its
        probability given the observations: max-product elimination in the network's
        elimination order, then a trace back through the maximising states."""
        given, do = self.net.question(given, do)
        evidence = self.evidence_probability(given, do)
        if not evidence > 0:
            raise impossible(given)
        card, index = self._card, self._index
        state = {index[n]: self._state[n][s] for n, s in {**given, **do}.items()}
        tables: list[tuple[FloatArray, tuple[int, ...]]] = []
        for f, family in enumerate(self._family):
            if f in state and self._nodes[f] in do:
                continue  # a set node's table is replaced by certainty
            table = self._arrays[f]
            scope = tuple(v for v in family if v not in state)
            if len(scope) < len(family):
                table = table[tuple(state.get(v, slice(None)) for v in family)]
            tables.append((table, scope))
        # Each eliminated node's maximising state for every state of the rest of its bucket;
        # every table made is scaled to a maximum of 1 (the scales kept as logarithms) so
        # that a product of many small probabilities does not underflow.
        traces: list[tuple[int, tuple[int, ...], npt.NDArray[np.intp]]] = []
        log_scale = 0.0
        free = sorted((v for v in range(len(card)) if v not in state), key=self._rank.__getitem__)
        for v in free:
            used = [t for t in tables if v in t[1]]
            tables = [t for t in tables if v not in t[1]]
            scope = tuple(dict.fromkeys(u for _, s in used for u in s))
            cells = math.prod(card[u] for u in scope)
            if cells > self.max_cells:
                raise LimitError(Problem(
                    f"the most probable explanation {_describe((), given, do)} needs a table "
                    f"of {cells:,} cells (limit {self.max_cells:,})",
                    hint="observe or set more nodes, or ask for the posteriors instead"))
            args: list[Any] = [x for table, s in used for x in (table, [scope.index(u) for u in s])]
            product = np.einsum(*args, list(range(len(scope))), optimize=len(used) > 2)
            axis = scope.index(v)
            best = product.max(axis=axis)
            top = float(best.max()) if best.size else 0.0
            if top > 0:
                best = best / top
                log_scale += math.log(top)
            traces.append((v, scope[:axis] + scope[axis + 1:], product.argmax(axis=axis)))
            tables.append((best, scope[:axis] + scope[axis + 1:]))
        for table, _ in tables:  # scalars: tables with every axis fixed, and bucket results
            value = float(table)
            log_scale += math.log(value) if value > 0 else -math.inf
        found: dict[int, int] = {}
        for v, rest, choice in reversed(traces):
            found[v] = int(choice[tuple(found[u] for u in rest)])
        states = {self._nodes[v]: self.net.states[self._nodes[v]][found[v]]
                  for v in sorted(found)}
        return states, math.exp(log_scale) / evidence

    # one query -----------------------------------------------------------------------------

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
        """P(free, given | do(do)), batch axis first; unless `exact`, only up to a positive
        factor (the tables cut off from the targets), which normalising cancels."""
        key = (free, frozenset(given), frozenset(do), batch, exact)
        state = {n: self._state[n][s] for n, s in given.items()}
        state.update((n, self._state[n][s]) for n, s in do.items())
        shape = self._shapes.get(key)
        first = shape is None
        if shape is None:
            shape = _remember(self._shapes, key, self._prune(free, given, do, exact))
        # an observation cut off from the targets may be impossible: its part is weighed in
        cuts = [cut for cut in shape.cut if not self._possible(cut.checks, state, tables)]
        values = None
        if first and batch is None:  # batched tables always take the planned path
            factors = [*shape.main, *(f for cut in cuts for f in cut.factors)]
            values = self._eliminate(factors, free, state)
        if values is None:
            if shape.planned is None:
                shape.planned = self._contraction([self._nodes[n] for n in shape.main],
                                                  set(state), free, batch,
                                                  lambda: _describe(free, given, do))
            values = self._run(shape.planned, state, tables, batch)
            for cut in cuts:
                factor = self._run(self._cut(cut, given, do, batch), state, tables, batch)
                values = values * factor.reshape(factor.shape + (1,) * len(free))
        return values

    def _run(self, contraction: _Contraction, state: Mapping[str, int],
             tables: Mapping[str, FloatArray], batch: Batch) -> FloatArray:
        """The contraction's result for one query, batch axis first."""
        if contraction.expression is None:
            values = contraction.constant
        elif contraction.batched and batch is not None:
            return self._run_batched(contraction, state, tables, batch[0])
        else:
            ops = [op.take(self._tables[op.node], state) for op in contraction.operands]
            values = np.asarray(contraction.expression(*ops), dtype=np.float64)
        if batch is not None:
            return np.broadcast_to(values, (batch[0], *values.shape))
        return values

    def _run_batched(self, contraction: _Contraction, state: Mapping[str, int],
                     tables: Mapping[str, FloatArray], size: int) -> FloatArray:
        """The batch in chunks whose tables stay in cache: memory traffic, not arithmetic,
        bounds a batched contraction (chunks run about 3x faster than the whole batch)."""
        ops: list[FloatArray | None] = [
            None if op.batched else op.take(self._tables[op.node], state)
            for op in contraction.operands]
        step = contraction.chunk
        out: FloatArray | None = None
        for start in range(0, size, step):
            chunk = [op.take(tables[op.node][start:start + step], state) if a is None else a
                     for op, a in zip(contraction.operands, ops, strict=True)]
            part = np.asarray(contraction.expression(*chunk), dtype=np.float64)
            if out is None:
                out = np.empty((*part.shape[:-1], size))
            out[..., start:start + step] = part
        assert out is not None
        return np.moveaxis(out, -1, 0)

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

    # the tables a question shape needs -----------------------------------------------------

    def _prune(self, free: Sequence[str], given: Collection[str], do: Collection[str],
               exact: bool) -> _Shape:
        """The needed tables: those of the ancestors of the targets and the evidence, split
        (unless `exact`) into the part linked to the free targets and the parts cut off."""
        index = self._index
        observed = {index[n] for n in given}
        forced = {index[n] for n in do}
        needed = self._ancestors([*(index[n] for n in free), *observed], forced)
        needed -= forced  # a set node's table is replaced by certainty
        if exact:
            return _Shape(tuple(sorted(needed)), ())
        fixed = observed | forced
        main = self._linked([index[n] for n in free], needed, fixed)
        rest = needed - main
        cut = []
        while rest:
            part = self._linked([min(rest)], rest, fixed)
            rest -= part
            checks = tuple(self._nodes[n] for n in sorted(part & observed))
            cut.append(_Cut(tuple(sorted(part)), checks))
        return _Shape(tuple(sorted(main)), tuple(cut))

    def _ancestors(self, start: Iterable[int], do: Collection[int]) -> set[int]:
        """`start` and its ancestors once set nodes have lost their parents."""
        seen = set(start)
        stack = list(seen)
        family = self._family
        while stack:
            node = stack.pop()
            if node in do:
                continue
            for parent in family[node][1:]:
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        return seen

    def _linked(self, seeds: Iterable[int], tables: Collection[int],
                fixed: Collection[int]) -> set[int]:
        """The tables among `tables` linked to the tables `seeds` through unfixed nodes: the
        evidence d-separates the others from them."""
        linked = set(seeds)
        stack = list(linked)
        visited: set[int] = set()
        family, children = self._family, self._children
        while stack:
            for v in family[stack.pop()]:
                if v in fixed or v in visited:
                    continue
                visited.add(v)
                for table in (v, *children[v]):  # the tables with an axis for v
                    if table not in linked and table in tables:
                        linked.add(table)
                        stack.append(table)
        return linked

    # a shape seen once: bucket elimination -------------------------------------------------

    def _eliminate(self, factors: Sequence[int], targets: Sequence[str],
                   fixed: Mapping[str, int]) -> FloatArray | None:
        """The product of `factors`' tables, sliced at the `fixed` states and summed down to
        `targets`, by eliminating one node at a time in the network's elimination order.
        None when that makes a table past `max_cells` (the planner may do better)."""
        if not factors:
            return np.ones(())
        card, index = self._card, self._index
        free = tuple(index[n] for n in targets)
        state = {index[n]: k for n, k in fixed.items()}
        tables: list[FloatArray | None] = []
        scopes: list[tuple[int, ...]] = []
        holders: dict[int, set[int]] = {}  # node -> the tables with an axis for it
        for f in factors:
            family = self._family[f]
            table = self._arrays[f]
            scope = tuple(v for v in family if v not in state)
            if len(scope) < len(family):
                table = table[tuple(state.get(v, slice(None)) for v in family)]
            for v in scope:
                holders.setdefault(v, set()).add(len(tables))
            tables.append(table)
            scopes.append(scope)
        keep = set(free)
        # (tables used, axes of the table made, large enough for BLAS)
        steps: list[tuple[set[int], tuple[int, ...], bool]] = []
        for v in sorted((v for v in holders if v not in keep), key=self._rank.__getitem__):
            used = holders.pop(v)
            out = tuple(set().union(*(scopes[i] for i in used)) - {v})
            cells = math.prod(card[u] for u in out)
            if cells > self.max_cells:
                return None
            for u in out:
                holders[u] -= used
                holders[u].add(len(scopes))
            scopes.append(out)
            steps.append((used, out, cells * card[v] > BLAS_CELLS))
        last = set(range(len(scopes))).difference(*(used for used, _, _ in steps))
        cells = math.prod(card[v] for v in free)
        if cells > self.max_cells:
            return None
        steps.append((last, free, cells > BLAS_CELLS))
        for used, out, large in steps:
            axes: dict[int, int] = {}
            args: list[Any] = []
            for i in used:
                args += [tables[i], [axes.setdefault(v, len(axes)) for v in scopes[i]]]
                tables[i] = None  # let it go: only the tables alive count against the limit
            args.append([axes[v] for v in out])
            # a large step goes pairwise through BLAS, where numpy's search for the pairs
            # costs less than it saves
            tables.append(np.einsum(*args, optimize=large))
        result = tables[-1]
        assert result is not None
        return result

    # a shape that comes back: the planned contraction --------------------------------------

    def _cut(self, cut: _Cut, given: Mapping[str, str], do: Mapping[str, str],
             batch: Batch) -> _Contraction:
        fixed = {*given, *do}
        key = (cut, frozenset(fixed), batch)  # a cut's tables are sliced at every fixed node
        contraction = self._cuts.get(key)
        if contraction is None:
            factors = [self._nodes[n] for n in cut.factors]
            contraction = _remember(self._cuts, key, self._contraction(
                factors, fixed, (), batch,
                lambda: _describe((), {n: given[n] for n in cut.checks}, do)))
        return contraction

    def _contraction(self, factors: Sequence[str], fixed: set[str], free: tuple[str, ...],
                     batch: Batch, query: Callable[[], str]) -> _Contraction:
        """The planned product of `factors`' tables, summed down to `free` (and the batch)."""
        if not factors:
            return _NOTHING
        operands, inputs, constants = self._terms(factors, fixed, batch)
        batched = any(op.batched for op in operands)
        output = "".join(self._symbol[t] for t in free) + (self._batch_symbol if batched else "")
        sizes = {self._symbol[v]: len(self.net.states[v])
                 for n in factors for v in (n, *self.net.parents[n])}
        sizes[self._batch_symbol] = 1 if batch is None else batch[0]
        path, cells = self._order_steps(inputs, len(operands), output, sizes, query)
        equation = ",".join(inputs) + "->" + output
        if not operands:
            value = np.asarray(oe.contract(equation, *constants, optimize=path))
            return _Contraction((), None, value, False, 1)
        shapes = [tuple(sizes[c] for c in term) for term in inputs[:len(operands)]]
        expression = oe.contract_expression(equation, *shapes, *constants, optimize=path,
                                            constants=range(len(operands), len(inputs)),
                                            use_blas=cells > BLAS_CELLS)
        per_sample = sum(math.prod(shape[:-1])
                         for shape, op in zip(shapes, operands, strict=True) if op.batched)
        chunk = max(1, CHUNK_CELLS // max(1, per_sample))
        return _Contraction(tuple(operands), expression, np.ones(()), batched, chunk)

    def _terms(self, factors: Sequence[str], fixed: set[str],
               batch: Batch) -> tuple[list[_Operand], list[str], list[FloatArray]]:
        """Operands taken at query time, the einsum subscripts of every table (operands
        first), and the tables no query of this shape changes."""
        operands: list[_Operand] = []
        varying: list[str] = []
        constant: list[str] = []
        tables: list[FloatArray] = []
        for n in factors:
            axes = (n, *self.net.parents[n])
            term = "".join(self._symbol[v] for v in axes if v not in fixed)
            if batch is not None and n in batch[1]:
                operands.append(_operand(n, True, axes, fixed))
                varying.append(term + self._batch_symbol)
            elif len(term) < len(axes):
                operands.append(_operand(n, False, axes, fixed))
                varying.append(term)
            else:
                constant.append(term)
                tables.append(self._tables[n])
        return operands, varying + constant, tables

    def _order_steps(self, inputs: Sequence[str], varying: int, output: str,
                     sizes: Mapping[str, int],
                     query: Callable[[], str]) -> tuple[list[tuple[int, ...]], int]:
        """The contraction order (opt_einsum's linear form) and the cells of its largest
        table, refused past `max_cells`."""
        path = _path(inputs, varying, output, sizes, fold=True)
        cells = _largest(inputs, output, path, sizes)
        if cells > self.max_cells:  # folding can need more room than the plain order
            path = _path(inputs, varying, output, sizes, fold=False)
            cells = _largest(inputs, output, path, sizes)
        if cells > self.max_cells:
            raise LimitError(Problem(
                f"exact query {query()} needs a table of {cells:,} cells "
                f"(limit {self.max_cells:,})",
                hint="ask about fewer targets jointly, observe fewer nodes, use fewer "
                     "samples per batch, or estimate it by approximate sampling"))
        return list(oe.paths.ssa_to_linear(path)), cells


def _elimination_ranks(families: Sequence[tuple[int, ...]], card: Sequence[int],
                       limit: int) -> list[int]:
    """Each node's place in an elimination order of the whole network's moral graph, the
    node whose elimination makes the smallest table first. A query eliminates its own nodes
    in this order: its graph is part of this one (evidence and pruning only remove nodes and
    links), so no table it makes has more axes than one this order makes on the whole graph,
    apart from the query's targets; and ordering costs a sort, not a search. Once every
    elimination left would make a table past `limit` cells, the rest keep the net's order:
    finishing the search there costs time growing with the square of the nodes left, and a
    query whose tables then grow past the limit goes to opt_einsum's planner anyway."""
    around: list[set[int]] = [set() for _ in card]
    for family in families:
        for v in family:
            around[v].update(family)
    for v, others in enumerate(around):
        others.discard(v)

    def made(v: int) -> int:
        """Cells of the table eliminating `v` makes, up to just past `limit`."""
        cells = 1
        for u in around[v]:
            cells *= card[u]
            if cells > limit:
                break
        return cells

    cost = {v: made(v) for v in range(len(card))}
    queue = [(c, v) for v, c in cost.items()]
    heapq.heapify(queue)
    ranks = [0] * len(card)
    for rank in range(len(card)):
        cells, v = heapq.heappop(queue)
        while cost.get(v) != cells:  # eliminated already, or its cost has changed since
            cells, v = heapq.heappop(queue)
        if cells > limit:
            break
        del cost[v]
        ranks[v] = rank
        for u in around[v]:
            around[u] |= around[v]
            around[u] -= {u, v}
        for u in around[v]:
            cost[u] = made(u)
            heapq.heappush(queue, (cost[u], u))
    for rank, v in enumerate(sorted(cost), start=len(card) - len(cost)):
        ranks[v] = rank
    return ranks


def _remember(cache: dict[K, V], key: K, value: V) -> V:
    if len(cache) >= MAX_PLANS:
        del cache[next(iter(cache))]
    cache[key] = value
    return value


def _describe(free: Sequence[str], given: Mapping[str, str], do: Mapping[str, str]) -> str:
    conditions = describe_question(given, do)
    return f"P({', '.join(free) or 'evidence'}{' | ' if conditions else ''}{conditions})"


def _table(net: Net, node: str) -> FloatArray:
    table = np.ascontiguousarray(net.tables[node], dtype=np.float64)
    expected = tuple(len(net.states[n]) for n in (node, *net.parents[node]))
    if table.shape != expected:
        raise ValueError(f"table of '{node}' has shape {table.shape}, expected {expected}")
    return table


def _components(factors: Sequence[int], scopes: Mapping[int, set[str]]) -> list[list[int]]:
    """Factors grouped by shared indices (unobserved nodes): the evidence d-separates them."""
    by_node: dict[str, list[int]] = {}
    for f in factors:
        for v in scopes[f]:
            by_node.setdefault(v, []).append(f)
    groups: list[list[int]] = []
    placed: set[int] = set()
    for first in factors:
        if first in placed:
            continue
        group, stack = [], [first]
        placed.add(first)
        while stack:
            f = stack.pop()
            group.append(f)
            for v in scopes[f]:
                for g in by_node[v]:
                    if g not in placed:
                        placed.add(g)
                        stack.append(g)
        groups.append(group)
    return groups


def _path(inputs: Sequence[str], varying: int, output: str, sizes: Mapping[str, int],
          fold: bool) -> list[tuple[int, ...]]:
    """A contraction order by opt_einsum's greedy search, in single-assignment form (ids: the
    inputs, then each step's result). With `fold`, each group of constant tables (the inputs
    after the first `varying`) linked by indices nothing else uses is contracted first, down
    to the indices the rest needs: opt_einsum does those steps once, when the expression
    first runs, so warm queries skip them."""
    subscripts = dict(enumerate(inputs))
    ssa: list[tuple[int, ...]] = []
    rest = list(range(varying if fold else len(inputs)))
    if fold:
        interface = set(output).union(*inputs[:varying])
        summed = {i: set(inputs[i]) - interface for i in range(varying, len(inputs))}
        for group in _components(list(summed), summed):
            keep = set().union(*(inputs[i] for i in group)) & interface
            limit = max(FOLD_CELLS, *(math.prod(sizes[c] for c in inputs[i]) for i in group))
            if (len(group) == 1 and not summed[group[0]]) or \
                    math.prod(sizes[c] for c in keep) > limit:
                rest += group
                continue
            rest.append(_greedy(group, "".join(sorted(keep)), subscripts, sizes, ssa))
    _greedy(rest, output, subscripts, sizes, ssa)
    return ssa


def _greedy(ids: Sequence[int], output: str, subscripts: dict[int, str],
            sizes: Mapping[str, int], ssa: list[tuple[int, ...]]) -> int:
    """Append to `ssa` the greedy steps that contract terms `ids` down to `output`; return
    the result's id."""
    ids = list(ids)
    if len(ids) <= 2:  # one step either way; the search costs more than the step
        local: Sequence[tuple[int, ...]] = [tuple(range(len(ids)))]
    else:
        local = oe.paths.ssa_greedy_optimize([frozenset(subscripts[i]) for i in ids],
                                             frozenset(output), dict(sizes))
    for step in local:
        ssa.append(tuple(ids[j] for j in step))
        ids.append(len(subscripts))
        subscripts[len(subscripts)] = output  # only the last step's is read
    return ids[-1]


def _largest(inputs: Sequence[str], output: str, ssa: Sequence[tuple[int, ...]],
             sizes: Mapping[str, int]) -> int:
    """Cells of the largest table the contraction `ssa` makes, the output included."""
    terms = {i: set(t) for i, t in enumerate(inputs)}
    users = Counter(c for t in [*inputs, output] for c in set(t))  # terms needing each index
    largest = math.prod(sizes[c] for c in output)
    for k, step in enumerate(ssa):
        picked = [terms.pop(i) for i in step]
        users.subtract(c for t in picked for c in t)
        merged = {c for t in picked for c in t if users[c] > 0}
        users.update(merged)
        terms[len(inputs) + k] = merged
        largest = max(largest, math.prod(sizes[c] for c in merged))
    return largest
