"""The project's one user-facing error type, and the problems it carries.

Every check in the library reports a `Problem` (where, which node, what is wrong, what to do);
a stage collects all of a file's problems and raises them together as one `ScenarioError`,
which the CLI prints in exactly one place.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Characters that act on a terminal or change how text reads: C0 and C1 controls and DEL
# (ANSI and OSC escapes start with ESC or CSI), line and paragraph separators, the
# bidirectional marks, embeddings, overrides and isolates, and the invisible ones that make
# two names print alike (zero-width space, word joiners, byte-order mark, tag characters);
# not the zero-width joiners Persian and Indic scripts spell with.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u2028\u2029"
                     "\u202a-\u202e\u2060-\u2069\ufeff\U000e0000-\U000e007f]")


# The same, but for text laid out on a page, where tabs and line breaks are whitespace.
RAW_ON_PAGE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e"
                         "\u2066-\u2069]")


def shown(text: str) -> str:
    """`text` safe for a terminal: each control character written as an escape (`\\x1b`,
    `\\u202e`), everything else as it is."""
    return CONTROL.sub(_escape, text) if CONTROL.search(text) else text


def shown_on_page(text: str) -> str:
    """`text` for a page: control characters written as escapes, tabs and breaks kept."""
    return RAW_ON_PAGE.sub(_escape, text) if RAW_ON_PAGE.search(text) else text


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario or a query, located as precisely as we can."""

    message: str
    file: str | None = None
    line: int | None = None
    node: str | None = None
    hint: str | None = None

    def __str__(self) -> str:
        """One line for the terminal; control characters from the file shown escaped."""
        # a problem of no file (a command's option, a cluster, a folder) says so alone
        where = self.file or ("line" if self.line is not None else "")
        if self.line is not None:
            where += f":{self.line}" if self.file else f" {self.line}"
        text = f"{where}: " if where else ""
        if self.node:
            text += f"node '{self.node}': "
        text += self.message
        if self.hint:
            text += f" ({self.hint})"
        return shown(text)


class ScenarioError(Exception):
    """Invalid scenario, query or input: everything a user can fix by editing their input."""

    def __init__(self, problems: Problem | Sequence[Problem],
                 warnings: Sequence[Problem] = ()):
        self.problems: tuple[Problem, ...] = (
            (problems,) if isinstance(problems, Problem) else tuple(problems)
        )
        # what the checks also found that would not have stopped the file (a date in the
        # future, say): shown with the problems, so that fixing them brings no surprise
        self.warnings: tuple[Problem, ...] = tuple(warnings)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[type[ScenarioError], tuple[tuple[Problem, ...],
                                                             tuple[Problem, ...]]]:
        # Rebuilt from its problems, so it can cross to and from worker processes.
        return type(self), (self.problems, self.warnings)

    @classmethod
    def single(cls, message: str, **where: str | int | None) -> ScenarioError:
        return cls(Problem(message, **where))  # type: ignore[arg-type]


class QueryError(ScenarioError):
    """A query that names something the scenario does not have, or asks the impossible."""


class LimitError(ScenarioError):
    """Input or computation past one of the stated size limits."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A short hint naming the closest known names, or listing them when none is close."""
    options = sorted(set(choices))
    close = difflib.get_close_matches(word, options, n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
    listed = ", ".join(options[:12]) + (", ..." if len(options) > 12 else "")
    return f"known: {listed}" if options else "none are declared"
