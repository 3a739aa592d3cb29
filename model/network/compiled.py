"""Compiled exact inference: each shape of question becomes one cached tensor contraction.

A question's shape is its free targets, which nodes are observed, which are set by
intervention, which carry likelihood evidence, and which tables come batched. For each shape
we keep only the tables that can matter: the ancestors of the targets and the evidence (the
rest sums to one), and of those only the part still connected to the targets once the
evidence is fixed (the rest is a constant factor, which normalising cancels; it is only
contracted when it might be zero, that is when the evidence might be impossible).

Likelihood evidence on a node X is one more factor, a weight vector over X's states, exactly
as an observed child of X would contribute: X's ancestors become needed, X stays summed over.
A likelihood on an observed or set node is a constant factor.

A shape seen for the first time is answered at once by bucket elimination: its nodes are
summed out one at a time in an order computed once for the whole network, so planning costs
a sort, where a search and expression building cost more than the arithmetic of most
queries. A shape that comes back is planned properly: the tables no query of the shape
changes are contracted ahead of time and the order of the rest is found by opt_einsum's
greedy search, once. When the answers to every state of the shape's observed and set nodes
fit in `ANSWER_CELLS`, all of them are contracted at once, so a warm query of the shape is a
slice of that table; otherwise a warm query slices the observed states out of the few tables
that touch them and runs the planned steps (plain `np.einsum` calls on small tables, BLAS on
large ones). Batched tables (thousands of sampled table sets, for uncertainty analysis) always
take the planned path, with the batch as the innermost axis, in chunks of samples small
enough for each step to stay in cache.

No plan reads a table's numbers: the pruned shapes, bucket orders, answer and contraction
recipes depend on the states and parents alone, and are kept per structure (`_Plans`), so
an engine over a network of the same structure (a scenario saved again in watch mode,
another day of its evidence log, a sweep's variant) plans nothing again and answers by
the very steps a fresh engine takes, to the bit.

In watch mode's builds (`keeping_products`), a batched step whose inputs are all known,
read-only batched tables (by a token of the live array, never by comparing numbers) and
tables of given numbers, is kept after it runs, and a later run with the same inputs takes
it instead of making it again (`_Products`: least recently used out past `PRODUCTS_BYTES`):
an edit rebuilds only the edited numbers' batched tables, and every step over the others is
found kept. Only steps over
tables an earlier engine used are kept (a table new to an engine is most often the edited
one, made again at the next edit). A step kept is one the same run would make from the same
inputs, so every answer is the one made afresh, to the bit.

Every path estimates its tables before making them: none may pass `max_cells` cells, and
those alive at once may not pass the memory budget (`limits.MEMORY_BUDGET_BYTES`); a query
past either is refused with a `LimitError` that offers sampling instead.
"""

from __future__ import annotations

import heapq
import itertools
import math
import threading
import weakref
from collections import Counter, OrderedDict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, overload

import numpy as np
import numpy.typing as npt
import opt_einsum as oe

try:  # einsum's C core, without the Python checks around each call (about 1 us a step)
    from numpy._core.multiarray import c_einsum as _c_einsum
except ImportError:  # pragma: no cover - numpy 1, or a numpy that moves its private core
    _c_einsum = np.einsum

from ..errors import LimitError, Problem
from ..language.tables import FloatArray
from ..limits import MAX_QUERY_CELLS, MEMORY_BUDGET_BYTES
from .net import Assignment, Likelihood, Net, describe_question, each_marginal, impossible

# Tables that no query of a shape changes are contracted ahead of time when the result has
# at most this many cells (or no more than the largest of the tables it replaces).
FOLD_CELLS = 1 << 16
# A batched contraction runs in chunks of samples whose largest step holds about this many
# cells (2 MB), so that each step's tables stay in cache.
CHUNK_CELLS = 1 << 18
# Below this many cells in its largest table a step runs faster on einsum alone than with
# BLAS (tensordot's reshaping costs more than it saves on small tables).
BLAS_CELLS = 1 << 14
# A planned shape keeps the answers for every state of its observed and set nodes when they
# fit in this many cells, and making them needs no table larger than ANSWER_WORK_CELLS or
# the network's largest.
ANSWER_CELLS = 1 << 14
ANSWER_WORK_CELLS = 1 << 20
# A question whose elimination in the network's order would multiply more than this many
# cells per table also gets an order of its own graph (weighted min-fill, some microseconds
# per table), used when cheaper: evidence and pruning can leave a graph the network's order
# suits badly, but the search only pays where the arithmetic is large.
REORDER_WORK = 1 << 12
# A question of more tables than this goes straight to its own order: on large pruned
# graphs it is rarely worse than the network's, and trying both costs more than it saves.
OWN_ORDER_TABLES = 64
# Question shapes kept; past this, or past CACHE_BYTES of kept tables, the oldest go.
MAX_PLANS = 2_000
CACHE_BYTES = 1 << 28
CELL_BYTES = 8  # float64
BATCH = -1  # the batch axis in a contraction's terms (node axes are node numbers)
LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
SAMPLING_HINT = ("or estimate it by sampling (approximate=100_000 in Python, "
                 "--approximate 100000 on the command line)")

Batch = tuple[int, frozenset[str]] | None  # (batch size, nodes with batched tables)
# (free targets, observed, set, with likelihood and not fixed, batch, exact)
ShapeKey = tuple[tuple[str, ...], frozenset[str], frozenset[str], frozenset[str], Batch, bool]
Term = tuple[int, ...]
Heuristic = Literal["weighted-fill", "min-size"]  # how a question's own order is found
_NONE: frozenset[str] = frozenset()
_ALL = itertools.repeat(slice(None))  # an index's default, axis after axis
K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class _Operand:
    """A factor the contraction takes at query time: a table sliced at observed or set
    states, or a likelihood's weights."""

    factor: int  # a node's number, or the number of nodes plus it for its likelihood
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


def _operand(factor: int, batched: bool, axes: Sequence[str], fixed: Collection[str]
             ) -> _Operand:
    lead = 1 if batched else 0
    template = tuple(slice(None) for _ in range(lead + len(axes)))
    fills = tuple((lead + a, v) for a, v in enumerate(axes) if v in fixed)
    return _Operand(factor, batched, template, fills)


@dataclass(frozen=True)
class _Step:
    """One einsum of a planned contraction: `inputs` and `output` are slots (operands first,
    then the other tables, then the results of the steps in order)."""

    inputs: tuple[int, ...]
    output: int
    equation: str
    blas: Any  # an opt_einsum expression for a large or many-table step, else None


@dataclass(frozen=True)
class _Contraction:
    """Planned steps over the operands; `constant` is the result when nothing varies."""

    operands: tuple[_Operand, ...]
    tables: tuple[FloatArray | None, ...]  # per slot: made ahead of time and kept, or None
    steps: tuple[_Step, ...]
    constant: FloatArray
    batched: bool  # the result's last axis is the batch
    chunk: int  # samples per run
    nbytes: int  # of the tables it keeps
    keys: tuple[Any, ...] = ()  # per slot of `tables`: what its numbers are (`_Products`)

    def run(self, arrays: _Arrays, state: Mapping[str, int],
            tables: Mapping[str, FloatArray] | None = None, start: int = 0,
            stop: int = 0) -> FloatArray:
        """The result for one query; with `tables`, for samples start:stop of the batch.
        Each operand is taken just before its step, and every slot is let go once used."""
        if not self.steps:
            return self.constant
        if tables is not None and self.keys and KEEP_PRODUCTS:
            return self._run_kept(arrays, state, tables, start, stop)
        slots = list(self.tables)
        operands = self.operands
        n = len(operands)
        for step in self.steps:
            args: list[Any] = []
            for i in step.inputs:
                if i < n:
                    op = operands[i]
                    if op.batched:
                        assert tables is not None
                        args.append(op.take(tables[arrays.names[op.factor]][start:stop],
                                            state))
                    else:
                        args.append(op.take(arrays(op.factor), state))
                else:
                    args.append(slots[i])
                    slots[i] = None
            slots[step.output] = step.blas(*args) if step.blas is not None else \
                np.einsum(step.equation, *args)
        return np.asarray(slots[self.steps[-1].output], dtype=np.float64)

    def _run_kept(self, arrays: _Arrays, state: Mapping[str, int],
                  tables: Mapping[str, FloatArray], start: int, stop: int) -> FloatArray:
        """`run` on a batch, by the same steps on the same operands, but each step whose
        inputs are all known (read-only batched tables, or tables of known numbers) is
        looked up in `_PRODUCTS` first and kept there after: a step's result is a function
        of the step and its inputs alone, so the one kept is the one it would make."""
        slots = list(self.tables)
        keys = list(self.keys)
        # per slot: whether each batched table it was made of came from an earlier engine
        # (only those results are kept: a table new to this engine is most often the edited
        # number's, made again at the next edit)
        lasting = [True] * len(keys)
        operands = self.operands
        n = len(operands)
        for step in self.steps:
            inputs: list[Any] = []
            last = True
            for i in step.inputs:
                if i < n:
                    op = operands[i]
                    found = _operand_key(op, arrays, state, tables, start, stop)
                    inputs.append(found)
                    if op.batched and found is not None:
                        last = last and _PRODUCTS.lasting(found[1], arrays.serial)
                else:
                    inputs.append(keys[i])
                    last = last and lasting[i]
            # the step itself, not only its equation: its opt_einsum expression was made
            # for its recipe's chunks, and another recipe's may multiply in another order
            key = None if None in inputs else (step, start, stop, *inputs)
            value = _PRODUCTS.get(key) if key is not None and last else None
            if value is None:
                args: list[Any] = []
                for i in step.inputs:
                    if i < n:
                        op = operands[i]
                        if op.batched:
                            args.append(_PRODUCTS.take(op, tables[arrays.names[op.factor]],
                                                       state, start, stop, arrays.serial))
                        else:
                            args.append(op.take(arrays(op.factor), state))
                    else:
                        args.append(slots[i])
                value = step.blas(*args) if step.blas is not None else \
                    np.einsum(step.equation, *args)
                if key is not None and last:
                    _PRODUCTS.put(key, value)
            for i in step.inputs:
                if i >= n:
                    slots[i] = keys[i] = None
            slots[step.output] = value
            keys[step.output] = key
            lasting[step.output] = last
        return np.asarray(slots[self.steps[-1].output], dtype=np.float64)


def _frozen(table: FloatArray) -> bool:
    """Whether no one can change `table`'s numbers: it and every array it views read-only."""
    a: Any = table
    while isinstance(a, np.ndarray):
        if a.flags.writeable:
            return False
        a = a.base
    return a is None


def _operand_key(op: _Operand, arrays: _Arrays, state: Mapping[str, int],
                 tables: Mapping[str, FloatArray], start: int, stop: int) -> Any:
    """What an operand of a batched run holds, as a key (`_Products`): a read-only batched
    table's token, a table's or a likelihood's numbers, and the fixed states it is sliced
    at; None for a batched table that could still change."""
    fills = tuple(state[node] for _, node in op.fills)
    if op.batched:
        token = _PRODUCTS.token(tables[arrays.names[op.factor]], arrays.serial)
        return None if token is None else ("batch", token, fills, start, stop)
    return ("table", _numbers(arrays(op.factor)), fills)


