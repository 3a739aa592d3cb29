"""Key judgements: likelihood against enumeration, the confidence rule at each of its
thresholds, overrides, and ranges never narrower than the tornado and the sources show."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace
from functools import cache
from pathlib import Path

import numpy as np
import pytest

import model
from model.analysis import analyze
from model.analysis.judgements import (
    Basis,
    Gap,
    Input,
    Judgement,
    assess,
    confidence,
    event_probabilities,
    supports,
)
from model.analysis.places import places
from model.analysis.sensitivity import swing_range
from model.analysis.uncertainty import draw
from model.language.events import parse_event
from model.language.probability import decimal_percent, percent
from model.language.schema import Assumption, Citation
from model.network.net import Net
from tests.brute_force import full_joint

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "scenarios" / "russia_iran_2025.yaml"
FIXTURES = ROOT / "tests" / "fixtures"
# The page rounds figures to whole percents: "not narrower" holds within half a point.
SHOWN = 0.005


@cache
def seed() -> model.Scenario:
    return model.load(SEED)


@cache
def seed_judgements() -> tuple[Judgement, ...]:
    return model.judgements(seed())


def enumerate_event(net: Net, text: str) -> float:
    """P(event) from the full joint, the event asked of every joint state by `holds`."""
    mask = truth(tuple(net.states.items()), text)
    return float(full_joint(net)[mask].sum())


@cache
def truth(states: tuple[tuple[str, tuple[str, ...]], ...], text: str) -> np.ndarray:
    event = parse_event(text)
    shape = [len(s) for _, s in states]
    mask = np.zeros(shape, dtype=bool)
    for index in np.ndindex(*shape):
        mask[index] = event.holds({n: s[i] for (n, s), i in zip(states, index, strict=True)})
    return mask


# the seed's answers -----------------------------------------------------------------------


def test_the_seed_answers_its_question_in_six_judgements() -> None:
    found = {j.name: j for j in seed_judgements()}
    assert list(found) == ["any_strike", "deal_and_no_strike", "neither_deal_nor_strike",
                           "russia_brokers", "russia_shields", "russia_stays_out"]
    s = seed()
    for j in found.values():
        assert j.probability == pytest.approx(enumerate_event(s.net, j.event), abs=1e-9)
        # the band of the figure as shown, a whole percent (44.8% is 45%: roughly even)
        assert j.term == model.term_for(round(j.probability * 100) / 100)
        assert j.low < j.probability < j.high
        assert j.confidence in ("low", "moderate", "high")
        assert j.confidence_reason.startswith(f"{j.confidence}: ")
        assert not j.overridden and j.derived == j.confidence
    # the question's alternatives: a deal without a strike, a strike, or neither
    outcomes = found["any_strike"].probability + found["deal_and_no_strike"].probability \
        + found["neither_deal_nor_strike"].probability
    assert outcomes == pytest.approx(1.0, abs=1e-12)


def test_a_judgement_s_range_is_the_spread_of_its_event_over_the_draws() -> None:
    s = seed()
    draws = draw(s, 120, 4)
    [j] = [j for j in assess(s, s.compiled, draws)
           if j.name == "any_strike"]
    per_draw = [enumerate_event(Net(s.net.states, s.net.parents, draws.tables_at(s, i)),
                                j.event) for i in range(draws.samples)]
    assert (j.low, j.median, j.high) == pytest.approx(
        tuple(np.percentile(per_draw, [5, 50, 95])), abs=1e-9)
    assert j.mean == pytest.approx(np.mean(per_draw), abs=1e-9)
    assert j.samples == 120


def test_each_input_s_swing_equals_the_file_edited_to_the_ends_of_its_range() -> None:
    s = seed()
    [j] = [j for j in seed_judgements() if j.name == "deal_and_no_strike"]
    for item in j.basis.inputs[:4]:
        param = s.params[item.param]
        low, high, _ = swing_range(param, param.id in s.exact)
        for value, expected in ((low, item.at_low), (high, item.at_high)):
            row = s.point_values()
            row[0, param.id] = value
            net = Net(s.net.states, s.net.parents,
                      {n: spec.table(row)[0] for n, spec in s.nodes.items()})
            assert enumerate_event(net, j.event) == pytest.approx(expected, abs=1e-9)


def test_the_sources_alone_are_the_event_under_each_source_s_estimates() -> None:
    s = seed()
    [j] = [j for j in seed_judgements() if j.name == "any_strike"]
    assert set(j.basis.by_source) == {"carnegie_sidelines", "jiss_oped"}
    for source, figure in j.basis.by_source.items():
        net = Net(s.net.states, s.net.parents, s.tables(only_source=source))
        assert figure == pytest.approx(enumerate_event(net, j.event), abs=1e-9)
    figures = [j.probability, *j.basis.by_source.values()]
    assert j.basis.spread == pytest.approx(max(figures) - min(figures), abs=1e-12)
    assert j.basis.width == pytest.approx(j.high - j.low, abs=1e-12)


@pytest.mark.parametrize("path", [SEED, *sorted(FIXTURES.glob("*.yaml"))],
                         ids=lambda p: p.stem)
def test_no_range_is_narrower_than_the_tornado_or_the_sources_show(path: Path) -> None:
    """Each outcome's 90% range holds every tornado bar's ends and every source's figure, of
    every state; so does each judgement's, for its own inputs and sources."""
    a = analyze(model.load(path))
    for u, t, d in zip(a.uncertainty, a.sensitivity, a.disagreement, strict=True):
        for state in u.states:
            shown = [f.distribution[state.state] for f in d.sources]
            if state.state == t.state:
                shown += [x for b in t.bars for x in (b.at_low, b.at_high)]
            assert state.p5 <= min(shown, default=state.p5) + SHOWN, (u.node, state)
            assert state.p95 >= max(shown, default=state.p95) - SHOWN, (u.node, state)
    for j in a.judgements:
        shown = [*j.basis.by_source.values(),
                 *(x for i in j.basis.inputs for x in (i.at_low, i.at_high))]
        assert j.low <= min(shown) + SHOWN and j.high >= max(shown) - SHOWN, j.name


