"""The engine's derivatives (one elimination forwards and backwards), and the analyses built
on them: signposts' joints and the tornado's swings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import model
from model.analysis.sensitivity import tornadoes
from model.analysis.signposts import joints_with
from model.network.compiled import CompiledNet
from model.network.net import Net
from tests.brute_force import posterior, weighed_joint
from tests.random_networks import random_net
from tests.test_analysis_sensitivity import number_set

EXACT = 1e-9


def evidence(net: Net, given: dict[str, str], do: dict[str, str],
             likelihood: dict[str, dict[str, float]] | None = None) -> float:
    return float(weighed_joint(net, given, do, likelihood).sum())


@pytest.mark.parametrize("prune", [True, False])
@pytest.mark.parametrize("seed", range(6))
def test_a_table_changed_moves_the_evidence_by_its_derivative(seed: int, prune: bool) -> None:
    """Z is linear in each table: Z(T') = Z(T) + sum((T' - T) * dZ/dT), whatever T' is."""
    net = random_net(7, seed, zeros=seed % 2 == 1)
    rng = np.random.default_rng(seed)
    nodes = net.nodes
    given = {nodes[-1]: net.states[nodes[-1]][0], nodes[2]: net.states[nodes[2]][-1]}
    do = {nodes[3]: net.states[nodes[3]][0]} if seed % 3 == 0 else {}
    given = {n: s for n, s in given.items() if n not in do}
    lik = {nodes[1]: {net.states[nodes[1]][0]: 0.3}} if seed % 2 == 0 else None
    z, grads = CompiledNet(net).derivatives(given, do, likelihood=lik, prune=prune)
    assert z == pytest.approx(evidence(net, given, do, lik), abs=EXACT)
    assert set(grads) <= set(nodes) - set(do)
    for node in nodes:
        if node in do:
            continue
        other = rng.dirichlet(np.ones(len(net.states[node])),
                              size=int(np.prod(net.tables[node].shape[1:]))).T
        other = other.reshape(net.tables[node].shape)
        changed = Net(net.states, net.parents, {**net.tables, node: other})
        predicted = z + float(((other - net.tables[node]) * grads[node]).sum()) \
            if node in grads else z
        assert evidence(changed, given, do, lik) == pytest.approx(predicted, abs=EXACT), node


@pytest.mark.parametrize("seed", range(6))
def test_table_times_derivative_is_each_nodes_joint_with_the_evidence(seed: int) -> None:
    net = random_net(7, seed, zeros=seed % 2 == 1)
    given = {net.nodes[-1]: net.states[net.nodes[-1]][0]}
    _, grads = CompiledNet(net).derivatives(given, prune=False)
    z = evidence(net, given, {})
    for node, grad in grads.items():
        table = net.tables[node]
        joint = (table * grad).reshape(table.shape[0], -1).sum(axis=1)
        if z > 0 and node not in given:
            np.testing.assert_allclose(joint, z * posterior(net, [node], given), atol=EXACT)


@pytest.mark.parametrize("which", ["seed", "tiny", "random"])
def test_signpost_joints_equal_one_query_per_node(which: str, seed_path: Path,
                                                  tiny_path: Path) -> None:
    if which == "random":
        net = random_net(12, 3, zeros=True)
        outcomes = [net.nodes[-1], net.nodes[5]]
    else:
        s = model.load(seed_path if which == "seed" else tiny_path)
        net, outcomes = s.net, s.outcomes
    engine = CompiledNet(net)
    for outcome in outcomes:
        joints = joints_with(engine, outcome)
        assert set(joints) == set(net.nodes) - {outcome}
        for node, joint in joints.items():
            np.testing.assert_allclose(joint, engine.joint([outcome, node]), atol=1e-12,
                                       err_msg=f"P({outcome}, {node})")


def test_every_seed_bar_equals_the_outcome_requeried(seed_path: Path) -> None:
    s = model.load(seed_path)
    for tornado in tornadoes(s, s.compiled, s.outcomes, top=len(s.params)):
        for bar in tornado.bars:
            for value, expected in ((bar.input_low, bar.at_low), (bar.input_high, bar.at_high)):
                row = number_set(s, bar.param, value)
                edited = Net(s.net.states, s.net.parents,
                             {n: spec.table(row)[0] for n, spec in s.nodes.items()})
                got = CompiledNet(edited).posterior(tornado.node)[0]
                assert expected == pytest.approx(got, abs=EXACT), bar.place.label


def test_derivatives_past_the_budget_are_refused_before_the_work(seed_path: Path) -> None:
    net = model.load(seed_path).net
    with pytest.raises(model.LimitError, match="past the memory budget"):
        CompiledNet(net, budget=100).derivatives({"nuclear_deal": "yes"}, prune=False)


