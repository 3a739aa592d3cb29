"""What moved between two versions of a scenario, and why.

The changes are what moves probabilities: a node's numbers edited (its table), its parents
or states changed, a node added or removed, an evidence entry added, removed or edited, and,
with decisions of the reader's own, the decider's utilities edited or the decider changed.
Edits that move nothing (labels, citations, wording) are not changes here; an edit of the
utilities of an actor who takes none of the reader's decisions is listed, with no effect.

What moves: every outcome's states and key judgement, and with decisions of the reader's own
each option's probability under the optimal policy and the decider's maximum expected
utility (in the utilities' own units). A move is attributed when the question is the same in
both versions: an outcome or decision with the same states, a judgement with the same event,
the same decider. The others (added, removed, states changed, event edited) are listed with
their old and new figures and `attributed` False, and no move: the question itself changed.

Each change's effect on each attributed move is its Shapley value over the changes, with an
order constraint: the whole move runs from the old version to the new through versions that
mix the two, node by node, entry by entry and actor by actor, and a mix is only valid when
it is a working scenario (every parent there, its states matching the tables and utilities
that use it, the reader's decisions one after another, the evidence possible and about
nothing they can change). In each mix the reader's decisions are solved afresh, for the
mix's decider with the mix's numbers, utilities and evidence. A change's effect is its
average contribution over all the orders of applying the changes one at a time whose every
step is valid. In every such order the contributions add up to the whole move, so the
effects do too, exactly (to rounding).

Work: a mix is one exact evaluation of every attributed move. With up to `EXACT_CHANGES`
changes every valid mix is evaluated (at most 2^n, memoised) and the average over orders is
exact, by counting the valid orders through each mix. With more, `SAMPLED_ORDERS` orders are
drawn (seeded; at each step the next change is chosen at random among those that can come
next), so the work is at most `SAMPLED_ORDERS` x n evaluations; each drawn order still adds
up to the whole move, so the effects still add up exactly.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ..display import RichDisplay
from ..errors import Problem, ScenarioError
from ..history import Background, background, evidence_compiled
from ..language.decisions import descendants
from ..language.events import event_mask
from ..language.evidence_log import EntrySpec
from ..language.graph import CycleError, topological_order
from ..language.judgements import JudgementSpec
from ..language.tables import FloatArray
from ..language.utilities import UtilitySpec
from ..network.influence import Diagram, solve
from ..network.net import Net
from ..scenario import Scenario

EXACT_CHANGES = 10
SAMPLED_ORDERS = 200
SEED = 2025
MIN_MOVE = 5e-4  # a probability's move shown as none below this (under 0.05 points)
MoveKind = Literal["outcome", "judgement", "decision", "utility"]
ChangeKind = Literal["numbers edited", "parents changed", "states changed", "node added",
                     "node removed", "evidence added", "evidence removed", "evidence edited",
                     "utilities edited", "decider changed"]
# an actor's utility as the solver takes it: (nodes, table (1, *their cards)) per term
Utility = tuple[tuple[tuple[str, ...], FloatArray], ...]


def move_key(kind: MoveKind, node: str, state: str | None) -> str:
    """How a move is named in `Change.effect`: "node=state" (an outcome's state, a decision's
    option), the judgement's name, "actor:expected_utility"."""
    if kind == "judgement":
        return node
    if kind == "utility":
        return f"{node}:expected_utility"
    return f"{node}={state}"


@dataclass(frozen=True)
class Move:
    """One quantity before and after: an outcome state's or judgement's probability, a
    reader's decision's option's probability under the optimal policy, or the decider's
    maximum expected utility (kind "utility", in the utilities' units)."""

    kind: MoveKind
    node: str  # the outcome or decision, the judgement's name, the decider
    state: str | None  # None for a judgement or an expected utility
    old: float | None  # None when the version lacks it
    new: float | None
    attributed: bool = True  # False: the question is not the same in both versions
    note: str = ""  # why it is not attributed: "added", "its states changed (...)", ...

    @property
    def key(self) -> str:
        return move_key(self.kind, self.node, self.state)

    @property
    def probability(self) -> bool:
        return self.kind != "utility"

    @property
    def change(self) -> float | None:
        """new - old; None unless attributed (a move between different questions is none)."""
        if not self.attributed or self.old is None or self.new is None:
            return None
        return self.new - self.old

    @property
    def moved(self) -> bool:
        change = self.change
        if change is None:
            return False
        if self.probability:
            return abs(change) >= MIN_MOVE
        return abs(change) > 1e-9 * max(1.0, abs(self.old or 0.0), abs(self.new or 0.0))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "node": self.node, "state": self.state, "old": self.old,
                "new": self.new, "attributed": self.attributed, "note": self.note or None}


