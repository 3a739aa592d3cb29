"""What the checks of one file find: its problems and warnings, each located."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import Problem
from .loader import Document, Loc


@dataclass
class Findings:
    """Problems (the file is refused) and warnings (it loads) of one document."""

    doc: Document
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def fail(self, loc: Loc, message: str, node: str | None = None,
             hint: str | None = None) -> None:
        self.problems.append(self.doc.problem(loc, message, node, hint))

    def warn(self, loc: Loc, message: str, node: str | None = None,
             hint: str | None = None) -> None:
        self.warnings.append(self.doc.problem(loc, message, node, hint))

    def about(self, node: str) -> bool:
        """Whether a problem has been found with `node`."""
        return any(p.node == node for p in self.problems)