@pytest.mark.parametrize("seed", range(5))
def test_every_marginal_at_once_equals_one_query_each(seed: int) -> None:
    net = random_net(9, seed, zeros=seed % 2 == 1)
    engine = CompiledNet(net)
    rng = np.random.default_rng(seed)
    for k in range(6):
        picked = [str(n) for n in rng.choice(net.nodes, size=3, replace=False)]
        given = {picked[0]: str(rng.choice(net.states[picked[0]]))} if k % 2 else {}
        do = {picked[1]: str(rng.choice(net.states[picked[1]]))} if k % 3 == 2 else {}
        lik = {picked[2]: {net.states[picked[2]][0]: 0.2}} if k >= 3 else None
        try:
            expected = {n: engine.posterior(n, given, do, likelihood=lik) for n in net.nodes}
        except model.QueryError:
            with pytest.raises(model.QueryError, match="impossible"):
                engine.marginals(given, do, likelihood=lik)
            continue
        got = engine.marginals(given, do, likelihood=lik)
        for node in net.nodes:
            np.testing.assert_allclose(got[node], expected[node], atol=1e-12, err_msg=node)


def test_query_all_and_many_marginals_take_one_pass(seed_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from model.analysis import marginals as module

    s = model.load(seed_path)
    given, report = {"us_strike": "no"}, {"israeli_strike": {"yes": 2}}
    one_each = {n: s.query(n, given, likelihood=report) for n in s.nodes}
    passes: list[object] = []
    every = s.compiled.marginals
    monkeypatch.setattr(s.compiled, "marginals",
                        lambda *a, **k: passes.append(a) or every(*a, **k))
    together = s.query_all(given, likelihood=report)
    assert len(passes) == 1
    for node, dist in one_each.items():
        assert dict(together[node]) == pytest.approx(dict(dist), abs=1e-12)
        assert together[node].given == given and together[node].likelihood == {
            "israeli_strike": {"yes": 2.0}}
    monkeypatch.setattr(module, "MAX_GROUPS", 0)
    found = module.marginals(s, list(s.nodes), given, likelihood=report)
    assert len(passes) == 2
    for node, dist in one_each.items():
        assert found[node] == pytest.approx(dict(dist), abs=1e-12)


FOLLOWUP = Path(__file__).resolve().parent.parent / "scenarios" / "russia_iran_2025_followup.yaml"


def test_analyses_in_one_pass_hold_an_evidence_logs_observations() -> None:
    """With an evidence log every question holds the log's observations: so do every
    marginal at once, the signposts' joints and the tornado's bars (a ratio of two passes,
    P(outcome, evidence) over P(evidence), since a swung number moves both)."""
    if not FOLLOWUP.exists():
        pytest.skip("no follow-up case of the seed")
    s = model.load(FOLLOWUP)
    seen = dict(s.background.given)
    assert seen, "the case observes something"
    engine = s.compiled
    outcome = s.outcomes[0]
    for node, dist in s.query_all().items():
        assert dict(dist) == pytest.approx(dict(s.query(node)), abs=1e-12), node
    assert any(o in seen for o in s.outcomes), "an outcome the log observes, too"
    for o in s.outcomes:
        for node, joint in joints_with(engine, o).items():
            np.testing.assert_allclose(joint, engine.joint([o, node]), atol=1e-12,
                                       err_msg=f"P({o}, {node})")
    plain = model.load(FOLLOWUP).net
    [tornado] = tornadoes(s, engine, [outcome], top=6)
    assert tornado.base == pytest.approx(s.query(outcome)[tornado.state], abs=1e-12)
    for bar in tornado.bars:
        for value, expected in ((bar.input_low, bar.at_low), (bar.input_high, bar.at_high)):
            row = number_set(s, bar.param, value)
            edited = Net(plain.states, plain.parents,
                         {**plain.tables, **{n: spec.table(row)[0] for n, spec in s.nodes.items()
                                             if n in plain.tables and not spec.reader_decision}})
            # the log's reports keep their likelihoods (a belief's as it was turned into one)
            got = CompiledNet(edited).posterior(outcome, seen,
                                                likelihood=s.background.likelihood or None)[0]
            assert expected == pytest.approx(got, abs=EXACT), bar.place.label


@pytest.mark.parametrize("seed", range(4))
def test_derivatives_by_kept_einsum_steps_equal_numpys_own(
        seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A derivative pass runs its many-table steps as the pairwise steps np.einsum's search
    picks, searched once per subscripts and shapes and then run as two-operand einsums: the
    same numbers on the first pass (the steps searched) and the next (the steps kept), to
    the bit, and np.einsum(optimize=True)'s to rounding."""
    from model.network import compiled

    net = random_net(14, seed, window=6, max_parents=4, zeros=seed % 2 == 1)
    given = {net.nodes[-1]: net.states[net.nodes[-1]][0]}
    monkeypatch.setattr(compiled, "_EINSUM_STEPS", {})
    passes = [CompiledNet(net).derivatives(given, prune=False) for _ in range(2)]
    assert compiled._EINSUM_STEPS, "no step of many tables: the test tests nothing"
    assert any(len(steps) > 1 for steps in compiled._EINSUM_STEPS.values())
    (first_z, first), (second_z, second) = passes
    assert first_z == second_z and list(first) == list(second)
    for node, grad in first.items():
        assert np.array_equal(second[node], grad), node
    monkeypatch.setattr(compiled, "_optimized_einsum",
                        lambda args: np.einsum(*args, optimize=True))
    z, grads = CompiledNet(net).derivatives(given, prune=False)
    assert first_z == pytest.approx(z, rel=1e-12) and list(first) == list(grads)
    for node, grad in grads.items():
        np.testing.assert_allclose(first[node], grad, rtol=1e-12, atol=1e-300)
    assert z == pytest.approx(evidence(net, given, {}), abs=EXACT)
