"""Likelihood (virtual) evidence on both engines, against brute-force enumeration and
pyAgrum's soft evidence; Jeffrey's rule (`believe`); every query form takes it."""

from __future__ import annotations

import gzip
import itertools
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import model
from model.cli import main
from model.errors import QueryError
from model.network import compiled as engine_module
from model.network.compiled import CompiledNet
from model.network.net import Likelihood, Net
from model.network.pgmpy_engine import PgmpyEngine, net_from_pgmpy
from tests.brute_force import full_joint, posterior, weighed_joint
from tests.random_networks import random_net, sampled_tables

EXACT = 1e-9
Ask = tuple[dict[str, str], dict[str, str], dict[str, dict[str, float]]]


def likelihoods(net: Net, rng: np.random.Generator, count: int) -> Iterator[Ask]:
    """Questions with a likelihood on one to three nodes: on free nodes, on observed ones,
    with zero weights, with states left out; mixed with observations and interventions."""
    nodes = net.nodes
    for k in range(count):
        picked = [str(n) for n in rng.choice(nodes, size=min(5, len(nodes)), replace=False)]
        reported = picked[:1 + k % 3]
        rest = picked[1 + k % 3:]
        given = {n: str(rng.choice(net.states[n])) for n in rest[:k % 2 + 1]}
        do = {n: str(rng.choice(net.states[n])) for n in rest[k % 2 + 1:][:k % 3 == 2]}
        if k % 4 == 3 and given:  # a likelihood on an observed node too
            reported.append(next(iter(given)))
        weights = {}
        for n in reported:
            states = net.states[n]
            w = rng.random(len(states)) * 4
            if k % 5 == 1:
                w[0] = 0.0  # rules a state out
            weights[n] = {s: float(x) for s, x in zip(states, w, strict=True)
                          if not (k % 3 == 0 and s == states[-1])}  # the last left out: 1
        yield given, do, weights


def expected_evidence(net: Net, given: dict[str, str], do: dict[str, str],
                      likelihood: Likelihood) -> float:
    return float(weighed_joint(net, given, do, likelihood).sum())


@pytest.mark.parametrize("answer_cells", [engine_module.ANSWER_CELLS, 0],
                         ids=["answer-tables", "contractions"])