def test_judgements_are_seeded_and_shared_with_analyze() -> None:
    s = seed()
    again = model.judgements(s)
    assert [(j.low, j.high) for j in again] == [(j.low, j.high) for j in seed_judgements()]
    other = model.judgements(s, samples=2_000, seed=7)
    assert [j.low for j in other] != [j.low for j in again]
    a = analyze(s)
    for mine, theirs in zip(a.judgements, seed_judgements(), strict=True):
        assert (mine.name, mine.confidence, mine.confidence_reason) == \
            (theirs.name, theirs.confidence, theirs.confidence_reason)
        assert (mine.probability, mine.low, mine.high) == pytest.approx(
            (theirs.probability, theirs.low, theirs.high), abs=1e-12)
    data = a.to_dict()["judgements"]
    assert [d["name"] for d in data] == [j.name for j in again]
    for field in ("name", "statement", "event", "probability", "low", "high", "term",
                  "confidence", "confidence_reason"):
        assert field in data[0]
    json.dumps(data)  # plain data all the way down


def test_a_file_without_judgements_has_none(tiny_path: Path) -> None:
    s = model.load(tiny_path)
    assert s.judgement_specs == []
    assert model.judgements(s) == ()
    assert analyze(s).judgements == ()


MULTI = """  crop:
    label: The crop
    role: outcome
    states: [poor, fair, good]
    parents: [rain]
    table:
      - when: {rain: yes}
        p: {poor: 0.1, fair: 0.3}
        because: [{source: almanac, para: 1, says: rain helps}]
      - when: otherwise
        p: {poor: [0.4, 0.6], fair: 0.3}
        because: [{assumption: a dry year is poor}]
"""