@dataclass(frozen=True)
class Change:
    """One change between the versions and its effect on each move (by `Move.key`)."""

    what: ChangeKind
    node: str | None  # the node it touches (an entry's first node; None for utilities)
    detail: str
    effect: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"what": self.what, "node": self.node, "detail": self.detail,
                "effect": dict(self.effect)}


@dataclass(frozen=True)
class Diff(RichDisplay):
    old: str  # how each version is named (file, or file at a revision)
    new: str
    moves: tuple[Move, ...]
    changes: tuple[Change, ...]
    method: str  # how the effects were attributed
    states: Mapping[str, int] = field(default_factory=dict)  # each outcome's, decision's states

    def to_dict(self) -> dict[str, Any]:
        return {"old": self.old, "new": self.new, "moves": [m.to_dict() for m in self.moves],
                "changes": [c.to_dict() for c in self.changes], "method": self.method}

    def top_moves(self, limit: int | None = None) -> tuple[Move, ...]:
        """The attributed moves that moved, largest first (a yes/no outcome or decision by its
        first state only, the other moving by as much; expected utilities after the
        probabilities): all of them, or the `limit` largest."""
        seen: set[str] = set()
        moved = []
        for m in self.moves:
            if m.state is not None and m.node in seen:
                continue
            if m.state is not None and self.states.get(m.node, 0) == 2:
                seen.add(m.node)
            if m.moved:
                moved.append(m)
        ranked = sorted(moved, key=lambda m: (not m.probability, -abs(m.change or 0.0)))
        return tuple(ranked if limit is None else ranked[:limit])

    def unattributed(self) -> tuple[Move, ...]:
        """The moves whose question is not the same in both versions, one per node or
        judgement (the first of its states)."""
        seen: set[str] = set()
        out = []
        for m in self.moves:
            if not m.attributed and m.node not in seen:
                seen.add(m.node)
                out.append(m)
        return tuple(out)


# one node's definition, and a version made of old and new parts ---------------------------


@dataclass(frozen=True)
class _Def:
    states: tuple[str, ...]
    parents: tuple[str, ...]
    table: FloatArray | None  # None for a decision of the reader's own (its policy is solved)


@dataclass(frozen=True)
class _Unit:
    """A change as the attribution applies it: node definitions, entries, actors' utilities
    and the decider it swaps."""

    what: ChangeKind
    node: str | None
    detail: str
    nodes: tuple[tuple[str, _Def | None, _Def | None], ...] = ()  # (name, old, new)
    entries: tuple[tuple[EntrySpec | None, EntrySpec | None], ...] = ()  # (old, new)
    utilities: tuple[tuple[str, Utility | None, Utility | None], ...] = ()  # (actor, old, new)
    decider: tuple[tuple[str | None, str | None], ...] = ()  # (old, new)


