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
from model.analysis.sweep import POOLED, find_place, read_vary, sweep
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


def test_a_number_of_a_row_of_three_is_set_and_the_row_rescaled() -> None:
    s = model.load(SEED)
    name = "us_russia_track: P(stalls) by jiss_oped"
    found = sweep(s, vary=[f"{name}=0.3:0.3:1"], outcome=["us_russia_track"])
    values = s.point_values()
    values[0, find_place(s, name).param] = 0.3
    net = Net(s.net.states, s.net.parents, s.tables(values))
    assert found.probabilities[0, :3] == pytest.approx(
        list(posterior(net, ["us_russia_track"])), abs=1e-12)


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
