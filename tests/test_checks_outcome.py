"""Cross-checks of a file that need its other problems in view."""

from __future__ import annotations

from pathlib import Path

import pytest

import model
from model import ScenarioError


def test_an_outcome_with_a_problem_of_its_own_is_still_an_outcome(tiny_path: Path) -> None:
    """The warning that the file has no outcome is about the file, not about an outcome
    node that failed a check of its own (it said so beside the real problem)."""
    text = tiny_path.read_text().replace(
        '    because: [{source: almanac, para: 2, says: Water wets grass, quote: "wet grass"}]\n',
        "")
    with pytest.raises(ScenarioError) as caught:
        model.loads(text, str(tiny_path))
    assert any("'because' is missing" in p.message for p in caught.value.problems)
    assert not any("role: outcome" in w.message for w in caught.value.warnings)
    no_outcome = text.replace("role: outcome", "role: event")
    with pytest.raises(ScenarioError) as caught:
        model.loads(no_outcome, str(tiny_path))
    assert any("no node has role: outcome" in w.message for w in caught.value.warnings)
