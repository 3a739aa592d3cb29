"""Sweeps: each variant against the scenario rewritten by hand and enumerated, each source's
reading against the disagreement analysis, intervals against `analyze`, names as the
tornado prints them, the command's table, JSON, CSV and Parquet."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import model
from model.analysis import analyze
from model.analysis.disagreement import by_source
from model.analysis.places import places
from model.analysis.sweep import POOLED, Sweep, find_place, read_vary, sweep
from model.analysis.uncertainty import draw
from model.errors import LimitError, QueryError
from model.network.net import Net
from tests.brute_force import posterior

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TINY = FIXTURES / "tiny.yaml"
SOURCES = FIXTURES / "analysis_decision.yaml"
SEED = ROOT / "scenarios" / "russia_iran_2025.yaml"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "model.cli", *args], capture_output=True,
                          text=True, timeout=300, cwd=ROOT)


def rewritten(*edits: tuple[str, str]) -> model.Scenario:
    """tiny.yaml with numbers written otherwise, loaded: the reference for a variant."""
    text = TINY.read_text()
    for old, new in edits:
        assert text.count(old) == 1
        text = text.replace(old, new)
    return model.loads(text, path=TINY)


def test_every_number_is_found_by_the_name_the_tornado_prints() -> None:
    s = model.load(SEED)
    for place in places(s).values():
        assert find_place(s, place.name) == place
        assert place.short.startswith(f"{place.name} = ")
        # spaces around the punctuation do not matter
        assert find_place(s, place.name.replace(" | ", "|").replace(": ", ":")) == place


def test_a_node_with_one_number_is_named_by_the_node_alone() -> None:
    s = model.load(TINY)
    assert find_place(s, "rain").name == "rain: P(yes)"
    with pytest.raises(QueryError, match=r"'sprinkler' has 2 written numbers: "
                                         r"'sprinkler: P\(yes \| rain=yes\)'"):
        find_place(s, "sprinkler")
    with pytest.raises(QueryError, match=r"did you mean 'wet: P\(yes \| rain alone\)'\?"):
        find_place(s, "wet: P(yes | rian alone)")
    with pytest.raises(QueryError, match=r"no written number is named 'snow' \(known: rain, "):
        find_place(s, "snow")


@pytest.mark.parametrize(("vary", "message"), [
    ("rain", r"is not NAME=FROM:TO:STEPS"),
    ("rain=0.1:0.2", r"is not NAME=FROM:TO:STEPS"),
    ("rain=0.1:0.2:0", r"STEPS must be a whole number, 1 or more"),
    ("rain=0.1:likely:3", r"'likely' is a range or a term"),
    ("rain=0.1:1.5:3", r"outside \[0, 1\]"),
])
def test_bad_ranges_say_what_to_write(vary: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        read_vary(model.load(TINY), vary)


def test_each_variant_equals_the_file_rewritten_and_enumerated() -> None:
    s = model.load(TINY)
    found = sweep(s, vary=["rain=0.2:0.8:4", "wet: P(yes | sprinkler alone)=50%:90%:3"])
    assert [v.values for v in found.variants][:4] == [(0.2, 0.5), (0.2, 0.7), (0.2, 0.9),
                                                     (0.4, 0.5)]
    assert len(found.variants) == 12
    for i, v in enumerate(found.variants):
        rain, weight = v.values
        r = rewritten(("prior: {yes: likely}", f"prior: {{yes: {rain!r}}}"),
                      ("sprinkler: 0.8}", f"sprinkler: {weight!r}}}"))
        expected = posterior(r.net, ["wet"])
        assert found.probabilities[i, :2] == pytest.approx(list(expected), abs=1e-12)
    frame = found.to_frame()
    assert list(frame.columns) == ["variant", "rain: P(yes)", "wet: P(yes | sprinkler alone)",
                                   "wet=yes", "wet=no"]


def test_a_number_of_one_estimate_of_three_is_held_and_the_rest_scaled() -> None:
    s = model.load(SEED)
    name = "us_russia_track: P(stalls) by jiss_oped"
    found = sweep(s, vary=[f"{name}=0.3:0.3:1"], outcome=["us_russia_track"])
    [block] = [b for b in s.nodes["us_russia_track"].blocks if len(b.estimates) > 1]
    [theirs] = [e for e in block.estimates if e.source == "jiss_oped"]
    values = s.point_values()
    written = {st: float(values[0, p.id]) for st, p in theirs.dist.entries.items()}
    for state, param in theirs.dist.entries.items():  # by hand: the others fill 0.7
        values[0, param.id] = 0.3 if state == "stalls" else \
            written[state] * 0.7 / (1 - written["stalls"])
    assert sum(values[0, p.id] for p in theirs.dist.entries.values()) == pytest.approx(1)
    net = Net(s.net.states, s.net.parents, s.tables(values))
    assert found.probabilities[0, :3] == pytest.approx(
        list(posterior(net, ["us_russia_track"])), abs=1e-12)


# Every kind of written distribution a number set can sit in: two states and three, all
# written; one state left for the remainder; a row of a conditional table.
ROWS = """\
scenario: rows
title: Rows held
question: Are the numbers set held?
as_of: 2025-01-01
horizon: 2025-12-31
nodes:
  t: {role: outcome, prior: {yes: 0.3, no: 0.7}, because: [{assumption: t}]}
  k: {role: outcome, states: [low, mid, high], prior: {low: 0.5, mid: 0.3, high: 0.2},
      because: [{assumption: k}]}
  r: {role: outcome, states: [dry, wet, soaking], prior: {dry: 0.5, wet: 0.3},
      because: [{assumption: r}]}
  c:
    role: outcome
    states: [a, b, c]
    parents: [t]
    table:
      - {when: {t: yes}, p: {a: 0.2, b: 0.3, c: 0.5}, because: [{assumption: c}]}
      - {when: {t: no}, p: {a: 0.6, b: 0.3, c: 0.1}, because: [{assumption: c}]}
