"""Import: another tool's network file as a scenario YAML file.

The network is read and checked as `model.load` reads it (every problem located in the
network file, never in a file not yet written), then written through the serializer in the
compact `rows` form, each row's comment naming its parents' states.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import LimitError, Problem
from ..files import write_atomic
from ..language.formats import network_document, read_network
from ..language.formats.network import Network
from ..language.loader import Document
from ..limits import MAX_FILE_BYTES
from ..progress import task
from ..scenario import Scenario
from .yaml_out import dump

# Past this many rows, a table's rows carry no comments (they would double its size).
MAX_NOTED_ROWS = 20_000


@dataclass(frozen=True)
class Converted:
    """A converted file's text and what the conversion could not carry over."""

    text: str
    warnings: tuple[Problem, ...] = ()

    def save(self, output: str | Path) -> Path:
        """Write the text to `output` (UTF-8), creating its folder."""
        return write_atomic(output, self.text)


@dataclass(frozen=True, kw_only=True)
class Imported(Converted):
    """An imported scenario's YAML, warnings, and the scenario it holds (as read from the
    network file)."""

    scenario: Scenario


def import_network(path: str | Path, today: dt.date | None = None) -> Imported:
    """A scenario YAML of the network in `path` (or `pgmpy:NAME`): every number the file's
    own, with `because: [{assumption: "imported from FILE; no citation"}]`; roots are
    drivers and leaves outcomes; `as_of` and `horizon` are `today`. A large one shows a
    bar on a terminal (`progress`), its shares each step's part of the time on mildew."""
    with task(f"importing {Path(str(path)).name}", 100, unit="%") as advance:
        network = read_network(path)
        advance(55)
        doc = network_document(network, today)
        scenario = Scenario(doc)
        advance(20)
        imported = _imported(network, doc, scenario)
        advance(25)
    return imported


def _imported(network: Network, doc: Document, scenario: Scenario) -> Imported:
    """The checked network written as YAML, with a head of comments saying how."""
    data = doc.data
    file_name = network.source.file_name
    head = [
        f"Imported from {file_name} by `scenario import` on {data['as_of']}.",
        "Every number is the file's own, marked as an uncited import: cite a source for "
        "each one you keep.",
        "Roles are guessed from the graph: nodes without parents are drivers, nodes without "
        "children outcomes.",
        "rows: one per combination of the parents' states, the first parent's changing "
        "slowest; each row's numbers in the order of the node's states.",
    ]
    if network.decisions:
        head.append("Decision nodes without probabilities are the file's decisions, solved "
                    "for the best policy (`scenario decide`); its utility nodes are the rows "
                    "under `utilities`.")
    text = dump(data, head, _row_notes(data["nodes"]))
    size = len(text.encode())
    if size > MAX_FILE_BYTES:
        raise LimitError(Problem(f"the scenario would be {size:,} bytes, over the limit of "
                                 f"{MAX_FILE_BYTES:,} for a scenario file", file=doc.name,
                                 hint="load the network file as it is instead: every command "
                                      f"takes it, e.g. `scenario validate {doc.name}`"))
    return Imported(text, tuple(scenario.warnings), scenario=scenario)


def _row_notes(nodes: Mapping[str, Any]) -> dict[str, list[str]]:
    """Each row's parent states, for its comment: `LOW`, `LOW, HIGH`, ..."""
    out: dict[str, list[str]] = {}
    for name, node in nodes.items():
        parents: Sequence[str] = node.get("parents", [])
        if not parents or "rows" not in node or len(node["rows"]) > MAX_NOTED_ROWS:
            continue
        combos = itertools.product(*(nodes[p]["states"] for p in parents))
        out[name] = [", ".join(combo) for combo in combos]
        out[name][0] = f"{', '.join(parents)} = {out[name][0]}"
    return out