@pytest.mark.parametrize("seed", range(6))
def test_compiled_engine_equals_enumeration(seed: int, answer_cells: int,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Every question three times: its shape's first sight, the planning, and warm."""
    monkeypatch.setattr(engine_module, "ANSWER_CELLS", answer_cells)
    net = random_net(7, seed, zeros=seed % 2 == 1)
    engine = CompiledNet(net)
    for given, do, lik in likelihoods(net, np.random.default_rng(seed), 12):
        evidence = expected_evidence(net, given, do, lik)
        for _ in range(3):
            assert engine.evidence_probability(given, do, likelihood=lik) == \
                pytest.approx(evidence, abs=EXACT)
            if evidence == 0:
                with pytest.raises(QueryError, match="impossible"):
                    engine.posterior(net.nodes[-1], given, do, likelihood=lik)
                continue
            for node in net.nodes:
                np.testing.assert_allclose(
                    engine.posterior(node, given, do, likelihood=lik),
                    posterior(net, [node], given, do, lik), atol=EXACT,
                    err_msg=f"{node} | {given}, do {do}, likelihood {lik}")
            pair = [net.nodes[seed % 7], net.nodes[(seed + 3) % 7]]
            np.testing.assert_allclose(engine.joint(pair, given, do, likelihood=lik),
                                       posterior(net, pair, given, do, lik), atol=EXACT)


@pytest.mark.parametrize("seed", range(4))
def test_pgmpy_engine_equals_enumeration(seed: int) -> None:
    net = random_net(6, seed, zeros=seed % 2 == 1)
    engine = PgmpyEngine(net)
    for given, do, lik in itertools.islice(likelihoods(net, np.random.default_rng(seed), 8),
                                           0, None, 2):
        evidence = expected_evidence(net, given, do, lik)
        assert engine.evidence_probability(given, do, likelihood=lik) == \
            pytest.approx(evidence, abs=EXACT)
        if evidence == 0:
            with pytest.raises(QueryError, match="impossible"):
                engine.joint([net.nodes[0]], given, do, likelihood=lik)
            continue
        for node in net.nodes:
            np.testing.assert_allclose(engine.joint([node], given, do, likelihood=lik),
                                       posterior(net, [node], given, do, lik), atol=EXACT)


@pytest.mark.parametrize("engine_class", [CompiledNet, PgmpyEngine])
@pytest.mark.parametrize("seed", range(5))
def test_most_probable_explanation_with_likelihoods(seed: int, engine_class: Any) -> None:
    net = random_net(6, seed, zeros=seed % 2 == 1)
    engine = engine_class(net)
    for given, do, lik in itertools.islice(likelihoods(net, np.random.default_rng(seed), 9),
                                           0, None, 3):
        free = [n for n in net.nodes if n not in given and n not in do]
        evidence = expected_evidence(net, given, do, lik)
        if evidence == 0:
            with pytest.raises(QueryError, match="impossible"):
                engine.most_probable(given, do, likelihood=lik)
            continue
        best = float(posterior(net, free, given, do, lik).max())
        states, probability = engine.most_probable(given, do, likelihood=lik)
        assert probability == pytest.approx(best, abs=EXACT)
        index = tuple(net.states[n].index({**states, **given, **do}[n]) for n in net.nodes)
        reached = weighed_joint(net, given, do, lik)[index] / evidence
        assert reached == pytest.approx(best, abs=EXACT)


def test_batched_tables_with_likelihoods_equal_each_sample(seed_path: Path) -> None:
    scenario = model.load(seed_path)
    nets, tables = sampled_tables(scenario, 4, 4)
    engine = CompiledNet(scenario.net)
    lik = {"israeli_strike": {"yes": 2.0, "no": 0.5}, "russia_condemns": {"yes": 0.1}}
    for i in range(4):
        single = CompiledNet(nets[i])
        for _ in range(2):  # the first sight and the plan
            np.testing.assert_allclose(
                engine.posterior("nuclear_deal", {"us_strike": "no"}, tables=tables,
                                 likelihood=lik)[i],
                single.posterior("nuclear_deal", {"us_strike": "no"}, likelihood=lik),
                atol=EXACT)


def test_a_likelihood_of_one_state_is_an_observation(seed_path: Path) -> None:
    s = model.load(seed_path)
    only = {"israeli_strike": {"yes": 1.0, "no": 0.0}}
    for node in s.nodes:
        if node != "israeli_strike":
            assert dict(s.query(node, likelihood=only)) == pytest.approx(
                dict(s.query(node, given={"israeli_strike": "yes"})), abs=EXACT)


def test_equal_weights_change_nothing_and_scale_does_not_matter(seed_path: Path) -> None:
    s = model.load(seed_path)
    assert dict(s.query("nuclear_deal", likelihood={"us_strike": {"yes": 5, "no": 5}})) == \
        pytest.approx(dict(s.query("nuclear_deal")), abs=EXACT)
    once = s.query("nuclear_deal", likelihood={"us_strike": {"yes": 1, "no": 3}})
    scaled = s.query("nuclear_deal", likelihood={"us_strike": {"yes": 10, "no": 30}})
    assert dict(once) == pytest.approx(dict(scaled), abs=EXACT)
    # the report's probability scales with its weights, as written
    assert s.evidence_probability(likelihood={"us_strike": {"yes": 10, "no": 30}}) == \
        pytest.approx(10 * s.evidence_probability(likelihood={"us_strike": {"yes": 1,
                                                                            "no": 3}}))


@pytest.mark.parametrize("weight", [1e300, 1e-170, 1e-322])
def test_weights_of_any_scale_answer_alike_on_every_form(seed_path: Path, weight: float) -> None:
    """Only the ratios of a node's weights mean anything: equal weights change nothing,
    however large or small, on many nodes at once (1e300 on two nodes overflowed, 1e-170 on
    two underflowed to 'impossible', a subnormal 1e-322 lost its digits)."""
    s = model.load(seed_path)
    plain = dict(s.query("nuclear_deal"))
    equal = {n: {"yes": weight, "no": weight} for n in ("iran_accepts_talks", "oman_channel")}
    assert dict(s.query("nuclear_deal", likelihood=equal)) == pytest.approx(plain, abs=EXACT)
    assert s.probability("nuclear_deal=yes", likelihood=equal) == pytest.approx(
        plain["yes"], abs=EXACT)
    ratio = {"iran_accepts_talks": {"yes": 3 * weight, "no": weight}} if weight < 1e300 \
        else {"iran_accepts_talks": {"yes": weight, "no": weight / 3}}
    assert dict(s.query("nuclear_deal", likelihood=ratio)) == pytest.approx(dict(
        s.query("nuclear_deal", likelihood={"iran_accepts_talks": {"yes": 3, "no": 1}})),
        abs=EXACT)
    _, p = s.compiled.most_probable(likelihood=equal)
    assert p == pytest.approx(s.compiled.most_probable()[1], rel=1e-9)


def test_a_likelihood_on_an_observed_node_weighs_the_evidence_only(tiny_path: Path) -> None:
    s = model.load(tiny_path)
    given = {"wet": "yes"}
    report = {"wet": {"yes": 0.25, "no": 1.0}}
    assert dict(s.query("rain", given, likelihood=report)) == \
        pytest.approx(dict(s.query("rain", given)), abs=EXACT)
    assert s.evidence_probability(given, likelihood=report) == \
        pytest.approx(0.25 * s.evidence_probability(given))
    with pytest.raises(QueryError, match="impossible"):
        s.query("rain", given, likelihood={"wet": {"yes": 0.0}})


# pyAgrum's soft evidence --------------------------------------------------------------------


def pyagrum_network(net: Net) -> Any:
    pytest.importorskip("pyagrum")
    from tests.pyagrum_network import gum_network

    return gum_network(net)


def agree_with_pyagrum(net: Net, asked: list[tuple[dict[str, str], dict[str, dict[str, float]]]],
                       targets: list[str]) -> None:
    """To 1e-9, or to the precision the network's own tables sum to 1 where that is coarser:
    alarm's columns are off by up to 1e-7, so engines that prune barren nodes differently
    (pyAgrum keeps some we drop) differ at that level."""
    gum = pytest.importorskip("pyagrum")
    slack = max(float(np.abs(t.reshape(t.shape[0], -1).sum(axis=0) - 1).max())
                for t in net.tables.values())
    ie = gum.LazyPropagation(pyagrum_network(net))
    ours = CompiledNet(net)
    for given, lik in asked:
        soft = {n: [w.get(s, 1.0) for s in net.states[n]] for n, w in lik.items()}
        ie.setEvidence({**given, **soft})
        ie.makeInference()
        assert ours.evidence_probability(given, likelihood=lik) == \
            pytest.approx(ie.evidenceProbability(), rel=1e-9 + 10 * slack, abs=1e-300)
        for node in targets:
            if node in given:
                continue
            theirs = ie.posterior(node)
            expected = [theirs[{node: s}] for s in net.states[node]]
            for _ in range(2):  # first sight, then planned
                np.testing.assert_allclose(ours.posterior(node, given, likelihood=lik),
                                           expected, atol=EXACT + 10 * slack,
                                           err_msg=f"{node} | {given}, likelihood {lik}")


def forward_sample(net: Net, rng: np.random.Generator) -> dict[str, str]:
    drawn: dict[str, int] = {}
    for node, table in net.tables.items():
        column = table[(slice(None), *(drawn[p] for p in net.parents[node]))]
        drawn[node] = int(rng.choice(len(column), p=column / column.sum()))
    return {n: net.states[n][i] for n, i in drawn.items()}


def soft_questions(net: Net, rng: np.random.Generator, count: int
                   ) -> list[tuple[dict[str, str], dict[str, dict[str, float]]]]:
    """Observations from a forward sample (so possible) and random positive likelihoods."""
    out = []
    for k in range(count):
        sample = forward_sample(net, rng)
        picked = [str(n) for n in rng.choice(net.nodes, size=min(len(net.nodes), 2 + k % 4),
                                            replace=False)]
        given = {n: sample[n] for n in picked[:k % 3]}
        lik = {n: {s: float(w) for s, w in zip(net.states[n], 0.05 + rng.random(
            len(net.states[n])), strict=True)} for n in picked[k % 3:]}
        out.append((given, lik))
    return out


def test_seed_scenario_equals_pyagrum_soft_evidence(seed_path: Path) -> None:
    net = model.load(seed_path).net
    agree_with_pyagrum(net, soft_questions(net, np.random.default_rng(2), 12), net.nodes)


def classic(name: str) -> Net:
    import pgmpy

    path = Path(pgmpy.__file__).parent / "utils" / "example_models" / f"{name}.bif.gz"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgmpy.readwrite import BIFReader

        return net_from_pgmpy(BIFReader(string=gzip.decompress(path.read_bytes()).decode())
                              .get_model())


@pytest.mark.slow
@pytest.mark.parametrize(("name", "count", "targets"),
                         [("asia", 10, None), ("alarm", 8, 12), ("hailfinder", 6, 8),
                          ("win95pts", 6, 8)])
def test_classic_networks_equal_pyagrum_soft_evidence(name: str, count: int,
                                                      targets: int | None) -> None:
    net = classic(name)
    rng = np.random.default_rng(8)
    asked = net.nodes if targets is None else [str(n) for n in rng.choice(net.nodes, targets)]
    agree_with_pyagrum(net, soft_questions(net, rng, count), asked)


# every query form ----------------------------------------------------------------------------


REPORT = {"israeli_strike": {"yes": 1, "no": 3}}


def test_every_query_form_takes_a_likelihood(seed_path: Path) -> None:
    s = model.load(seed_path)
    expected = posterior(s.net, ["nuclear_deal"], likelihood=REPORT)
    got = s.query("nuclear_deal", likelihood=REPORT)
    np.testing.assert_allclose(list(got.values()), expected, atol=EXACT)
    assert got.likelihood == {"israeli_strike": {"yes": 1.0, "no": 3.0}}
    assert got.to_dict()["likelihood"] == {"israeli_strike": {"yes": 1.0, "no": 3.0}}
    joint = s.joint(["nuclear_deal", "us_strike"], likelihood=REPORT)
    np.testing.assert_allclose(
        np.array(list(joint.values())).reshape(2, 2),
        posterior(s.net, ["nuclear_deal", "us_strike"], likelihood=REPORT), atol=EXACT)
    frame = s.joint_frame(["nuclear_deal", "us_strike"], likelihood=REPORT)
    assert frame["probability"].tolist() == pytest.approx(list(joint.values()))
    assert dict(s.query_all(likelihood=REPORT)["nuclear_deal"]) == pytest.approx(dict(got))
    table = s.to_frame(likelihood=REPORT)
    deal = table[(table.node == "nuclear_deal") & (table.state == "yes")]
    assert float(deal.probability.iloc[0]) == pytest.approx(got["yes"])
    name = s.what_ifs[0].name
    under = s.what_if(name, likelihood=REPORT)
    w = s.what_ifs[0]
    for outcome, dist in under.items():
        assert dict(dist) == pytest.approx(dict(s.query(outcome, w.given, w.do, REPORT)))
    found = s.most_probable(likelihood=REPORT)
    assert found.likelihood == {"israeli_strike": {"yes": 1.0, "no": 3.0}}
    assert s.evidence_probability(likelihood=REPORT) == pytest.approx(
        float(weighed_joint(s.net, likelihood=REPORT).sum()))


def test_pgmpy_scenarios_take_likelihoods_too(tiny_path: Path) -> None:
    ours, theirs = model.load(tiny_path), model.load(tiny_path, engine="pgmpy")
    report = {"wet": {"yes": 1, "no": 4}}
    assert dict(ours.query("rain", likelihood=report)) == pytest.approx(
        dict(theirs.query("rain", likelihood=report)), abs=EXACT)
    assert ours.most_probable(likelihood=report).states == \
        theirs.most_probable(likelihood=report).states


@pytest.mark.parametrize(("likelihood", "message"), [
    ({"wett": {"yes": 1}}, r"likelihood: unknown node 'wett' .*did you mean 'wet'"),
    ({"wet": {"yse": 1}}, r"'yse' is not a state of 'wet' .*did you mean 'yes'"),
    ({"wet": {"yes": -1}}, r"likelihood of 'wet=yes' is -1, not a finite number of at least 0"),
    ({"wet": {"yes": float("nan")}}, r"likelihood of 'wet=yes' is nan"),
    ({"wet": {"yes": float("inf")}}, r"likelihood of 'wet=yes' is inf"),
    ({"wet": {"yes": True}}, r"likelihood of 'wet=yes' is True"),
    ({"wet": {"yes": "3"}}, r"likelihood of 'wet=yes' is '3'"),
    ({"wet": {"yes": 0, "no": 0}}, r"weighs every state 0"),
    ({"wet": [1, 3]}, r"likelihood of 'wet' must map states to weights, got list"),
])
def test_bad_likelihoods_say_what_to_fix(likelihood: Any, message: str,
                                         tiny_path: Path) -> None:
    s = model.load(tiny_path)
    for engine in ("compiled", "pgmpy"):
        with pytest.raises(QueryError, match=message) as error:
            model.load(tiny_path, engine=engine).query("rain", likelihood=likelihood)
        assert all(p.file == str(tiny_path) or p.file == tiny_path.name or p.file
                   for p in error.value.problems)
    with pytest.raises(QueryError, match=message):
        s.most_probable(likelihood=likelihood)


def test_every_bad_weight_is_reported_at_once(tiny_path: Path) -> None:
    s = model.load(tiny_path)
    with pytest.raises(QueryError) as error:
        s.query("rain", likelihood={"wet": {"yes": -1}, "sprinkler": {"maybe": 1},
                                    "nowhere": {"yes": 1}})
    assert len(error.value.problems) == 3


# Jeffrey's rule -----------------------------------------------------------------------------


def test_believe_moves_the_node_to_the_belief_and_others_by_jeffreys_rule(
        seed_path: Path) -> None:
    s = model.load(seed_path)
    lik = s.believe({"iran_accepts_talks": {"yes": 0.7}})
    after = s.query("iran_accepts_talks", likelihood=lik)
    assert after["yes"] == pytest.approx(0.7, abs=1e-12)
    # Jeffrey's rule: P'(deal) = sum over x of belief(x) P(deal | x)
    by_hand = sum(b * s.query("nuclear_deal", {"iran_accepts_talks": x})["yes"]
                  for x, b in (("yes", 0.7), ("no", 0.3)))
    assert s.query("nuclear_deal", likelihood=lik)["yes"] == pytest.approx(by_hand, abs=1e-12)
    # the likelihood is belief / current, scaled so the largest weight is 1
    now = s.query("iran_accepts_talks")
    ratio = (0.7 / now["yes"]) / (0.3 / now["no"])
    assert lik["iran_accepts_talks"]["yes"] / lik["iran_accepts_talks"]["no"] == \
        pytest.approx(ratio)
    assert max(lik["iran_accepts_talks"].values()) == 1.0


def test_a_belief_depends_on_what_came_before_unlike_a_likelihood(seed_path: Path) -> None:
    s = model.load(seed_path)
    belief = {"iran_accepts_talks": {"yes": 0.7}}
    alone = s.believe(belief)
    after_strike = s.believe(belief, given={"israeli_strike": "yes"})
    assert alone["iran_accepts_talks"] != pytest.approx(after_strike["iran_accepts_talks"])
    assert s.query("iran_accepts_talks", {"israeli_strike": "yes"},
                   likelihood=after_strike)["yes"] == pytest.approx(0.7, abs=1e-12)
    # chained: the returned likelihood carries the earlier one, with the new weights in
    first = s.believe({"us_strike": {"yes": 0.2}})
    both = s.believe(belief, likelihood=first)
    assert set(both) == {"us_strike", "iran_accepts_talks"}
    assert both["us_strike"] == first["us_strike"]
    assert s.query("iran_accepts_talks", likelihood=both)["yes"] == pytest.approx(0.7,
                                                                                  abs=1e-12)


def test_several_beliefs_hold_at_once(seed_path: Path) -> None:
    s = model.load(seed_path)
    beliefs = {"iran_accepts_talks": {"yes": 0.7}, "israeli_strike": {"yes": "30%"},
               "russian_mediation": {"no": "likely"}}
    lik = s.believe(beliefs)
    assert s.query("iran_accepts_talks", likelihood=lik)["yes"] == pytest.approx(0.7, abs=1e-9)
    assert s.query("israeli_strike", likelihood=lik)["yes"] == pytest.approx(0.3, abs=1e-9)
    assert s.query("russian_mediation", likelihood=lik)["no"] == pytest.approx(0.675, abs=1e-9)


def test_states_left_out_of_a_belief_keep_their_odds(seed_path: Path) -> None:
    s = model.load(seed_path)
    node = "us_russia_track"  # three states
    states = s.nodes[node].states
    before = s.query(node)
    after = s.query(node, likelihood=s.believe({node: {states[0]: 0.5}}))
    assert after[states[0]] == pytest.approx(0.5, abs=1e-12)
    assert after[states[1]] / after[states[2]] == pytest.approx(before[states[1]] /
                                                                before[states[2]])


@pytest.mark.parametrize(("beliefs", "given", "message"), [
    ({"wet": {"yes": 1.2}}, {}, r"believe: wet=yes: .*"),
    ({"wet": {"yes": 0.7, "no": 0.7}}, {}, r"probabilities of 'wet' sum to 1.4"),
    ({"wet": {"yes": 0.5, "no": 0.4}}, {}, r"probabilities of 'wet' sum to 0.9"),
    ({"wet": {"yse": 0.5}}, {}, r"'yse' is not a state of 'wet'"),
    ({"wett": {"yes": 0.5}}, {}, r"unknown node 'wett'"),
    ({"wet": {"yes": 0.5}}, {"wet": "yes"}, r"'wet' is already observed"),
    ({"wet": {}}, {}, r"'wet' needs state: probability pairs"),
])
def test_bad_beliefs_say_what_to_fix(beliefs: Any, given: dict[str, str], message: str,
                                     tiny_path: Path) -> None:
    with pytest.raises(QueryError, match=message):
        model.load(tiny_path).believe(beliefs, given=given)


def test_a_belief_in_a_state_the_evidence_rules_out_is_refused(tmp_path: Path,
                                                               tiny_path: Path) -> None:
    s = model.load(tiny_path)
    with pytest.raises(QueryError, match="the evidence so far rules it out"):
        s.believe({"wet": {"yes": 0.5}}, likelihood={"wet": {"yes": 0.0}})
    # believing it impossible is fine: the same as ruling it out
    lik = s.believe({"wet": {"yes": 0.0}})
    assert s.query("wet", likelihood=lik)["yes"] == 0.0


def test_contradictory_beliefs_are_refused(tmp_path: Path) -> None:
    """b copies a exactly, so a at 90% and b at 10% cannot both hold."""
    text = """scenario: copy
title: A copy
question: Does b copy a?
as_of: 2025-03-25
horizon: 2025-12-31
nodes:
  a:
    label: a
    role: driver
    prior: {yes: 0.5}
    because: [{assumption: even}]
  b:
    label: b
    role: outcome
    parents: [a]
    table:
      - when: {a: yes}
        p: {yes: 1}
        because: [{assumption: copies}]
      - when: otherwise
        p: {yes: 0}
        because: [{assumption: copies}]
"""
    s = model.loads(text, tmp_path / "copy.yaml")
    with pytest.raises(QueryError, match="cannot all hold at once"):
        s.believe({"a": {"yes": 0.9}, "b": {"yes": 0.1}})


# approximate inference -----------------------------------------------------------------------


def test_likelihood_weighting_agrees_with_the_exact_answer(seed_path: Path) -> None:
    s = model.load(seed_path)
    given = {"us_strike": "no"}
    exact = s.query("nuclear_deal", given, likelihood=REPORT)
    found = s.query("nuclear_deal", given, likelihood=REPORT, approximate=200_000)
    assert found.approximate is not None
    for state, p in exact.items():
        se = found.approximate.standard_error[state]
        assert 0 < se < 0.01
        assert abs(found[state] - p) < 5 * se
    assert found.approximate.effective_samples < 200_000
    again = s.query("nuclear_deal", given, likelihood=REPORT, approximate=200_000)
    assert dict(again) == dict(found)  # seeded
    other = s.query("nuclear_deal", given, likelihood=REPORT, approximate=200_000, seed=7)
    assert dict(other) != dict(found)
    data = found.to_dict()["approximate"]
    assert data["method"] == "likelihood weighting" and data["samples"] == 200_000
    assert list(found.to_frame().columns) == ["probability", "term", "standard_error"]


def test_likelihood_weighting_standard_errors_are_honest(tiny_path: Path) -> None:
    """Over many seeds, about 95% of estimates fall within 1.96 standard errors."""
    s = model.load(tiny_path)
    exact = s.query("rain", {"wet": "yes"})["yes"]
    inside = 0
    for seed in range(200):
        found = s.query("rain", {"wet": "yes"}, approximate=400, seed=seed)
        assert found.approximate is not None
        inside += abs(found["yes"] - exact) <= 1.96 * found.approximate.standard_error["yes"]
    assert 180 <= inside <= 198


def test_approximate_queries_refuse_what_they_cannot_do(tiny_path: Path) -> None:
    s = model.load(tiny_path)
    with pytest.raises(QueryError, match="no sample of 1,000 agreed with the evidence"):
        s.query("wet", {"rain": "yes"}, likelihood={"rain": {"yes": 0}}, approximate=1_000)
    with pytest.raises(model.LimitError, match="between 1 and"):
        s.query("rain", approximate=0)
    with pytest.raises(QueryError, match="seed must be a whole number"):
        s.query("rain", approximate=10, seed=-1)


def test_a_query_refused_as_too_large_can_be_estimated_instead(seed_path: Path) -> None:
    s = model.load(seed_path)
    s.compiled.max_cells = 4  # as if every table the question needs were too large
    with pytest.raises(model.LimitError, match=r"approximate=100_000.*--approximate 100000"):
        s.query("nuclear_deal", {"us_strike": "no"})
    found = s.query("nuclear_deal", {"us_strike": "no"}, approximate=50_000)
    exact = model.load(seed_path).query("nuclear_deal", {"us_strike": "no"})
    assert found.approximate is not None
    assert abs(found["yes"] - exact["yes"]) < 5 * found.approximate.standard_error["yes"]


def test_a_log_s_tiny_weights_on_two_nodes_are_not_read_as_impossible(tmp_path: Path) -> None:
    """Weights of 1e-300 on two nodes of one entry, and a second report on one of them:
    only their ratios count, as if written 1:2, 3:1 and 1:3."""
    text = ("scenario: base\ntitle: Base\nquestion: q\nas_of: 2025-01-01\n"
            "horizon: 2025-12-31\nnodes:\n"
            "  cloud: {role: driver, prior: {yes: 0.4}, because: [{assumption: a}]}\n"
            "  rain:\n    role: outcome\n    parents: [cloud]\n    table:\n"
            "      - {when: {cloud: yes}, p: {yes: 0.8}, because: [{assumption: b}]}\n"
            "      - {when: {cloud: no}, p: {yes: 0.1}, because: [{assumption: c}]}\n")
    (tmp_path / "base.yaml").write_text(text)
    (tmp_path / "case.yaml").write_text(
        "case: c\nscenario: base.yaml\nevidence:\n"
        "  - date: 2025-02-01\n"
        "    likelihood: {rain: {yes: 1e-300, no: 2e-300}, cloud: {yes: 3e-300, no: 1e-300}}\n"
        "    because: [{assumption: x}]\n"
        "  - date: 2025-03-01\n    likelihood: {rain: {yes: 1e-300, no: 3e-300}}\n"
        "    because: [{assumption: x}]\n")
    case = model.load(tmp_path / "case.yaml")
    plain = model.load(tmp_path / "base.yaml")
    want = plain.query("cloud", likelihood={"rain": {"yes": 1, "no": 6},
                                            "cloud": {"yes": 3, "no": 1}})
    assert dict(case.query("cloud")) == pytest.approx(dict(want), abs=EXACT)
    joint = full_joint(plain.net)  # (cloud, rain): weighed by hand, then normalised
    weighed = joint * np.array([3.0, 1.0])[:, None] * np.array([1.0, 6.0])[None, :]
    assert case.query("cloud")["yes"] == pytest.approx(weighed[0].sum() / weighed.sum(),
                                                      abs=EXACT)


@pytest.mark.parametrize(("args", "words"), [
    (["--likelihood", "wet=yes:1e200,no:2e200", "--likelihood", "wet=yes:1e200,no:3e200"],
     "the reports on 'wet' multiply past what a number holds"),
    (["--likelihood", "wet=yes:1e-330,no:1"], "'1e-330' is too small to hold apart from 0"),
])
def test_weights_past_what_a_number_holds_are_refused_saying_so(
        args: list[str], words: str, tiny_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", str(tiny_path), "rain", *args]) == 2
    assert words in capsys.readouterr().err