"""


def rows_rewritten(old: str, new: str) -> model.Scenario:
    assert ROWS.count(old) == 1
    return model.loads(ROWS.replace(old, new), path="rows.yaml")


def figures(found: Sweep, i: int, node: str) -> list[float]:
    return [float(found.probabilities[i, j]) for j, c in enumerate(found.columns)
            if c.node == node]


@pytest.mark.parametrize(("vary", "node", "expected", "old", "new"), [
    # two states: the other is what the number set leaves
    ("t: P(yes)=0.9", "t", [0.9, 0.1], "{yes: 0.3, no: 0.7}", "{yes: 0.9, no: 0.1}"),
    ("t: P(no)=0.05", "t", [0.95, 0.05], "{yes: 0.3, no: 0.7}", "{yes: 0.95, no: 0.05}"),
    # three states: the other two share what is left as they shared it (5:3)
    ("k: P(high)=0.9", "k", [0.0625, 0.0375, 0.9], "{low: 0.5, mid: 0.3, high: 0.2}",
     "{low: 0.0625, mid: 0.0375, high: 0.9}"),
    ("k: P(low)=0.1", "k", [0.1, 0.54, 0.36], "{low: 0.5, mid: 0.3, high: 0.2}",
     "{low: 0.1, mid: 0.54, high: 0.36}"),
    # a remainder state takes what is left while there is room ...
    ("r: P(dry)=0.1", "r", [0.1, 0.3, 0.6], "{dry: 0.5, wet: 0.3}", "{dry: 0.1, wet: 0.3}"),
    ("r: P(dry)=0.6", "r", [0.6, 0.3, 0.1], "{dry: 0.5, wet: 0.3}", "{dry: 0.6, wet: 0.3}"),
    # ... and past it the other written numbers are scaled to fill what the number leaves
    ("r: P(dry)=0.9", "r", [0.9, 0.1, 0.0], "{dry: 0.5, wet: 0.3}", "{dry: 0.9, wet: 0.1}"),
    ("r: P(wet)=1", "r", [0.0, 1.0, 0.0], "{dry: 0.5, wet: 0.3}", "{dry: 0, wet: 1}"),
    # a row of a conditional table: P(c) = 0.3 P(c | t=yes) + 0.7 P(c | t=no)
    ("c: P(b | t=yes)=0.65", "c", [0.3 * 0.1 + 0.7 * 0.6, 0.3 * 0.65 + 0.7 * 0.3,
                                   0.3 * 0.25 + 0.7 * 0.1],
     "{a: 0.2, b: 0.3, c: 0.5}", "{a: 0.1, b: 0.65, c: 0.25}"),
])
def test_a_number_set_is_held_and_the_rest_of_its_row_scaled(
        vary: str, node: str, expected: list[float], old: str, new: str) -> None:
    """The sweep holds the number it says it sets (it renormalised the row with it: 90% set
    in {yes: 0.3, no: 0.7} gave 56.3%): against the figures by hand and the file rewritten
    with the row held, enumerated."""
    name, value = vary.rsplit("=", 1)
    found = sweep(model.loads(ROWS, path="rows.yaml"), vary=[f"{name}={value}:{value}:1"])
    assert figures(found, 0, node) == pytest.approx(expected, abs=1e-12)
    by_hand = rows_rewritten(old, new)
    assert figures(found, 0, node) == pytest.approx(list(posterior(by_hand.net, [node])),
                                                    abs=1e-12)


def test_two_numbers_of_a_row_set_together_are_both_held() -> None:
    s = model.loads(ROWS, path="rows.yaml")
    found = sweep(s, vary=["k: P(low)=0.1:0.5:3", "k: P(mid)=0.2:0.4:3"], outcome=["k"])
    for i, v in enumerate(found.variants):
        low, mid = v.values
        assert figures(found, i, "k") == pytest.approx([low, mid, 1 - low - mid], abs=1e-12)


def test_a_row_whose_every_number_is_set_or_that_passes_1_is_refused() -> None:
    s = model.loads(ROWS, path="rows.yaml")
    with pytest.raises(QueryError, match=r"sets every number of one distribution "
                                         r"\('t: P\(yes\)' and 't: P\(no\)'\)"):
        sweep(s, vary=["t: P(yes)=0.1:0.5:3", "t: P(no)=0.2:0.4:3"])
    with pytest.raises(QueryError, match=r"add up to 1\.1 at most, over 1") as caught:
        sweep(s, vary=["k: P(low)=0.1:0.6:3", "k: P(mid)=0.2:0.5:3"])
    assert caught.value.problems[0].line == 8
    # the remainder state takes what the numbers set leave: both may be set
    found = sweep(s, vary=["r: P(dry)=0.2:0.2:1", "r: P(wet)=0.5:0.5:1"], outcome=["r"])
    assert figures(found, 0, "r") == pytest.approx([0.2, 0.5, 0.3], abs=1e-12)


def test_a_number_of_a_written_row_is_held_in_every_draw() -> None:
    s = model.loads(ROWS, path="rows.yaml")
    found = sweep(s, vary=["t: P(yes)=0.9:0.9:1"], outcome=["t", "c"], intervals=True,
                  samples=300, seed=5)
    assert found.low is not None and found.high is not None
    assert (found.low[0, 0], found.high[0, 0]) == pytest.approx((0.9, 0.9), abs=1e-15)
    # by hand: the same draws of the other numbers, t's row held, each draw enumerated
    values = draw(s, 300, 5).values.copy()
    values[:, find_place(s, "t: P(yes)").param] = 0.9
    values[:, find_place(s, "t: P(no)").param] = 0.1
    c = np.array([posterior(Net(s.net.states, s.net.parents, s.tables(values[i:i + 1])),
                            ["c"]) for i in range(300)])
    assert found.low[0, 2:] == pytest.approx(np.percentile(c, 5, axis=0), abs=1e-12)
    assert found.high[0, 2:] == pytest.approx(np.percentile(c, 95, axis=0), abs=1e-12)


# The reader's decision solved anew in every variant ------------------------------------------

UMBRELLA = """\
scenario: umb
title: Take the umbrella?
question: Given the forecast, does the reader take the umbrella?
as_of: 2025-01-01
horizon: 2025-01-02
nodes:
  rain: {role: driver, prior: {yes: 0.3}, because: [{assumption: climate}]}
  forecast:
    states: [sunny, rainy]
    parents: [rain]
    table:
      - {when: {rain: yes}, p: {sunny: 0.2, rainy: 0.8}, because: [{assumption: f}]}
      - {when: {rain: no}, p: {sunny: 0.8, rainy: [0.1, 0.3]}, because: [{assumption: f}]}
  umbrella: {role: decision, states: [take, leave], parents: [forecast]}
  dry:
    role: outcome
    parents: [rain, umbrella]
    exact: true
    table:
      - {when: {rain: yes, umbrella: leave}, p: {yes: 0}, because: [{assumption: d}]}
      - {when: otherwise, p: {yes: 1}, because: [{assumption: d}]}