def test_without_key_judgements_each_outcome_is_judged_as_the_file_stating_it_would_be(
        tiny_path: Path, tmp_path: Path) -> None:
    """ICD 203 asks for a confidence beside every likelihood: a file that states no key
    judgements has each outcome assessed as if it stated "yes" of a yes/no outcome (the
    most probable state of others) as one, by the same rule and draws."""
    (tmp_path / "almanac.txt").write_text((tiny_path.parent / "almanac.txt").read_text())
    text = tiny_path.read_text().replace("what_ifs:", MULTI + "what_ifs:")
    path = tmp_path / "tiny.yaml"
    path.write_text(text)
    s = model.load(path)
    found = analyze(s, samples=2000, seed=5)
    assert [j.name for j in found.outcome_judgements] == ["wet=yes", "crop=good"]
    assert s.query("crop")["good"] > max(s.query("crop")["poor"], s.query("crop")["fair"])
    assert [j.statement for j in found.outcome_judgements] == ["Grass is wet", "The crop: good"]
    stated = tmp_path / "stated.yaml"
    stated.write_text(text + "judgements:\n"
                      "  - {name: wet, statement: Grass is wet, event: wet=yes}\n"
                      "  - {name: crop, statement: The crop is good, event: crop=good}\n")
    written = analyze(model.load(stated), samples=2000, seed=5)
    assert written.outcome_judgements == ()  # a file that states its judgements keeps them
    for implicit, explicit in zip(found.outcome_judgements, written.judgements, strict=True):
        for field in ("probability", "low", "high", "term", "confidence",
                      "confidence_reason", "basis"):
            assert getattr(implicit, field) == getattr(explicit, field), field
    assert found.to_dict()["outcome_judgements"][0]["confidence"] == \
        found.outcome_judgements[0].confidence
    done = subprocess.run([sys.executable, "-m", "model.cli", "analyze", str(path),
                           "--samples", "2000", "--seed", "5"], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    wet = found.outcome_judgements[0]
    assert "THE OUTCOMES AS JUDGEMENTS (the file states no key judgements)" in done.stdout
    assert f"{percent(wet.probability)}, {wet.term} (" in done.stdout
    assert f"why: {wet.confidence_reason}" in done.stdout


# what the confidence rests on -------------------------------------------------------------


def test_each_number_rests_on_its_row_s_citations_and_assumptions() -> None:
    s = seed()
    rests = supports(s)
    where = places(s)
    by_place = {(where[i].node, where[i].where): r for i, r in rests.items()}
    course = by_place["us_course", "prior"]
    assert [type(x) for x in course] == [Citation, Citation, Assumption]
    pooled = by_place["iran_accepts_talks", "table row 1, estimate 2"]
    assert isinstance(pooled[0], Citation) and pooled[0].source == "jiss_oped"
    assert len(rests) == len(s.params)


BASE = """
scenario: rests
title: What it rests on
question: Does it happen?
as_of: 2025-01-01
horizon: 2025-12-31
sources:
  one: {title: One}
  two: {title: Two}
nodes:
  cause:
    label: Cause
    prior: {yes: [0.3, 0.5]}
    because: [{source: one, para: 1, says: half the time}]
  effect:
    label: Effect
    role: outcome
    parents: [cause]
    table:
      - when: {cause: yes}
        p: {yes: [0.5, 0.9]}
        because: [{assumption: it follows}]
      - when: {cause: no}
        p: {yes: [0.1, 0.2]}
        because: [{source: two, para: 1, says: seldom}, {assumption: rarely}]
judgements:
  - {name: effect, statement: The effect happens, event: effect=yes}
"""


def test_the_assumed_share_splits_each_swing_between_what_its_row_cites() -> None:
    s = model.loads(BASE)
    [j] = model.judgements(s, samples=500)
    swing = {s.params[i.param].node + s.params[i.param].where: i for i in j.basis.inputs}
    cause, assumed, mixed = (swing["causeprior"], swing["effecttable row 1"],
                             swing["effecttable row 2"])
    assert (cause.assumed, assumed.assumed, mixed.assumed) == (0.0, 1.0, 0.5)
    total = cause.swing + assumed.swing + mixed.swing
    assert j.basis.assumed == pytest.approx((assumed.swing + 0.5 * mixed.swing) / total)
    assert j.basis.sources == ("one", "two")
    assert j.basis.by_source == {}  # neither gives its own pooled estimate


def test_without_any_cited_source_confidence_is_low() -> None:
    s = model.loads(BASE.replace("{source: one, para: 1, says: half the time}",
                                 "{assumption: half the time}")
                    .replace("{source: two, para: 1, says: seldom}, ", ""))
    [j] = model.judgements(s, samples=500)
    assert j.basis.sources == ()
    assert j.basis.assumed == 1.0
    assert j.confidence == "low"
    assert j.confidence_reason.startswith("low: no cited source bears on it; ")
    assert "100% of what moves it" in j.confidence_reason


def test_an_analyst_may_set_the_confidence_and_say_why() -> None:
    text = BASE.replace("event: effect=yes}", "event: effect=yes, confidence: high, "
                                              "because: [{assumption: the two agree in "
                                              "private}]}")
    [j] = model.judgements(model.loads(text), samples=500)
    assert j.confidence == "high" and j.overridden
    assert j.derived == confidence(j.basis)[0] != "high"
    assert j.confidence_reason.startswith("high, set by the analyst: the two agree in private "
                                          f"(the rule gives {j.derived}: ")
    cited = text.replace("{assumption: the two agree in private}",
                         "{source: two, para: 3, says: the desk is sure}")
    [j] = model.judgements(model.loads(cited), samples=500)
    # the source by its short name (its id, underscores as spaces), the paragraph in words
    assert "set by the analyst: two, para 3: the desk is sure" in j.confidence_reason
    # the front names the level and who set it once: "High confidence (set by the
    # analyst): two, para 3: the desk is sure (the rule gives ...)."
    from model.briefing.front import key_judgement

    shown = key_judgement(j)
    assert shown.reason.startswith("two, para 3: the desk is sure (the rule gives ")
    assert "set by the analyst" not in shown.reason


def test_an_override_s_citation_is_checked_and_may_not_lean() -> None:
    text = BASE.replace("event: effect=yes}", "event: effect=yes, confidence: low, because: "
                                              "[{source: three, para: 1, says: x}]}")
    with pytest.raises(model.ScenarioError, match="source 'three' is not declared"):
        model.loads(text)
    leaning = text.replace("source: three, para: 1, says: x",
                           "source: two, para: 1, says: x, leans: yes")
    with pytest.raises(model.ScenarioError, match="'leans' names a state of a node"):
        model.loads(leaning)
    loose = BASE.replace("event: effect=yes}", "event: effect=yes, because: "
                                               "[{assumption: why}]}")
    with pytest.raises(model.ScenarioError,
                       match=re.escape("add 'confidence: low | moderate | high'")):
        model.loads(loose)


def test_an_event_that_always_or_never_holds_is_warned_about() -> None:
    always = model.loads(BASE.replace("event: effect=yes}", "event: effect=yes or effect=no}"))
    assert any("holds whatever happens" in str(w) for w in always.warnings)
    never = model.loads(BASE.replace("event: effect=yes}",
                                     "event: 'effect=yes and not effect in {yes}'}"))
    assert any("can never hold" in str(w) for w in never.warnings)


# the rule, threshold by threshold -------------------------------------------------------------


def basis(assumed: float = 0.1, sources: int = 2, spread: float = 0.05, width: float = 0.1,
          alone: int = 0, gap: Gap | None = None, measured: bool = True) -> Basis:
    place = next(iter(places(seed()).values()))
    inputs = tuple(Input(i, place, 0.5, 0.5 + 0.1 / (i + 1), 1.0 if i < alone else 0.0, ())
                   for i in range(6))
    names = tuple(f"s{i}" for i in range(sources))
    figures = {n: 0.5 for n in names} if measured else {}
    return Basis(assumed, inputs, names, figures, spread, width, gap)


@pytest.mark.parametrize(("changes", "level", "words"), [
    ({}, "high", "high: two sources that agree on it within 5 points; 10% of what moves it "
                 "rests on assumptions; its 90% range is 10 points wide"),
    ({"assumed": 0.2499}, "high", "25% of what moves it"),
    ({"assumed": 0.25}, "moderate", "moderate: 25% of what moves it rests on assumptions"),
    ({"assumed": 0.4999}, "moderate", "moderate: 50% of what moves it"),
    ({"assumed": 0.5, "alone": 3}, "low",
     "low: 3 of the 5 inputs that move it most rest on assumptions alone (50% of what moves "
     "it)"),
    ({"sources": 1}, "moderate", "moderate: one source bears on it"),
    ({"sources": 0}, "low", "low: no cited source bears on it"),
    ({"sources": 3}, "high", "three sources that agree on it within 5 points"),
    ({"measured": False, "spread": 0.0}, "high", "high: two sources bear on it; "),
    ({"spread": 0.15}, "high", "within 15 points"),
    ({"spread": 0.151}, "moderate", "moderate: two sources that put it 15 points apart"),
    ({"spread": 0.30}, "low", "low: two sources that put it 30 points apart"),
    ({"width": 0.1999}, "high", "its 90% range is 20 points wide"),
    ({"width": 0.20}, "moderate", "moderate: its 90% range is 20 points wide"),
    ({"width": 0.40}, "low", "low: its 90% range is 40 points wide"),
    ({"width": 0.45, "spread": 0.35}, "low",
     "low: two sources that put it 35 points apart; its 90% range is 45 points wide"),
    ({"spread": 0.2, "gap": Gap("talks", "Tehran talks", "", 0.4, 0.05)}, "moderate",
     "moderate: two sources that put it 20 points apart (most of all on “Tehran talks”: 40 "
         "points apart there)"),
    ({"gap": Gap("talks", "Tehran talks", "", 0.4, 0.005)}, "high",
     "high: two sources that agree on it within 5 points; "),
])
def test_the_confidence_rule_at_each_threshold(changes: dict[str, object], level: str,
                                               words: str) -> None:
    found, reason = confidence(basis(**changes))  # type: ignore[arg-type]
    assert found == level
    assert words in reason
    assert reason.startswith(f"{level}: ")
    assert "\n" not in reason


def test_the_reason_names_only_what_decides_the_level() -> None:
    _, reason = confidence(basis(assumed=0.3, width=0.25))
    assert reason == ("moderate: 30% of what moves it rests on assumptions; its 90% range is "
                      "25 points wide")  # the sources pass the high test, so go unmentioned
    _, low = confidence(basis(assumed=0.6, alone=2))
    assert low == ("low: 2 of the 5 inputs that move it most rest on assumptions alone (60% "
                   "of what moves it)")


def test_the_reason_s_figures_are_those_the_page_prints() -> None:
    """A range printed 77–88% is 11 points wide to its reader, though 87.6 - 77.3 is 10.3;
    sources 3.3 points apart, as the disagreement annex prints them, do not "agree within
    3 points"."""
    _, reason = confidence(replace(basis(width=0.103), low=0.773, high=0.876))
    assert reason.endswith("its 90% range (77–88%) is 11 points wide")
    _, reason = confidence(basis(width=0.45))  # without its ends, the width as it is
    assert reason.endswith("its 90% range is 45 points wide")
    for judged in seed_judgements():
        if judged.basis.low is not None and "range (" in judged.confidence_reason:
            ends = f"({percent(judged.low).removesuffix('%')}–{percent(judged.high)})"
            assert ends in judged.confidence_reason
        if "within" in judged.confidence_reason:
            spread = judged.basis.spread * 100
            assert f"within {spread:.1f} points" in judged.confidence_reason or \
                f"within {round(spread)} points" in judged.confidence_reason


def test_inputs_bearing_on_a_judgement_are_those_that_move_it_at_all_noticeably() -> None:
    b = basis()
    swings = [i.swing for i in b.inputs]
    assert [i.swing for i in b.bearing] == [s for s in swings if s >= 0.1 * swings[0]]
    assert replace(b, inputs=()).bearing == ()


# the command line ---------------------------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "model.cli", *args], capture_output=True,
                          text=True, check=False)


