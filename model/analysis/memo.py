"""Analyses kept by what they read: a scenario loaded again with nothing an analysis reads
changed (watch mode, after a paraphrase was edited) gets the analysis already made.

    analyses = Analyses()
    a = analyses.of(load(path))   # analysed
    b = analyses.of(load(path))   # the same analysis, not computed again

`analysis_key` digests everything `analyze` reads with its defaults: the file's data (and a
case file's) with the line of every element, the engine, the day the evidence stands at and
the analysis settings. Left out are only texts no analysis reads: what the citations and
assumptions behind a node's numbers say (paragraphs, leanings, quotes, paraphrases, reasons),
node descriptions, the scenario's description and question, its what-ifs, and sources'
details but their titles. An element's line is kept even where its text is not, so an edit
that moves the lines below it (which the analysis names) analyses again.
`tests/test_analysis_memo.py` edits each text left out and checks the analysis is what
`analyze` makes afresh, and edits the rest and checks the key moves.

The analysis made for the briefing runs on engines of its own (`Scenario.fresh`), so that a
kept one leaves the page's other figures exactly as a fresh page has them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import DEFAULT_SAMPLES, DEFAULT_SEED, TORNADO_BARS, Analysis, Drawn, analyze
from .uncertainty import Redraw

if TYPE_CHECKING:
    from ..language.loader import Document
    from ..scenario import Scenario
    from .apart import Apart

# The fields of a citation or an assumption that say why, in words (masked, the key kept:
# whether a number rests on a citation or an assumption is read).
SUPPORT_TEXT = frozenset({"says", "para", "leans", "quote", "assumption"})
# Top-level texts no analysis reads; of a source, only its title is read.
UNREAD = ("description", "question", "what_ifs")
SOURCE_READ = frozenset({"title"})
KEPT_ANALYSES = 2  # an edit and its undo


def analysis_key(scenario: Scenario) -> str | None:
    """A digest of everything `analyze(scenario)` reads (see the module docstring); None
    where the file's data holds something other than YAML's plain data."""
    digest = hashlib.blake2b(digest_size=20)
    settings = [scenario.engine_name, str(scenario.as_at), DEFAULT_SAMPLES, DEFAULT_SEED,
                TORNADO_BARS]
    documents = [scenario.document]
    if scenario.case is not None:
        documents.append(scenario.case.document)
    try:
        digest.update(json.dumps(settings).encode())
        for document in documents:
            digest.update(b"\0")
            digest.update(_read(document).encode("utf-8", "surrogatepass"))
    except (TypeError, ValueError):  # not plain data: nothing is kept
        return None
    return digest.hexdigest()


def _read(document: Document) -> str:
    """The document's data as the analyses read it, and its elements' lines."""
    data = document.data
    if isinstance(data, dict):
        data = {key: _masked(key, value) for key, value in data.items()
                if key not in UNREAD}
    return json.dumps(data, ensure_ascii=False) + repr(list(document.lines.items()))


def _masked(key: str, value: Any) -> Any:
    if key == "nodes" and isinstance(value, dict):
        return {name: _node(node) for name, node in value.items()}
    if key == "sources" and isinstance(value, dict):
        return {name: {k: v for k, v in source.items() if k in SOURCE_READ}
                if isinstance(source, dict) else source for name, source in value.items()}
    return value


def _node(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    out = {key: _supports(value) if key in ("because", "estimates") else value
           for key, value in node.items() if key != "description"}
    if isinstance(out.get("table"), list):
        out["table"] = [{key: _supports(value) if key in ("because", "estimates") else value
                         for key, value in row.items()} if isinstance(row, dict) else row
                        for row in out["table"]]
    return out


def _supports(items: Any) -> Any:
    if not isinstance(items, list):
        return items
    return [{key: "" if key in SUPPORT_TEXT else value for key, value in item.items()}
            if isinstance(item, dict) else item for item in items]


def analyze_apart(scenario: Scenario, redraw: Redraw | None = None,
                  drawn: Callable[[], Drawn | None] | None = None) -> Analysis:
    """`analyze(scenario)` with its defaults, on engines of its own (`Scenario.fresh`);
    `drawn` as `analyze` takes it."""
    return replace(analyze(scenario.fresh(), redraw=redraw, drawn=drawn), analysed=scenario)


class Analyses:
    """The last KEPT_ANALYSES analyses (`analyze_apart`) by `analysis_key`, and what the
    last one drew (`uncertainty.Redraw`), lent to the next analysis made."""

    def __init__(self, size: int = KEPT_ANALYSES, apart: Apart | None = None):
        self.size = size
        self._kept: dict[str, Analysis] = {}
        # the last draws, for an edit that changes numbers: only what it changed is redrawn
        self.redraw = Redraw()
        # a worker process that makes the drawn parts of the next analysis (`apart`)
        self.apart = apart

    def expect(self, path: str | Path) -> None:
        """`path` was saved and is about to be loaded: a worker starts on its drawn parts."""
        if self.apart is not None:
            self.apart.expect(path)

    def of(self, scenario: Scenario) -> Analysis:
        """The scenario's analysis: one kept for the same key (with this scenario's digest),
        or made now and kept."""
        key = analysis_key(scenario)
        found = self._kept.pop(key, None) if key is not None else None
        if found is None:
            apart = self.apart
            found = analyze_apart(scenario, self.redraw,
                                  None if apart is None else lambda: apart.take(key))
        if key is not None:  # kept without its scenario, whose engines it need not keep
            self._kept[key] = replace(found, analysed=None)  # the latest last
            while len(self._kept) > self.size:
                del self._kept[next(iter(self._kept))]
        return replace(found, digest=scenario.digest, analysed=scenario)