def _numbers(table: FloatArray) -> tuple[Any, ...]:
    """A table's numbers as a key: equal keys, equal tables to the bit."""
    return (table.dtype.str, table.shape, table.tobytes())


class _Products:
    """Results of the steps of batched runs, kept for the next run with the same inputs
    (a warm watch-mode build: the batched tables of the numbers not edited are the very
    same read-only arrays, and most steps take only those), and read-only batched tables
    turned batch-last (`_Operand.take` then slices a chunk out of that instead of moving
    the batch axis of each chunk again). Least recently used first, past `PRODUCTS_BYTES`
    the oldest go. A batched table is known by a token of its own while it lives (never
    by its numbers: comparing them costs what recomputing saves), and only when it and
    every array it views are read-only."""

    def __init__(self) -> None:
        self._kept: OrderedDict[Any, FloatArray] = OrderedDict()
        self.nbytes = 0
        # by id: the live table and its token
        self._tokens: dict[int, tuple[weakref.ref[FloatArray], int]] = {}
        self._first: dict[int, int] = {}  # token -> the first engine to use it (serial)
        self._next = 0
        # re-entrant: a table let go while the lock is held (an entry evicted, a garbage
        # collection) runs its `forget` in the same thread
        self._lock = threading.RLock()

    def token(self, table: FloatArray, serial: int) -> int | None:
        """The live table's token (a number never given to another), or None unless frozen;
        `serial` is the engine asking."""
        found = self._tokens.get(id(table))
        if found is not None and found[0]() is table:
            return found[1]
        if not _frozen(table):
            return None
        with self._lock:
            self._next += 1
            token = self._next
            ident = id(table)

            def forget(_ref: object) -> None:
                with self._lock:
                    if self._tokens.get(ident, (None, 0))[1] == token:
                        del self._tokens[ident]
                    self._first.pop(token, None)

            self._tokens[ident] = (weakref.ref(table, forget), token)
            self._first[token] = serial
        return token

    def lasting(self, token: int, serial: int) -> bool:
        """Whether the table of `token` was used by an engine before engine `serial`."""
        return self._first.get(token, serial) != serial

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self.nbytes = 0

    def get(self, key: Any) -> FloatArray | None:
        with self._lock:
            value = self._kept.get(key)
            if value is not None:
                self._kept.move_to_end(key)
            return value

    def put(self, key: Any, value: FloatArray) -> None:
        value = np.asarray(value)
        if value.nbytes > PRODUCTS_BYTES // 8:
            return
        value.flags.writeable = False
        with self._lock:
            if key in self._kept:
                return
            self._kept[key] = value
            self.nbytes += value.nbytes
            while self.nbytes > PRODUCTS_BYTES:
                self.nbytes -= self._kept.popitem(last=False)[1].nbytes

    def take(self, op: _Operand, table: FloatArray, state: Mapping[str, int], start: int,
             stop: int, serial: int) -> FloatArray:
        """`op.take(table[start:stop], state)`, the same numbers in the same layout."""
        token = self.token(table, serial)
        if token is None:
            return op.take(table[start:stop], state)
        fills = tuple(state[node] for _, node in op.fills)
        lasting = self.lasting(token, serial)
        if lasting:  # a table an earlier engine used: its chunks too are kept
            chunk = self.get(("chunk", token, fills, start, stop))
            if chunk is not None:
                return chunk
        key = ("batch-last", token, fills)
        whole = self.get(key)
        if whole is None:
            whole = op.take(table, state)
            self.put(key, whole)
        chunk = np.ascontiguousarray(whole[..., start:stop])
        if lasting:
            self.put(("chunk", token, fills, start, stop), chunk)
        return chunk