def _defs(s: Scenario) -> dict[str, _Def]:
    tables = s.tables()  # every node's but the reader's decisions
    return {n: _Def(tuple(spec.states), tuple(spec.parents), tables.get(n))
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
    if was.table is None or now.table is None:
        if was.table is None and now.table is None:
            return None
        return ("probabilities removed: now the reader's own decision, solved"
                if now.table is None else
                "probabilities given: now a predicted choice, not the reader's decision")
    if was.table.shape != now.table.shape:  # a parent's states changed
        return (f"numbers rewritten for its parents' states ({was.table.size} -> "
                f"{now.table.size} table cells)")
    if np.array_equal(was.table, now.table):
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


def _utility(s: Scenario, actor: str | None) -> Utility | None:
    spec = s.utilities.get(actor) if actor is not None else None
    return None if spec is None else tuple(spec.tables())


def _same_utility(a: Utility | None, b: Utility | None) -> bool:
    if a is None or b is None:
        return a is b
    return len(a) == len(b) and all(
        sa == sb and ta.shape == tb.shape and np.array_equal(ta, tb)
        for (sa, ta), (sb, tb) in zip(a, b, strict=True))


def _utility_edit(actor: str, was: UtilitySpec | None, now: UtilitySpec | None) -> str:
    if was is None:
        return f"utilities of '{actor}' added"
    if now is None:
        return f"utilities of '{actor}' removed"
    before = {line.when_text: line.param.text for line in was.lines}
    after = {line.when_text: line.param.text for line in now.lines}
    parts = [*(f"{w}: {before[w]} -> {v}" for w, v in after.items()
               if w in before and before[w] != v),
             *(f"{w}: {v} added" for w, v in after.items() if w not in before),
             *(f"{w} removed" for w in before if w not in after)]
    return (f"utilities of '{actor}': " + (", ".join(parts) if parts else
                                           "its tables follow the states of its nodes"))


def _utility_units(old: Scenario, new: Scenario) -> tuple[list[_Unit], list[_Unit]]:
    """The decider's utilities edited, and the decider changed (both can move what the
    reader's decisions do); then the other actors' utilities edited, which move nothing."""
    deciders = {old.decider, new.decider} - {None}
    moving: list[_Unit] = []
    idle: list[_Unit] = []
    for actor in dict.fromkeys([*old.utilities, *new.utilities]):
        was, now = _utility(old, actor), _utility(new, actor)
        if _same_utility(was, now):
            continue
        detail = _utility_edit(actor, old.utilities.get(actor), new.utilities.get(actor))
        if actor in deciders:
            moving.append(_Unit("utilities edited", None, detail,
                                utilities=((actor, was, now),)))
        else:
            idle.append(_Unit("utilities edited", None, detail + f" (moves no probability: "
                              f"'{actor}' takes none of the reader's decisions)"))
    if old.decider != new.decider and (old.reader_decisions or new.reader_decisions):
        moving.append(_Unit("decider changed", None,
                            f"the reader's decisions are {new.decider or 'nobody'}'s, were "
                            f"{old.decider or 'nobody'}'s",
                            decider=((old.decider, new.decider),)))
    return moving, idle


# tracked quantities -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Tracked:
    """What is attributed: the same question in both versions."""

    outcomes: tuple[tuple[str, str], ...]  # (node, state) in both versions alike
    judgements: tuple[JudgementSpec, ...]  # the new version's, same event in both
    decisions: tuple[tuple[str, str], ...] = ()  # the reader's, (node, option), alike in both
    utility: str | None = None  # the decider in both, whose expected utility is followed

    @property
    def keys(self) -> list[str]:
        return ([move_key("outcome", n, s) for n, s in self.outcomes]
                + [j.name for j in self.judgements]
                + [move_key("decision", n, s) for n, s in self.decisions]
                + ([move_key("utility", self.utility, None)] if self.utility else []))


def _same_states(old: Scenario, new: Scenario) -> set[str]:
    return {n for n, spec in new.nodes.items()
            if n in old.nodes and tuple(old.nodes[n].states) == tuple(spec.states)}


def _tracked(old: Scenario, new: Scenario) -> _Tracked:
    same = _same_states(old, new)
    outcomes = tuple((o, st) for o in dict.fromkeys([*new.outcomes, *old.outcomes])
                     if o in same for st in new.nodes[o].states)
    before = {j.name: j for j in old.judgement_specs}
    judgements = tuple(j for j in new.judgement_specs if j.name in before
                       and before[j.name].written == j.written and set(j.nodes) <= same)
    decisions = tuple((d, st) for d in new.reader_decisions
                      if d in old.reader_decisions and d in same for st in new.nodes[d].states)
    utility = new.decider if new.decider is not None and new.decider == old.decider else None
    return _Tracked(outcomes, judgements, decisions, utility)


def _moves(old: Scenario, new: Scenario, tracked: _Tracked) -> list[Move]:
    keys = set(tracked.keys)
    out: list[Move] = []

    def add(kind: MoveKind, node: str, state: str | None, was: float | None,
            now: float | None, note: str) -> None:
        attributed = move_key(kind, node, state) in keys
        out.append(Move(kind, node, state, was, now, attributed, "" if attributed else note))

    def states_note(node: str) -> str:
        return (f"its states changed ({', '.join(old.nodes[node].states)} -> "
                f"{', '.join(new.nodes[node].states)})")

    def nodes_moves(kind: MoveKind, now_nodes: Sequence[str], was_nodes: Sequence[str],
                    elsewhere: str) -> None:
        for o in now_nodes:
            now = new.query(o)
            was = old.query(o) if o in old.nodes else None
            note = ("added" if was is None else states_note(o)
                    if tuple(old.nodes[o].states) != tuple(new.nodes[o].states)
                    else elsewhere)
            for st in new.nodes[o].states:
                add(kind, o, st, None if was is None or st not in was else was[st], now[st],
                    note)
            if was is not None:
                for st in old.nodes[o].states:
                    if st not in now:
                        add(kind, o, st, was[st], None, note)
        for o in was_nodes:
            if o not in now_nodes:
                was = old.query(o)
                now_dist = new.query(o) if o in new.nodes else None
                note = "removed" if now_dist is None else (
                    states_note(o) if tuple(old.nodes[o].states) != tuple(new.nodes[o].states)
                    else elsewhere)
                for st in old.nodes[o].states:
                    add(kind, o, st, was[st], None if now_dist is None or st not in now_dist
                        else now_dist[st], note)

    nodes_moves("outcome", new.outcomes, old.outcomes, "")  # an outcome in one is followed
    before = {j.name: j for j in old.judgement_specs}
    for j in new.judgement_specs:
        was_j = before.get(j.name)
        note = ("added" if was_j is None else "its event was edited"
                if was_j.written != j.written else "the states of its nodes changed")
        add("judgement", j.name, None,
            old.probability(was_j.event) if was_j is not None else None,
            new.probability(j.event), note)
    after = {j.name for j in new.judgement_specs}
    for j in old.judgement_specs:
        if j.name not in after:
            add("judgement", j.name, None, old.probability(j.event), None, "removed")
    nodes_moves("decision", new.reader_decisions, old.reader_decisions,
                "not the reader's own decision in both")
    deciders = list(dict.fromkeys(d for d in (old.decider, new.decider) if d is not None))
    for actor in deciders:
        add("utility", actor, None,
            float(old.solve().meu[0]) if old.decider == actor else None,
            float(new.solve().meu[0]) if new.decider == actor else None,
            "the decider changed")
    return out


class _Mixes:
    """Versions made of old and new parts, each evaluated once: the tracked quantities, or
    None when the mix is not a working scenario."""

    def __init__(self, old: Scenario, new: Scenario, units: Sequence[_Unit], tracked: _Tracked):
        self.old_defs = _defs(old)
        self.old_entries = list(old.log.entries)
        self.old_utilities = {a: _utility(old, a) for a in old.utilities}
        self.old_decider = old.decider
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
        utilities: dict[str, Utility | None] = dict(self.old_utilities)
        decider = self.old_decider
        for i, unit in enumerate(self.units):
            if mask >> i & 1:
                for name, _was, now in unit.nodes:
                    defs[name] = now
                for was_e, now_e in unit.entries:
                    if was_e is not None:
                        entries[entries.index(was_e)] = None
                    if now_e is not None:
                        entries.append(now_e)
                for actor, _was_u, now_u in unit.utilities:
                    utilities[actor] = now_u
                for _was_d, now_d in unit.decider:
                    decider = now_d
        present = {n: d for n, d in defs.items() if d is not None}
        for d in present.values():
            if any(p not in present for p in d.parents):
                return None
            if d.table is not None and d.table.shape != (
                    len(d.states), *(len(present[p].states) for p in d.parents)):
                return None
        try:
            order = topological_order({n: d.parents for n, d in present.items()})
        except CycleError:
            return None
        states = {n: present[n].states for n in order}
        log = sorted((e for e in entries if e is not None), key=lambda e: e.date)
        if any(n not in states or s not in states[n]
               for e in log for n, s in e.observed.items()) or any(
                n not in states or not set(ws) <= set(states[n])
                for e in log for n, ws in (*e.likelihood.items(), *e.believe.items())):
            return None
        from ..network.compiled import CompiledNet

        decisions = [n for n in order if present[n].table is None]
        meu: float | None = None
        if decisions:
            utility = utilities.get(decider) if decider is not None else None
            solved = None if utility is None else _solved(present, order, decisions, utility,
                                                          log)
            if solved is None:
                return None
            net, held, meu = solved
        else:
            net = Net(states, {n: present[n].parents for n in order},
                      {n: t for n in order if (t := present[n].table) is not None})
            try:
                held = background(CompiledNet(net), log)
            except ScenarioError:
                return None
        engine = CompiledNet(net)
        given, weights = held.merged(None, None)
        values = []
        for node, state in (*self.tracked.outcomes, *self.tracked.decisions):
            values.append(float(engine.joint([node], given, likelihood=weights)[
                net.states[node].index(state)]))
        for j in self.tracked.judgements:
            nodes = list(j.nodes)
            joint = engine.joint(nodes, given, likelihood=weights)
            values.append(float((joint * event_mask(j.event, net.states, nodes)).sum()))
        if self.tracked.utility is not None:
            if meu is None or decider != self.tracked.utility:
                return None
            values.append(meu)
        return np.array(values)


def _solved(present: Mapping[str, _Def], order: Sequence[str], decisions: Sequence[str],
            utility: Utility, log: Sequence[EntrySpec]
            ) -> tuple[Net, Background, float] | None:
    """A mix's network with the reader's decisions solved as `Scenario.net` solves them (the
    decisions in order, each knowing the earlier ones and all they knew; the evidence about
    nothing they can change, and possible), the evidence in effect and the maximum expected
    utility; None when the mix is no working diagram."""
    from ..network.compiled import CompiledNet

    parents = {n: present[n].parents for n in order}
    for earlier, later in itertools.pairwise(decisions):
        if later not in descendants(parents, earlier):
            return None
    states = {n: present[n].states for n in order}
    for scope, table in utility:
        if any(n not in states for n in scope) or table.shape[1:] != tuple(
                len(states[n]) for n in scope):
            return None
    knows: dict[str, tuple[str, ...]] = {}
    known: set[str] = set()
    for i, d in enumerate(decisions):
        known |= set(parents[d]) | set(decisions[:i])
        knows[d] = tuple(n for n in order if n in known)
    chance = {n: t for n in order if (t := present[n].table) is not None}
    diagram = Diagram.of(states, parents, chance, decisions, knows)
    below = diagram.influenced()
    if any(n in below for e in log for n in e.nodes):
        return None
    engine = CompiledNet(diagram.net)
    try:
        held = background(engine, log)
        solution = solve(evidence_compiled(engine, held), diagram, utility)
    except ScenarioError:
        return None
    tables = {n: solution.policy_table(n) if n in knows else chance[n] for n in order}
    net = Net(states, {n: diagram.knows[n] if n in knows else parents[n] for n in order},
              tables)
    return net, held, float(solution.meu[0])


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
    """Every outcome's, judgement's and reader's decision's move from `old` to `new`, and
    each change's effect on each attributed move (see the module's docstring)."""
    tracked = _tracked(old, new)
    moving, idle = _utility_units(old, new)
    units = [*_node_units(old, new), *_entry_units(old, new), *moving]
    moves = _moves(old, new, tracked)
    n = len(units)
    mixes = _Mixes(old, new, units, tracked)
    solved = "; the reader's decisions solved afresh in each mix" if (
        old.reader_decisions or new.reader_decisions) else ""
    if n and tracked.keys:
        if n <= EXACT_CHANGES:
            effects = _shapley_exact(mixes, n)
            method = ("the one change's whole effect (exact" + solved + ")" if n == 1 else
                      f"Shapley values over all valid orders of the {n} changes "
                      f"(exact{solved})")
        else:
            effects = _shapley_sampled(mixes, n)
            method = (f"Shapley values over {SAMPLED_ORDERS} sampled valid orders of the {n} "
                      f"changes (seed {SEED}{solved}); the effects still add up exactly")
        if effects is None:  # no order works change by change: one change holds them all
            units = [_Unit(units[0].what, None, "; ".join(u.detail for u in units),
                           tuple(x for u in units for x in u.nodes),
                           tuple(x for u in units for x in u.entries),
                           tuple(x for u in units for x in u.utilities),
                           tuple(x for u in units for x in u.decider))]
            effects = np.array([mixes_all(old, new, units, tracked)])
            method = "the changes depend on each other all round, so they are counted as one"
    else:
        effects = np.zeros((n, len(tracked.keys)))
        method = ("nothing to attribute" if not n else
                  "no outcome, judgement or decision is the same question in both")
    units += idle
    effects = np.vstack([effects, np.zeros((len(idle), len(tracked.keys)))])
    changes = tuple(Change(u.what, u.node, u.detail,
                           dict(zip(tracked.keys, effects[i].tolist(), strict=True)))
                    for i, u in enumerate(units))
    return Diff(old_name or str(old.path), new_name or str(new.path), tuple(moves),
                changes, method, {m.node: len(new.nodes[m.node].states) if m.node in new.nodes
                                  else len(old.nodes[m.node].states)
                                  for m in moves if m.kind in ("outcome", "decision")})


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
