"""Likelihood evidence, estimates by sampling and seeds on the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import numpy as np
import pytest

import model
from model.cli import main, parse_likelihoods
from tests.brute_force import full_joint

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "model.cli", *args], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)


def test_query_with_a_likelihood_prints_the_library_answer(tiny_path: Path) -> None:
    done = run("query", str(tiny_path), "rain", "--likelihood", "wet=yes:1,no:3",
               "--given", "sprinkler=no")
    assert done.returncode == 0, done.stderr
    expected = model.load(tiny_path).query("rain", {"sprinkler": "no"},
                                           likelihood={"wet": {"yes": 1, "no": 3}})
    assert "It rains (rain) | sprinkler=no, likelihood(wet=yes:1,no:3)" in done.stdout
    row = next(line for line in done.stdout.splitlines() if line.startswith("yes"))
    assert f"{expected['yes']:.4f}" in row


def test_query_json_carries_the_likelihood(tiny_path: Path) -> None:
    done = run("query", str(tiny_path), "rain", "--likelihood", "wet=no:3", "--likelihood",
               "sprinkler=yes:0.5", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["likelihood"] == {"wet": {"no": 3.0}, "sprinkler": {"yes": 0.5}}
    expected = model.load(tiny_path).query("rain", likelihood=data["likelihood"])
    assert data["distribution"] == pytest.approx(dict(expected), abs=1e-15)


def test_explain_takes_a_likelihood(tiny_path: Path) -> None:
    done = run("explain", str(tiny_path), "--likelihood", "wet=yes:0,no:1", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    found = model.load(tiny_path).most_probable(likelihood={"wet": {"yes": 0, "no": 1}})
    assert data["states"] == dict(found.states) and data["states"]["wet"] == "no"
    assert data["probability"] == pytest.approx(found.probability)


def test_an_estimate_says_it_is_one(tiny_path: Path) -> None:
    done = run("query", str(tiny_path), "rain", "--given", "wet=yes", "--approximate", "20000")
    assert done.returncode == 0, done.stderr
    assert "± s.e." in done.stdout
    assert "estimated by likelihood weighting from 20,000 samples (seed 2025)" in done.stdout
    assert "not exact" in done.stdout
    as_json = run("query", str(tiny_path), "rain", "--given", "wet=yes", "--approximate",
                  "20000", "--seed", "3", "--json")
    data = json.loads(as_json.stdout)
    assert data["approximate"]["seed"] == 3 and data["approximate"]["samples"] == 20_000
    exact = model.load(tiny_path).query("rain", {"wet": "yes"})["yes"]
    assert abs(data["distribution"]["yes"] - exact) < 5 * data["approximate"][
        "standard_error"]["yes"]


@pytest.mark.parametrize(("args", "message"), [
    (["--likelihood", "wet"], "is not node=state:weight"),
    (["--likelihood", "wet=yes"], "each state needs a weight after ':'"),
    (["--likelihood", "wet=yes:lots"], "'lots' is not a number"),
    (["--likelihood", "wet=yes:-2"], "likelihood of 'wet=yes' is -2.0, not a finite number"),
    (["--likelihood", "wet=yse:2"], "did you mean 'yes'"),
    (["--likelihood", "wet=yes:1,yes:3"], "state 'yes' of 'wet' is weighed twice"),
    (["--given", "wet=yes", "--given", "wet=no"], "'wet' is given two states (yes and no)"),
    (["--approximate", "0"], "Invalid value for '--approximate'"),
    (["--approximate", "10", "--seed", "-1"], "Invalid value for '--seed'"),
])
def test_bad_evidence_flags_exit_2_and_say_why(args: list[str], message: str,
                                               tiny_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", str(tiny_path), "rain", *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_two_reports_on_one_node_multiply_as_two_log_entries_do(tiny_path: Path) -> None:
    twice = json.loads(run("query", str(tiny_path), "rain", "--likelihood", "wet=yes:2,no:1",
                           "--likelihood", "wet=yes:3", "--json").stdout)
    assert twice["likelihood"] == {"wet": {"yes": 6.0, "no": 1.0}}
    s = model.load(tiny_path)
    once = s.query("rain", likelihood={"wet": {"yes": 6.0, "no": 1.0}})
    assert twice["distribution"]["yes"] == pytest.approx(once["yes"], abs=1e-12)
    # brute force: the joint weighed by each report in turn, then normalised
    net = s.net
    joint = full_joint(net)
    for weights in ({"yes": 2.0, "no": 1.0}, {"yes": 3.0}):
        shape = [1] * joint.ndim
        shape[net.nodes.index("wet")] = 2
        joint = joint * np.array([weights.get(st, 1.0) for st in net.states["wet"]]
                                 ).reshape(shape)
    rain = net.nodes.index("rain")
    p_rain = joint.sum(axis=tuple(i for i in range(joint.ndim) if i != rain))
    assert once["yes"] == pytest.approx(p_rain[0] / p_rain.sum(), abs=1e-12)


def test_analyze_refuses_a_negative_seed_with_exit_2(tiny_path: Path) -> None:
    done = run("analyze", str(tiny_path), "--seed", "-1")
    assert done.returncode == 2
    assert "Invalid value for '--seed': -1 is not in the range x>=0" in done.stderr
    assert "Traceback" not in done.stderr
    from model.analysis import analyze

    with pytest.raises(model.QueryError, match="seed must be a whole number of at least 0"):
        analyze(model.load(tiny_path), seed=-1)


def test_decide_refuses_a_negative_seed_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    wildcatter = str(ROOT / "scenarios" / "oil_wildcatter.yaml")
    assert main(["decide", wildcatter, "--seed", "-1"]) == 2
    assert "Invalid value for '--seed': -1 is not in the range x>=0" in capsys.readouterr().err
    from model.analysis import decide

    with pytest.raises(model.QueryError, match="seed must be a whole number of at least 0"):
        decide(model.load(wildcatter), seed=-1)


def test_likelihood_flags_split_names_as_written() -> None:
    assert parse_likelihoods(["a=yes:1,no:3"], "--likelihood") == {"a": {"yes": 1, "no": 3}}
    assert parse_likelihoods(["BP='<7.5':2"], "--likelihood") == {"BP": {"<7.5": 2}}
    assert parse_likelihoods(['"a=b"="yes, soon":2,no:1'], "--likelihood") == \
        {"a=b": {"yes, soon": 2, "no": 1}}
    assert parse_likelihoods(["t=x:1", "t=y:2"], "--likelihood") == {"t": {"x": 1, "y": 2}}
    assert parse_likelihoods(["t='a:b':0.5"], "--likelihood") == {"t": {"a:b": 0.5}}
    with pytest.raises(click.BadParameter, match="is not node=state:weight"):
        parse_likelihoods(["'unclosed=yes:1"], "--likelihood")


def test_a_query_says_which_evidence_log_it_answers_with() -> None:
    case = Path(__file__).resolve().parent.parent / "scenarios" / \
        "russia_iran_2025_followup.yaml"
    s = model.load(case)
    entries = s.evidence
    data = json.loads(run("query", str(case), "nuclear_deal", "--json").stdout)
    assert data["evidence_log"] == {"entries": len(entries),
                                    "from": entries[0].date.isoformat(),
                                    "to": entries[-1].date.isoformat(), "replaced": []}
    # a question that sets what the log observed says it replaces it for this question
    observed = next(n for e in entries if e.kind == "observed" for n in e.observed)
    text = run("query", str(case), "nuclear_deal", "--given", f"{observed}=no").stdout
    assert text.splitlines()[-1] == (
        f"with the file's evidence log: {len(entries)} entries, {entries[0].date} to "
        f"{entries[-1].date} (this question's --given/--do replaces what it reports on "
        f"{observed})")
    for args in (["--event", "us_strike=yes"], ["explain"]):
        command = ["explain", str(case)] if args == ["explain"] else \
            ["query", str(case), *args]
        found = json.loads(run(*command, "--json").stdout)
        assert found["evidence_log"]["entries"] == len(entries)
    # a file without a log says nothing of one
    plain = json.loads(run("query", str(case.with_name("russia_iran_2025.yaml")),
                           "nuclear_deal", "--json").stdout)
    assert plain["evidence_log"] is None


def test_a_bad_at_date_is_the_option_s_problem_not_a_file_s(
        capsys: pytest.CaptureFixture[str]) -> None:
    case = ROOT / "scenarios" / "russia_iran_2025_followup.yaml"
    assert main(["score", str(case), "--at", "20250701"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Invalid value for --at: '20250701' is not a date")
    assert "russia_iran_2025.yaml" not in err
