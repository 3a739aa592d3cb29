"""What every reader shares: the line of an offset, numbers read strictly and fast, and the
problems of one file collected so that all of them are told at once."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NoReturn

import numpy as np
import numpy.typing as npt

from ...errors import LimitError, Problem, ScenarioError
from ..tables import FloatArray
from .source import Source

# The number grammar of every format: ASCII digits, an optional sign, point and exponent;
# no underscores, hex, words (`nan`, `inf`) or other scripts' digits, which Python's
# float() would take.
NUMBER = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?", re.ASCII)
_NOT_NUMERIC = re.compile(r"[^0-9eE.+\-\s,|]")
_SEPARATORS = str.maketrans(",|", "  ")
_TOKEN = re.compile(r"[^\s,|]+")
# Problems told one by one; the rest are counted in one more.
MAX_TOLD = 20


class Lines:
    """The 1-based line of each character offset of a text: the offsets of its line breaks in
    one numpy array (4 bytes a line), found a piece at a time, so that a file of 49 million
    blank lines costs 200 MB, not a Python object per line."""

    PIECE = 1 << 20  # characters looked at at once

    def __init__(self, text: str):
        dtype = np.int32 if len(text) < 2**31 else np.int64
        self.array = np.empty(text.count("\n"), dtype=dtype)
        filled = 0
        for start in range(0, len(text), self.PIECE):
            piece = text[start:start + self.PIECE]
            if piece.isascii():
                codes: npt.NDArray[np.generic] = np.frombuffer(piece.encode("ascii"),
                                                               dtype=np.uint8)
            else:  # one 4-byte code per character, so that offsets stay characters
                codes = np.frombuffer(piece.encode("utf-32-le"), dtype=np.uint32)
            breaks = np.flatnonzero(codes == 10)
            self.array[filled:filled + breaks.size] = breaks + start
            filled += breaks.size

    def __call__(self, offset: int) -> int:
        # offsets of the array's own type: another would make numpy copy the array to search
        return int(np.searchsorted(self.array, self.array.dtype.type(offset), side="left")) + 1

    def many(self, offsets: Sequence[int]) -> npt.NDArray[np.int64]:
        found = np.searchsorted(self.array, np.asarray(offsets, dtype=self.array.dtype),
                                side="left")
        return found.astype(np.int64) + 1


class BadNumber(ValueError):
    """A list of numbers holds something else; `offset` is where, within the list."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


def numbers(text: str) -> FloatArray:
    """The numbers of `text`, separated by spaces, commas or `|`, as float64; BadNumber
    saying which item is not a number (or is one too large or too small to hold)."""
    bad = _NOT_NUMERIC.search(text)
    tokens = text.translate(_SEPARATORS).split()
    try:
        if bad is not None:
            raise ValueError
        values = np.array(tokens, dtype=np.float64)
    except ValueError:
        for match in _TOKEN.finditer(text):
            if NUMBER.fullmatch(match.group()) is None:
                raise BadNumber(f"'{_clip(match.group())}' is not a number",
                                match.start()) from None
        raise  # every token matched the grammar, so numpy cannot have failed
    if not np.isfinite(values).all():
        k = int(np.flatnonzero(~np.isfinite(values))[0])
        raise BadNumber(f"'{tokens[k]}' is too large to hold", _offset_of(text, k))
    if ("e" in text or "E" in text) and not values.all():
        for k in np.flatnonzero(values == 0).tolist():
            if re.search(r"[1-9]", tokens[k].split("e")[0].split("E")[0]):
                raise BadNumber(f"'{tokens[k]}' is too small to hold: it would read as 0",
                                _offset_of(text, k))
    return values


def _offset_of(text: str, k: int) -> int:
    for i, match in enumerate(_TOKEN.finditer(text)):
        if i == k:
            return match.start()
    return 0


def _clip(text: str, most: int = 40) -> str:
    return text if len(text) <= most else text[:most] + "..."


def row_lines(text: str, first_line: int, n_rows: int, card: int) -> npt.NDArray[np.int64] | None:
    """Each row's line when a table's text holds one row of `card` numbers per line, as
    most writers put them; None otherwise (the table's own line then stands for each)."""
    lines = text.split("\n")
    filled = [i for i, line in enumerate(lines) if line.strip()]
    if len(filled) != n_rows:
        return None
    if any(len(lines[i].translate(_SEPARATORS).split()) != card for i in filled):
        return None
    return np.array(filled, dtype=np.int64) + first_line


class Reader:
    """One file's reading: its source, the line of each offset, and the problems found so
    far, raised together (limits at once: past one, reading further could exhaust memory)."""

    def __init__(self, source: Source):
        self.source = source
        self.text = source.text
        self.lines = Lines(source.text)
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = list(source.warnings)

    def problem(self, message: str, at: int | None = None, line: int | None = None,
                node: str | None = None, hint: str | None = None) -> Problem:
        if line is None and at is not None:
            line = self.lines(at)
        return Problem(message, file=self.source.name, line=line, node=node, hint=hint)

    def note(self, message: str, at: int | None = None, line: int | None = None,
             node: str | None = None, hint: str | None = None) -> None:
        """A problem that does not stop the reading."""
        if len(self.problems) < MAX_TOLD:
            self.problems.append(self.problem(message, at, line, node, hint))
        elif len(self.problems) == MAX_TOLD:
            self.problems.append(self.problem("more problems follow; fix these first",
                                              at, line))

    def fail(self, message: str, at: int | None = None, line: int | None = None,
             node: str | None = None, hint: str | None = None) -> NoReturn:
        """A problem after which the file cannot be read further."""
        raise ScenarioError([*self.problems[:MAX_TOLD],
                             self.problem(message, at, line, node, hint)])

    def limit(self, message: str, at: int | None = None, line: int | None = None,
              node: str | None = None, hint: str | None = None) -> NoReturn:
        raise LimitError(self.problem(message, at, line, node, hint))

    def warn(self, message: str, at: int | None = None, line: int | None = None,
             node: str | None = None, hint: str | None = None) -> None:
        self.warnings.append(self.problem(message, at, line, node, hint))

    def raise_problems(self) -> None:
        if self.problems:
            raise ScenarioError(self.problems)

    def numbers(self, text: str, what: str, node: str | None = None, at: int | None = None,
                line: int | None = None) -> FloatArray:
        """The numbers of `text`, which starts at offset `at` of the file (or on `line`); a
        bad one fails the file, located at its own line."""
        try:
            return numbers(text)
        except BadNumber as exc:
            if at is not None:
                where, found = at + exc.offset, None
            else:
                where, found = None, (line or 1) + text.count("\n", 0, exc.offset)
            self.fail(f"{what}: {exc}", where, found, node=node,
                      hint="probabilities are numbers such as 0.25 or 1e-05")
