"""Scores over many scenarios at once, with a calibration table (`scenario score`).

In the JSON (`Scores.to_dict`) a log score is a number, or null with `log_infinite` true
when the forecast gave what happened probability 0 (JSON has no infinity); null with
`log_infinite` false means no node is resolved. The same holds of each file's mean.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import Problem, ScenarioError
from ..history import Band, Score, as_day, calibration
from ..scenario import Scenario, load


@dataclass(frozen=True)
class Scores:
    """Each scenario's score, and how often each ICD 203 band's forecasts came true."""

    scores: tuple[Score, ...]
    calibration: tuple[Band, ...]
    at: str
    warnings: tuple[Problem, ...] = ()  # a file with nothing to score

    @property
    def nodes(self) -> int:
        return sum(len(s.nodes) for s in self.scores)

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at, "scores": [score_dict(s) for s in self.scores],
                "calibration": [b.to_dict() for b in self.calibration],
                "warnings": [str(w) for w in self.warnings]}


def score_dict(sc: Score) -> dict[str, Any]:
    """`Score.to_dict` with `log_infinite` beside every log score (see the module's
    docstring): an infinite log score is null there, as is the mean of no nodes."""
    out = sc.to_dict()
    for node, row in zip(sc.nodes, out["nodes"], strict=True):
        row["log_infinite"] = math.isinf(node.log)
    out["log_infinite"] = math.isinf(sc.log)
    return out


def forecast_at(s: Scenario, at: str) -> Scenario:
    """The scenario's forecast to score: "as_of" (the original), "latest" (with all the
    evidence), or a date."""
    if at == "as_of":
        return s.at(s.file.as_of)
    if at == "latest":
        return s
    return s.at(as_day(at))


def score_files(files: Sequence[str | Path], at: str = "as_of") -> Scores:
    """Score each file's forecast (as it stood `at`: "as_of", "latest" or a date) against
    its resolutions, and group every state's forecast by ICD 203 band. Each file's evidence
    is checked possible first, as `validate` checks it. The calibration is over every file,
    so a file with problems stops the run, with the problems of every such file at once; a
    file without resolutions is a warning (nothing to score)."""
    scores: list[Score] = []
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for f in files:
        try:
            s = load(f)
            with s.located():
                s.check_evidence()
                scores.append(forecast_at(s, at).score())
        except ScenarioError as exc:
            problems += exc.problems
            continue
        if not s.resolutions:
            warnings.append(Problem("nothing to score: no node is resolved", str(f),
                                    hint="add `resolutions` (node, state, date, because) "
                                         "once the questions are settled"))
    if problems:
        raise ScenarioError(problems)
    return Scores(tuple(scores), calibration(scores), at, tuple(warnings))
