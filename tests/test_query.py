"""Exact queries from Python: observations, interventions, joints, explanations, frames."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

import model
from model import QueryError
from tests.brute_force import posterior

SCENARIOS = ["tiny_path", "seed_path"]
ENGINES = ["compiled", "pgmpy"]


# pgmpy's engine on the seed takes seconds (its elimination in Python): with the slow tests
@pytest.fixture(params=[pytest.param((path, engine), marks=pytest.mark.slow)
                        if (path, engine) == ("seed_path", "pgmpy") else (path, engine)
                        for path in SCENARIOS for engine in ENGINES],
                ids=lambda p: "-".join(p))
def scenario(request: pytest.FixtureRequest) -> model.Scenario:
    fixture, engine = request.param
    path: Path = request.getfixturevalue(fixture)
    return model.load(path, engine=engine)


def evidence_sets(s: model.Scenario) -> list[dict[str, str]]:
    """No evidence, each single observation, and a few seeded pairs of observations."""
    nodes = list(s.nodes)
    sets: list[dict[str, str]] = [{}]
    sets += [{n: st} for n in nodes for st in s.nodes[n].states]
    rng = np.random.default_rng(7)
    for _ in range(10):
        a, b = rng.choice(len(nodes), size=2, replace=False)
        sets.append({nodes[a]: s.nodes[nodes[a]].states[0], nodes[b]: s.nodes[nodes[b]].states[-1]})
    return sets


def test_posteriors_equal_brute_force_enumeration(scenario: model.Scenario) -> None:
    for given in evidence_sets(scenario):
        try:
            expected_all = {t: posterior(scenario.net, [t], given) for t in scenario.nodes}
        except FloatingPointError:
            continue
        if any(not np.all(np.isfinite(v)) for v in expected_all.values()):
            with pytest.raises(QueryError, match="impossible"):
                scenario.query(next(iter(scenario.nodes)), given=given)
            continue
        for target, expected in expected_all.items():
            got = list(scenario.query(target, given=given).values())
            np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


def test_interventions_equal_brute_force_on_the_mutilated_network(
        scenario: model.Scenario) -> None:
    for node, spec in scenario.nodes.items():
        for state in spec.states:
            for target in scenario.nodes:
                expected = posterior(scenario.net, [target], do={node: state})
                got = list(scenario.query(target, do={node: state}).values())
                np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


def test_joint_equals_brute_force(scenario: model.Scenario) -> None:
    targets = list(scenario.outcomes)[:3] or list(scenario.nodes)[:2]
    joint = scenario.joint(targets)
    expected = posterior(scenario.net, targets)
    for combo, p in joint.items():
        index = tuple(scenario.nodes[t].states.index(s) for t, s in zip(targets, combo,
                                                                          strict=True))
        assert p == pytest.approx(float(expected[index]), abs=1e-12)
    assert sum(joint.values()) == pytest.approx(1.0, abs=1e-12)
    frame = scenario.joint_frame(targets)
    assert list(frame.columns) == [*targets, "probability"]
    assert frame["probability"].sum() == pytest.approx(1.0)


def test_most_probable_explanation_is_the_argmax_of_the_joint(scenario: model.Scenario) -> None:
    last = list(scenario.nodes)[-1]
    given = {last: scenario.nodes[last].states[0]}
    found = scenario.most_probable(given=given)
    others = [n for n in scenario.nodes if n not in given]
    joint = posterior(scenario.net, others, given)
    best = np.unravel_index(np.argmax(joint), joint.shape)
    assert found.states == {n: scenario.nodes[n].states[i] for n, i in zip(others, best,
                                                                             strict=True)}
    assert found.probability == pytest.approx(float(joint.max()), abs=1e-12)


def test_given_and_do_differ_where_theory_says(tiny_path: Path) -> None:
    s = model.load(tiny_path)
    # Observing the sprinkler on is evidence about its cause (rain); forcing it on is not.
    prior_rain = s.query("rain")["yes"]
    assert s.query("rain", given={"sprinkler": "yes"})["yes"] < prior_rain - 0.1
    assert s.query("rain", do={"sprinkler": "yes"})["yes"] == pytest.approx(prior_rain, abs=1e-15)
    # Downstream of the set node, both move the effect, by different amounts.
    seen = s.query("wet", given={"sprinkler": "yes"})["yes"]
    forced = s.query("wet", do={"sprinkler": "yes"})["yes"]
    assert seen != pytest.approx(forced, abs=1e-3)
    # A root node has no causes to cut: observing and setting it agree.
    assert s.query("wet", given={"rain": "no"}) == pytest.approx(s.query("wet", do={"rain": "no"}))


def test_seed_given_and_do_differ_upstream(seed_path: Path) -> None:
    s = model.load(seed_path)
    moved = []
    for node, spec in s.nodes.items():
        if not spec.parents:
            continue
        for parent in spec.parents:
            state = spec.states[0]
            seen = s.query(parent, given={node: state})
            forced = s.query(parent, do={node: state})
            assert forced == pytest.approx(s.query(parent), abs=1e-12)
            moved.append(abs(seen[s.nodes[parent].states[0]] - forced[s.nodes[parent].states[0]]))
    assert max(moved) > 0.01


def test_query_results_are_mappings_and_frames(tiny_path: Path) -> None:
    s = model.load(tiny_path)
    dist = s.query("wet", given={"rain": "yes"})
    assert set(dist) == {"yes", "no"}
    assert dist.given == {"rain": "yes"}
    assert dist.term("yes") == "very likely"
    assert dist.to_dict()["distribution"] == dict(dist)
    frame = dist.to_frame()
    assert list(frame.index) == ["yes", "no"]
    whole = s.to_frame()
    assert set(whole["node"]) == set(s.nodes)
    assert s.what_if("Sprinkler forced on") == {"wet": s.query("wet", do={"sprinkler": "yes"})}


def test_network_is_a_pgmpy_discrete_bayesian_network(tiny_path: Path) -> None:
    s = model.load(tiny_path)
    from pgmpy.models import DiscreteBayesianNetwork

    assert isinstance(s.network, DiscreteBayesianNetwork)
    assert set(s.network.nodes()) == set(s.nodes)
    cpd = s.network.get_cpds("sprinkler")
    assert cpd.state_names["sprinkler"] == ["yes", "no"]


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"target": "wett"}, "unknown node 'wett' (did you mean 'wet'?)"),
    ({"target": "wet", "given": {"rain": "maybe"}}, "'maybe' is not a state of 'rain'"),
    ({"target": "wet", "do": {"sprinkle": "yes"}}, "did you mean 'sprinkler'"),
    ({"target": "wet", "given": {"rain": "yes"}, "do": {"rain": "no"}}, "both observed"),
])
def test_bad_queries_say_what_to_fix(tiny_path: Path, kwargs: dict[str, object],
                                     words: str) -> None:
    s = model.load(tiny_path)
    with pytest.raises(QueryError, match=words.replace("(", r"\(").replace(")", r"\)")
                       .replace("?", r"\?")):
        s.query(**kwargs)  # type: ignore[arg-type]


def test_impossible_evidence_is_an_error_not_nan(tmp_path: Path) -> None:
    path = tmp_path / "zero.yaml"
    path.write_text("""\
