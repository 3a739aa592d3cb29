"""A network read from another tool's file as scenario data: the same plain data a YAML
scenario loads to, in the compact `rows` form, with the line in the network file of each
element, so that one parse and one check serve both and every problem names its line there.

Every number is the file's own, marked as an uncited import; nothing is renamed. Rows that
miss 1 by rounding in the file (more than the language's 1e-6, at most 1%) are scaled to sum
to 1 with a warning; rows further off are left for the check to refuse where they are.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import Problem
from ..loader import Document, Loc
from ..probability import SUM_TOLERANCE, sum_text
from .network import Network, Table, Variable
from .record import decode

# A row off by more than this is not a rounded distribution but a broken one.
BROKEN_SUM = 0.01


def network_document(network: Network, today: dt.date | None = None) -> Document:
    """The scenario data of `network`, located in its file, with what reading it noted."""
    source = network.source
    warnings = [*network.warnings, *_restore_names(network)]
    day = today or dt.date.today()
    stem = _stem(source.file_name)
    imported = f"imported from {source.file_name}; no citation"
    lines: dict[Loc, int] = {(): 1}
    nodes: dict[str, Any] = {}
    children = {p for table in network.tables.values() for p in table.parents}
    for name, variable in network.variables.items():
        table = network.tables[name]
        rows, scaled = _scaled(table, variable)
        if scaled is not None:
            warnings.append(Problem(scaled, file=source.name, line=table.line, node=name))
        role = "driver" if not table.parents else "event" if name in children else "outcome"
        node: dict[str, Any] = {"label": _label(variable), "role": role,
                                "states": list(variable.states)}
        if table.parents:
            node["parents"] = list(table.parents)
        node["rows"] = rows.tolist()
        node["because"] = [{"assumption": imported}]
        nodes[name] = node
        _locate(lines, name, variable, table)
    data = {
        "scenario": _identifier(stem),
        "title": f"{stem} (imported from {source.file_name})",
        "question": f"What does the {stem} network imply for its outcomes?",
        "as_of": day.isoformat(),  # as a YAML 1.2 file gives a date: text, parsed later
        "horizon": day.isoformat(),
        "description": f"Imported from {source.file_name}: its numbers, without citations.",
        "nodes": nodes,
    }
    return Document(Path(source.name), data, lines, source.digest, warnings)


def _locate(lines: dict[Loc, int], name: str, variable: Variable, table: Table) -> None:
    node: Loc = ("nodes", name)
    at = variable.line or 1
    for key in ((), ("label",), ("role",), ("states",)):
        lines[(*node, *key)] = at
    for i in range(len(variable.states)):
        lines[(*node, "states", i)] = at
    where = table.line or at
    for key in (("parents",), ("rows",), ("because",)):
        lines[(*node, *key)] = where
    for i in range(len(table.parents)):
        lines[(*node, "parents", i)] = where
    if table.row_lines is not None:
        for i, line in enumerate(table.row_lines.tolist()):
            lines[(*node, "rows", i)] = line or where


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


def _restore_names(network: Network) -> list[Problem]:
    """Give back the names `scenario export` recorded it had to change for the format."""
    if network.record is None:
        return []
    record = decode(network.record)
    source = network.source
    if record is None:
        return [Problem("a scenario-names record in the file cannot be read; the names are "
                        "kept as the file writes them", file=source.name)]
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
    network.variables, network.tables = variables, tables
    return [Problem(f"{changed:,} names restored from the record 'scenario export' wrote "
                    "(the format did not allow them as they were)", file=source.name)]