def test_analyze_shows_the_key_judgements_first() -> None:
    done = run("analyze", str(SEED), "--samples", "2000")
    assert done.returncode == 0, done.stderr
    blocks = done.stdout.split("\n\n")
    assert blocks[1].startswith("KEY JUDGEMENTS: likelihood (probability, 90% range, term) "
                                "and analytic confidence")
    a = analyze(seed(), samples=2000)
    for j in a.judgements:
        assert j.statement in blocks[1]
        # the figure as the briefing shows it, with its term; then its decimals and range
        assert f"{percent(j.probability)}, {j.term} ({decimal_percent(j.probability)}; " \
            in blocks[1]
        assert f"; {j.confidence} confidence" in blocks[1]
        assert f"why: {j.confidence_reason}" in blocks[1]
    assert blocks[2].startswith("UNCERTAINTY")


def test_analyze_json_includes_the_judgements() -> None:
    done = run("analyze", str(SEED), "--samples", "2000", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)["judgements"]
    expected = analyze(seed(), samples=2000).judgements
    for d, j in zip(data, expected, strict=True):
        assert (d["name"], d["confidence"]) == (j.name, j.confidence)
        assert (d["probability"], d["low"], d["high"]) == pytest.approx(
            (j.probability, j.low, j.high), abs=1e-12)


def test_the_event_probability_over_draws_is_batched_exactly() -> None:
    s = seed()
    draws = draw(s, 50, 1)
    event = parse_event("us_strike=yes and nuclear_deal=no")
    fast = event_probabilities(s.compiled, draws, event)
    for i in range(0, 50, 7):
        net = Net(s.net.states, s.net.parents, draws.tables_at(s, i))
        assert fast[i] == pytest.approx(enumerate_event(net, event.text()), abs=1e-9)
