"""The evidence log: queries with the evidence in effect, `at`, the timeline, scores by hand,
calibration, case files, and every mistake located at its line."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest

import model
from model import QueryError, ScenarioError
from model.analysis.scores import score_files
from model.cli import main
from model.history import brier, log_score, time_averaged

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).parent / "fixtures" / "timeline"
WEATHER = HERE / "weather.yaml"
CASE = HERE / "weather_case.yaml"
SCENARIOS = Path(__file__).parent.parent / "scenarios"
SEED = ROOT / "scenarios" / "russia_iran_2025.yaml"
FOLLOWUP = ROOT / "scenarios" / "russia_iran_2025_followup.yaml"
D = dt.date


def close(a: float, b: float, tol: float = 1e-12) -> bool:
    return abs(a - b) <= tol


# queries with the evidence in effect --------------------------------------------------------


def test_every_query_answers_with_all_the_evidence() -> None:
    plain, case = model.load(WEATHER), model.load(CASE)
    given = {"rain": "yes", "crop": "fair"}
    for node in ("rain", "crop", "market"):
        assert case.query(node) == pytest.approx(dict(plain.query(node, given=given)), abs=1e-12)
    assert close(case.query("market")["yes"], 0.2)
    assert close(case.probability("market=yes or crop=poor"), 0.2)
    assert case.joint(["market"]) == pytest.approx(plain.joint(["market"], given=given))


def test_at_a_day_is_the_query_with_that_days_observations_by_hand() -> None:
    plain, case = model.load(WEATHER), model.load(CASE)
    by_day = {D(2025, 3, 1): {}, D(2025, 4, 30): {}, D(2025, 5, 1): {"rain": "yes"},
              D(2025, 8, 31): {"rain": "yes"}, D(2025, 9, 1): {"rain": "yes", "crop": "fair"},
              D(2026, 1, 1): {"rain": "yes", "crop": "fair"}}
    for day, given in by_day.items():
        then = case.at(day)
        for node in ("crop", "market"):
            assert dict(then.query(node)) == pytest.approx(dict(plain.query(node, given=given)),
                                                           abs=1e-12)
    assert close(case.at("2025-05-01").query("market")["yes"], 0.1 * 0.9 + 0.9 * 0.2)
    assert case.at(case.file.as_of).query("crop") == pytest.approx(
        {"poor": 0.38, "fair": 0.3, "good": 0.32}, abs=1e-12)


def test_at_on_the_seed_follow_up_equals_the_seed_with_the_same_evidence_by_hand() -> None:
    seed, case = model.load(SEED), model.load(FOLLOWUP)
    assert case.at(case.file.as_of).query("nuclear_deal") == seed.query("nuclear_deal")
    observed: dict[str, str] = {}
    weights: dict[str, dict[str, float]] = {}
    for entry in case.log.entries:
        observed.update(entry.observed)
        for node, ws in entry.likelihood.items():
            weights[node] = {s: weights.get(node, {}).get(s, 1.0) * w for s, w in ws.items()}
        if entry.believe:
            weights = seed.believe(entry.believe, given=observed, likelihood=weights or None)
        then = case.at(entry.date)
        for node in seed.outcomes:
            assert dict(then.query(node)) == pytest.approx(
                dict(seed.query(node, given=observed, likelihood=weights or None)), abs=1e-12)
        for j in seed.judgement_specs:
            assert close(then.probability(j.event),
                         seed.probability(j.event, given=observed, likelihood=weights or None))
    assert close(case.at("2025-09-28").query("nuclear_deal")["yes"], 0.03)


def test_a_questions_own_given_and_do_replace_the_logs_word_on_those_nodes() -> None:
    plain, case = model.load(WEATHER), model.load(CASE)
    assert case.query("market", given={"crop": "poor"}) == pytest.approx(
        dict(plain.query("market", given={"rain": "yes", "crop": "poor"})))
    assert case.query("market", do={"crop": "poor"}) == pytest.approx(
        dict(plain.query("market", given={"rain": "yes"}, do={"crop": "poor"})))
    assert close(case.evidence_probability({"market": "yes"}), 0.2)
    found = case.most_probable()
    assert set(found.states) == {"market"} and found.states["market"] == "no"


def test_at_before_as_of_is_refused_and_a_bad_date_says_how_to_write_one() -> None:
    case = model.load(CASE)
    with pytest.raises(QueryError, match="before the scenario's as_of"):
        case.at("2025-01-01")
    with pytest.raises(QueryError, match="YYYY-MM-DD"):
        case.at("June")
    # as strict as a file's dates: no bare number, no week date, no time of day
    for text in ("20250613", "2025-W24-5", "2025-06-13T00:00"):
        with pytest.raises(QueryError, match="YYYY-MM-DD"):
            case.at(text)


def test_the_analyses_see_the_evidence_too() -> None:
    from model.analysis import analyze

    found = analyze(model.load(CASE), samples=200, seed=1)
    market = next(u for u in found.uncertainty if u.node == "market")
    assert close(market.states[0].point, 0.2)


def test_a_judgement_the_evidence_settles_is_held_with_high_confidence_and_says_why() -> None:
    """Certain under every draw once its node is observed: the rule's measures (sources,
    assumptions, width) bear on nothing, so the reason names the reports instead."""
    [settled] = model.judgements(model.load(CASE), samples=200)
    assert settled.probability == 0 and settled.low == settled.high == 0
    assert settled.confidence == "high" and not settled.overridden
    assert settled.confidence_reason == ("high: the evidence log settles it: The harvest: fair "
                                         "(1 Sep 2025)")
    [open_] = model.judgements(model.load(CASE).at(D(2025, 5, 1)), samples=200)
    assert 0 < open_.probability < 1 and "settles" not in open_.confidence_reason


@pytest.mark.parametrize("case", [CASE, SCENARIOS / "russia_iran_2025_followup.yaml"],
                         ids=["observed", "uncertain"])
def test_each_draw_of_the_numbers_answers_with_the_evidence_too(case: Path) -> None:
    """The outcomes' spreads, the decisions and sweeps read batched posteriors: each draw's
    is its own network's answer given the log's evidence (observations and likelihoods),
    not the answer without it."""
    import numpy as np

    from model.analysis.uncertainty import draw, marginal_draws
    from model.network.compiled import CompiledNet
    from model.network.net import Net

    s = model.load(case)
    background = s.background
    assert background
    draws = draw(s, 40, 1)
    nodes = [n for n in s.nodes if n not in background.given]
    found = marginal_draws(s.compiled, draws, nodes)
    moved = set()
    for i in range(0, 40, 9):
        own = CompiledNet(Net(s.net.states, s.net.parents,
                              {**s.net.tables, **{n: t[i] for n, t in draws.tables.items()}}))
        for node, drawn in zip(nodes, found, strict=True):
            expected = own.posterior(node, background.given,
                                     likelihood=background.likelihood or None)
            np.testing.assert_allclose(drawn[i], expected, atol=1e-12, err_msg=node)
            if not np.allclose(expected, own.posterior(node), atol=1e-3):
                moved.add(node)
    assert moved  # the evidence moves some of them: the test tests something


def test_the_evidence_wraps_every_question_the_engine_answers() -> None:
    """`history.WithEvidence` hands anything it does not define to the engine itself, so a
    question the engine answers that it did not define would go without the evidence."""
    import inspect

    from model.history import WithEvidence
    from model.network.compiled import CompiledNet

    questions = [name for name, method in inspect.getmembers(CompiledNet, inspect.isfunction)
                 if not name.startswith("_")
                 and {"given", "do"} & set(inspect.signature(method).parameters)]
    assert {"posterior", "joint", "posteriors", "marginals", "derivatives"} <= set(questions)
    assert [name for name in questions if name not in vars(WithEvidence)] == []


# the timeline ------------------------------------------------------------------------------


def test_timeline_has_a_row_per_date_node_and_state_with_the_days_evidence() -> None:
    frame = model.load(CASE).timeline()
    assert list(frame.columns) == ["date", "kind", "node", "state", "probability", "term",
                                   "evidence"]
    dates = [D(2025, 3, 1), D(2025, 5, 1), D(2025, 9, 1)]
    assert sorted(set(frame["date"])) == dates
    assert len(frame) == len(dates) * (3 + 2 + 1)  # crop's states, market's, one judgement
    crop = frame[(frame.node == "crop") & (frame.state == "poor")]
    assert crop["probability"].tolist() == pytest.approx([0.38, 0.1, 0.0], abs=1e-12)
    assert crop["evidence"].tolist() == ["original forecast", "A wet April",
                                         "The harvest: fair"]
    bread = frame[frame.kind == "judgement"]
    assert bread["probability"].tolist() == pytest.approx([0.342, 0.09, 0.0], abs=1e-12)
    assert bread["state"].isna().all()


def test_timeline_command_prints_each_outcome_and_its_json(capsys: pytest.CaptureFixture[str]
                                                           ) -> None:
    assert main(["timeline", str(CASE)]) == 0
    text = capsys.readouterr().out
    assert "The harvest (crop=poor; resolved fair on 2025-09-01)" in text
    assert "A wet April" in text and "−28 pts" in text
    assert main(["timeline", str(CASE), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["rows"][0]["date"] == "2025-03-01"
    assert set(data["time_averaged_brier"]) == {"crop", "market"}


def test_a_timeline_follows_the_resolved_nodes_that_are_not_outcomes(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The wildcatter has no outcome or judgement: a case resolving its `oil` follows oil, so
    the time-averaged Brier score printed below reads off the lines printed above it."""
    path = write(tmp_path, "oil_case.yaml", f"""\
        case: oil_case
        scenario: {SCENARIOS / "oil_wildcatter.yaml"}
        evidence:
          - {{date: 2025-05-01, believe: {{oil: {{soaking: 0.5}}}}, because: [{{assumption: x}}]}}
        resolutions:
          - {{node: oil, state: wet, date: 2025-06-01, because: [{{assumption: x}}]}}
        """)
    frame = model.load(path).timeline()
    assert set(frame["kind"]) == {"resolved"} and set(frame["node"]) == {"oil"}
    assert len(frame) == 2 * 3  # two dates, oil's three states
    assert main(["timeline", str(path)]) == 0
    text = capsys.readouterr().out
    assert "oil (oil=wet; not an outcome, resolved wet on 2025-06-01)" in text
    assert "Time-averaged Brier score of each resolved node" in text and "oil 0.4134" in text
    assert main(["timeline", str(SCENARIOS / "oil_wildcatter.yaml")]) == 0
    assert "Nothing to follow" in capsys.readouterr().out


