"""The Python API refuses wrong-type arguments in its own words (QueryError, naming the
argument), takes a single name where names are expected, keeps its results and the network's
tables read-only, and says what it can do when a question is too large."""

from __future__ import annotations

import copy
import inspect
import json
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import model
from model import QueryError
from model.analysis import analyze, decide
from model.files import write_atomic
from model.results import Distribution
from model.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "scenarios" / "russia_iran_2025.yaml"
WILDCATTER = ROOT / "scenarios" / "oil_wildcatter.yaml"


@pytest.fixture(scope="module")
def s() -> Scenario:
    return model.load(SEED)


@pytest.fixture(scope="module")
def w() -> Scenario:
    return model.load(WILDCATTER)


@pytest.fixture(scope="module")
def best(w: Scenario) -> Any:
    return decide(w, samples=50)


# 1. wrong types ---------------------------------------------------------------------------

WRONG: list[tuple[str, Callable[[Scenario], object], str]] = [
    ("query(3)", lambda s: s.query(3), "target: a node is named by a str, got int"),  # type: ignore[arg-type]
    ("query(None)", lambda s: s.query(None), "target: a node is named by a str, got None"),  # type: ignore[arg-type]
    ("query(list)", lambda s: s.query(["nuclear_deal"]), "got list"),  # type: ignore[arg-type]
    ("given list", lambda s: s.query("nuclear_deal", given=["oman_channel"]),  # type: ignore[arg-type]
     "given takes a mapping"),
    ("given str", lambda s: s.query("nuclear_deal", given="oman_channel=yes"),  # type: ignore[arg-type]
     "given takes a mapping"),
    ("given None state", lambda s: s.query("nuclear_deal", given={"oman_channel": None}),  # type: ignore[dict-item]
     "the state of 'oman_channel' must be a state name"),
    ("do list", lambda s: s.query("nuclear_deal", do=[("oman_channel", "yes")]),  # type: ignore[arg-type]
     "do takes a mapping"),
    ("likelihood list", lambda s: s.query("nuclear_deal", likelihood=[1, 2]),  # type: ignore[arg-type]
     "likelihood takes a mapping"),
    ("approximate given list",
     lambda s: s.query("nuclear_deal", given=["x"], approximate=10),  # type: ignore[arg-type]
     "given takes a mapping"),
    ("probability(None)", lambda s: s.probability(None), "an event is a str"),  # type: ignore[arg-type]
    ("joint given str", lambda s: s.joint(["nuclear_deal"], given="a=b"),  # type: ignore[arg-type]
     "given takes a mapping"),
    ("joint(3)", lambda s: s.joint(3), "targets takes node names"),  # type: ignore[arg-type]
    ("most_probable", lambda s: s.most_probable(given=["x"]), "given takes a mapping"),  # type: ignore[arg-type]
    ("query_all", lambda s: s.query_all(do="x"), "do takes a mapping"),  # type: ignore[arg-type]
    ("evidence_probability", lambda s: s.evidence_probability(given=[1]),  # type: ignore[arg-type]
     "given takes a mapping"),
    ("believe list", lambda s: s.believe([("a", 1)]), "beliefs takes a mapping"),  # type: ignore[arg-type]
    ("believe None", lambda s: s.believe(None), "no belief given"),  # type: ignore[arg-type]
    ("what_if(3)", lambda s: s.what_if(3), "a what-if is named by a str"),  # type: ignore[arg-type]
    ("analyze path", lambda s: analyze(str(SEED)),  # type: ignore[arg-type]
     r"analyze takes a loaded Scenario, got str \(load it first: analyze\(model.load"),
    ("decide path", lambda s: decide(WILDCATTER),  # type: ignore[arg-type]
     "decide takes a loaded Scenario, got PosixPath"),
    ("analyze samples", lambda s: analyze(s, samples=1.5),  # type: ignore[arg-type]
     "samples is a whole number of draws, got float"),
    ("analyze seed", lambda s: analyze(s, samples=10, seed="x"),  # type: ignore[arg-type]
     "the seed must be a whole number"),
    ("analyze outcome", lambda s: analyze(s, outcome=3, samples=10),  # type: ignore[arg-type]
     "outcome is a node's name or a list of names"),
    ("loads Path", lambda s: model.loads(Path("x.yaml")),  # type: ignore[arg-type]
     r"loads: text is a scenario's text \(a str\), got PosixPath"),
    ("load None", lambda s: model.load(None), "load: path is a file's path"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(("call", "match"), [(c, m) for _, c, m in WRONG],
                         ids=[name for name, _, _ in WRONG])
def test_a_wrong_type_is_a_query_error_naming_the_argument(
        s: Scenario, call: Callable[[Scenario], object], match: str) -> None:
    with pytest.raises(QueryError, match=match):
        call(s)


def test_a_string_given_suggests_the_mapping_it_meant(s: Scenario) -> None:
    with pytest.raises(QueryError) as found:
        s.query("nuclear_deal", given="oman_channel=yes")  # type: ignore[arg-type]
    assert found.value.problems[0].hint == "e.g. given={'oman_channel': 'yes'}"


def test_a_series_of_node_to_state_is_taken_as_a_mapping(s: Scenario) -> None:
    # (a question's first answer and its later, planned ones may differ in the last bit)
    given = pd.Series({"oman_channel": "yes"})
    found = s.query("nuclear_deal", given=given)  # type: ignore[arg-type]
    assert dict(found) == pytest.approx(dict(s.query("nuclear_deal",
                                                     given={"oman_channel": "yes"})))
    assert found.given == {"oman_channel": "yes"}
    report = pd.Series({"yes": 1, "no": 3})
    weighed = s.query("nuclear_deal", likelihood={"russia_military_aid": report})  # type: ignore[dict-item]
    assert dict(weighed) == pytest.approx(dict(s.query(
        "nuclear_deal", likelihood={"russia_military_aid": {"yes": 1, "no": 3}})))


def test_none_given_and_do_mean_nothing(s: Scenario) -> None:
    found = s.query("nuclear_deal", given=None, do=None)
    assert dict(found) == pytest.approx(dict(s.query("nuclear_deal")))
    assert found.given == {} and found.do == {}


# 2. one name where names are expected ----------------------------------------------------

def test_joint_of_one_name_is_the_joint_of_a_list_of_one(s: Scenario) -> None:
    assert s.joint("nuclear_deal") == s.joint(["nuclear_deal"])
    assert list(s.joint_frame("nuclear_deal").columns) == ["nuclear_deal", "probability"]


def test_analyze_takes_a_list_of_outcomes(s: Scenario) -> None:
    a = analyze(s, outcome=["nuclear_deal", "us_strike"], samples=20)
    assert a.outcomes == ("nuclear_deal", "us_strike")
    with pytest.raises(QueryError, match="names a node twice"):
        analyze(s, outcome=["nuclear_deal", "nuclear_deal"], samples=20)
    with pytest.raises(QueryError, match="unknown node 'nuclear_dael'"):
        analyze(s, outcome=["nuclear_dael"], samples=20)


# 3. decisions --------------------------------------------------------------------------

def test_an_unknown_decision_is_a_query_error_with_did_you_mean(best: Any) -> None:
    with pytest.raises(QueryError, match=r"'dril' is not one of the reader's decisions.*"
                                         r"did you mean 'drill'"):
        best.decision("dril")


def test_choice_names_the_node_missing_from_what_is_known(best: Any) -> None:
    with pytest.raises(QueryError, match="'seismic' is missing"):
        best.decision("drill").choice({"test": "yes"})


def test_choice_names_a_state_that_is_not_one(best: Any) -> None:
    with pytest.raises(QueryError, match="'diffused' is not a state of 'seismic'") as found:
        best.decision("drill").choice({"test": "yes", "seismic": "diffused"})
    assert "did you mean 'diffuse'" in str(found.value)
    assert best.decision("drill").choice({"test": "yes", "seismic": "diffuse"}) == "no"


def test_a_strategy_still_pickles(best: Any) -> None:
    again = pickle.loads(pickle.dumps(best))
    assert again == best
    assert again.decision("drill").choice({"test": "yes", "seismic": "diffuse"}) == "no"


# 4. a report to a folder ----------------------------------------------------------------

def test_a_report_to_a_folder_path_writes_the_scenario_id_inside(
        tmp_path: Path, tiny_path: Path) -> None:
    tiny = model.load(tiny_path)
    written = model.report(tiny, f"{tmp_path}/new/")
    assert written == tmp_path / "new" / f"{tiny.id}.html"
    assert written.is_file() and (tmp_path / "new").is_dir()
    # a folder that exists already, named without the separator, too
    assert model.report(tiny, tmp_path / "new") == written


def test_writing_to_a_name_ending_in_a_separator_is_refused(tmp_path: Path) -> None:
    with pytest.raises(model.ScenarioError, match="names a folder, not a file"):
        write_atomic(f"{tmp_path}/out/", "text")
    assert not (tmp_path / "out").exists()


def test_the_cli_report_to_a_folder_path(tmp_path: Path, tiny_path: Path) -> None:
    from model.cli import main

    assert main(["report", str(tiny_path), "-o", f"{tmp_path}/briefings/", "-q"]) == 0
    assert (tmp_path / "briefings" / f"{model.load(tiny_path).id}.html").is_file()


# 5. too large a joint --------------------------------------------------------------------

def test_a_joint_too_large_says_what_joint_can_do() -> None:
    alarm = model.load("pgmpy:alarm")
    with pytest.raises(model.LimitError) as found:
        alarm.joint(list(alarm.nodes)[:30])
    hint = found.value.problems[0].hint or ""
    assert "query(node, approximate=100_000)" in hint
    assert "(approximate=100_000 in Python" not in hint


# 6. the caller's likelihood is not the what-if's fault ----------------------------------

def test_a_bad_likelihood_of_a_what_if_is_not_blamed_on_the_file(s: Scenario) -> None:
    with pytest.raises(QueryError) as found:
        s.what_if("Israel strikes regardless", likelihood={"foo": {"yes": 1}})
    problem = found.value.problems[0]
    assert problem.line is None and "what-if" not in problem.message
    assert "unknown node 'foo'" in problem.message


# 7. results are read-only values --------------------------------------------------------

def test_results_are_hashable_and_read_only(s: Scenario) -> None:
    e = s.most_probable(given={"us_strike": "yes"})
    assert hash(e) == hash(copy.deepcopy(e))
    d = s.query("nuclear_deal", given={"oman_channel": "yes"},
                likelihood={"russia_military_aid": {"yes": 1, "no": 3}})
    assert hash(d) == hash(copy.deepcopy(d)) and len({d, copy.deepcopy(d)}) == 1
    for mapping in (d.probabilities, d.given, d.do, d.likelihood,
                    d.likelihood["russia_military_aid"], e.states, d.labels.nodes):
        with pytest.raises(TypeError):
            mapping["yes"] = 5  # type: ignore[index]
        with pytest.raises(TypeError):
            mapping.update({"yes": 5})  # type: ignore[attr-defined]
    assert d["yes"] < 1


@pytest.mark.parametrize("approximate", [None, 50])
def test_results_pickle_deepcopy_and_compare(s: Scenario, approximate: int | None) -> None:
    d = s.query("nuclear_deal", given={"oman_channel": "yes"},
                likelihood={"russia_military_aid": {"yes": 1, "no": 3}},
                approximate=approximate)
    for again in (pickle.loads(pickle.dumps(d)), copy.deepcopy(d), copy.copy(d)):
        assert again == d and again.given == d.given and again.approximate == d.approximate
        assert again.likelihood == {"russia_military_aid": {"yes": 1.0, "no": 3.0}}
    assert d == dict(d) and isinstance(d.probabilities, dict)
    json.dumps(d.to_dict())
    e = s.most_probable()
    assert pickle.loads(pickle.dumps(e)) == e == copy.deepcopy(e)
    if approximate is not None:
        with pytest.raises(TypeError):
            d.approximate.standard_error["yes"] = 0.0  # type: ignore[index, union-attr]


# 8. the network's tables are read-only -------------------------------------------------

def test_the_networks_tables_cannot_be_written(s: Scenario) -> None:
    fresh = model.load(SEED)
    before = fresh.query("nuclear_deal")
    for table in fresh.net.tables.values():
        assert not table.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        fresh.net.tables["oman_channel"][...] = [0.0, 1.0]
    assert fresh.fresh().query("nuclear_deal") == before
    assert fresh.query("nuclear_deal", do={"oman_channel": "yes"}) != before  # still answers


def test_the_nodes_mapping_is_read_only(s: Scenario) -> None:
    with pytest.raises(TypeError):
        s.nodes["x"] = s.nodes["nuclear_deal"]  # type: ignore[index]
    assert list(s.nodes) == list(s.checked.nodes)


# 9. docstrings --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["file", "title", "description", "what_ifs", "warnings",
                                  "outcomes", "resolutions"])
