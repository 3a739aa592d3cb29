"""How big a briefing will be, estimated from the file before anything is rendered, and the
refusal past the memory budget.

A briefing repeats the file's words: a node's label is drawn in the network (wrapped, one
SVG text element per line), listed in the panel, in the evidence annex, under each child's
table rows and edges, in tornado rows and signpost sentences; an outcome's label heads every
table with a column per outcome. So a label or description aliased into many nodes, small
in the file, multiplies on the page (a 904 KB file once made a 180 MB page). The estimate
counts each text once per place it is shown, with a margin for the markup around it; the
tests hold it above the real size of every briefing they render, and within a small factor
of it. Building the page takes several times its size in memory (the SVG, its rebuilt copy,
the rendered text and its encoding), `MEMORY_PER_PAGE_BYTE` of them by measurement.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import LimitError, Problem
from ..language.schema import Assumption, Citation
from .figures import MAX_LABEL_LINES, MAX_STATE_NAME

if TYPE_CHECKING:
    from ..scenario import Scenario

# Measured on a hostile file (a 19,000-character label and description aliased into 200
# nodes: a 77.6 MB page, 720 MB peak): about 8.2 bytes of memory per byte of page, which
# allows for text of any script (Python keeps up to 4 bytes a character).
MEMORY_PER_PAGE_BYTE = 10
PAGE_BASE = 120_000  # styles, script, the method note, headings: what any page has
PER_NODE = 2_500  # a node's markup in the network, panel, model JSON and evidence
PER_ROW = 700  # a table row's markup in the evidence annex
PER_REASON = 300  # a citation's or assumption's markup
SVG_PER_CHAR = 7  # a label in a diagram: one text element of ~100 bytes per ~24 characters
LINE_CHARS = 40  # at most, in one line of a diagram's label (the widest is 34)
TORNADO_BARS, SIGNPOSTS, LEAVES = 10, 5, 7  # rows per outcome in those sections


def estimated_bytes(s: Scenario) -> int:
    """An upper estimate of the briefing's size in bytes (characters, as UTF-8 of ASCII)."""
    labels = {n: len(spec.label) + sum(len(s.state_label(n, st)) + len(st) for st in spec.states)
              for n, spec in s.nodes.items()}
    longest = max(labels.values(), default=0)
    widest_row = 0  # the longest condition a table row or tornado row spells out
    total = PAGE_BASE
    for name, spec in s.nodes.items():
        own = labels[name]
        # the diagrams draw a label's first lines and each state's name cut short
        drawn = min(len(spec.label), MAX_LABEL_LINES * LINE_CHARS) + sum(
            min(len(s.state_label(name, st)), MAX_STATE_NAME) for st in spec.states)
        total += PER_NODE + SVG_PER_CHAR * drawn + 8 * own + 6 * len(spec.description)
        # as a parent: an edge title and the child's "depends on", per child
        total += 4 * own * sum(name in other.parents for other in s.nodes.values())
        for block in spec.blocks:
            parents = block.when if not isinstance(block.when, str) else {}
            condition = sum(labels[p] for p in parents)
            widest_row = max(widest_row, condition)
            total += PER_ROW + 2 * condition + 12 * len(spec.states)
            for support in block.because:
                total += PER_REASON + 2 * _reason_chars(support)
            for estimate in block.estimates:
                total += PER_REASON + 2 * _reason_chars(estimate.support) + 40 * len(spec.states)
        if spec.noisy_or is not None:
            total += PER_ROW * (len(spec.parents) + 1) + 3 * sum(labels[p] for p in spec.parents)
            total += sum(PER_REASON + 2 * _reason_chars(r) for r in spec.noisy_or.because)
    outcome_text = sum(labels[o] for o in s.outcomes)
    columns = sum(len(s.nodes[o].states) for o in s.outcomes)
    # tables with a column per outcome state: what-ifs, the tree's paths, likely scenarios,
    # decisions' options, sources' disagreement; each a heading row and rows of figures
    rows = len(s.what_ifs) + 2 * LEAVES + 2 + sum(
        s.nodes[d].card for d in s.nodes_with_role("decision"))
    total += 8 * outcome_text + rows * (200 + 160 * columns)
    total += sum(len(w.name) + len(w.description) + 3 * sum(labels[n] for n in (*w.given, *w.do))
                 + 300 for w in s.what_ifs) * 3
    # per outcome: tornado rows, signpost sentences, the tree's leaves, the front's lines
    per_outcome = (TORNADO_BARS * (2 * longest + 2 * widest_row + 900)
                   + SIGNPOSTS * 2 * (2 * longest + 500)
                   + LEAVES * SVG_PER_CHAR * longest)
    total += len(s.outcomes) * per_outcome
    total += len(s.drivers) * LEAVES * 2 * SVG_PER_CHAR * longest  # the tree's branch nodes
    total += sum(3 * (len(src.title) + len(src.author or "") + len(src.url or "")) + 500
                 for src in s.sources.values())
    return total


def _reason_chars(support: object) -> int:
    if isinstance(support, Citation):
        return len(support.says) + len(support.quote or "") + 40
    if isinstance(support, Assumption):
        return len(support.assumption)
    return 0


def _amount(n: float) -> str:
    return f"{n / 1e9:,.1f} GB" if n >= 1e9 else f"{n / 1e6:,.0f} MB"


def check_size(s: Scenario) -> int:
    """The estimate, or a LimitError when building the page would pass the memory budget."""
    from ..limits import MEMORY_BUDGET_BYTES as budget  # read at each call: one setting

    size = estimated_bytes(s)
    needed = size * MEMORY_PER_PAGE_BYTE
    if needed > budget:
        raise LimitError(Problem(
            f"the briefing would be about {_amount(size)}, and building it would take "
            f"about {_amount(needed)} of memory, over the memory budget of {_amount(budget)} "
            "(model.limits.MEMORY_BUDGET_BYTES)",
            file=s.document.name,
            hint="shorten the labels and descriptions that many nodes repeat (a text "
                 "aliased into many nodes is shown in full wherever each node is), or "
                 "split the scenario into smaller ones"))
    return size