utilities:
  walker:
    - {when: {rain: no, umbrella: take}, value: 20, because: [{assumption: a}]}
    - {when: {rain: no, umbrella: leave}, value: 100, because: [{assumption: b}]}
    - {when: {rain: yes, umbrella: take}, value: 70, because: [{assumption: c}]}
    - {when: {rain: yes, umbrella: leave}, value: 0, because: [{assumption: d}]}
"""


def test_each_variant_solves_the_decision_as_the_file_rewritten_does() -> None:
    """The policy is solved anew under each variant's numbers, as decision analysts'
    sensitivity analysis does (it was kept as solved at the written numbers: 90% rain took
    the umbrella 74% of the time, where the file with 0.9 written takes it always)."""
    s = model.loads(UMBRELLA, path="umb.yaml")
    found = sweep(s, vary=["rain=0.1:0.9:5"], outcome=["umbrella", "dry", "forecast"])
    assert found.decider == "walker" and found.expected is not None
    takes = []
    for i, v in enumerate(found.variants):
        r = model.loads(UMBRELLA.replace("{yes: 0.3}", f"{{yes: {v.values[0]!r}}}"),
                        path="umb.yaml")
        for node in ("umbrella", "dry", "forecast"):
            assert figures(found, i, node) == pytest.approx(list(posterior(r.net, [node])),
                                                            abs=1e-12), (v.values, node)
        assert found.expected[i] == pytest.approx(float(r.solve().meu[0]), abs=1e-9)
        takes.append(figures(found, i, "umbrella")[0])
    assert takes[0] == pytest.approx(0.0) and takes[-1] == pytest.approx(1.0)
    assert 0 < takes[1] < 1  # in between, the forecast decides
    frame = found.to_frame()
    assert list(frame["expected utility (walker)"]) == pytest.approx(list(found.expected))
    data = found.to_dict()
    assert data["decider"] == "walker"
    assert data["variants"][4]["expected_utility"] == pytest.approx(0.9 * 70 + 0.1 * 20)


def test_a_variants_policy_is_taken_in_each_of_its_draws() -> None:
    s = model.loads(UMBRELLA, path="umb.yaml")
    found = sweep(s, vary=["rain=0.9:0.9:1"], outcome=["dry"], intervals=True, samples=200,
                  seed=3)
    assert found.low is not None and found.high is not None
    r = model.loads(UMBRELLA.replace("{yes: 0.3}", "{yes: 0.9}"), path="umb.yaml")
    values = draw(s, 200, 3).values.copy()
    values[:, find_place(s, "rain").param] = 0.9
    dry = [posterior(Net(r.net.states, r.net.parents,
                         {**s.tables(values[i:i + 1]), "umbrella": r.net.tables["umbrella"]}),
                     ["dry"])[0] for i in range(200)]
    assert (found.low[0, 0], found.high[0, 0]) == pytest.approx(
        tuple(np.percentile(dry, [5, 95])), abs=1e-12)
    assert found.low[0, 0] == found.high[0, 0] == pytest.approx(1.0)  # it always takes it
    # without decisions of the reader's own there is no expected utility
    assert sweep(model.load(TINY), vary=["rain=0.2:0.4:2"]).expected is None


def test_each_source_is_the_disagreement_analysis() -> None:
    s = model.load(SOURCES)
    found = sweep(s, each="source")
    assert found.readings == (POOLED, "gazette", "ledger")
    reference = by_source(s, s.compiled, s.outcomes)
    for j, column in enumerate(found.columns):
        if column.kind != "outcome":
            continue
        d = next(d for d in reference if d.node == column.node)
        assert found.probabilities[0, j] == pytest.approx(d.pooled[column.state], abs=1e-12)
        for i, figure in enumerate(d.sources, 1):
            assert found.variants[i].reading == figure.source
            assert found.probabilities[i, j] == pytest.approx(
                figure.distribution[column.state], abs=1e-12)


def test_each_source_needs_a_source_with_estimates() -> None:
    with pytest.raises(QueryError, match="no source gives estimates of its own"):
        sweep(model.load(TINY), each="source")


def test_intervals_of_the_pooled_reading_are_those_of_analyze() -> None:
    s = model.load(SEED)
    found = sweep(s, intervals=True, samples=3000, seed=11)
    a = analyze(s, samples=3000, seed=11)
    assert found.low is not None and found.high is not None
    columns = {c.name: j for j, c in enumerate(found.columns)}
    for u in a.uncertainty:
        for st in u.states:
            j = columns[f"{u.node}={st.state}"]
            assert found.low[0, j] == pytest.approx(st.p5, abs=1e-12)
            assert found.high[0, j] == pytest.approx(st.p95, abs=1e-12)
    for judged in a.judgements:
        j = columns[judged.name]
        assert (found.low[0, j], found.high[0, j]) == pytest.approx((judged.low, judged.high),
                                                                    abs=1e-12)


def test_a_varied_number_is_held_fixed_in_the_draws() -> None:
    s = model.load(TINY)
    found = sweep(s, vary=["rain=0.3:0.3:1"], outcome=["rain", "wet"], intervals=True,
                  samples=400, seed=5)
    assert found.low is not None and found.high is not None
    assert (found.low[0, 0], found.high[0, 0]) == pytest.approx((0.3, 0.3), abs=1e-15)
    # by hand: the same draws of the other numbers, the prior set, each draw enumerated
    values = draw(s, 400, 5).values.copy()
    values[:, find_place(s, "rain").param] = 0.3
    wet = [posterior(Net(s.net.states, s.net.parents, s.tables(values[i:i + 1])), ["wet"])[0]
           for i in range(400)]
    assert (found.low[0, 2], found.high[0, 2]) == pytest.approx(
        tuple(np.percentile(wet, [5, 95])), abs=1e-12)


def test_the_same_with_two_processes() -> None:
    s = model.load(SEED)
    args = {"vary": ["us_course: P(use_force)=0.1:0.6:6"], "each": "source"}
    alone = sweep(s, **args)  # type: ignore[arg-type]
    shared = sweep(s, jobs=2, **args)  # type: ignore[arg-type]
    assert np.array_equal(alone.probabilities, shared.probabilities)
    assert alone.variants == shared.variants


def test_too_many_variants_are_refused_before_any_work() -> None:
    s = model.load(TINY)
    with pytest.raises(LimitError, match=r"1,000,000 variants \(limit 100,000\)"):
        sweep(s, vary=["rain=0:1:1000", "sprinkler: P(yes | rain=yes)=0:1:1000"])


def test_the_command_prints_a_table_with_the_names_in_a_legend() -> None:
    done = run("sweep", str(TINY), "--vary", "rain=0.2:0.8:4")
    assert done.returncode == 0, done.stderr
    assert "[1] rain: P(yes)  (It rains: P(yes) = likely (prior, line 16))" in done.stdout
    rows = [line.split() for line in done.stdout.splitlines() if re.match(r"\s+\d+\s", line)]
    assert [r[1] for r in rows] == ["20.0%", "40.0%", "60.0%", "80.0%"]
    expected = posterior(rewritten(("prior: {yes: likely}", "prior: {yes: 0.4}")).net, ["wet"])
    assert rows[1][2] == f"{expected[0] * 100:.1f}%"


@pytest.mark.slow  # seconds: runs with the slow tests (CI runs both)
def test_the_command_writes_json_csv_and_parquet(tmp_path: Path) -> None:
    done = run("sweep", str(SOURCES), "--each", "source", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["readings"] == [POOLED, "gazette", "ledger"]
    reference = sweep(model.load(SOURCES), each="source")
    first = reference.columns[0].name
    assert data["variants"][1]["figures"][first]["probability"] == pytest.approx(
        reference.probabilities[1, 0], abs=1e-15)
    for suffix in ("csv", "parquet"):
        out = tmp_path / f"sweep.{suffix}"
        done = run("sweep", str(SOURCES), "--each", "source", "--intervals", "--samples", "500",
                   "-o", str(out))
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"wrote {out}"
        frame = pd.read_csv(out) if suffix == "csv" else pd.read_parquet(out)
        assert list(frame["reading"]) == [POOLED, "gazette", "ledger"]
        assert frame[first].to_numpy() == pytest.approx(reference.probabilities[:, 0],
                                                        abs=1e-12)
        assert (frame[f"{first} p5"] <= frame[f"{first} p95"]).all()
    wrong = run("sweep", str(TINY), "--vary", "rain=0:1:2", "-o", str(tmp_path / "x.xlsx"))
    assert wrong.returncode == 2
    assert "end it in .csv or .parquet" in wrong.stderr


def test_the_command_needs_something_to_vary() -> None:
    done = run("sweep", str(TINY))
    assert done.returncode == 2
    assert "give --vary NAME=FROM:TO:STEPS or --each source" in done.stderr


OIL = ROOT / "scenarios" / "oil_wildcatter.yaml"


def test_a_file_of_decisions_alone_sweeps_their_worth_and_the_option_to_take_first() -> None:
    """The wildcatter's file has no outcome: a sweep answers what the decision analyst asks
    of it, at which odds of a dry hole the survey stops paying, by the maximum expected
    utility and the best first option of each variant, each as the file rewritten with that
    number solves it."""
    s = model.load(OIL)
    found = sweep(s, vary=["oil: P(dry)=0.3:0.8:6"])
    assert found.columns == () and found.expected is not None
    text = OIL.read_text()
    for i, v in enumerate(found.variants):
        dry = v.values[0]
        rest = {"wet": 0.3 * (1 - dry) / 0.5, "soaking": 0.2 * (1 - dry) / 0.5}
        r = model.loads(text.replace("{dry: 0.5, wet: 0.3, soaking: 0.2}",
                                     f"{{dry: {dry!r}, wet: {rest['wet']!r}, "
                                     f"soaking: {rest['soaking']!r}}}"), path="oil.yaml")
        solved = r.solve()
        assert found.expected[i] == pytest.approx(float(solved.meu[0]), abs=1e-9)
        best = r.nodes["test"].states[int(solved.policy_tables("test")[0].argmax())]
        assert found.best["test"][i] == best, dry
    # by hand at 30% dry: drilling untested is worth -70(0.3) + 50(0.42) + 200(0.28) = 56,
    # more than testing first; at 50% the survey pays; from 70% nothing is worth doing
    assert found.expected[0] == pytest.approx(56.0)
    assert found.best["test"] == ("no", "no", "yes", "yes", "no", "no")
    assert list(found.to_frame()["best test"]) == list(found.best["test"])
    assert found.to_dict()["variants"][2]["best"] == {"test": "yes"}
    assert "<th scope=\"col\">Best test</th>" in found._repr_html_()
    done = run("sweep", str(OIL), "--vary", "oil: P(dry)=0.3:0.8:6")
    assert done.returncode == 0, done.stderr
    assert "best test" in done.stdout and "'best' the option to take first" in done.stdout
    rows = [line.split() for line in done.stdout.splitlines() if line.strip()[:1].isdigit()]
    assert [row[-1] for row in rows] == list(found.best["test"])


BELIEF = """\
scenario: belief
title: A belief under a sweep
question: Is the belief held as its report?
as_of: 2025-01-01
horizon: 2025-12-31
nodes:
  x: {role: driver, prior: {yes: 0.3}, because: [{assumption: t}]}
  y:
    role: outcome
    parents: [x]
    table:
      - {when: {x: yes}, p: {yes: 0.9}, because: [{assumption: t}]}
      - {when: otherwise, p: {yes: 0.2}, because: [{assumption: t}]}