# scores by hand ------------------------------------------------------------------------------


def test_brier_and_log_scores_by_hand() -> None:
    assert close(brier({"yes": 0.3, "no": 0.7}, "yes"), 0.49)
    assert close(brier({"a": 0.2, "b": 0.5, "c": 0.3}, "b"), (0.04 + 0.25 + 0.09) / 2)
    assert close(log_score({"yes": 0.3, "no": 0.7}, "yes"), -math.log(0.3))
    assert log_score({"yes": 0.0, "no": 1.0}, "yes") == math.inf
    assert math.copysign(1, log_score({"yes": 1.0, "no": 0.0}, "yes")) == 1  # 0.0, not -0.0
    assert close(time_averaged([(D(2025, 1, 1), 0.5), (D(2025, 1, 3), 0.1)], D(2025, 1, 11)),
                 (2 * 0.5 + 8 * 0.1) / 10)


def test_the_original_forecast_scored_by_hand() -> None:
    sc = model.load(CASE).at("2025-03-01").score()
    crop, market = sc["crop"], sc["market"]
    assert close(crop.brier, (0.38**2 + 0.7**2 + 0.32**2) / 2)
    assert close(crop.log, -math.log(0.3))
    assert close(market.brier, 0.466**2)
    assert close(market.log, -math.log(0.534))
    assert close(sc.brier, (crop.brier + market.brier) / 2)
    assert close(sc.log, (crop.log + market.log) / 2)
    # each day's forecast until the next entry, until the node was settled
    assert close(crop.time_averaged_brier, (61 * crop.brier + 123 * 0.43) / 184)
    assert close(market.time_averaged_brier,
                 (61 * market.brier + 123 * 0.27**2 + 121 * 0.2**2) / 305)


