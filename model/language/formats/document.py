"""A network read from another tool's file as scenario data: the same plain data a YAML
scenario loads to, in the compact `rows` form, with the line in the network file of each
element, so that one parse and one check serve both and every problem names its line there.

Every number is the file's own, marked as an uncited import; nothing is renamed. Rows that
miss 1 by rounding in the file (more than the language's 1e-6, at most 1%) are scaled to sum
to 1 with a warning; rows further off are left for the check to refuse where they are.

An influence diagram's decisions become decision nodes without probabilities (the reader's
own, solved), and its utility nodes the rows of one actor's utilities: a row per combination
of a utility node's parents worth something (a worth of 0 adds nothing), utility nodes over
the same parents summed into one table. The actor is the one `scenario export` recorded, or
`decision_maker`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import Problem
from ..loader import Document, Loc
from ..probability import SUM_TOLERANCE, sum_text
from .network import Decision, Network, Table, Utility, Variable
from .record import NameRecord, decode

# A row off by more than this is not a rounded distribution but a broken one.
BROKEN_SUM = 0.01
# Whose an imported diagram's decisions and utilities are, when the file does not record it.
DECISION_MAKER = "decision_maker"


def network_document(network: Network, today: dt.date | None = None) -> Document:
    """The scenario data of `network`, located in its file, with what reading it noted."""
    source = network.source
    record, restored = _restore_names(network)
    warnings = [*network.warnings, *restored, *_forgetting(network)]
    _restore_informed(network, record)
    day = today or dt.date.today()
    stem = _stem(source.file_name)
    imported = f"imported from {source.file_name}; no citation"
    lines: dict[Loc, int] = {(): 1}
    nodes: dict[str, Any] = {}
    children = {p for table in network.tables.values() for p in table.parents} | \
        {p for decision in network.decisions.values() for p in decision.parents}
    for name, variable in network.variables.items():
        decision = network.decisions.get(name)
        if decision is not None:
            node: dict[str, Any] = {"label": _label(variable), "role": "decision",
                                    "states": list(variable.states)}
            if decision.parents:
                node["parents"] = list(decision.parents)
            nodes[name] = node
            _locate(lines, name, variable, decision.line, decision.parents)
            continue
        table = network.tables[name]
        rows, scaled = _scaled(table, variable)
        if scaled is not None:
            warnings.append(Problem(scaled, file=source.name, line=table.line, node=name))
        role = "driver" if not table.parents else "event" if name in children else "outcome"
        node = {"label": _label(variable), "role": role, "states": list(variable.states)}
        if table.parents:
            node["parents"] = list(table.parents)
        node["rows"] = rows.tolist()
        node["because"] = [{"assumption": imported}]
        nodes[name] = node
        _locate(lines, name, variable, table.line, table.parents, table.row_lines)
    data = {
        "scenario": _identifier(stem),
        "title": f"{stem} (imported from {source.file_name})",
        "question": f"What does the {stem} network imply for its outcomes?",
        "as_of": day.isoformat(),  # as a YAML 1.2 file gives a date: text, parsed later
        "horizon": day.isoformat(),
        "description": f"Imported from {source.file_name}: its numbers, without citations.",
        "nodes": nodes,
    }
    if network.utilities:
        actor = record.actor if record is not None and record.actor else DECISION_MAKER
        data["utilities"] = {actor: _utility_rows(network, actor, imported, lines)}
    return Document(Path(source.name), data, lines, source.digest, warnings)


def _utility_rows(network: Network, actor: str, imported: str,
                  lines: dict[Loc, int]) -> list[dict[str, Any]]:
    """The utility nodes as one actor's rows: a row per combination of a node's parents that
    is worth something; nodes over the same parents summed first."""
    states = {n: v.states for n, v in network.variables.items()}
    merged: dict[frozenset[str], list[Utility]] = {}
    for utility in network.utilities:
        merged.setdefault(frozenset(utility.parents), []).append(utility)
    at: Loc = ("utilities", actor)
    lines[("utilities",)] = lines[at] = network.utilities[0].line or 1
    rows: list[dict[str, Any]] = []
    for group in merged.values():
        first = group[0]
        scope = first.parents
        table = np.zeros([len(states[p]) for p in scope])
        for u in group:
            shaped = u.values.reshape([len(states[p]) for p in u.parents])
            table += shaped.transpose([u.parents.index(p) for p in scope])
        note = _utility_note(group)
        if not scope:  # a constant: matched whatever is decided
            anchor = next(iter(network.decisions), next(iter(states)))
            when: dict[str, Any] = {anchor: list(states[anchor])}
            rows.append({"when": when, "value": float(table), "because": [{"assumption":
                         imported}], "note": f"{note}, which has no parents: a constant"})
            lines[(*at, len(rows) - 1)] = first.line or 1
            continue
        combos = list(itertools.product(*(states[p] for p in scope)))
        worth = table.ravel()
        kept = [i for i in range(len(combos)) if worth[i] != 0] or [0]
        for i in kept:
            rows.append({"when": dict(zip(scope, combos[i], strict=True)),
                         "value": float(worth[i]), "because": [{"assumption": imported}],
                         "note": note})
            lines[(*at, len(rows) - 1)] = first.line or 1
    return rows


def _utility_note(group: list[Utility]) -> str:
    def named(u: Utility) -> str:
        label = f" ({u.label})" if u.label and u.label != u.node else ""
        via = f", weighted by {u.via}" if u.via else ""
        return f"'{u.node}'{label}{via}"

    if len(group) == 1:
        return f"from the utility node {named(group[0])}"
    return "the sum of the utility nodes " + ", ".join(named(u) for u in group)


def _locate(lines: dict[Loc, int], name: str, variable: Variable, line: int | None,
            parents: tuple[str, ...], row_lines: Any = None) -> None:
    node: Loc = ("nodes", name)
    at = variable.line or 1
    for key in ((), ("label",), ("role",), ("states",)):
        lines[(*node, *key)] = at
    for i in range(len(variable.states)):
        lines[(*node, "states", i)] = at
    where = line or at
    for key in (("parents",), ("rows",), ("because",)):
        lines[(*node, *key)] = where
    for i in range(len(parents)):
        lines[(*node, "parents", i)] = where
    if row_lines is not None:
        for i, found in enumerate(row_lines.tolist()):
            lines[(*node, "rows", i)] = found or where


def _scaled(table: Table, variable: Variable) -> tuple[Any, str | None]:
    rows = table.rows
    if rows.shape[1] != len(variable.states):
        return rows, None
    sums = rows.sum(axis=1)
    off = np.abs(sums - 1)
    rounded = (off > SUM_TOLERANCE) & (off <= BROKEN_SUM)
    if not rounded.any():
        return rows, None
    rows = rows.copy()
    rows[rounded] /= sums[rounded, None]
    low, high = float(sums[rounded].min()), float(sums[rounded].max())
    span = sum_text(low) if low == high else f"between {sum_text(low)} and {sum_text(high)}"
    count = int(rounded.sum())
    what = "its one row" if rows.shape[0] == 1 else f"{count:,} of its {rows.shape[0]:,} rows"
    return rows, (f"{what} summed to {span} (rounding in the file), not 1: scaled to sum "
                  "to 1")


def _label(variable: Variable) -> str:
    label = " ".join((variable.label or "").split())
    return label or variable.name


def _stem(file_name: str) -> str:
    name = file_name.removeprefix("pgmpy:")
    name = re.sub(r"(?i)\.gz$", "", name)
    return re.sub(r"\.[A-Za-z]+$", "", name) or "imported"


def _identifier(stem: str) -> str:
    """The scenario id (its briefing's file name): the file's stem as an identifier."""
    name = re.sub(r"[^A-Za-z0-9_\-]", "_", stem)
    return name if re.match(r"[A-Za-z_]", name) else f"network_{name}"


def _restore_names(network: Network) -> tuple[NameRecord | None, list[Problem]]:
    """Give back the names `scenario export` recorded it had to change for the format."""
    if network.record is None:
        return None, []
    record = decode(network.record)
    source = network.source
    if record is None:
        return None, [Problem("a scenario-names record in the file cannot be read; the names "
                              "are kept as the file writes them", file=source.name)]
    renamed: dict[str, str] = {}
    changed = 0
    for written, variable in network.variables.items():
        renamed[written] = record.nodes.get(written, written)
        states = record.states.get(written, {})
        new_states = [states.get(s, s) for s in variable.states]
        if len(set(new_states)) == len(new_states):  # a record that no longer fits is left
            changed += sum(a != b for a, b in zip(new_states, variable.states, strict=True))
            variable.states = new_states
    if len(set(renamed.values())) < len(renamed):
        renamed = {n: n for n in renamed}
    changed += sum(k != v for k, v in renamed.items())
    variables = {}
    for written, variable in network.variables.items():
        variable.name = renamed[written]
        variables[variable.name] = variable
    tables = {}
    for written, table in network.tables.items():
        table.node = renamed[written]
        table.parents = tuple(renamed.get(p, p) for p in table.parents)
        tables[table.node] = table
    decisions = {}
    for written, decision in network.decisions.items():
        decision.node = renamed[written]
        decision.parents = tuple(renamed.get(p, p) for p in decision.parents)
        decisions[decision.node] = decision
    for utility in network.utilities:
        utility.parents = tuple(renamed.get(p, p) for p in utility.parents)
    network.variables, network.tables, network.decisions = variables, tables, decisions
    if not changed:
        return record, []
    return record, [Problem(f"{changed:,} names restored from the record 'scenario export' "
                            "wrote (the format did not allow them as they were)",
                            file=source.name)]


def _restore_informed(network: Network, record: NameRecord | None) -> None:
    """Each decision's own parents, where the record has them and the file still writes the
    parents the export wrote (what no forgetting lets the decision know)."""
    if record is None:
        return
    for name, informed in record.informed.items():
        decision = network.decisions.get(name)
        if decision is not None and set(decision.parents) == set(informed.written) and \
                all(p in network.variables for p in informed.parents):
            decision.parents = informed.parents


def _forgetting(network: Network) -> list[Problem]:
    """Where a format states all each decision knows (pyAgrum's limited-memory diagrams) and
    a decision does not know what an earlier one did: the scenario language lets it know."""
    if not network.limid or len(network.decisions) < 2:
        return []
    parents: dict[str, tuple[str, ...]] = {n: t.parents for n, t in network.tables.items()}
    parents.update({n: d.parents for n, d in network.decisions.items()})
    ancestry: dict[str, set[str]] = {}

    def ancestors(node: str, seen: frozenset[str] = frozenset()) -> set[str]:
        if node not in ancestry:
            found: set[str] = set()
            for p in parents.get(node, ()):
                if p not in seen:  # a cycle is the check's to tell
                    found |= {p} | ancestors(p, seen | {node})
            ancestry[node] = found
        return ancestry[node]

    order = sorted(network.decisions, key=lambda d: len(ancestors(d) & network.decisions.keys()))
    knows: dict[str, set[str]] = {}
    out = []
    for d in order:
        decision: Decision = network.decisions[d]
        earlier = [e for e in order if e in ancestors(d)]
        knows[d] = set(decision.parents).union(earlier, *(knows[e] for e in earlier))
        extra = [n for n in network.variables if n in knows[d] - set(decision.parents)]
        if extra:
            out.append(Problem(
                f"'{d}' is read as knowing also {', '.join(repr(n) for n in extra)}: the "
                "scenario language lets each decision know the earlier ones and all they knew "
                "(no forgetting), where this file's limited-memory diagram has it know only "
                f"{', '.join(repr(p) for p in decision.parents) or 'nothing'}",
                file=network.source.name, line=decision.line, node=d,
                hint="a decision that may know more is worth as much or more: a solver that "
                     "lets it forget (pyAgrum's LIMID) may find a lower maximum expected "
                     "utility; add the arcs to the file to make both agree"))
    return out