evidence:
  - {date: 2025-02-01, believe: {x: {yes: 0.8}}, because: [{assumption: a report}]}
"""


def test_a_belief_is_held_as_the_report_it_stood_for_at_the_written_numbers() -> None:
    """As docs/evidence.md says: "80% sure" at P(x=yes) = 0.3 is a report of likelihood
    0.8/0.3 : 0.2/0.7, and each variant is the file rewritten with that report."""
    s = model.loads(BELIEF, path="belief.yaml")
    assert s.query("x")["yes"] == pytest.approx(0.8)
    found = sweep(s, vary=["x=0.1:0.5:3"], outcome=["x", "y"])
    report = {"x": {"yes": 0.8 / 0.3, "no": 0.2 / 0.7}}
    plain = BELIEF.split("evidence:")[0]
    for i, v in enumerate(found.variants):
        r = model.loads(plain.replace("{yes: 0.3}", f"{{yes: {v.values[0]!r}}}"),
                        path="belief.yaml")
        for node in ("x", "y"):
            assert figures(found, i, node) == pytest.approx(
                list(r.query(node, likelihood=report).values()), abs=1e-12), (v, node)


def test_a_huge_number_of_steps_is_refused_before_any_value_is_made() -> None:
    s = model.load(TINY)
    for steps in ("1000000000", "99999999999999999999999"):
        with pytest.raises(LimitError) as caught:
            sweep(s, vary=[f"rain=0:1:{steps}"])
        assert "over the limit of" in caught.value.problems[0].message
    done = run("sweep", str(TINY), "--vary", "rain=0:1:1000000000")
    assert done.returncode == 2 and "internal error" not in done.stderr


def test_a_name_a_spreadsheet_would_run_is_written_to_csv_as_text(tmp_path: Path) -> None:
    """Node names are any text: `=HYPERLINK("http://...")` as a CSV header cell would be a
    formula that fetches a URL when the file is opened in a spreadsheet."""
    text = UMBRELLA.replace("rain:", '"=HYPERLINK(1)":').replace("[rain", '["=HYPERLINK(1)"')
    text = text.replace("{rain:", '{"=HYPERLINK(1)":')
    s = model.loads(text, path="umb.yaml")
    found = sweep(s, vary=["=HYPERLINK(1)=0.2:0.4:2"], outcome=["=HYPERLINK(1)"])
    written = found.save(tmp_path / "x.csv").read_text()
    header = written.splitlines()[0]
    assert "'=HYPERLINK(1)" in header and not header.startswith("=")
    assert all(not cell.startswith("=") for cell in header.split(","))
    frame = pd.read_csv(tmp_path / "x.csv")
    assert frame["expected utility (walker)"].iloc[0] == pytest.approx(found.expected[0])