def test_the_latest_forecast_scores_what_was_observed_as_perfect() -> None:
    sc = model.load(CASE).score()
    assert sc.as_at == D(2025, 9, 1)
    assert sc["crop"].brier == 0 and sc["crop"].log == 0
    assert close(sc["market"].brier, 0.04)


def test_score_many_files_with_a_calibration_table_by_hand(capsys: pytest.CaptureFixture[str]
                                                           ) -> None:
    found = score_files([CASE])
    bands = {b.term: b for b in found.calibration}
    assert (bands["unlikely"].forecasts, bands["unlikely"].happened) == (3, 1)
    assert close(bands["unlikely"].mean_forecast, (0.38 + 0.3 + 0.32) / 3)
    assert (bands["roughly even chance"].forecasts, bands["roughly even chance"].happened) == (2, 1)
    assert sum(b.forecasts for b in found.calibration) == 5
    assert main(["score", str(CASE), str(FOLLOWUP), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [s["scenario"] for s in data["scores"]] == ["weather_2025", "russia_iran_2025_followup"]
    assert sum(b["forecasts"] for b in data["calibration"]) == 5 + 2 * 7
    assert main(["score", str(CASE), "--at", "latest"]) == 0
    assert "2025-09-01" in capsys.readouterr().out


def test_scoring_files_with_problems_reports_every_one_at_once(tmp_path: Path) -> None:
    """The calibration is over every file, so none is scored; each bad file says why."""
    bad = [write(tmp_path, f"bad{i}.yaml", "case: c\nscenario: nowhere.yaml\n")
           for i in (1, 2)]
    with pytest.raises(ScenarioError) as caught:
        score_files([CASE, *bad])
    assert [p.file for p in caught.value.problems] == [str(b) for b in bad]


IMPOSSIBLE_CASE = """\
    case: c3
    scenario: alarm.yaml
    evidence:
      - {date: 2025-04-01, observed: {burglary: no, quake: no}, because: [{assumption: x}]}
      - {date: 2025-05-01, observed: {alarm: yes}, because: [{assumption: x}]}
    """
ALARM = """\
    scenario: alarm
    title: Alarm
    question: Was there a burglary?
    as_of: 2025-03-01
    horizon: 2025-12-31
    nodes:
      burglary: {role: driver, prior: {yes: 0.1}, because: [{assumption: a}]}
      quake: {role: driver, prior: {yes: 0.2}, because: [{assumption: a}]}
      alarm:
        role: outcome
        parents: [burglary, quake]
        table:
          - {when: {burglary: yes, quake: yes}, p: {yes: 0.95}, because: [{assumption: a}]}
          - {when: {burglary: yes, quake: no}, p: {yes: 0.9}, because: [{assumption: a}]}
          - {when: {burglary: no, quake: yes}, p: {yes: 0.3}, because: [{assumption: a}]}
          - {when: {burglary: no, quake: no}, exact: true, p: {yes: 0},
             because: [{assumption: never by itself}]}
    """


def test_scoring_checks_each_files_evidence_as_validate_does(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "alarm.yaml", ALARM)
    path = write(tmp_path, "c3.yaml", IMPOSSIBLE_CASE)
    assert main(["validate", str(path)]) == 2
    capsys.readouterr()
    assert main(["score", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:5: node 'alarm': evidence of 2025-05-01 (alarm=yes) is impossible" in err
    assert "Traceback" not in err
    with pytest.raises(ScenarioError) as caught:
        score_files([CASE, path])
    assert [(p.file, p.line) for p in caught.value.problems] == [(str(path), 5)]


def test_a_file_with_nothing_to_score_says_so(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "alarm.yaml", ALARM)
    found = score_files([path, CASE])
    assert [str(w) for w in found.warnings] == [
        f"{path}: nothing to score: no node is resolved (add `resolutions` (node, state, "
        "date, because) once the questions are settled)"]
    assert main(["score", str(path), str(CASE)]) == 0
    out, err = capsys.readouterr()
    assert "alarm: nothing to score (no node is resolved)" in out and "n/a" not in out
    assert "nothing to score" in err
    assert main(["score", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["scores"][0]["log"] is None and data["scores"][0]["log_infinite"] is False
    assert len(data["warnings"]) == 1


def test_an_infinite_log_score_is_written_as_such_in_json(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The evidence rules the alarm out, and it went off: the latest forecast gave it 0."""
    write(tmp_path, "alarm.yaml", ALARM)
    path = write(tmp_path, "case.yaml", """\
        case: rang
        scenario: alarm.yaml
        evidence:
          - {date: 2025-04-01, observed: {burglary: no, quake: no}, because: [{assumption: x}]}
        resolutions:
          - {node: alarm, state: yes, date: 2025-06-01, because: [{assumption: x}]}
        """)
    assert model.load(path).score()["alarm"].log == math.inf
    assert main(["score", str(path), str(CASE), "--at", "latest", "--json"]) == 0
    rang, weather = json.loads(capsys.readouterr().out)["scores"]
    alarm = rang["nodes"][0]
    assert (alarm["log"], alarm["log_infinite"]) == (None, True)
    assert (rang["log"], rang["log_infinite"]) == (None, True)
    assert rang["brier"] == 1.0
    assert all(n["log_infinite"] is False and n["log"] is not None for n in weather["nodes"])
    assert weather["log_infinite"] is False
    assert main(["score", str(path), "--at", "latest"]) == 0
    assert re.search(r"^alarm +yes +0\.0% +1\.0000 +inf ", capsys.readouterr().out, re.M)


def test_the_seed_follow_up_scores_the_march_forecast() -> None:
    sc = model.load(FOLLOWUP).at("2025-03-25").score()
    by_hand = [brier(n.forecast, n.state) for n in sc.nodes]
    assert close(sc.brier, sum(by_hand) / len(by_hand))
    deal = sc["nuclear_deal"]
    assert close(deal.brier, (1 - deal.forecast["no"]) ** 2)
    assert close(deal.log, -math.log(deal.forecast["no"]))


# case files ----------------------------------------------------------------------------------


def test_a_case_names_its_scenario_and_adds_its_sources_evidence_and_resolutions() -> None:
    case = model.load(CASE)
    assert case.id == "weather_2025" and case.title == "The 2025 season"
    assert case.path == CASE and case.model_path == WEATHER
    assert set(case.sources) == {"radio", "paper"}
    assert [e.date for e in case.evidence] == [D(2025, 5, 1), D(2025, 9, 1)]
    assert "+" in case.digest
    assert model.load(WEATHER, case=CASE).query("market") == case.query("market")


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def refused_at(path: Path, line: int, words: Sequence[str]) -> None:
    """Loading `path` is refused at that line of weather.yaml, in a message with `words`."""
    with pytest.raises(ScenarioError) as caught:
        model.load(path)
    message = str(caught.value)
    assert f"weather.yaml:{line}:" in message, message
    for w in words:
        assert w in message, message


def weather_with(tmp: Path, extra: str) -> Path:
    (tmp / "weather.yaml").write_text(WEATHER.read_text() + textwrap.dedent(extra))
    return tmp / "weather.yaml"


# (the text added to the weather scenario, its line the problem is at (1 = its first line),
# words of the message)
BAD_LOGS: dict[str, tuple[str, int, tuple[str, ...]]] = {
    "date_before_as_of": ("""
        evidence:
          - date: 2025-02-01
            observed: {rain: yes}
            because: [{assumption: x}]
        """, 3, ("dated 2025-02-01 is not after as_of (2025-03-01)",)),
    "date_after_horizon": ("""
        evidence:
          - date: 2026-02-01
            observed: {rain: yes}
            because: [{assumption: x}]
        """, 3, ("after the horizon (2025-12-31)",)),
    "unknown_node": ("""
        evidence:
          - date: 2025-04-01
            observed: {rian: yes}
            because: [{assumption: x}]
        """, 4, ("unknown node 'rian'", "did you mean 'rain'")),
    "unknown_state": ("""
        evidence:
          - date: 2025-04-01
            observed: {crop: great}
            because: [{assumption: x}]
        """, 4, ("'great' is not a state of 'crop'",)),
    "two_kinds": ("""
        evidence:
          - date: 2025-04-01
            observed: {rain: yes}
            likelihood: {crop: {poor: 2}}
            because: [{assumption: x}]
        """, 3, ("give one of observed, likelihood or believe",)),
    "undeclared_source": ("""
        evidence:
          - date: 2025-04-01
            observed: {rain: yes}
            because: [{source: tv, says: rain}]
        """, 5, ("source 'tv' is not declared",)),
    "observed_twice": ("""
        evidence:
          - date: 2025-04-01
            observed: {rain: yes}
            because: [{assumption: x}]
          - date: 2025-05-01
            observed: {rain: no}
            because: [{assumption: y}]
        """, 6, ("observed as 'no', but it was observed as 'yes' on 2025-04-01",)),
    "zero_likelihood": ("""
        evidence:
          - date: 2025-04-01
            likelihood: {rain: {yes: 0, no: 0}}
            because: [{assumption: x}]
        """, 4, ("every state has weight 0",)),
    "negative_likelihood": ("""
        evidence:
          - date: 2025-04-01
            likelihood: {rain: {yes: -1}}
            because: [{assumption: x}]
        """, 4, ("the weight -1 is not a finite number of at least 0", "e.g. 1 and 3")),
    "belief_over_one": ("""
        evidence:
          - date: 2025-04-01
            believe: {crop: {poor: 0.7, fair: 0.5}}
            because: [{assumption: x}]
        """, 4, ("add up to 120%",)),
    "resolved_twice": ("""
        resolutions:
          - {node: crop, state: fair, date: 2025-09-01, because: [{assumption: x}]}
          - {node: crop, state: poor, date: 2025-09-02, because: [{assumption: y}]}
        """, 4, ("'crop' is resolved twice",)),
    "resolution_against_observation": ("""
        evidence:
          - date: 2025-04-01
            observed: {crop: good}
            because: [{assumption: x}]
        resolutions:
          - {node: crop, state: fair, date: 2025-09-01, because: [{assumption: y}]}
        """, 7, ("resolved as 'fair', but the evidence of 2025-04-01", "observed 'good'")),
}


@pytest.mark.parametrize("name", list(BAD_LOGS))
def test_each_mistake_in_the_log_is_located(name: str, tmp_path: Path) -> None:
    extra, offset, words = BAD_LOGS[name]
    path = weather_with(tmp_path, extra)
    refused_at(path, len(WEATHER.read_text().splitlines()) + offset, words)


def test_evidence_that_the_scenario_rules_out_is_refused_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "weather.yaml"
    text = WEATHER.read_text().replace("p: {yes: 0.9}", "p: {yes: 1}").replace(
        "p: {yes: 0.2}", "p: {yes: 1}") + textwrap.dedent("""
        evidence:
          - date: 2025-04-01
            observed: {market: no}
            because: [{assumption: x}]
        """)
    path.write_text(text)
    s = model.load(path)  # loading checks the file; the network answers whether it can be
    line = len(WEATHER.read_text().splitlines()) + 3
    with pytest.raises(ScenarioError, match=rf"weather.yaml:{line}: .*evidence of 2025-04-01 "
                                            r"\(market=no\) is impossible"):
        s.query("crop")
    assert main(["validate", str(path)]) == 2


@pytest.mark.parametrize(("text", "words"), [
    ("case: c\nscenario: nowhere.yaml\n", "the case's scenario 'nowhere.yaml' is not a file"),
    ("case: c\nevidence: []\n", "'scenario' is missing"),
    ("case: c\nscenario: weather\nsources:\n  radio: {title: again}\n",
     "source 'radio' is declared by the scenario too"),
    ("case: c\nscenario: weather\nevidence:\n  - date: 2025-04-01\n    observed: {rain: wet}\n"
     "    because: [{assumption: x}]\n", "case.yaml:5: node 'rain': observed: 'wet' is not a "
                                         "state of 'rain'"),
])
def test_case_file_mistakes_are_located(text: str, words: str, tmp_path: Path) -> None:
    (tmp_path / "weather.yaml").write_text(WEATHER.read_text())
    path = write(tmp_path, "case.yaml", text)
    with pytest.raises(ScenarioError) as caught:
        model.load(path)
    assert words in str(caught.value)


def test_a_case_entry_with_a_bad_date_does_not_hide_the_next_entrys_mistakes(
        tmp_path: Path) -> None:
    (tmp_path / "weather.yaml").write_text(WEATHER.read_text())
    path = write(tmp_path, "case.yaml", "case: c\nscenario: weather\nevidence:\n"
                 "  - date: 2025-13-01\n    observed: {rain: yes}\n"
                 "    because: [{assumption: x}]\n"
                 "  - date: 2025-04-02\n    observed: {rian: yes}\n"
                 "    because: [{assumption: x}]\n")
    with pytest.raises(ScenarioError) as caught:
        model.load(path)
    assert [(p.line, p.message.split(":")[0]) for p in caught.value.problems] == [
        (4, "evidence entry 1, date"), (8, "observed")]
    assert "unknown node 'rian'" in caught.value.problems[1].message


def test_a_case_that_names_another_case_is_told_to_name_the_scenario(tmp_path: Path) -> None:
    (tmp_path / "weather.yaml").write_text(WEATHER.read_text())
    write(tmp_path, "inner.yaml", "case: inner\nscenario: weather.yaml\n")
    path = write(tmp_path, "outer.yaml", "case: outer\nscenario: inner.yaml\n")
    with pytest.raises(ScenarioError) as caught:
        model.load(path)
    [problem] = caught.value.problems
    assert problem.file.endswith("outer.yaml") and problem.line == 2
    assert "'inner.yaml' is a case file itself" in problem.message


def test_validate_checks_a_case_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(CASE), str(FOLLOWUP)]) == 0
    assert "ok" in capsys.readouterr().out


def test_the_json_schema_takes_case_files() -> None:
    import jsonschema  # type: ignore[import-untyped]

    from model.language.json_schema import scenario_json_schema
    from tests.test_json_schema import as_an_editor_reads

    validator = jsonschema.Draft202012Validator(scenario_json_schema())
    data = as_an_editor_reads(CASE)
    assert list(validator.iter_errors(data)) == []
    data["evidence"][0]["observd"] = data["evidence"][0].pop("observed")
    assert list(validator.iter_errors(data))



# likelihood and belief entries ---------------------------------------------------------------


def test_a_likelihood_entry_is_the_query_with_that_likelihood_by_hand(tmp_path: Path) -> None:
    path = weather_with(tmp_path, """
        evidence:
          - date: 2025-04-01
            likelihood: {rain: {yes: 1, no: 3}}
            because: [{assumption: a dry forecast}]
          - date: 2025-05-01
            likelihood: {rain: {yes: 2}}
            because: [{assumption: a wet week}]
        """)
    plain, s = model.load(WEATHER), model.load(path)
    # P(rain | both reports) = 0.3 * 2 / (0.3 * 2 + 0.7 * 3)
    assert close(s.query("rain")["yes"], 0.6 / (0.6 + 2.1))
    assert close(s.at("2025-04-15").query("rain")["yes"], 0.3 / (0.3 + 2.1))
    assert s.query("market") == pytest.approx(
        dict(plain.query("market", likelihood={"rain": {"yes": 2, "no": 3}})), abs=1e-12)
    assert s.query("market", likelihood={"crop": {"poor": 0}}) == pytest.approx(dict(
        plain.query("market", likelihood={"rain": {"yes": 2, "no": 3}, "crop": {"poor": 0}})))
    assert close(s.probability("market=yes"), s.query("market")["yes"])


def test_a_likelihood_entry_weighs_by_ratios_at_any_scale_as_the_command_line_does(
        tmp_path: Path) -> None:
    """Weights are relative, so a file may write them as large as `--likelihood` takes
    them: 1e7 and 3e7 are 1 and 3."""
    path = weather_with(tmp_path, """
        evidence:
          - date: 2025-04-01
            likelihood: {rain: {yes: 1e7, no: 3e7}}
            because: [{assumption: a dry forecast}]
          - date: 2025-05-01
            likelihood: {rain: {yes: 1e300, no: 1e300}}
            because: [{assumption: a report that moves nothing}]
        """)
    s = model.load(path)
    assert close(s.query("rain")["yes"], 0.3 / (0.3 + 2.1))
    by_hand = model.load(WEATHER).query("rain", likelihood={"rain": {"yes": 1e7, "no": 3e7}})
    assert close(s.query("rain")["yes"], by_hand["yes"])


def test_a_belief_holds_its_node_at_the_belief_after_what_came_before(tmp_path: Path) -> None:
    path = weather_with(tmp_path, """
        evidence:
          - date: 2025-04-01
            observed: {rain: yes}
            because: [{assumption: a wet April}]
          - date: 2025-05-01
            believe: {crop: {good: "70%"}}
            because: [{assumption: the fields look fine}]
          - date: 2025-06-01
            observed: {market: yes}
            because: [{assumption: prices went up}]
        """)
    plain, s = model.load(WEATHER), model.load(path)
    then = s.at("2025-05-01")
    assert close(then.query("crop")["good"], 0.7)
    # the rest share what is left in proportion, as Jeffrey's rule says: poor 0.1 : fair 0.3
    assert close(then.query("crop")["poor"], 0.3 * 0.1 / 0.4)
    weights = plain.believe({"crop": {"good": 0.7}}, given={"rain": "yes"})
    assert then.query("market") == pytest.approx(
        dict(plain.query("market", given={"rain": "yes"}, likelihood=weights)), abs=1e-12)
    # later evidence moves the believed node on: the likelihood stays, the belief does not
    after = s.query("crop")
    assert after == pytest.approx(dict(plain.query("crop", given={"rain": "yes",
                                                                  "market": "yes"},
                                                   likelihood=weights)), abs=1e-12)
    assert not close(after["good"], 0.7)


def test_an_uncertain_report_against_the_model_is_refused_at_its_line(tmp_path: Path) -> None:
    path = weather_with(tmp_path, """
        evidence:
          - date: 2025-04-01
            observed: {rain: yes}
            because: [{assumption: x}]
          - date: 2025-05-01
            likelihood: {crop: {poor: 0, fair: 0}}
            because: [{assumption: y}]
          - date: 2025-06-01
            believe: {crop: {poor: 0.5}}
            because: [{assumption: z}]
        """)
    line = len(WEATHER.read_text().splitlines()) + 9
    with pytest.raises(ScenarioError, match=rf"weather.yaml:{line}: .*evidence of 2025-06-01"):
        model.load(path).query("market")


def test_the_analyses_and_the_sampler_see_uncertain_entries_too(tmp_path: Path) -> None:
    from model.analysis import analyze

    path = weather_with(tmp_path, """
        evidence:
          - date: 2025-04-01
            likelihood: {rain: {yes: 1, no: 3}}
            because: [{assumption: a dry forecast}]
        """)
    s = model.load(path)
    exact = s.query("market")["yes"]
    found = analyze(s, samples=200, seed=1)
    market = next(u for u in found.uncertainty if u.node == "market")
    assert close(market.states[0].point, exact)
    estimate = s.query("market", approximate=200_000, seed=3)
    assert abs(estimate["yes"] - exact) < 0.01
    assert s.query_all()["market"] == pytest.approx(dict(s.query("market")), abs=1e-12)


def test_the_pgmpy_engine_answers_with_the_log_alike() -> None:
    compiled, reference = model.load(CASE), model.load(CASE, engine="pgmpy")
    for node in ("crop", "market"):
        assert dict(reference.query(node)) == pytest.approx(dict(compiled.query(node)),
                                                            abs=1e-9)
    assert reference.at("2025-05-01").query("market") == pytest.approx(
        dict(compiled.at("2025-05-01").query("market")), abs=1e-9)


@pytest.mark.parametrize(("because", "words"), [
    ("{source: bulletin, para: 4, says: rain}", ("paragraph 4 is beyond the end of source "
                                                 "'bulletin', which has 2 paragraphs",)),
    ("{source: bulletin, quote: hail all week, says: hail}",
     ("quote not found in source 'bulletin'", "copy the words exactly")),
    ("{source: bulletin, para: 1, quote: Rain is likely, says: rain}",
     ("quote not found in paragraph 1 of 'bulletin'", "it is in paragraph 2")),
])
def test_a_reports_paragraphs_and_quote_are_checked_in_its_source_text(
        because: str, words: tuple[str, ...], tmp_path: Path) -> None:
    """The log's citations are checked as the nodes' are (one check serves both)."""
    (tmp_path / "bulletin.txt").write_text("Dry spell ahead.\n\nRain is likely by May.\n")
    text = WEATHER.read_text().replace(
        "sources:\n", "sources:\n  bulletin: {title: The bulletin, path: bulletin.txt}\n", 1)
    text += textwrap.dedent(f"""
        evidence:
          - date: 2025-04-01
            observed: {{rain: yes}}
            because: [{because}]
        """)
    path = tmp_path / "weather.yaml"
    path.write_text(text)
    refused_at(path, len(text.splitlines()), words)
    (tmp_path / "weather.yaml").write_text(text.replace(because, "{source: bulletin, para: 2, "
                                                                 "quote: rain is likely, "
                                                                 "says: rain}"))
    assert model.load(path).query("rain")["yes"] == 1.0


# the log's dates against today, case files' keys, the whole log's problems at once -------------


def test_an_entry_or_resolution_dated_after_today_is_warned_of_at_its_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A date in the future loads (a warning), but says where it is and what today is: a
    briefing would otherwise read "up to 1 Jun 2027" without a word."""
    from model.language import evidence_log

    monkeypatch.setattr(evidence_log, "today", lambda: D(2026, 12, 2))
    (tmp_path / "weather.yaml").write_text(
        WEATHER.read_text().replace("horizon: 2025-12-31", "horizon: 2027-12-31"))
    path = write(tmp_path, "case.yaml", """\
        case: c
        scenario: weather
        evidence:
          - date: 2026-12-02
            observed: {rain: yes}
            because: [{assumption: today is not the future}]
          - date: 2027-06-01
            observed: {crop: fair}
            because: [{assumption: x}]
        resolutions:
          - {node: market, state: no, date: 2027-07-01, because: [{assumption: y}]}
        """)
    s = model.load(path)
    assert [e.date for e in s.evidence] == [D(2026, 12, 2), D(2027, 6, 1)]
    future = [w for w in s.warnings if "in the future" in w.message]
    assert [(w.file, w.line) for w in future] == [(str(path), 7), (str(path), 11)]
    assert str(future[0]).startswith(f"{path}:7: evidence of 2027-06-01 is dated in the future "
                                     "(today is 2026-12-02): a typo?")
    assert "a resolution of 2027-07-01 is dated in the future" in future[1].message
    assert main(["validate", str(path)]) == 0
    # with a problem elsewhere in the file, the warnings come with it, not after its fix
    path.write_text(path.read_text().replace("observed: {rain: yes}", "observed: {rian: yes}"))
    with pytest.raises(model.ScenarioError) as caught:
        model.load(path)
    assert [w.line for w in caught.value.warnings if "in the future" in w.message] == [7, 11]
    capsys.readouterr()
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "unknown node 'rian'" in err and "dated in the future" in err


def test_a_scenario_s_own_entry_dated_after_the_real_today_is_warned_of(tmp_path: Path) -> None:
    """The clock as it is, with no seam: tomorrow is the future, today is not."""
    today = dt.date.today()
    text = WEATHER.read_text().replace(
        "as_of: 2025-03-01", f"as_of: {today - dt.timedelta(days=30)}").replace(
        "horizon: 2025-12-31", f"horizon: {today + dt.timedelta(days=400)}")
    path = weather_with(tmp_path, "")
    path.write_text(text + textwrap.dedent(f"""
        evidence:
          - date: {today}
            observed: {{rain: yes}}
            because: [{{assumption: x}}]
          - date: {today + dt.timedelta(days=1)}
            observed: {{crop: fair}}
            because: [{{assumption: y}}]
        """))
    future = [w for w in model.load(path).warnings if "in the future" in w.message]
    assert [w.line for w in future] == [len(text.splitlines()) + 6]
    assert f"(today is {today})" in future[0].message


def test_a_case_file_is_told_which_keys_it_holds_not_a_scenario_s(tmp_path: Path) -> None:
    (tmp_path / "weather.yaml").write_text(WEATHER.read_text())
    path = write(tmp_path, "case.yaml", """\
        case: c
        scenario: weather
        what_ifs: []
        evidence:
          - date: 2025-04-01
            observed: {rian: yes}
            because: [{assumption: x}]
        """)
    with pytest.raises(ScenarioError) as caught:
        model.load(path)
    first, second = caught.value.problems
    assert first.line == 3 and first.message == "what_ifs: unknown key 'what_ifs'"
    assert first.hint == ("a case file holds only case, scenario, title, description, sources, "
                          "evidence and resolutions; what_ifs belong in the scenario file")
    # the key is left unread, so the rest of the case is still checked
    assert second.line == 6 and "unknown node 'rian'" in second.message


def test_a_misspelt_key_of_a_case_file_is_matched_with_the_case_file_s_keys(
        tmp_path: Path) -> None:
    (tmp_path / "weather.yaml").write_text(WEATHER.read_text())
    path = write(tmp_path, "case.yaml", "case: c\nscenario: weather\ntitel: The season\n")
    with pytest.raises(ScenarioError) as caught:
        model.load(path)
    [problem] = caught.value.problems
    assert (problem.line, problem.hint) == (3, "did you mean 'title'?")


def test_a_scenario_file_given_as_the_case_is_told_so_plainly(tmp_path: Path) -> None:
    (tmp_path / "weather.yaml").write_text(WEATHER.read_text())
    other = write(tmp_path, "other.yaml", WEATHER.read_text())
    with pytest.raises(ScenarioError) as caught:
        model.load(tmp_path / "weather.yaml", case=other)
    [problem] = caught.value.problems
    assert problem.file == str(other)
    assert "this is a scenario file (it has 'nodes'), not a case file" in problem.message
    assert "did you mean" not in str(problem)


def test_the_whole_log_s_problems_come_with_the_entries_own(tmp_path: Path) -> None:
    """An unknown node in one entry does not hide that two others observe one node as two
    states on one day, nor that a node is resolved twice: all come at once."""
    (tmp_path / "weather.yaml").write_text(WEATHER.read_text())
    path = write(tmp_path, "case.yaml", """\
        case: c
        scenario: weather
        evidence:
          - date: 2025-04-01
            observed: {rian: yes}
            because: [{assumption: x}]
          - date: 2025-05-01
            observed: {crop: good}
            because: [{assumption: x}]
          - date: 2025-05-01
            observed: {crop: poor}
            because: [{assumption: y}]
        resolutions:
          - {node: market, state: yes, date: 2025-09-01, because: [{assumption: x}]}
          - {node: market, state: no, date: 2025-09-02, because: [{assumption: y}]}
        """)
    with pytest.raises(ScenarioError) as caught:
        model.load(path)
    found = [(p.line, p.node) for p in caught.value.problems]
    assert found == [(5, None), (10, "crop"), (15, "market")], caught.value.problems
    messages = [p.message for p in caught.value.problems]
    assert "unknown node 'rian'" in messages[0]
    assert "'crop' is observed as 'poor', but it was observed as 'good'" in messages[1]
    assert "'market' is resolved twice" in messages[2]
    assert main(["validate", str(path)]) == 2


def test_the_probability_of_an_observation_is_one_the_log_s_word_on_it_replaced(
        tmp_path: Path) -> None:
    """P(given | the log): an observation replaces the log's observation of its node, on
    both sides of the ratio, and the log's reports on it stay (it was the odds ratio, 9 for
    x=no, and 0.4 for z=a where the query says 1/7)."""
    path = tmp_path / "ev.yaml"
    path.write_text(textwrap.dedent("""\
        scenario: ev
        title: Evidence probability
        question: Is the log's word replaced?
        as_of: 2025-01-01
        horizon: 2025-12-31
        nodes:
          x: {role: driver, prior: {yes: 0.1}, because: [{assumption: t}]}
          z: {role: driver, states: [a, b], prior: {a: 0.4}, because: [{assumption: t}]}
          y:
            role: outcome
            parents: [x]
            table:
              - {when: {x: yes}, p: {yes: 0.9}, because: [{assumption: t}]}
              - {when: otherwise, p: {yes: 0.2}, because: [{assumption: t}]}
        evidence:
          - {date: 2025-02-01, observed: {x: yes}, because: [{assumption: t}]}
          - {date: 2025-02-02, likelihood: {z: {a: 1, b: 4}}, because: [{assumption: t}]}
        """))
    for engine in ("compiled", "pgmpy"):
        s = model.load(path, engine=engine)
        assert close(s.evidence_probability(given={"z": "a"}), 0.4 / (0.4 + 0.6 * 4))
        assert close(s.evidence_probability(given={"z": "a"}), s.query("z")["a"])
        assert close(s.evidence_probability(given={"x": "no"}), 0.9)
        assert close(sum(s.evidence_probability(given={"x": "no", "z": st}) for st in "ab"), 0.9)
        # y=yes with the log's x=yes kept: 0.9
        assert close(s.evidence_probability(given={"y": "yes"}), 0.9)
