"""Scores over many scenarios at once, with a calibration table (`scenario score`)."""

from __future__ import annotations

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

    @property
    def nodes(self) -> int:
        return sum(len(s.nodes) for s in self.scores)

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at, "scores": [s.to_dict() for s in self.scores],
                "calibration": [b.to_dict() for b in self.calibration]}


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
    its resolutions, and group every state's forecast by ICD 203 band. The calibration is
    over every file, so a file with problems stops the run, with the problems of every
    such file at once."""
    scores: list[Score] = []
    problems: list[Problem] = []
    for f in files:
        try:
            scores.append(forecast_at(load(f), at).score())
        except ScenarioError as exc:
            problems += exc.problems
    if problems:
        raise ScenarioError(problems)
    return Scores(tuple(scores), calibration(scores), at)