def test_scenario_properties_say_what_they_are(name: str) -> None:
    assert inspect.getdoc(getattr(Scenario, name))


def test_docstrings_name_what_exists() -> None:
    assert "model.judgements(s)" in (inspect.getdoc(Scenario.judgement_specs) or "")
    assert "model.analysis.judgements" not in (inspect.getdoc(Scenario.judgement_specs) or "")
    assert "evidence_log" in (inspect.getdoc(Distribution.to_dict) or "")
    assert inspect.getdoc(Distribution.term) and inspect.getdoc(Distribution.most_likely)
    assert "to_frame" in (inspect.getdoc(Scenario.query_all) or "")


# 10. an estimate of 0 from few samples is not certain -----------------------------------

def test_an_unsampled_state_has_a_standard_error_above_zero(s: Scenario) -> None:
    found = s.query("nuclear_deal", approximate=2).approximate
    assert found is not None
    assert all(se >= 1 / (found.effective_samples + 1) for se in found.standard_error.values())
    many = s.query("nuclear_deal", approximate=20_000).approximate
    assert many is not None and 0 < min(many.standard_error.values()) < 0.01


def test_the_bound_shrinks_with_the_effective_samples() -> None:
    from model.network.sampling import unseen_error

    assert unseen_error(2) == pytest.approx(1 / 3)
    assert unseen_error(1e6) < 3 / 1e6
    assert np.isfinite(unseen_error(0))
