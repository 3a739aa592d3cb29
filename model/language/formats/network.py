"""A network as read from another tool's file, before it becomes scenario data: each
variable's states, each table as rows (one per parent combination, the first parent's states
changing slowest, a row's numbers in the order of the states), and where each was written.

An influence diagram adds decisions (variables whose parents are what is known when each is
taken, with no table) and utilities (a worth for each combination of a utility node's
parents), all of one decision maker.

The stated limits are applied as the file is read (`Budget`): a file that declares a
200,000-state variable, 20,000 variables or a table past the cell limit is refused where it
says so, before anything of that size is built.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ...errors import Problem
from ...limits import MAX_IMPORT_NUMBERS, MAX_NODES, MAX_STATES, MAX_TABLE_CELLS
from ..tables import FloatArray
from .source import Source
from .text import Reader


@dataclass
class Variable:
    name: str
    states: list[str]
    line: int | None
    label: str | None = None  # the name a tool shows, where the file has one


@dataclass
class Table:
    node: str
    parents: tuple[str, ...]
    rows: FloatArray  # (rows, card)
    line: int | None
    row_lines: npt.NDArray[np.int64] | None = None  # each row's line, where known


@dataclass
class Decision:
    """A decision node: its variable is among the network's, its parents are what is known
    when it is taken (information arcs); it has no table."""

    node: str
    parents: tuple[str, ...]
    line: int | None


@dataclass
class Utility:
    """What a utility node adds to the decision maker's utility: a worth for each combination
    of its parents' states (the first parent's changing slowest), weights of any
    multi-attribute node that combines it already applied."""

    node: str  # the utility node's name in the file
    parents: tuple[str, ...]
    values: FloatArray  # (rows,)
    line: int | None
    label: str | None = None  # the name a tool shows
    via: str | None = None  # the multi-attribute node that weighs it, if any


@dataclass
class Network:
    """What a reader found: variables in file order (decisions among them), the tables of the
    chance variables, the decisions and utilities of an influence diagram, and what it noted.
    `limid` says the format states what each decision knows in full (pyAgrum's
    limited-memory influence diagrams), rather than implying no forgetting (GeNIe)."""

    source: Source
    format: str
    name: str | None
    variables: dict[str, Variable]
    tables: dict[str, Table]
    warnings: list[Problem] = field(default_factory=list)
    record: str | None = None  # the original names `scenario export` recorded, encoded
    decisions: dict[str, Decision] = field(default_factory=dict)
    utilities: list[Utility] = field(default_factory=list)
    limid: bool = False


class Budget:
    """The limits, checked as each declaration is read."""

    def __init__(self, reader: Reader):
        # not a reference: a reader that holds its budget would otherwise live on in a cycle,
        # its copy of the text and its line index with it, until the collector runs
        self.reader = weakref.proxy(reader)
        self.variables = 0
        self.numbers = 0

    def variable(self, at: int | None = None, line: int | None = None) -> None:
        self.variables += 1
        if self.variables > MAX_NODES:
            self.reader.limit(f"the file declares more than {MAX_NODES:,} variables, the "
                              "node limit", at, line,
                              hint="a scenario holds at most this many nodes")

    def states(self, count: int, name: str | None, at: int | None = None,
               line: int | None = None) -> None:
        if count > MAX_STATES:
            self.reader.limit(f"{count:,} states, over the limit of {MAX_STATES}", at, line,
                              node=name, hint="merge states, or split the variable")

    def cells(self, node: str, card: int, parent_cards: Sequence[int], at: int | None = None,
              line: int | None = None) -> int:
        """One table's cells, refused past the limit (before anything of its size is read)."""
        cells = card * math.prod(parent_cards)
        if cells > MAX_TABLE_CELLS:
            self.reader.limit(f"its table has {cells:,} cells ({card} states x "
                              f"{' x '.join(map(str, parent_cards))} parent states), over "
                              f"the limit of {MAX_TABLE_CELLS:,}", at, line, node=node,
                              hint="fewer parents or states, or a noisy-OR in a scenario")
        return cells

    def utility(self, node: str, parent_cards: Sequence[int], at: int | None = None,
                line: int | None = None) -> None:
        """A utility table about to be read: one worth per combination of its parents."""
        self.table(node, 1, parent_cards, at, line)

    def table(self, node: str, card: int, parent_cards: Sequence[int], at: int | None = None,
              line: int | None = None) -> None:
        """A table about to be read: its cells, and all the tables' numbers together."""
        self.numbers += self.cells(node, card, parent_cards, at, line)
        if self.numbers > MAX_IMPORT_NUMBERS:
            self.reader.limit(f"the tables hold more than {MAX_IMPORT_NUMBERS:,} numbers in "
                              "all, the import limit", at, line, node=node,
                              hint="a network this large is beyond what scenarios hold")