# Off but in watch mode's builds (`keeping_products`): a command answers once, and the
# memory the kept steps take is worth it only where the same scenario is built again.
KEEP_PRODUCTS = False
# Bytes of batched steps' results and batch-last tables kept (`_Products`)
PRODUCTS_BYTES = min(1 << 27, MEMORY_BUDGET_BYTES // 8)
_PRODUCTS = _Products()
_SERIALS = itertools.count()


@contextmanager
def keeping_products(keep: bool = True) -> Iterator[None]:
    """Batched steps kept for the next run (`_Products`) while the block runs, or not."""
    global KEEP_PRODUCTS
    saved, KEEP_PRODUCTS = KEEP_PRODUCTS, keep
    try:
        yield
    finally:
        KEEP_PRODUCTS = saved


def forget_products() -> None:
    """Let go of every batched step kept (a watch session ends)."""
    _PRODUCTS.clear()


_NOTHING = _Contraction((), (), (), np.ones(()), False, 1, 0)


@dataclass(frozen=True)
class _Answers:
    """Every answer of an unbatched shape at once: the contraction of its tables with the
    free targets, then the fixed nodes, then the nodes weighed by a likelihood as axes."""

    table: FloatArray
    normalized: FloatArray | None  # the table normalised over the free targets (a joint's)
    lead: tuple[slice, ...]  # one per free target
    fixed: tuple[str, ...]  # the fixed nodes' axes, in order
    weighed: tuple[str, ...]  # nodes whose likelihood weights multiply in, in order
    equation: str  # the slice times the weights, down to the free targets

    def answer(self, state: Mapping[str, int], weights: Mapping[str, FloatArray]
               ) -> FloatArray:
        values = self.table[self.lead + tuple(state[n] for n in self.fixed)]
        if self.weighed:
            values = np.einsum(self.equation, values, *(weights[n] for n in self.weighed))
        return np.asarray(values)


@dataclass(frozen=True)
class _Cut:
    """Tables cut off from the targets by the evidence: a constant factor of the answer."""

    factors: tuple[int, ...]  # by number, in the net's order (likelihoods after the nodes)
    checks: tuple[str, ...]  # its observed nodes: the factor is > 0 if each is always possible
    weighed: tuple[str, ...]  # its likelihoods: > 0 if no weight is 0


@dataclass
class _Shape:
    """The tables a question shape needs (by number) and, once the shape comes back, their
    planned contraction or every answer of the shape."""

    main: tuple[int, ...]  # linked to the free targets (every needed table when exact)
    cut: tuple[_Cut, ...]
    exact: bool  # its answers are P(free, given), not only proportional to them
    planned: _Contraction | None = None
    answers: _Answers | None = None
    cut_answers: dict[_Cut, _Answers] = field(default_factory=dict)  # each cut's factor

    @property
    def nbytes(self) -> int:
        held = self.planned.nbytes if self.planned is not None else 0
        for answers in (self.answers, *self.cut_answers.values()):
            if answers is not None:
                held += answers.table.nbytes * (1 if answers.normalized is None else 2)
        return held


# One step of a bucket elimination as numpy runs it: the tables used, then either the axis a
# single table is summed along (an int), or each table's einsum subscripts and the result's
# (small subscripts of the step's own, as einsum's interleaved form needs), and whether the
# step is large enough for einsum's pairwise search (BLAS).
_Call = tuple[tuple[int, ...], int | tuple[list[int], ...], bool]


@dataclass
class _Buckets:
    """Bucket elimination worked out on scopes alone: `scopes` of the input tables, then of
    each step's result; each step uses some tables and sums one node out (or, the last,
    multiplies what is left down to the free targets)."""

    inputs: int
    scopes: list[Term]
    steps: list[tuple[tuple[int, ...], Term, bool]]  # (tables used, result's axes, use BLAS)
    peak_cells: int  # of the tables made that are alive at once, at the worst step
    made_cells: int  # of every table made
    work: int  # cells multiplied: each step's tables, times the cells of their product
    too_large: bool = False  # stopped at a table past the cell limit
    calls: list[_Call] | None = None  # the steps as einsum calls, made on first run


class _Steps:
    """Bucket elimination's steps as an order is worked out on scopes (`_Buckets` when
    done): which tables hold each node, the tables each step uses and makes, and the cells
    alive at once, made and multiplied. The order is the caller's."""

    def __init__(self, scopes: Sequence[Term], card: Sequence[int] | Mapping[int, int],
                 limit: int, check: bool):
        self.scopes = list(scopes)
        self.inputs = len(self.scopes)
        self.card, self.limit, self.check = card, limit, check
        self.holders: dict[int, set[int]] = {}  # node -> the tables with an axis for it
        for k, scope in enumerate(self.scopes):
            for v in scope:
                self.holders.setdefault(v, set()).add(k)
        self.steps: list[tuple[tuple[int, ...], Term, bool]] = []
        self.alive: dict[int, int] = {}  # tables made and not yet used: their cells
        self.alive_cells = self.peak = self.made = self.work = 0
        self.done: set[int] = set()

    def eliminate(self, v: int, used: set[int], out: Term, cells: int, largest: int) -> bool:
        """Sum node `v` out of tables `used` (taken from `holders` by the caller) into one
        table over `out`, of `cells` cells (`largest` with v's axis); False, and nothing
        done, where that table is past the limit."""
        if self.check and cells > self.limit:
            return False
        new = len(self.scopes)
        holders = self.holders
        for u in out:
            held = holders[u]
            held -= used
            held.add(new)
        self.work += largest * len(used)
        self.peak = max(self.peak, self.alive_cells + cells + (largest if len(used) > 2 else 0))
        for i in used:
            self.alive_cells -= self.alive.pop(i, 0)
        self.alive[new] = cells
        self.alive_cells += cells
        self.made += cells
        self.done |= used
        self.scopes.append(out)
        self.steps.append((tuple(used), out, largest > BLAS_CELLS))
        return True

    def stopped(self) -> _Buckets:
        return _Buckets(self.inputs, self.scopes, self.steps, self.peak, self.made, self.work,
                        too_large=True)

    def finish(self, free: Sequence[int]) -> _Buckets:
        """The last step: what is left multiplied down to the free targets."""
        last = tuple(i for i in range(len(self.scopes)) if i not in self.done)
        out = tuple(free)
        cells = math.prod(self.card[v] for v in out)
        if self.check and cells > self.limit:
            return self.stopped()
        self.scopes.append(out)
        self.steps.append((last, out, cells > BLAS_CELLS))
        return _Buckets(self.inputs, self.scopes, self.steps,
                        max(self.peak, self.alive_cells + cells), self.made + cells,
                        self.work + cells * len(last))


@dataclass
class _Cache:
    """Question shapes by key, oldest first, with the bytes of the tables they keep."""

    shapes: dict[ShapeKey, _Shape] = field(default_factory=dict)
    nbytes: int = 0

    def add(self, key: ShapeKey, shape: _Shape) -> _Shape:
        while self.shapes and (len(self.shapes) >= MAX_PLANS or self.nbytes > CACHE_BYTES):
            self.nbytes -= self.shapes.pop(next(iter(self.shapes))).nbytes
        self.shapes[key] = shape
        return shape


@dataclass(frozen=True)
class _AnswerPlan:
    """How to make every answer of a shape at once (`_Answers`), worked out on scopes."""

    tables: tuple[int, ...]  # the node numbers of the tables contracted
    steps: tuple[tuple[tuple[int, ...], str], ...]  # (slots, einsum equation) in order
    free: int  # how many free targets lead the result's axes
    fixed: tuple[str, ...]  # then the fixed nodes' axes
    weighed: tuple[str, ...]  # nodes whose likelihood weights multiply in
    equation: str  # a slice times the weights, down to the free targets


@dataclass(frozen=True)
class _Recipe:
    """A planned contraction before any table is read: its operands, the tables no query
    of the shape changes (by node number), each step of the order in turn (folded ahead
    of time when it takes only those tables, or run at query time) and the query steps."""

    operands: tuple[_Operand, ...]
    constants: tuple[int, ...]
    program: tuple[tuple[tuple[int, ...], str, bool], ...]  # (slots, equation, folded)
    steps: tuple[_Step, ...]
    batched: bool
    chunk: int


class _Plans:
    """What planning finds for one network structure: the nodes' numbering, cardinalities
    and elimination order, and every plan made so far (pruned shapes, bucket
    eliminations, answer and contraction recipes). None of it reads a table's numbers,
    so every engine over a network of the same states and parents (and limits) shares it:
    a scenario reloaded with other numbers plans nothing again, and computes each answer
    by the very steps a fresh engine would, to the bit."""

    def __init__(self, net: Net, max_cells: int):
        # planning works on node numbers (the net's order); factor n + v is the
        # likelihood on node v, with node v as its only axis
        self.nodes = list(net.states)
        n = len(self.nodes)
        self.index = {name: i for i, name in enumerate(self.nodes)}
        self.family = [tuple(self.index[v] for v in (name, *net.parents[name]))
                       for name in self.nodes] + [(v,) for v in range(n)]
        children: list[list[int]] = [[] for _ in self.nodes]
        for i, family in enumerate(self.family[:n]):
            for parent in family[1:]:
                children[parent].append(i)
        for v in range(n):
            children[v].append(n + v)
        self.children = [tuple(c) for c in children]
        self.card = [len(net.states[name]) for name in self.nodes]
        self.rank = _elimination_ranks(self.family[:n], self.card, max_cells)
        self.state = {name: {s: i for i, s in enumerate(ss)} for name, ss in net.states.items()}
        self.largest_table = max((math.prod(self.card[v] for v in family)
                                  for family in self.family[:n]), default=1)
        # every plan by (kind, key), oldest first, with the bytes it holds (estimated)
        self._memo: dict[tuple[str, tuple[Any, ...]], tuple[Any, int]] = {}
        self.nbytes = 0
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (an engine sent to another process) without its plans, which the other
        process makes as it needs them."""
        state = {k: v for k, v in self.__dict__.items() if k != "_lock"}
        state["_memo"], state["nbytes"] = {}, 0
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def get(self, kind: str, key: tuple[Any, ...]) -> tuple[Any, int] | None:
        """(the plan, its size), or None when none is kept."""
        return self._memo.get((kind, key))

    def remember(self, kind: str, key: tuple[Any, ...], plan: V) -> V:
        """Keep `plan`, letting the oldest go past MAX_PLANS plans or PLANS_BYTES."""
        size = 256 + _plan_bytes(plan)  # the key, the entry and the plan
        with self._lock:  # engines of one structure may plan in several threads
            memo = self._memo
            while memo and (len(memo) >= MAX_PLANS or self.nbytes + size > PLANS_BYTES):
                self.nbytes -= memo.pop(next(iter(memo)))[1]
            if (kind, key) not in memo:
                memo[kind, key] = (plan, size)
                self.nbytes += size
        return plan


def _plan_bytes(plan: object) -> int:
    """About how many bytes a plan holds: 32 a number (with the tuples around them), an
    einsum equation its length, an opt_einsum expression about 1 KB."""
    if isinstance(plan, _Buckets):
        return 64 * (len(plan.scopes) + len(plan.steps)) + 32 * (
            sum(map(len, plan.scopes)) + sum(len(u) + len(o) for u, o, _ in plan.steps))
    if isinstance(plan, _AnswerPlan):
        return 32 * len(plan.tables) + sum(64 + 32 * len(ids) + len(eq) for ids, eq in plan.steps)
    if isinstance(plan, _Recipe):
        return 256 * len(plan.operands) + sum(
            64 + 32 * len(ids) + len(eq) for ids, eq, _ in plan.program) + sum(
            128 + (1024 if step.blas is not None else 0) for step in plan.steps)
    if isinstance(plan, tuple):  # a pruned shape: its main tables and the parts cut off
        main, cut = plan
        return 64 * (1 + len(cut)) + 32 * (len(main) + sum(
            len(c.factors) + len(c.checks) + len(c.weighed) for c in cut))
    return 0  # None: no answers for the shape


# Structures whose plans are kept, the most recently used last; each keeps at most
# MAX_PLANS plans and PLANS_BYTES of them, so the memory they hold stays bounded.
MAX_STRUCTURES = 4
PLANS_BYTES = 1 << 25
_STRUCTURES: OrderedDict[tuple[Any, ...], _Plans] = OrderedDict()
_STRUCTURES_LOCK = threading.Lock()
# Set to False to plan every engine afresh (the benchmarks compare the two).
SHARE_PLANS = True


def _settings() -> tuple[int, ...]:
    """The module's planning settings, part of every plan's key: a plan found under other
    settings (a test may change them) is never taken for one under these."""
    return (FOLD_CELLS, CHUNK_CELLS, BLAS_CELLS, ANSWER_CELLS, ANSWER_WORK_CELLS,
            REORDER_WORK, OWN_ORDER_TABLES)


def _plans_of(net: Net, max_cells: int, budget: int) -> _Plans:
    """The plans of `net`'s structure, made on first use."""
    if not SHARE_PLANS:
        return _Plans(net, max_cells)
    key = (tuple((name, tuple(states), tuple(net.parents[name]))
                 for name, states in net.states.items()), max_cells, budget)
    with _STRUCTURES_LOCK:
        plans = _STRUCTURES.get(key)
        if plans is not None:
            _STRUCTURES.move_to_end(key)
            return plans
    plans = _Plans(net, max_cells)
    with _STRUCTURES_LOCK:
        plans = _STRUCTURES.setdefault(key, plans)
        _STRUCTURES.move_to_end(key)
        while len(_STRUCTURES) > MAX_STRUCTURES:
            _STRUCTURES.popitem(last=False)
    return plans


class CompiledNet:
    """Exact posteriors, joints and evidence probabilities of a `Net` by compiled contraction.

    `given` observes nodes (evidence); `do` sets them by intervention (graph surgery, as in
    `Net.intervene`); `likelihood` weighs nodes' states by a report's likelihood (see
    `net.py`). `tables` replaces some nodes' tables by batches of shape
    (batch, card, *parent_cards), all with the same batch size; results then gain a leading
    batch axis. `max_cells` bounds any one table a query makes and `budget` the bytes of
    those alive at once.
    """

    def __init__(self, net: Net, max_cells: int = MAX_QUERY_CELLS,
                 budget: int = MEMORY_BUDGET_BYTES):
        self.net = net
        self.max_cells = max_cells
        self.budget = budget
        # what planning finds depends on the states and parents alone: shared with every
        # engine over a network of the same structure (a reload, a sweep, another day)
        plans = self._plans = _plans_of(net, max_cells, budget)
        self._nodes = plans.nodes
        self._index = plans.index
        self._family = plans.family
        self._children = plans.children
        self._card = plans.card
        self._rank = plans.rank
        self._state = plans.state
        self._tables = {name: _table(net, name) for name in net.states}
        # per node and state: is the state possible under every parent combination?
        self._positive = {name: t.reshape(t.shape[0], -1).min(axis=1) > 0
                          for name, t in self._tables.items()}
        self._arrays = list(self._tables.values())  # by node number
        self._largest_table = plans.largest_table
        self._shapes = _Cache()
        self._cuts: dict[tuple[_Cut, frozenset[str], Batch], _Contraction] = {}
        self._serial = next(_SERIALS)  # tells this engine's batched runs from others'

    # the API -------------------------------------------------------------------------------

    def posterior(self, target: str, given: Assignment | None = None,
                  do: Assignment | None = None,
                  tables: Mapping[str, FloatArray] | None = None, *,
                  likelihood: Likelihood | None = None) -> FloatArray:
        """P(target | given, do(do)): shape (card,), or (batch, card) with batched tables."""
        return self.joint((target,), given, do, tables, likelihood=likelihood)

    def joint(self, targets: Sequence[str], given: Assignment | None = None,
              do: Assignment | None = None,
              tables: Mapping[str, FloatArray] | None = None, *,
              likelihood: Likelihood | None = None) -> FloatArray:
        """P(targets | given, do(do)), one axis per target in order (after the batch axis)."""
        targets = self._targets(targets)
        state = self._question(given, do)
        weights = self.net.weights(likelihood) if likelihood else {}
        batch = self._batch(tables) if tables else None
        free = tuple(t for t in targets if t not in state) if state else targets
        given, do, tables = given or {}, do or {}, tables or {}
        shape, first = self._shape(free, given, do, weights, state, batch, exact=False)
        cuts = self._weighed_cuts(shape, state, tables, weights)
        answers = shape.answers
        if answers is not None and answers.normalized is not None and not weights and \
                all(cut in shape.cut_answers for cut in cuts):  # a warm query: it is ready
            values = answers.normalized[answers.lead + tuple(state[n] for n in answers.fixed)]
            if values.flat[0] != values.flat[0] or \
                    any(not shape.cut_answers[cut].answer(state, weights) > 0 for cut in cuts):
                raise impossible(given)  # NaN, or a part cut off is 0: impossible
            values = values.copy()
        else:
            values = self._values(shape, first, cuts, free, given, do, weights, state, tables,
                                  batch)
            total = values.reshape((*values.shape[:values.ndim - len(free)], -1)).sum(axis=-1)
            if not ((total > 0).all() and np.isfinite(total).all()):
                raise impossible(given, likelihood)
            values = values / total.reshape(total.shape + (1,) * len(free))
        if len(free) == len(targets):
            return np.asarray(values, dtype=np.float64)
        return self._embed(values, targets, free, state, batch)

    def posteriors(self, targets: Sequence[str], given: Assignment | None = None,
                   do: Assignment | None = None,
                   tables: Mapping[str, FloatArray] | None = None, *,
                   likelihood: Likelihood | None = None) -> list[FloatArray]:
        """P(target | given, do(do)) for each target, as `posterior` gives each ((batch,
        card) with batched tables), from one contraction over their joint: each target's
        posterior is summed out of the joint left unnormalised and normalised on its own, so
        a small joint costs about as much as one posterior, and no pass over it normalises
        it. Observed and set targets are certain."""
        targets = self._targets(targets)
        if not tables:
            return each_marginal(self.joint(targets, given, do, likelihood=likelihood))
        state = self._question(given, do)
        weights = self.net.weights(likelihood) if likelihood else {}
        batch = self._batch(tables)
        assert batch is not None
        free = tuple(t for t in targets if t not in state)
        out: dict[str, FloatArray] = {}
        for t in targets:
            if t in state:
                certain = np.zeros((batch[0], len(self.net.states[t])))
                certain[:, state[t]] = 1.0
                out[t] = certain
        if free:
            values = self._unnormalized(free, given or {}, do or {}, weights, state, tables,
                                        batch, exact=False)
            # batch axis innermost (the engine's own layout, so usually no copy): summing
            # out the other targets runs along memory, ~20x faster than across it
            joint = np.ascontiguousarray(np.moveaxis(values, 0, -1))
            axes = range(len(free))
            for i, t in enumerate(free):
                summed = joint.sum(axis=tuple(j for j in axes if j != i))
                total = summed.sum(axis=0)
                if not ((total > 0).all() and np.isfinite(total).all()):
                    raise impossible(given or {}, likelihood)
                out[t] = (summed / total).T
        return [out[t] for t in targets]

    @overload
    def evidence_probability(self, given: Assignment | None = None,
                             do: Assignment | None = None, tables: None = None, *,
                             likelihood: Likelihood | None = None) -> float: ...

    @overload
    def evidence_probability(self, given: Assignment | None, do: Assignment | None,
                             tables: Mapping[str, FloatArray], *,
                             likelihood: Likelihood | None = None) -> FloatArray: ...

    def evidence_probability(self, given: Assignment | None = None,
                             do: Assignment | None = None,
                             tables: Mapping[str, FloatArray] | None = None, *,
                             likelihood: Likelihood | None = None) -> FloatArray | float:
        """P(given | do(do)): a float, or shape (batch,) with batched tables. With a
        likelihood, its weights count as written, as P(report | state): the result is
        P(given, report | do(do)), and scaling a node's weights scales it alike."""
        state = self._question(given, do)
        weights = self.net.weights(likelihood, as_written=True) if likelihood else {}
        batch = self._batch(tables) if tables else None
        values = self._unnormalized((), given or {}, do or {}, weights, state, tables or {},
                                    batch, exact=True)
        return np.array(values) if batch is not None else float(values)

    def most_probable(self, given: Assignment | None = None,
                      do: Assignment | None = None, *,
                      likelihood: Likelihood | None = None) -> tuple[dict[str, str], float]:
        """The likeliest joint state of every node neither observed nor set, and its
        probability given the evidence: max-product elimination in the network's
        elimination order, then a trace back through the maximising states."""
        state = self._question(given, do)
        given, do = given or {}, do or {}
        # scaled weights, here and in the evidence it is divided by: the ratio is the same
        weights = self.net.weights(likelihood) if likelihood else {}
        index, card = self._index, self._card
        fixed = {index[n]: k for n, k in state.items()}
        n = len(self._nodes)
        factors = [f for f in range(n) if not (f in fixed and self._nodes[f] in do)]
        factors += [n + index[v] for v in weights if index[v] not in fixed]
        plan = self._buckets(factors, (), fixed, check=False)
        # every table made, and each eliminated node's choices (one byte each for up to 256
        # states), are estimated before any is made
        choices = sum(math.prod(card[u] for u in out) for _, out, _ in plan.steps)
        largest = max((math.prod(card[u] for u in out) * card[v]
                       for (_, out, _), v in zip(plan.steps, self._eliminated(plan),
                                                 strict=False)), default=1)
        if largest > self.max_cells:
            raise LimitError(Problem(
                f"the most probable explanation {_describe((), given, do)} needs a table of "
                f"{largest:,} cells (limit {self.max_cells:,})",
                hint="observe or set more nodes, or ask for the posteriors instead"))
        self._within_budget(plan.peak_cells * CELL_BYTES + choices + largest * CELL_BYTES,
                            f"the most probable explanation {_describe((), given, do)}",
                            "observe or set more nodes, or ask for the posteriors instead")
        evidence = float(self._unnormalized((), given, do, weights, state, {}, None, exact=True))
        if not evidence > 0:
            raise impossible(given, likelihood)
        tables: list[FloatArray | None] = [self._factor(f, fixed, weights) for f in factors]
        # Each eliminated node's maximising state for every state of the rest of its bucket;
        # every table made is scaled to a maximum of 1 (the scales kept as logarithms) so
        # that a product of many small probabilities does not underflow.
        traces: list[tuple[int, Term, npt.NDArray[np.integer[Any]]]] = []
        log_scale = 0.0
        scopes = plan.scopes
        for (used, out, _), v in zip(plan.steps, self._eliminated(plan), strict=False):
            scope = (*out[:0], v, *out)  # the eliminated node first, then the rest
            args: list[Any] = []
            for i in used:
                args += [tables[i], [scope.index(u) for u in scopes[i]]]
                tables[i] = None
            product = np.einsum(*args, list(range(len(scope))), optimize=len(used) > 2)
            best = product.max(axis=0)
            top = float(best.max()) if best.size else 0.0
            if top > 0:
                best = best / top
                log_scale += math.log(top)
            choice = product.argmax(axis=0).astype(np.min_scalar_type(card[v] - 1))
            traces.append((v, out, choice))
            tables.append(best)
        for table in tables:  # what is left: scalars (every axis fixed)
            if table is not None:
                value = float(table)
                log_scale += math.log(value) if value > 0 else -math.inf
        found: dict[int, int] = {}
        for v, rest, choice in reversed(traces):
            found[v] = int(choice[tuple(found[u] for u in rest)])
        states = {self._nodes[v]: self.net.states[self._nodes[v]][found[v]]
                  for v in sorted(found)}
        scale = math.prod(float(weights[v][state[v]]) for v in weights if v in state)
        return states, math.exp(log_scale) * scale / evidence

    def derivatives(self, given: Assignment | None = None, do: Assignment | None = None, *,
                    likelihood: Likelihood | None = None,
                    prune: bool = True) -> tuple[float, dict[str, FloatArray]]:
        """(Z, {node: dZ/dT}) where Z = P(given | do(do)) (times the likelihood's weights, as
        in `evidence_probability`) and T is each node's table, (card, *parent_cards).

        Z is linear in each table, so replacing one node's table T by T' changes Z by exactly
        sum((T' - T) * dZ/dT); and P(node = x, given | do(do)) is the sum over its parents'
        states of (T * dZ/dT)[x]. One elimination forwards and one backwards (reverse-mode
        differentiation) give every node's at once. With `prune`, only the nodes whose
        tables can change Z (the ancestors of the evidence) get an entry; set nodes never do.
        """
        state = self._question(given, do)
        given, do = given or {}, do or {}
        weights = self.net.weights(likelihood, as_written=True) if likelihood else {}
        index, n = self._index, len(self._nodes)
        fixed = {index[name]: k for name, k in state.items()}
        forced = {index[name] for name in do}
        weighed = [index[v] for v in weights if index[v] not in fixed]
        if prune:
            needed = self._ancestors([*(index[g] for g in given), *weighed], forced) - forced
        else:
            needed = set(range(n)) - forced
        factors = [*sorted(needed), *(n + v for v in weighed)]
        scale = math.prod(float(weights[v][state[v]]) for v in weights if v in state)
        if not factors:  # nothing observed or weighed: P = 1 whatever the tables
            return scale, {}
        plan = self._buckets(factors, (), fixed, check=False)
        what = f"the derivatives of {_describe((), given, do)}"
        hint = "analyse fewer nodes at once, or observe fewer nodes"
        if max((math.prod(self._card[u] for u in s) for s in plan.scopes), default=1) \
                > self.max_cells:
            raise LimitError(Problem(f"{what} need a table past {self.max_cells:,} cells",
                                     hint=hint))
        self._within_budget(2 * plan.made_cells * CELL_BYTES, what, hint)
        tables = [self._factor(f, fixed, weights) for f in factors]
        for used, out, large in plan.steps:
            tables.append(_product(tables, plan.scopes, used, out, large))
        grads: list[FloatArray | None] = [None] * len(tables)
        grads[-1] = np.ones(())
        for k in range(len(plan.steps) - 1, -1, -1):
            used, out, _ = plan.steps[k]
            g = grads[plan.inputs + k]
            grads[plan.inputs + k] = None
            assert g is not None
            for i in used:
                grads[i] = _gradient(g, out, [(tables[j], plan.scopes[j]) for j in used
                                              if j != i], plan.scopes[i], self._card)
        out_grads: dict[str, FloatArray] = {}
        for k, f in enumerate(factors):
            if f >= n:
                continue
            grad = grads[k]
            assert grad is not None
            full = np.zeros(self._arrays[f].shape)
            full[tuple(fixed.get(v, slice(None)) for v in self._family[f])] = grad * scale
            out_grads[self._nodes[f]] = full
        return float(tables[-1]) * scale, out_grads

    def marginals(self, given: Assignment | None = None, do: Assignment | None = None, *,
                  likelihood: Likelihood | None = None) -> dict[str, FloatArray]:
        """P(node | given, report, do(do)) for every node at once, from one elimination
        forwards and backwards (`derivatives`): for many nodes, far less than one query
        each. Observed and set nodes are certain."""
        z, grads = self.derivatives(given, do, likelihood=likelihood, prune=False)
        if not (0 < z < math.inf):
            raise impossible(given or {}, likelihood)
        state = self._question(given, do)
        out: dict[str, FloatArray] = {}
        for node, table in self._tables.items():
            if node in state:
                certain = np.zeros(table.shape[0])
                certain[state[node]] = 1.0
                out[node] = certain
            else:
                joint = (table * grads[node]).reshape(table.shape[0], -1).sum(axis=1)
                out[node] = joint / joint.sum()
        return out

    def elimination_width(self) -> tuple[int, int]:
        """(treewidth, cells) of the network's elimination order: the most other nodes a
        node has around it when it is summed out of the whole moral graph, and the cells of
        the largest table that makes. A query's tables are never wider (pruning and evidence
        only remove nodes), apart from its targets."""
        n = len(self._nodes)
        around: list[set[int]] = [set() for _ in range(n)]
        for family in self._family[:n]:
            for v in family:
                around[v].update(family)
        width, cells = 0, 1
        for v in sorted(range(n), key=self._rank.__getitem__):
            around[v].discard(v)
            width = max(width, len(around[v]))
            cells = max(cells, self._card[v] * math.prod(self._card[u] for u in around[v]))
            for u in around[v]:
                around[u] |= around[v]
                around[u] -= {u, v}
        return width, cells

    # checking a question fast ----------------------------------------------------------------

    def _targets(self, targets: Sequence[str]) -> tuple[str, ...]:
        """A joint's targets: known nodes, each named once."""
        targets = tuple(targets)
        states = self._state
        if len(targets) == 1:
            if targets[0].__class__ is str and targets[0] in states:
                return targets
        elif all(t.__class__ is str and t in states for t in targets) \
                and len(set(targets)) == len(targets):
            return targets
        return tuple(self.net.check_targets(targets))

    def _question(self, given: Assignment | None, do: Assignment | None) -> dict[str, int]:
        """The state index of every observed and set node; the checks of `Net.question`
        (with their messages) run only when a name is unknown or a node is in both."""
        state: dict[str, int] = {}
        try:
            if given:
                for node, s in given.items():
                    state[node] = self._state[node][s]
            if do:
                for node, s in do.items():
                    if node in state:
                        raise KeyError(node)
                    state[node] = self._state[node][s]
            return state
        except (KeyError, TypeError):
            self.net.question(given, do)  # raises with every problem named
            raise

    def _within_budget(self, nbytes: int, what: str, hint: str) -> None:
        if nbytes > self.budget:
            raise LimitError(Problem(
                f"{what} needs {_size(nbytes)} of tables at once, past the memory budget of "
                f"{_size(self.budget)} (limits.MEMORY_BUDGET_BYTES)", hint=hint))

    # one query -----------------------------------------------------------------------------

    def _batch(self, tables: Mapping[str, FloatArray]) -> Batch:
        """The batch size and batched nodes of `tables`, whose shapes are checked here."""
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

    def _unnormalized(self, free: tuple[str, ...], given: Assignment, do: Assignment,
                      weights: Mapping[str, FloatArray], state: Mapping[str, int],
                      tables: Mapping[str, FloatArray], batch: Batch,
                      exact: bool) -> FloatArray:
        """P(free, given | do(do)) (times the likelihoods), batch axis first; unless `exact`,
        only up to a positive factor (the tables cut off from the targets), which
        normalising cancels."""
        shape, first = self._shape(free, given, do, weights, state, batch, exact)
        cuts = self._weighed_cuts(shape, state, tables, weights)
        return self._values(shape, first, cuts, free, given, do, weights, state, tables, batch)

    def _shape(self, free: tuple[str, ...], given: Assignment, do: Assignment,
               weights: Mapping[str, FloatArray], state: Mapping[str, int], batch: Batch,
               exact: bool) -> tuple[_Shape, bool]:
        """The question's shape, and whether it is seen for the first time."""
        weighed = frozenset(v for v in weights if v not in state) if weights else _NONE
        key = (free, frozenset(given) if given else _NONE, frozenset(do) if do else _NONE,
               weighed, batch, exact)
        shape = self._shapes.shapes.get(key)
        if shape is not None:
            return shape, False
        return self._shapes.add(key, self._prune(free, given, do, weighed, exact)), True

    def _weighed_cuts(self, shape: _Shape, state: Mapping[str, int],
                      tables: Mapping[str, FloatArray],
                      weights: Mapping[str, FloatArray]) -> list[_Cut]:
        """The parts cut off from the targets that might be 0, so must be weighed in."""
        if not shape.cut:
            return []
        return [cut for cut in shape.cut if not self._possible(cut, state, tables, weights)]

    def _values(self, shape: _Shape, first: bool, cuts: Sequence[_Cut], free: tuple[str, ...],
                given: Assignment, do: Assignment, weights: Mapping[str, FloatArray],
                state: Mapping[str, int], tables: Mapping[str, FloatArray],
                batch: Batch) -> FloatArray:
        """The shape's unnormalised answer: by bucket elimination on its first sight, by its
        plan after."""
        values: FloatArray | None = None
        if first and batch is None:  # batched tables always take the planned path
            # a part shown possible by one assignment is a positive constant: left out
            cuts = [cut for cut in cuts if not self._witnessed(cut, state, weights)]
            factors = [*shape.main, *(f for cut in cuts for f in cut.factors)]
            values = self._eliminate(factors, free, state, weights)
        if values is None:
            if shape.answers is None and shape.planned is None:
                self._plan(shape, free, given, do, batch)
            if shape.answers is not None:
                values = shape.answers.answer(state, weights)
            else:
                assert shape.planned is not None
                values = self._run(shape.planned, state, tables, weights, batch)
            for cut in cuts:
                if cut in shape.cut_answers:
                    factor = shape.cut_answers[cut].answer(state, weights)
                else:
                    factor = self._run(self._cut(cut, given, do, batch), state, tables,
                                       weights, batch)
                values = values * factor.reshape(factor.shape + (1,) * len(free))
        if weights and any(v in state for v in weights):
            values = values * math.prod(float(weights[v][state[v]]) for v in weights
                                        if v in state)
        return values

    def _plan(self, shape: _Shape, free: tuple[str, ...], given: Assignment,
              do: Assignment, batch: Batch) -> None:
        """Plan a shape that came back: every answer at once where they are few, else the
        contraction of its tables sliced at each query's states."""
        fixed = {*given, *do}
        query = lambda: _describe(free, given, do)  # noqa: E731
        if batch is None:
            shape.answers = self._answers(shape.main, free, fixed, normalize=not shape.exact)
            if shape.answers is not None:  # the parts cut off, to see whether they are 0
                for cut in shape.cut:
                    found = self._answers(cut.factors, (), fixed, normalize=False)
                    if found is not None:
                        shape.cut_answers[cut] = found
        if shape.answers is None:
            shape.planned = self._contraction(shape.main, fixed, free, batch, query)
        self._shapes.nbytes += shape.nbytes

    def _answers(self, factors: Sequence[int], free: tuple[str, ...],
                 fixed: Collection[str], normalize: bool) -> _Answers | None:
        """Every answer of the shape, when they fit in ANSWER_CELLS and making them needs no
        table past ANSWER_WORK_CELLS (or the network's largest, and never past `max_cells`);
        otherwise None."""
        key = (tuple(factors), free, frozenset(fixed), _settings())
        kept = self._plans.get("answers", key)
        plan: _AnswerPlan | None = kept[0] if kept is not None else self._plans.remember(
            "answers", key, self._answer_plan(factors, free, fixed))
        if plan is None:
            return None
        table = _run_steps([self._arrays[f] for f in plan.tables], plan.steps)
        table.flags.writeable = False
        normalized = None
        if normalize and not plan.weighed:  # each posterior, ready (NaN where impossible)
            total = table.sum(axis=tuple(range(plan.free)), keepdims=True)
            with np.errstate(invalid="ignore", divide="ignore"):
                normalized = np.where((total > 0) & np.isfinite(total), table / total, np.nan)
            normalized.flags.writeable = False
        return _Answers(table, normalized, (slice(None),) * plan.free, plan.fixed,
                        plan.weighed, plan.equation)

    def _answer_plan(self, factors: Sequence[int], free: tuple[str, ...],
                     fixed: Collection[str]) -> _AnswerPlan | None:
        """How `_answers` makes them, or None where they are too many or too large."""
        index, n = self._index, len(self._nodes)
        tables = tuple(f for f in factors if f < n)
        if not tables:
            return None
        weighed = tuple(self._nodes[f - n] for f in factors if f >= n)
        present = {v for f in tables for v in self._family[f]}
        fixed_axes = tuple(name for name in sorted(fixed, key=index.__getitem__)
                           if index[name] in present)
        weighed_axes = tuple(name for name in weighed if name not in free)
        axes = (*free, *fixed_axes, *weighed_axes)
        if math.prod(self._card[index[a]] for a in axes) > ANSWER_CELLS:
            return None
        inputs = [self._family[f] for f in tables]
        output = tuple(index[a] for a in axes)
        sizes = {v: self._card[v] for term in inputs for v in term}
        path = _path(inputs, 0, output, sizes, fold=False)
        work = min(self.max_cells, max(ANSWER_WORK_CELLS, self._largest_table))
        program = _program(inputs, output, path)
        if _largest(inputs, output, path, sizes) > work or \
                _peak(inputs, 0, program, sizes) * CELL_BYTES > self.budget:
            return None
        letters = {a: LETTERS[i] for i, a in enumerate((*free, *weighed_axes))}
        kept = "".join(letters[a] for a in (*free, *weighed_axes))
        equation = ",".join([kept, *(letters[a] for a in weighed)]) + "->" + \
            "".join(letters[a] for a in free)
        return _AnswerPlan(tables, _steps_of(program), len(free), fixed_axes, weighed,
                           equation)

    def _factor(self, f: int, fixed: Mapping[int, int],
                weights: Mapping[str, FloatArray]) -> FloatArray:
        """Factor `f` sliced at the fixed states (a likelihood's weights when f >= nodes)."""
        n = len(self._nodes)
        table = self._arrays[f] if f < n else weights[self._nodes[f - n]]
        family = self._family[f]
        if not fixed.keys().isdisjoint(family):
            table = table[tuple(map(fixed.get, family, _ALL))]
        return table

    def _run(self, contraction: _Contraction, state: Mapping[str, int],
             tables: Mapping[str, FloatArray], weights: Mapping[str, FloatArray],
             batch: Batch) -> FloatArray:
        """The contraction's result for one query, batch axis first."""
        arrays = _Arrays(self, weights)
        if contraction.batched and batch is not None:
            size = batch[0]
            step = contraction.chunk
            out: FloatArray | None = None
            for start in range(0, size, step):
                part = contraction.run(arrays, state, tables, start, min(size, start + step))
                if out is None:
                    out = np.empty((*part.shape[:-1], size))
                out[..., start:start + step] = part
            assert out is not None
            return np.moveaxis(out, -1, 0)
        values = contraction.run(arrays, state)
        if batch is not None:
            return np.broadcast_to(values, (batch[0], *values.shape))
        return values

    def _possible(self, cut: _Cut, state: Mapping[str, int], tables: Mapping[str, FloatArray],
                  weights: Mapping[str, FloatArray]) -> bool:
        """Whether a cut-off part is surely above 0: each observation possible whatever its
        parents are, and no likelihood weight 0."""
        for node in cut.checks:
            if node in tables:
                if not tables[node][:, state[node]].min() > 0:
                    return False
            elif not self._positive[node][state[node]]:
                return False
        return all(weights[node].min() > 0 for node in cut.weighed)

    def _witnessed(self, cut: _Cut, state: Mapping[str, int],
                   weights: Mapping[str, FloatArray]) -> bool:
        """Whether one assignment of a cut-off part's nodes, found greedily, gives each of its
        factors a weight above 0: then the part's sum is above 0 (a proof, unlike
        `_possible` it costs a pass over the part's tables, far less than summing it).
        In topological order, each node not fixed takes its likeliest state given the
        states chosen for its parents (weighed by its likelihood); a fixed node's state must
        be possible given them. False when that fails, which proves nothing."""
        n = len(self._nodes)
        chosen = {self._index[name]: k for name, k in state.items()}
        factors = set(cut.factors)
        for f in cut.factors:  # by number: nodes in topological order, likelihoods after
            if f >= n:
                continue  # a likelihood: weighed in when its node's state was chosen
            family = self._family[f]
            index: tuple[slice | int, ...] = (slice(None), *(chosen[p] for p in family[1:]))
            column = self._arrays[f][index]
            if n + f in factors:
                column = column * weights[self._nodes[f]]
            k = chosen.get(f)
            if k is None:
                k = chosen[f] = int(column.argmax())
            if not column[k] > 0:
                return False
        return True

    def _embed(self, values: FloatArray, targets: Sequence[str], free: tuple[str, ...],
               state: Mapping[str, int], batch: Batch) -> FloatArray:
        """The free targets' joint placed in the full joint: fixed targets are certain."""
        lead = () if batch is None else (batch[0],)
        out = np.zeros(lead + tuple(len(self.net.states[t]) for t in targets))
        index = [slice(None)] * len(lead) + [
            state[t] if t in state else slice(None) for t in targets]
        out[tuple(index)] = values
        return out

    # the tables a question shape needs -----------------------------------------------------

    def _prune(self, free: tuple[str, ...], given: Collection[str], do: Collection[str],
               weighed: frozenset[str], exact: bool) -> _Shape:
        """The shape's needed tables (`_pruned`), found once per structure."""
        key = (free, frozenset(given), frozenset(do), weighed, exact)
        kept = self._plans.get("pruned", key)
        main, cut = kept[0] if kept is not None else self._plans.remember(
            "pruned", key, self._pruned(free, given, do, weighed, exact))
        return _Shape(main, cut, exact)

    def _pruned(self, free: Sequence[str], given: Collection[str], do: Collection[str],
                weighed: Collection[str], exact: bool
                ) -> tuple[tuple[int, ...], tuple[_Cut, ...]]:
        """The needed tables: those of the ancestors of the targets and the evidence (with
        the likelihoods on nodes not fixed), split (unless `exact`) into the part linked to
        the free targets and the parts cut off."""
        index, n = self._index, len(self._nodes)
        observed = {index[name] for name in given}
        forced = {index[name] for name in do}
        reported = {index[name] for name in weighed}
        needed = self._ancestors([*(index[name] for name in free), *observed, *reported],
                                 forced)
        needed -= forced  # a set node's table is replaced by certainty
        needed |= {n + v for v in reported}
        if exact:
            return tuple(sorted(needed)), ()
        fixed = observed | forced
        main = self._linked([index[name] for name in free], needed, fixed)
        rest = needed - main
        cut = []
        while rest:
            part = self._linked([min(rest)], rest, fixed)
            rest -= part
            checks = tuple(self._nodes[v] for v in sorted(part & observed))
            weighed_here = tuple(self._nodes[f - n] for f in sorted(part) if f >= n)
            cut.append(_Cut(tuple(sorted(part)), checks, weighed_here))
        return tuple(sorted(main)), tuple(cut)

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

    def _buckets(self, factors: Sequence[int], free: Sequence[int], fixed: Mapping[int, int],
                 check: bool = True) -> _Buckets:
        """The bucket elimination of `_plan_buckets`, found once per structure (its steps
        are only read)."""
        key = (tuple(factors), tuple(free), frozenset(fixed), check, _settings())
        kept = self._plans.get("buckets", key)
        if kept is not None:
            plan: _Buckets = kept[0]
            return plan
        return self._plans.remember("buckets", key,
                                    self._plan_buckets(factors, free, fixed, check))

    def _plan_buckets(self, factors: Sequence[int], free: Sequence[int],
                      fixed: Collection[int], check: bool) -> _Buckets:
        """Bucket elimination of `factors` down to the nodes `free`, on scopes alone: in the
        network's elimination order, or, where that order would cost more than REORDER_WORK
        per table, in a greedy order of the question's own graph (`_own_order`) when that
        costs less (and always in that one past OWN_ORDER_TABLES tables). With `check`,
        stop (`too_large`) at the first table past `max_cells`."""
        scopes = [tuple(v for v in self._family[f] if v not in fixed) for f in factors]
        if len(scopes) > OWN_ORDER_TABLES:  # large: its own order, without trying the other
            local = self._own_order(scopes, free, check)
            if not local.too_large:
                return local
        plan = self._bucket_steps(scopes, free, self._rank.__getitem__, check, self._card)
        if plan.too_large or plan.work > REORDER_WORK * len(scopes):
            local = self._own_order(scopes, free, check)
            if not local.too_large and (plan.too_large or local.work < plan.work):
                return local
        return plan

    def _own_order(self, scopes: list[Term], free: Sequence[int], check: bool) -> _Buckets:
        """Bucket elimination in a greedy order of the question's own graph: min-size, the
        cheaper search, and where that still costs more than REORDER_WORK per table,
        weighted min-fill too (its search costs more, but on graphs of many small nodes,
        link's and munin1's, min-size's ties can cost 10 to 100 times the arithmetic); the
        one that multiplies less."""
        plan = self._greedy_steps(scopes, free, check, self._card, "min-size")
        if not plan.too_large and plan.work <= REORDER_WORK * len(scopes):
            return plan
        other = self._greedy_steps(scopes, free, check, self._card)
        return other if not other.too_large and (plan.too_large or other.work < plan.work) \
            else plan

    def _greedy_steps(self, scopes: list[Term], free: Sequence[int], check: bool,
                      card: Sequence[int] | Mapping[int, int],
                      heuristic: Heuristic = "weighted-fill") -> _Buckets:
        """Bucket elimination in a greedy order of the scopes' own graph, worked out as the
        order is found. "weighted-fill" (as pyAgrum's triangulation weighs it) sums out
        next the node whose elimination links the fewest pairs of its neighbours not yet
        linked, each pair weighed by the cells of its two nodes, then the smallest table;
        "min-size" the node whose bucket makes the smallest table. The scores of a node's
        neighbours are renewed when it goes, not those of nodes two links away (their fill
        can only have fallen): a search of the whole graph each step would cost more than
        the orders it would improve.

        On link's and munin1's graphs of a hundred-odd small tables this search is half of
        a first query, so it is written for speed: each score is one int (fill, then cells,
        then the node), which the heap compares far faster than tuples; a min-size score is
        renewed from the old one and the neighbours gained; the steps' bookkeeping
        (`_Steps.eliminate`) is done in the same pass over the neighbours."""
        limit = self.max_cells
        worked = _Steps(scopes, card, limit, check)
        holders, scopes_, steps, alive = worked.holders, worked.scopes, worked.steps, \
            worked.alive
        around: dict[int, set[int]] = {}  # node -> the nodes it shares a table with
        for v, held in holders.items():
            near: set[int] = set()
            for k in held:
                near.update(scopes_[k])
            near.discard(v)
            around[v] = near
        cells_of = card.__getitem__
        by_fill = heuristic == "weighted-fill"
        # a score's last digit (radix `radix`) is the node (+ 1: the batch axis is -1);
        # weighted fill's scores hold the cells (capped past the limit) in radix `wide`,
        # above them the fill, and above that whether the table is past the limit
        radix = max(around, default=0) + 2
        wide = limit + 2
        past = 1 << 64  # above any fill

        def scored(v: int) -> int:
            """Weighted fill's score of eliminating v."""
            near = around[v]
            cells = card[v] * math.prod(map(cells_of, near))
            fill = 0
            seen: list[int] = []
            for u in near:  # the pairs of v's neighbours not linked, card[u] * card[w] each
                linked = around[u]
                apart = 0
                for w in seen:
                    if w not in linked:
                        apart += card[w]
                fill += card[u] * apart
                seen.append(u)
            if cells > limit:
                return ((past + fill) * wide + limit + 1) * radix + v + 1
            return (fill * wide + cells) * radix + v + 1

        keep = set(free)
        if by_fill:
            cost = {v: scored(v) for v in around if v not in keep}
        else:
            cost = {v: (card[v] * math.prod(map(cells_of, near))) * radix + v + 1
                    for v, near in around.items() if v not in keep}
        queue = list(cost.values())
        heapq.heapify(queue)
        pop, push = heapq.heappop, heapq.heappush
        alive_cells, peak, made, work = 0, 0, 0, 0
        done = worked.done
        while queue:
            key = pop(queue)
            v = key % radix - 1
            if cost.get(v) != key:  # eliminated already, or its score renewed since
                continue
            del cost[v]
            near = around.pop(v)
            used = holders.pop(v)
            cv = card[v]
            # the bucket's cells, v's axis included: up to date, renewed whenever a
            # neighbour went
            largest = key // radix
            if by_fill:
                largest %= wide
                if largest > limit:
                    largest = cv * math.prod(map(cells_of, near))
            cells = largest // cv
            if check and cells > limit:
                worked.alive_cells, worked.peak, worked.made, worked.work = \
                    alive_cells, peak, made, work
                return worked.stopped()
            if len(used) == 1:  # one table: its axes but v, in its order (a plain sum)
                out = tuple(u for u in scopes_[next(iter(used))] if u != v)
            else:
                out = tuple(near)  # the bucket's union but v: its neighbours
            new = len(scopes_)
            work += largest * len(used)
            peak = max(peak, alive_cells + cells + (largest if len(used) > 2 else 0))
            for i in used:
                alive_cells -= alive.pop(i, 0)
            alive[new] = cells
            alive_cells += cells
            made += cells
            done |= used
            scopes_.append(out)
            steps.append((tuple(used), out, largest > BLAS_CELLS))
            if by_fill:
                for u in near:
                    held = holders[u]
                    held -= used
                    held.add(new)
                    others = around[u]
                    others |= near
                    others.discard(u)
                    others.discard(v)
                for u in near:
                    if u in cost:
                        key = cost[u] = scored(u)
                        push(queue, key)
                continue
            for u in near:  # min-size: each neighbour's bucket loses v, gains v's others
                held = holders[u]
                held -= used
                held.add(new)
                others = around[u]
                added = near - others
                added.discard(u)
                others |= added
                others.discard(v)
                old = cost.get(u)
                if old is not None:
                    key = cost[u] = (old // radix // cv * math.prod(map(cells_of, added))) \
                        * radix + u + 1
                    push(queue, key)
        worked.alive_cells, worked.peak, worked.made, worked.work = \
            alive_cells, peak, made, work
        return worked.finish(free)

    def _bucket_steps(self, scopes: list[Term], free: Sequence[int],
                      rank: Callable[[int], int], check: bool,
                      card: Sequence[int] | Mapping[int, int]) -> _Buckets:
        """Bucket elimination in the order `rank` gives, worked out on scopes alone."""
        worked = _Steps(scopes, card, self.max_cells, check)
        keep = set(free)
        for v in sorted((v for v in worked.holders if v not in keep), key=rank):
            used = worked.holders.pop(v)
            if len(used) == 1:  # one table: its axes but v, in its order (a plain sum)
                out = tuple(u for u in worked.scopes[next(iter(used))] if u != v)
            else:
                union: set[int] = set()
                for i in used:
                    union.update(worked.scopes[i])
                union.discard(v)
                out = tuple(union)  # in any order: steps match axes by node, not position
            cells = math.prod(map(card.__getitem__, out))
            if not worked.eliminate(v, used, out, cells, cells * card[v]):
                return worked.stopped()
        return worked.finish(free)

    def _eliminated(self, plan: _Buckets) -> list[int]:
        """The node each step of `plan` sums out (the last step sums none)."""
        return [next(iter(set().union(*(plan.scopes[i] for i in used)) - set(out)))
                for used, out, _ in plan.steps[:-1]]

    def _eliminate(self, factors: Sequence[int], targets: Sequence[str],
                   state: Mapping[str, int], weights: Mapping[str, FloatArray]
                   ) -> FloatArray | None:
        """The product of `factors`' tables, sliced at the fixed states and summed down to
        `targets`, by eliminating one node at a time in the network's elimination order.
        None when that would make a table past `max_cells`, or more tables at once than the
        memory budget holds (the planner may do better)."""
        if not factors:
            return np.ones(())
        index = self._index
        fixed = {index[name]: k for name, k in state.items()}
        plan = self._buckets(factors, [index[t] for t in targets], fixed)
        if plan.too_large or plan.peak_cells * CELL_BYTES > self.budget:
            return None
        return _run_buckets(plan, [self._factor(f, fixed, weights) for f in factors])

    # a shape that comes back: the planned contraction --------------------------------------

    def _cut(self, cut: _Cut, given: Assignment, do: Assignment, batch: Batch
             ) -> _Contraction:
        fixed = {*given, *do}
        key = (cut, frozenset(fixed), batch)  # a cut's tables are sliced at every fixed node
        contraction = self._cuts.get(key)
        if contraction is None:
            contraction = _remember(self._cuts, key, self._contraction(
                cut.factors, fixed, (), batch,
                lambda: _describe((), {n: given[n] for n in cut.checks}, do)))
        return contraction

    def _contraction(self, factors: Sequence[int], fixed: Collection[str],
                     free: tuple[str, ...], batch: Batch,
                     query: Callable[[], str]) -> _Contraction:
        """The planned product of `factors`' tables, summed down to `free` (and the batch):
        its recipe (found once per structure), the steps over tables no query of the shape
        changes made now and kept."""
        if not factors:
            return _NOTHING
        key = (tuple(factors), frozenset(fixed), free, batch, _settings())
        kept = self._plans.get("recipe", key)
        # a query too large is refused each time (nothing is kept), naming its own states
        recipe: _Recipe = kept[0] if kept is not None else self._plans.remember(
            "recipe", key, self._recipe(factors, fixed, free, batch, query))
        slots: list[FloatArray | None] = [None] * len(recipe.operands)
        slots += [self._arrays[f] for f in recipe.constants]
        # what each slot's numbers are, for batched runs to find their steps kept
        known = recipe.batched and bool(recipe.steps)
        keys: list[Any] = [None] * len(recipe.operands)
        if known:
            keys += [_numbers(self._arrays[f]) for f in recipe.constants]
        for ids, equation, folded in recipe.program:
            if not folded:
                slots.append(None)  # a query step's result
                keys.append(None)
                continue
            made: list[Any] = [slots[i] for i in ids]
            slots.append(np.einsum(equation, *made, optimize=len(ids) > 2))
            if known:
                keys.append(("folded", equation, *(keys[i] for i in ids)))
            for i in ids:
                slots[i] = None
                if known:
                    keys[i] = None
        if not recipe.steps:
            value = slots[-1]
            assert value is not None
            return _Contraction((), (), (), np.asarray(value), False, 1, 0)
        nbytes = sum(t.nbytes for t in slots if t is not None)
        return _Contraction(recipe.operands, tuple(slots), recipe.steps, np.ones(()),
                            recipe.batched, recipe.chunk, nbytes, tuple(keys) if known else ())

    def _recipe(self, factors: Sequence[int], fixed: Collection[str], free: tuple[str, ...],
                batch: Batch, query: Callable[[], str]) -> _Recipe:
        """How `_contraction` makes its product: the order of opt_einsum's and bucket
        elimination's that multiplies least at query time (`_order_steps`), the samples
        per chunk, the steps folded ahead of time; refused past the memory budget."""
        operands, inputs, constants = self._terms(factors, fixed, batch)
        batched = any(op.batched for op in operands)
        output = tuple(self._index[t] for t in free) + ((BATCH,) if batched else ())
        sizes = {v: self._card[v] for term in inputs for v in term if v != BATCH}
        size = 1 if batch is None else batch[0]
        sizes[BATCH] = size
        path = self._order_steps(inputs, len(operands), output, sizes, query)
        program = _program(inputs, output, path)
        # samples per chunk: the largest step's tables per sample fit CHUNK_CELLS
        per_sample = 1
        if batched:
            per_sample = max(sum(math.prod(sizes[v] for v in term if v != BATCH)
                                 for term in (*(program.terms[i] for i in ids), out)
                                 if BATCH in term)
                             for ids, out in program.steps)
        chunk = max(1, min(size, CHUNK_CELLS // max(1, per_sample)))
        if batched:
            sizes[BATCH] = chunk
        peak = _peak(inputs, len(operands), program, sizes)
        self._within_budget(peak * CELL_BYTES, f"exact query {query()}",
                            "ask about fewer targets jointly, observe fewer nodes, use fewer "
                            f"samples per batch, {SAMPLING_HINT}")
        # which slots hold a table made ahead of time (the constants, then folded steps)
        ready = [False] * len(operands) + [True] * len(constants)
        order: list[tuple[tuple[int, ...], str, bool]] = []
        steps: list[_Step] = []
        for ids, out in program.steps:
            terms = [program.terms[i] for i in ids]
            equation = _equation(terms, out)
            # nothing in it changes between queries of the shape: made ahead and kept
            folded = all(ready[i] for i in ids)
            order.append((ids, equation, folded))
            for i in ids:
                ready[i] = False  # let go once used
            ready.append(folded)
            if folded:
                continue
            cells_here = max(math.prod(sizes[v] for v in t) for t in (*terms, out))
            blas = None
            if len(ids) > 2 or cells_here > BLAS_CELLS:
                blas = oe.contract_expression(
                    equation, *(tuple(sizes[v] for v in t) for t in terms),
                    use_blas=cells_here > BLAS_CELLS)
            steps.append(_Step(tuple(ids), len(ready) - 1, equation, blas))
        return _Recipe(tuple(operands), tuple(constants), tuple(order), tuple(steps), batched,
                       chunk)

    def _terms(self, factors: Sequence[int], fixed: Collection[str],
               batch: Batch) -> tuple[list[_Operand], list[Term], list[int]]:
        """Operands taken at query time, the terms (axes) of every factor (operands first),
        and the tables no query of this shape changes (by node number)."""
        operands: list[_Operand] = []
        varying: list[Term] = []
        constant: list[Term] = []
        tables: list[int] = []
        n = len(self._nodes)
        for f in factors:
            axes = [self._nodes[v] for v in self._family[f]]
            term = tuple(self._index[v] for v in axes if v not in fixed)
            if f >= n:  # a likelihood: its weights change with every query
                operands.append(_operand(f, False, axes, fixed))
                varying.append(term)
            elif batch is not None and self._nodes[f] in batch[1]:
                operands.append(_operand(f, True, axes, fixed))
                varying.append((*term, BATCH))
            elif len(term) < len(axes):
                operands.append(_operand(f, False, axes, fixed))
                varying.append(term)
            else:
                constant.append(term)
                tables.append(f)
        return operands, varying + constant, tables

    def _order_steps(self, inputs: Sequence[Term], varying: int, output: Term,
                     sizes: Mapping[int, int],
                     query: Callable[[], str]) -> list[tuple[int, ...]]:
        """The contraction order (single-assignment form) whose steps at query time multiply
        the fewest cells, of opt_einsum's greedy search (with the constant tables folded
        first, and without) and bucket elimination (in the network's order and in the two
        greedy orders of this graph, weighted min-fill and min-size); refused when even the
        best would make a table past `max_cells`."""
        keep = [v for v in output]
        candidates = [_path(inputs, varying, output, sizes, fold=True),
                      _path(inputs, varying, output, sizes, fold=False)]
        ranks = {**{v: r for v, r in enumerate(self._rank)}, BATCH: len(self._rank)}
        for plan in (self._bucket_steps(list(inputs), keep, ranks.__getitem__, True, sizes),
                     self._greedy_steps(list(inputs), keep, True, sizes),
                     self._greedy_steps(list(inputs), keep, True, sizes, "min-size")):
            if not plan.too_large:
                candidates.append([used for used, _, _ in plan.steps])
        best: list[tuple[int, ...]] | None = None
        best_work, cells = 0, math.inf
        for path in candidates:
            work, largest = _work(inputs, varying, output, path, sizes)
            if largest <= self.max_cells and (best is None or work < best_work):
                best, best_work = path, work
            cells = min(cells, largest)
        if best is None:
            raise LimitError(Problem(
                f"exact query {query()} needs a table of {int(cells):,} cells "
                f"(limit {self.max_cells:,})",
                hint="ask about fewer targets jointly, observe fewer nodes, use fewer "
                     f"samples per batch, {SAMPLING_HINT}"))
        return best


class _Arrays:
    """A query's factors by number: the network's tables, then the likelihoods' weights."""

    def __init__(self, engine: CompiledNet, weights: Mapping[str, FloatArray]):
        self.tables = engine._arrays
        self.names = engine._nodes
        self.weights = weights
        self.serial = engine._serial

    def __call__(self, factor: int) -> FloatArray:
        n = len(self.names)
        return self.tables[factor] if factor < n else self.weights[self.names[factor - n]]


def _calls(plan: _Buckets) -> list[_Call]:
    """The steps of `plan` as einsum calls (`_Call`)."""
    scopes = plan.scopes
    calls: list[_Call] = []
    for used, out, large in plan.steps:
        if len(used) == 1:
            scope = scopes[used[0]]
            if len(scope) == len(out) + 1 and tuple(u for u in scope if u in out) == out:
                calls.append((used, next(a for a, u in enumerate(scope) if u not in out),
                              False))
                continue
        # the result's axes are 0, 1, ...; the one node a step sums out (the last step sums
        # none) is the next number
        axes = dict(zip(out, range(len(out)), strict=True))
        gone = itertools.repeat(len(out))
        subscripts = [list(map(axes.get, scopes[i], gone)) for i in used]
        subscripts.append(list(range(len(out))))
        calls.append((used, tuple(subscripts), large))
    return calls


def _run_buckets(plan: _Buckets, tables: list[FloatArray | None]) -> FloatArray:
    """The tables (the plan's inputs, in order) multiplied and summed by the plan's steps,
    each table let go once used: only the tables alive count against the limit. A step is
    one call of numpy's C einsum on subscripts worked out once per plan: on first queries
    of a hundred-odd small steps, the Python around each call costs more than its
    arithmetic."""
    calls = plan.calls
    if calls is None:
        calls = plan.calls = _calls(plan)
    einsum: Callable[..., Any] = _c_einsum
    for used, how, large in calls:
        if how.__class__ is int:
            i = used[0]
            table = tables[i]
            assert table is not None
            tables.append(np.add.reduce(table, axis=how))
            tables[i] = None
            continue
        assert isinstance(how, tuple)
        if len(used) == 2 and not large:
            i, j = used
            tables.append(einsum(tables[i], how[0], tables[j], how[1], how[2]))
            tables[i] = tables[j] = None
            continue
        args: list[Any] = []
        for i, subscripts in zip(used, how, strict=False):
            args.append(tables[i])
            args.append(subscripts)
            tables[i] = None
        args.append(how[-1])
        # a large step goes pairwise through BLAS, where numpy's search for the pairs costs
        # less than it saves
        tables.append(np.einsum(*args, optimize=True) if large else einsum(*args))
    return np.asarray(tables[-1])


def _product(tables: Sequence[FloatArray | None], scopes: Sequence[Term],
             used: Sequence[int], out: Term, large: bool) -> FloatArray:
    """The tables `used`, multiplied and summed down to the axes `out`."""
    if len(used) == 1:
        scope = scopes[used[0]]
        table = tables[used[0]]
        assert table is not None
        if len(scope) == len(out) + 1 and all(u in scope for u in out):
            gone = next(a for a, u in enumerate(scope) if u not in out)
            if tuple(u for u in scope if u in out) == out:
                return np.asarray(np.add.reduce(table, axis=gone))
    axes: dict[int, int] = {}
    args: list[Any] = []
    for i in used:
        args += [tables[i], [axes.setdefault(v, len(axes)) for v in scopes[i]]]
    args.append([axes[v] for v in out])
    # a large step goes pairwise through BLAS, where numpy's search for the pairs costs less
    # than it saves
    return np.asarray(np.einsum(*args, optimize=large))


def _gradient(g: FloatArray, out: Term, others: Sequence[tuple[FloatArray | None, Term]],
              scope: Term, card: Sequence[int]) -> FloatArray:
    """d(result)/d(one input) of a step whose result has axes `out` and gradient `g`: the
    gradient times the step's other inputs, on the input's axes `scope`."""
    axes: dict[int, int] = {}
    args: list[Any] = [g, [axes.setdefault(v, len(axes)) for v in out]]
    for table, s in others:
        args += [table, [axes.setdefault(v, len(axes)) for v in s]]
    present = tuple(v for v in scope if v in axes)
    args.append([axes[v] for v in present])
    values = _optimized_einsum(args) if len(others) > 1 else _c_einsum(*args)
    if len(present) < len(scope):  # an axis only this input has: the gradient is flat along it
        values = np.broadcast_to(
            values.reshape(tuple(card[v] if v in axes else 1 for v in scope)),
            tuple(card[v] for v in scope))
    return np.asarray(values)


def _optimized_einsum(args: list[Any]) -> FloatArray:
    """`np.einsum(*args, optimize=True)` (interleaved operands and subscripts, then the
    output's) as the pairwise steps numpy's search picks, searched once per subscripts and
    shapes and then run as plain two-operand einsums: the search, and numpy's reading of
    its own path at every call, cost more than the arithmetic of the small steps of a
    derivative pass."""
    key = (tuple(tuple(sub) for sub in args[1::2]), tuple(args[-1]),
           tuple(a.shape for a in args[0:-1:2]))
    steps = _EINSUM_STEPS.get(key)
    if steps is None:
        steps = _remember(_EINSUM_STEPS, key, _pairwise(
            [list(sub) for sub in args[1::2]], list(args[-1]),
            np.einsum_path(*args, optimize=True)[0][1:]))
    operands = list(args[0:-1:2])
    for taken, subs in steps:
        picked = [operands.pop(i) for i in reversed(taken)][::-1]
        operands.append(_c_einsum(*(x for pair in zip(picked, subs, strict=False)
                                    for x in pair), subs[-1]))
    return np.asarray(operands[0])


# each step: the operands it takes (increasing), their subscripts then its result's
_Pairwise = tuple[tuple[tuple[int, ...], tuple[list[int], ...]], ...]


def _pairwise(subscripts: list[list[int]], output: list[int], path: Sequence[tuple[int, ...]]
              ) -> _Pairwise:
    """numpy's contraction path as steps (the operands it takes, in increasing order; their
    subscripts, then its result's), each putting its result last in the list of operands;
    a result keeps the axes its operands share with the rest or the output, the last one
    exactly the output's axes."""
    terms = [list(sub) for sub in subscripts]
    steps = []
    for k, step in enumerate(path):
        taken = tuple(sorted(step))
        picked = [terms[i] for i in taken]
        rest = [term for i, term in enumerate(terms) if i not in taken]
        if k == len(path) - 1:
            out = list(output)
        else:
            needed = set(output).union(*rest)
            out = [v for v in dict.fromkeys(v for term in picked for v in term) if v in needed]
        steps.append((taken, (*picked, out)))
        terms = [*rest, out]
    return tuple(steps)


# np.einsum's pairwise steps by subscripts and shapes (`_optimized_einsum`)
_EINSUM_STEPS: dict[tuple[Any, ...], _Pairwise] = {}


@dataclass(frozen=True)
class _Program:
    """A contraction order as steps: the ids each step takes and the axes of its result;
    `terms` holds the axes of every id (inputs first)."""

    steps: tuple[tuple[tuple[int, ...], Term], ...]
    terms: tuple[Term, ...]


def _program(inputs: Sequence[Term], output: Term,
             ssa: Sequence[tuple[int, ...]]) -> _Program:
    """Each step's result keeps the axes a later step or the output still needs; the last
    step's result has exactly the output's axes, in order (the batch axis last)."""
    terms: list[Term] = list(inputs)
    users = Counter(v for t in [*inputs, output] for v in set(t))
    steps = []
    for k, step in enumerate(ssa):
        picked = [terms[i] for i in step]
        users.subtract(v for t in picked for v in t)
        if k == len(ssa) - 1:
            merged = output
        else:
            kept = {v for t in picked for v in t if users[v] > 0}
            merged = tuple(sorted(kept - {BATCH})) + ((BATCH,) if BATCH in kept else ())
        users.update(merged)
        terms.append(merged)
        steps.append((tuple(step), merged))
    return _Program(tuple(steps), tuple(terms))


def _peak(inputs: Sequence[Term], operands: int, program: _Program,
          sizes: Mapping[int, int]) -> int:
    """Cells alive at once at the worst step of `program`: each step's result until the
    step that uses it, and the batched operands it takes (copies) during the step."""
    def cells(term: Term) -> int:
        return math.prod(sizes[v] for v in term)

    alive: dict[int, int] = {}
    peak = 0
    for k, (ids, out) in enumerate(program.steps):
        taken = sum(cells(inputs[i]) for i in ids if i < operands and BATCH in inputs[i])
        peak = max(peak, sum(alive.values()) + taken + cells(out))
        for i in ids:
            alive.pop(i, None)
        alive[len(inputs) + k] = cells(out)
    return peak


def _equation(terms: Sequence[Term], out: Term) -> str:
    """An einsum equation of the terms, each axis given a letter of its own."""
    letters: dict[int, str] = {}
    for t in (*terms, out):
        for v in t:
            if v not in letters:
                letters[v] = LETTERS[len(letters)]
    return ",".join("".join(letters[v] for v in t) for t in terms) + "->" + \
        "".join(letters[v] for v in out)


def _steps_of(program: _Program) -> tuple[tuple[tuple[int, ...], str], ...]:
    """Each step of `program` as (slots, einsum equation)."""
    return tuple((ids, _equation([program.terms[i] for i in ids], out))
                 for ids, out in program.steps)


def _run_steps(tables: Sequence[FloatArray],
               steps: Sequence[tuple[tuple[int, ...], str]]) -> FloatArray:
    """The contraction of `tables` by `steps` (`_steps_of`), each slot let go once used."""
    slots: list[FloatArray | None] = list(tables)
    for ids, equation in steps:
        args: list[Any] = [slots[i] for i in ids]
        slots.append(np.einsum(equation, *args, optimize=len(ids) > 2))
        for i in ids:
            slots[i] = None
    result = slots[-1]
    assert result is not None
    return np.array(result, dtype=np.float64)


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


def _size(nbytes: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if nbytes < 1000 or unit == "TB":
            return f"{nbytes:,.0f} {unit}" if unit == "bytes" else f"{nbytes:,.1f} {unit}"
        nbytes /= 1000
    raise AssertionError("unreachable")


def _table(net: Net, node: str) -> FloatArray:
    table = np.ascontiguousarray(net.tables[node], dtype=np.float64)
    expected = tuple(len(net.states[n]) for n in (node, *net.parents[node]))
    if table.shape != expected:
        raise ValueError(f"table of '{node}' has shape {table.shape}, expected {expected}")
    return table


def _components(factors: Sequence[int], scopes: Mapping[int, set[int]]) -> list[list[int]]:
    """Factors grouped by shared indices (unobserved nodes): the evidence d-separates them."""
    by_node: dict[int, list[int]] = {}
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


def _path(inputs: Sequence[Term], varying: int, output: Term, sizes: Mapping[int, int],
          fold: bool) -> list[tuple[int, ...]]:
    """A contraction order by opt_einsum's greedy search, in single-assignment form (ids: the
    inputs, then each step's result). With `fold`, each group of constant tables (the inputs
    after the first `varying`) linked by indices nothing else uses is contracted first, down
    to the indices the rest needs: those steps run once, when the shape is planned, so warm
    queries skip them."""
    subscripts: dict[int, Term] = dict(enumerate(inputs))
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
            rest.append(_greedy(group, tuple(sorted(keep)), subscripts, sizes, ssa))
    _greedy(rest, output, subscripts, sizes, ssa)
    return ssa


def _greedy(ids: Sequence[int], output: Term, subscripts: dict[int, Term],
            sizes: Mapping[int, int], ssa: list[tuple[int, ...]]) -> int:
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


def _work(inputs: Sequence[Term], varying: int, output: Term,
          ssa: Sequence[tuple[int, ...]], sizes: Mapping[int, int]) -> tuple[int, int]:
    """(cells multiplied at query time, cells of the largest table made) of the contraction
    `ssa`: steps over constant tables only run once, when the shape is planned."""
    terms = {i: set(t) for i, t in enumerate(inputs)}
    varies = {i: i < varying for i in range(len(inputs))}
    users = Counter(c for t in [*inputs, output] for c in set(t))
    largest = math.prod(sizes[c] for c in output)
    work = 0
    for k, step in enumerate(ssa):
        picked = [terms.pop(i) for i in step]
        moving = any(varies.pop(i) for i in step)
        union = set().union(*picked)
        users.subtract(c for t in picked for c in t)
        merged = {c for c in union if users[c] > 0}
        users.update(merged)
        terms[len(inputs) + k] = merged
        varies[len(inputs) + k] = moving
        largest = max(largest, math.prod(sizes[c] for c in merged))
        if moving:
            work += math.prod(sizes[c] for c in union) * len(step)
    return work, largest


def _largest(inputs: Sequence[Term], output: Term, ssa: Sequence[tuple[int, ...]],
             sizes: Mapping[int, int]) -> int:
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