scenario: zero
title: Zero
question: q
as_of: 2025-01-01
horizon: 2025-12-31
nodes:
  a: {label: A, prior: {yes: 0}, because: [{assumption: never}]}
  b:
    label: B
    parents: [a]
    table: [{when: otherwise, p: {yes: 0.5}, because: [{assumption: x}]}]
""")
    s = model.load(path)
    with pytest.raises(QueryError, match="impossible"):
        s.query("b", given={"a": "yes"})
    with pytest.raises(QueryError, match="impossible"):
        s.most_probable(given={"a": "yes"})
    assert s.query("b", do={"a": "yes"})["yes"] == pytest.approx(0.5)


def test_target_in_evidence_is_certain(tiny_path: Path) -> None:
    s = model.load(tiny_path)
    assert s.query("rain", given={"rain": "no"}) == {"yes": 0.0, "no": 1.0}
    assert s.query("rain", do={"rain": "yes"}) == {"yes": 1.0, "no": 0.0}
    joint = s.joint(["rain", "wet"], given={"rain": "yes"})
    assert sum(p for (r, _), p in joint.items() if r == "no") == 0


def test_every_state_combination_is_in_the_joint(tiny_path: Path) -> None:
    s = model.load(tiny_path)
    joint = s.joint(["rain", "sprinkler", "wet"])
    assert set(joint) == set(itertools.product(["yes", "no"], repeat=3))


def test_a_noisy_or_keeps_tiny_leaks_and_weights_without_cancelling() -> None:
    text = ("scenario: t\ntitle: T\nquestion: q\nas_of: 2025-01-01\nhorizon: 2025-12-31\n"
            "nodes:\n  a: {prior: {yes: 0.5}, because: [{assumption: x}]}\n"
            "  c:\n    role: outcome\n    parents: [a]\n"
            "    noisy_or: {leak: 1e-17, a: 1e-17}\n    because: [{assumption: x}]\n")
    s = model.loads(text)
    table = s.net.tables["c"]  # (c, a): a=yes, a=no
    # P(c=yes | a=no) is the leak itself, P(c=yes | a=yes) = 1 - (1 - 1e-17)^2 = 2e-17
    assert table[0, 1] == pytest.approx(1e-17, rel=1e-12)
    assert table[0, 0] == pytest.approx(2e-17, rel=1e-12)
    assert table[:, 0].sum() == pytest.approx(1.0, abs=1e-15)
    # a possible observation, however unlikely, is answered: P(a=yes | c=yes) = 2/3
    assert s.query("a", {"c": "yes"})["yes"] == pytest.approx(2 / 3, abs=1e-12)
