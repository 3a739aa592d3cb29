"""What moved between two versions of a scenario, and why.

The changes are what moves probabilities: a node's numbers edited (its table), its parents
or states changed, a node added or removed, an evidence entry added, removed or edited.
Edits that move nothing (labels, citations, wording) are not changes here.

Each change's effect on each outcome and judgement is its Shapley value over the changes,
with an order constraint: the whole move runs from the old version to the new through
versions that mix the two, node by node and entry by entry, and a mix is only valid when it
is a working scenario (every parent there, its states matching the tables that use it, the
evidence possible). A change's effect is its average contribution over all the orders of
applying the changes one at a time whose every step is valid. In every such order the
contributions add up to the whole move, so the effects do too, exactly (to rounding).

Work: a mix is one exact evaluation of every outcome and judgement. With up to
`EXACT_CHANGES` changes every valid mix is evaluated (at most 2^n, memoised) and the
average over orders is exact, by counting the valid orders through each mix. With more,
`SAMPLED_ORDERS` orders are drawn (seeded; at each step the next change is chosen at random
among those that can come next), so the work is at most `SAMPLED_ORDERS` x n evaluations;
each drawn order still adds up to the whole move, so the effects still add up exactly.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ..errors import Problem, ScenarioError
from ..history import background
from ..language.events import event_mask
from ..language.evidence_log import EntrySpec
from ..language.graph import CycleError, topological_order
from ..language.judgements import JudgementSpec
from ..language.tables import FloatArray
from ..network.net import Net
from ..scenario import Scenario

EXACT_CHANGES = 10
SAMPLED_ORDERS = 200
SEED = 2025
MoveKind = Literal["outcome", "judgement"]
ChangeKind = Literal["numbers edited", "parents changed", "states changed", "node added",
                     "node removed", "evidence added", "evidence removed", "evidence edited"]


@dataclass(frozen=True)
class Move:
    """One outcome state's or judgement's probability, before and after."""

    kind: MoveKind
    node: str  # the outcome, or the judgement's name
    state: str | None  # None for a judgement
    old: float | None  # None when the version lacks it
    new: float | None

    @property
    def key(self) -> str:
        return self.node if self.state is None else f"{self.node}={self.state}"

    @property
    def change(self) -> float | None:
        return None if self.old is None or self.new is None else self.new - self.old

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "node": self.node, "state": self.state, "old": self.old,
                "new": self.new}


@dataclass(frozen=True)
class Change:
    """One change between the versions and its effect on each move (by `Move.key`)."""

    what: ChangeKind
    node: str | None  # the node it touches (an entry's first node)
    detail: str
    effect: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"what": self.what, "node": self.node, "detail": self.detail,
                "effect": dict(self.effect)}


@dataclass(frozen=True)
class Diff:
    old: str  # how each version is named (file, or file at a revision)
    new: str
    moves: tuple[Move, ...]
    changes: tuple[Change, ...]
    method: str  # how the effects were attributed
    states: Mapping[str, int] = field(default_factory=dict)  # each outcome's number of states

    def to_dict(self) -> dict[str, Any]:
        return {"old": self.old, "new": self.new, "moves": [m.to_dict() for m in self.moves],
                "changes": [c.to_dict() for c in self.changes], "method": self.method}

    def top_moves(self, limit: int = 8) -> tuple[Move, ...]:
        """The largest moves (a yes/no outcome by its first state only), largest first."""
        seen: set[str] = set()
        moved = []
        for m in self.moves:
            if m.kind == "outcome" and m.node in seen:
                continue  # the other state of a two-state outcome moves by as much
            if m.kind == "outcome" and self.states.get(m.node, 0) == 2:
                seen.add(m.node)
            if m.change is None or abs(m.change) >= 5e-4:
                moved.append(m)
        return tuple(sorted(moved, key=lambda m: -abs(m.change or 1.0))[:limit])


# one node's definition, and a version made of old and new parts ---------------------------


@dataclass(frozen=True)
class _Def:
    states: tuple[str, ...]
    parents: tuple[str, ...]
    table: FloatArray


@dataclass(frozen=True)
class _Unit:
    """A change as the attribution applies it: node definitions and entries it swaps."""

    what: ChangeKind
    node: str | None
    detail: str
    nodes: tuple[tuple[str, _Def | None, _Def | None], ...] = ()  # (name, old, new)
    entries: tuple[tuple[EntrySpec | None, EntrySpec | None], ...] = ()  # (old, new)


def _defs(s: Scenario) -> dict[str, _Def]:
    tables = s.tables()
    return {n: _Def(tuple(spec.states), tuple(spec.parents), tables[n])
            for n, spec in s.nodes.items()}


def _node_units(old: Scenario, new: Scenario) -> list[_Unit]:
    a, b = _defs(old), _defs(new)
    units = []
    for name in [*a, *(n for n in b if n not in a)]:
        was, now = a.get(name), b.get(name)
        if was is None and now is not None:
            units.append(_Unit("node added", name, f"node '{name}' added"
                               + (f" (parents: {', '.join(now.parents)})" if now.parents
                                  else ""), ((name, None, now),)))
        elif now is None and was is not None:
            units.append(_Unit("node removed", name, f"node '{name}' removed",
                               ((name, was, None),)))
        elif was is not None and now is not None:
            detail = _node_edit(was, now)
            if detail is not None:
                what: ChangeKind = ("states changed" if was.states != now.states else
                                    "parents changed" if was.parents != now.parents else
                                    "numbers edited")
                units.append(_Unit(what, name, f"'{name}': {detail}", ((name, was, now),)))
    return units


def _node_edit(was: _Def, now: _Def) -> str | None:
    if was.states != now.states:
        return f"states {', '.join(was.states)} -> {', '.join(now.states)}"
    if was.parents != now.parents:
        added = [p for p in now.parents if p not in was.parents]
        removed = [p for p in was.parents if p not in now.parents]
        parts = [*(f"arc from '{p}' added" for p in added),
                 *(f"arc from '{p}' removed" for p in removed)]
        return ", ".join(parts) or "parents reordered"
    if was.table.shape == now.table.shape and np.array_equal(was.table, now.table):
        return None
    cells = was.table.size
    differ = int(np.sum(~np.isclose(was.table, now.table, rtol=0, atol=1e-12)))
    columns = int(np.prod(was.table.shape[1:]))
    rows = int(np.sum(~np.all(np.isclose(was.table.reshape(was.table.shape[0], -1),
                                         now.table.reshape(now.table.shape[0], -1),
                                         rtol=0, atol=1e-12), axis=0)))
    return (f"numbers edited ({differ} of its {cells} table cells"
            + (f", in {rows} of {columns} parent combinations" if columns > 1 else "") + ")")


def _entry_units(old: Scenario, new: Scenario) -> list[_Unit]:
    before = list(old.log.entries)
    after = list(new.log.entries)
    keys = {e.key() for e in before}
    kept = {e.key() for e in after} & keys
    gone = [e for e in before if e.key() not in kept]
    came = [e for e in after if e.key() not in kept]
    units = []
    for e in came:
        twin = next((g for g in gone if g.date == e.date and g.nodes == e.nodes), None)
        if twin is not None:
            gone.remove(twin)
            units.append(_Unit("evidence edited", e.nodes[0] if e.nodes else None,
                               f"evidence of {e.date} edited: {e.label}", (), ((twin, e),)))
        else:
            units.append(_Unit("evidence added", e.nodes[0] if e.nodes else None,
                               f"evidence of {e.date} added: {e.label}", (), ((None, e),)))
    for g in gone:
        units.append(_Unit("evidence removed", g.nodes[0] if g.nodes else None,
                           f"evidence of {g.date} removed: {g.label}", (), ((g, None),)))
    return units


# tracked quantities -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Tracked:
    outcomes: tuple[tuple[str, str], ...]  # (node, state) in both versions alike
    judgements: tuple[JudgementSpec, ...]  # the new version's, same event in both

    @property
    def keys(self) -> list[str]:
        return [f"{n}={s}" for n, s in self.outcomes] + [j.name for j in self.judgements]


def _tracked(old: Scenario, new: Scenario) -> _Tracked:
    same = {n for n, spec in new.nodes.items()
            if n in old.nodes and tuple(old.nodes[n].states) == tuple(spec.states)}
    outcomes = tuple((o, st) for o in new.outcomes if o in same for st in new.nodes[o].states)
    before = {j.name: j for j in old.judgement_specs}
    judgements = tuple(j for j in new.judgement_specs if j.name in before
                       and before[j.name].written == j.written and set(j.nodes) <= same)
    return _Tracked(outcomes, judgements)


def _moves(old: Scenario, new: Scenario, tracked: _Tracked) -> list[Move]:
    out: list[Move] = []
    for o in new.outcomes:
        now = new.query(o)
        was = old.query(o) if o in old.nodes else None
        for st in new.nodes[o].states:
            out.append(Move("outcome", o, st, None if was is None or st not in was else
                            was[st], now[st]))
    for o in old.outcomes:
        if o not in new.nodes:
            was = old.query(o)
            out += [Move("outcome", o, st, was[st], None) for st in old.nodes[o].states]
    before = {j.name: j for j in old.judgement_specs}
    for j in new.judgement_specs:
        was_j = before.get(j.name)
        out.append(Move("judgement", j.name, None,
                        old.probability(was_j.event) if was_j is not None else None,
                        new.probability(j.event)))
    after = {j.name for j in new.judgement_specs}
    out += [Move("judgement", j.name, None, old.probability(j.event), None)
            for j in old.judgement_specs if j.name not in after]
    return out


class _Mixes:
    """Versions made of old and new parts, each evaluated once: the tracked quantities, or
    None when the mix is not a working scenario."""

    def __init__(self, old: Scenario, new: Scenario, units: Sequence[_Unit], tracked: _Tracked):
        self.old_defs = _defs(old)
        self.old_entries = list(old.log.entries)
        self.units = units
        self.tracked = tracked
        self.cache: dict[int, FloatArray | None] = {}

    def value(self, mask: int) -> FloatArray | None:
        if mask not in self.cache:
            self.cache[mask] = self._evaluate(mask)
        return self.cache[mask]

    def _evaluate(self, mask: int) -> FloatArray | None:
        defs: dict[str, _Def | None] = dict(self.old_defs)
        entries: list[EntrySpec | None] = list(self.old_entries)
        for i, unit in enumerate(self.units):
            if mask >> i & 1:
                for name, _was, now in unit.nodes:
                    defs[name] = now
                for was_e, now_e in unit.entries:
                    if was_e is not None:
                        entries[entries.index(was_e)] = None
                    if now_e is not None:
                        entries.append(now_e)
        present = {n: d for n, d in defs.items() if d is not None}
        for d in present.values():
            if any(p not in present for p in d.parents) or d.table.shape != (
                    len(d.states), *(len(present[p].states) for p in d.parents)):
                return None
        try:
            order = topological_order({n: d.parents for n, d in present.items()})
        except CycleError:
            return None
        net = Net({n: present[n].states for n in order}, {n: present[n].parents for n in order},
                  {n: present[n].table for n in order})
        log = sorted((e for e in entries if e is not None), key=lambda e: e.date)
        if any(n not in net.states or s not in net.states[n]
               for e in log for n, s in e.observed.items()) or any(
                n not in net.states or not set(ws) <= set(net.states[n])
                for e in log for n, ws in (*e.likelihood.items(), *e.believe.items())):
            return None
        from ..network.compiled import CompiledNet

        engine = CompiledNet(net)
        try:
            held = background(engine, log)
        except ScenarioError:
            return None
        given, weights = held.merged(None, None)
        values = []
        for node, state in self.tracked.outcomes:
            values.append(float(engine.joint([node], given, likelihood=weights)[
                net.states[node].index(state)]))
        for j in self.tracked.judgements:
            nodes = list(j.nodes)
            joint = engine.joint(nodes, given, likelihood=weights)
            values.append(float((joint * event_mask(j.event, net.states, nodes)).sum()))
        return np.array(values)


def _shapley_exact(mixes: _Mixes, n: int) -> FloatArray | None:
    """Effects (n, keys) averaged over every valid order, by counting valid orders through
    each valid mix; None when no order is valid throughout."""
    full = (1 << n) - 1
    valid = [mixes.value(m) is not None for m in range(full + 1)]
    ways = [0] * (full + 1)  # valid orders from nothing to this mix
    ways[0] = 1
    for m in range(1, full + 1):
        if valid[m]:
            ways[m] = sum(ways[m ^ (1 << i)] for i in range(n) if m >> i & 1)
    rest = [0] * (full + 1)  # valid orders from this mix to all changes
    rest[full] = 1
    for m in range(full - 1, -1, -1):
        if valid[m]:
            rest[m] = sum(rest[m | (1 << i)] for i in range(n) if not m >> i & 1)
    total = ways[full]
    if total == 0:
        return None
    width = len(mixes.tracked.keys)
    effects = np.zeros((n, width))
    for m in range(full + 1):
        if not valid[m] or not ways[m]:
            continue
        here = mixes.value(m)
        assert here is not None
        for i in range(n):
            nxt = m | (1 << i)
            if nxt != m and valid[nxt] and rest[nxt]:
                there = mixes.value(nxt)
                assert there is not None
                effects[i] += ways[m] * rest[nxt] / total * (there - here)
    return effects


def _shapley_sampled(mixes: _Mixes, n: int) -> FloatArray | None:
    rng = random.Random(SEED)
    width = len(mixes.tracked.keys)
    effects = np.zeros((n, width))
    drawn = 0
    for _ in range(SAMPLED_ORDERS):
        mask, here = 0, mixes.value(0)
        assert here is not None
        step = np.zeros((n, width))
        while mask != (1 << n) - 1:
            options = [i for i in range(n) if not mask >> i & 1
                       and mixes.value(mask | 1 << i) is not None]
            if not options:
                break
            i = rng.choice(options)
            mask |= 1 << i
            there = mixes.value(mask)
            assert there is not None
            step[i] = there - here
            here = there
        if mask == (1 << n) - 1:
            effects += step
            drawn += 1
    return effects / drawn if drawn else None


def diff(old: Scenario, new: Scenario, old_name: str | None = None,
         new_name: str | None = None) -> Diff:
    """Every outcome's and judgement's move from `old` to `new`, and each change's effect
    on each (see the module's docstring for the attribution)."""
    tracked = _tracked(old, new)
    units = [*_node_units(old, new), *_entry_units(old, new)]
    moves = _moves(old, new, tracked)
    n = len(units)
    mixes = _Mixes(old, new, units, tracked)
    if n and tracked.keys:
        if n <= EXACT_CHANGES:
            effects = _shapley_exact(mixes, n)
            method = f"Shapley values over all valid orders of the {n} changes (exact)"
        else:
            effects = _shapley_sampled(mixes, n)
            method = (f"Shapley values over {SAMPLED_ORDERS} sampled valid orders of the {n} "
                      f"changes (seed {SEED}); the effects still add up exactly")
        if effects is None:  # no order works change by change: one change holds them all
            units = [_Unit(units[0].what, None, "; ".join(u.detail for u in units),
                           tuple(x for u in units for x in u.nodes),
                           tuple(x for u in units for x in u.entries))]
            effects = np.array([mixes_all(old, new, units, tracked)])
            method = "the changes depend on each other all round, so they are counted as one"
    else:
        effects = np.zeros((n, len(tracked.keys)))
        method = "nothing to attribute" if not n else "no outcome or judgement in both"
    changes = tuple(Change(u.what, u.node, u.detail,
                           dict(zip(tracked.keys, effects[i].tolist(), strict=True)))
                    for i, u in enumerate(units))
    return Diff(old_name or str(old.path), new_name or str(new.path), tuple(moves),
                changes, method, {m.node: len(new.nodes[m.node].states) if m.node in new.nodes
                                  else len(old.nodes[m.node].states)
                                  for m in moves if m.kind == "outcome"})


def mixes_all(old: Scenario, new: Scenario, units: Sequence[_Unit],
              tracked: _Tracked) -> FloatArray:
    """The whole move of one change that holds every change."""
    mixes = _Mixes(old, new, units, tracked)
    before, after = mixes.value(0), mixes.value(1)
    if before is None or after is None:
        raise ScenarioError(Problem("one of the two versions cannot be evaluated"))
    return after - before



def diff_files(old: str, new: str | None = None, since: str | None = None) -> Diff:
    """`scenario diff`: two files (`old`, `new`), or one file (`old`) against itself at a git
    revision or an older copy (`since`)."""
    from ..scenario import load
    from .revisions import load_since

    if (new is None) == (since is None):
        raise ScenarioError(Problem("give two files, or one file and --since",
                                    hint="scenario diff OLD NEW, or scenario diff FILE "
                                         "--since HEAD~1"))
    if new is not None:
        return diff(load(old), load(new), old, new)
    assert since is not None
    return diff(load_since(old, since), load(old), f"{old} at {since}", old)
