"""The reader's decisions with an evidence log: solved with what the log reports (knowledge
in hand before the first decision), equal to solving the same diagram with the evidence
folded into the numbers by hand; evidence on what a decision can change is refused at its
line; `at` gives each day's policy."""

from __future__ import annotations

from pathlib import Path

import pytest

import model
from model import ScenarioError
from model.analysis import decide

ROOT = Path(__file__).resolve().parent.parent
WILDCATTER = ROOT / "scenarios" / "oil_wildcatter.yaml"
EXACT = 1e-9


def with_log(tmp_path: Path, entries: str, prior: str | None = None) -> model.Scenario:
    """The wildcatter with an evidence log (and, when given, another prior of `oil`)."""
    text = WILDCATTER.read_text()
    if prior is not None:
        old = "prior: {dry: 0.5, wet: 0.3, soaking: 0.2}"
        assert old in text
        text = text.replace(old, prior)
    path = tmp_path / "wildcatter.yaml"
    path.write_text(text + ("\nevidence:\n" + entries if entries else ""))
    return model.load(path)


def solved(s: model.Scenario) -> tuple[float, dict[str, object]]:
    point = s.solve()
    return float(point.meu[0]), {st.decision: st.choice.tolist() for st in point.stages}


def test_an_observed_driver_is_known_before_deciding(tmp_path: Path) -> None:
    s = with_log(tmp_path, """  - date: 2025-02-01
    observed: {oil: wet}
    because: [{assumption: a neighbour's well struck oil}]
""")
    # oil known to be wet: no test (it costs 10 and tells nothing), drill for 50
    assert s.solve().meu[0] == pytest.approx(50.0, abs=EXACT)
    strategy = decide(s, samples=50)
    assert strategy.expected == pytest.approx(50.0, abs=EXACT)
    assert s.query("drill")["yes"] == pytest.approx(1.0, abs=EXACT)
    assert s.query("test")["no"] == pytest.approx(1.0, abs=EXACT)
    # as it stood before the report: the textbook answer
    before = s.at("2025-01-15")
    assert before.solve().meu[0] == pytest.approx(22.5, abs=EXACT)
    assert before.query("test")["yes"] == pytest.approx(1.0, abs=EXACT)
    assert s.solve().meu[0] == pytest.approx(50.0, abs=EXACT)  # the later day is unchanged


def test_a_likelihood_equals_the_prior_it_makes_by_bayes_rule(tmp_path: Path) -> None:
    weights = {"dry": 1.0, "wet": 2.0, "soaking": 4.0}
    logged = with_log(tmp_path, """  - date: 2025-02-01
    likelihood: {oil: {dry: 1, wet: 2, soaking: 4}}
    because: [{assumption: a survey of the region reads rich}]
""")
    prior = {"dry": 0.5, "wet": 0.3, "soaking": 0.2}
    total = sum(prior[k] * weights[k] for k in prior)
    posterior = {k: prior[k] * weights[k] / total for k in prior}
    by_hand = with_log(tmp_path / "..", "", prior="prior: {" + ", ".join(
        f"{k}: {v!r}" for k, v in posterior.items()) + "}")
    meu, policy = solved(logged)
    meu_hand, policy_hand = solved(by_hand)
    assert meu == pytest.approx(meu_hand, abs=EXACT)
    assert policy == policy_hand
    ours, theirs = decide(logged, samples=20, seed=1), decide(by_hand, samples=20, seed=1)
    assert ours.expected == pytest.approx(theirs.expected, abs=EXACT)
    worth = {i.node: i.value for i in theirs.information}
    assert {i.node: i.value for i in ours.information} == pytest.approx(worth, abs=EXACT)
    assert logged.query("oil")["soaking"] == pytest.approx(posterior["soaking"], abs=EXACT)


def test_evidence_a_decision_can_change_is_refused_at_its_line(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as caught:
        s = with_log(tmp_path, """  - date: 2025-02-01
    observed: {seismic: closed}
    because: [{assumption: the survey came back}]
""")
        s.solve()
    [problem] = caught.value.problems
    assert problem.node == "seismic" and problem.line is not None
    assert "'test' can change" in problem.message
    assert problem.file is not None and problem.file.endswith("wildcatter.yaml")
