"""The first query of a new shape on large networks: the question's own elimination order
(weighted min-fill, or min-size) and the parts cut off from the target by the evidence,
left out when one assignment proves them possible, summed otherwise. Every answer against
pyAgrum's LazyPropagation (on pgmpy's classic networks) or brute force, to 1e-9."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import model
from model.errors import QueryError
from model.network import compiled
from model.network.compiled import CompiledNet, Heuristic
from model.network.net import Net
from tests.brute_force import posterior as brute_posterior
from tests.random_networks import random_net
from tests.test_interop import EXAMPLES

gum = pytest.importorskip("pyagrum")
from tests.pyagrum_network import gum_network  # noqa: E402  (needs pyagrum)

EXACT = 1e-9
SHAPES = 25


def _shapes(net: Net, count: int, seed: int) -> list[tuple[str, dict[str, str]]]:
    """Targets and observed states of one forward sample each (so possible): new shapes."""
    rng = np.random.default_rng(seed)
    nodes = list(net.states)
    out = []
    for _ in range(count):
        drawn: dict[str, int] = {}
        for node, table in net.tables.items():
            column = table[(slice(None), *(drawn[p] for p in net.parents[node]))]
            drawn[node] = int(rng.choice(len(column), p=column / column.sum()))
        observed = rng.choice(nodes, size=int(rng.integers(0, 21)), replace=False)
        target = str(rng.choice([n for n in nodes if n not in observed]))
        out.append((target, {str(n): net.states[n][drawn[n]] for n in observed}))
    return out


def _compare_with_pyagrum(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    net = model.load(EXAMPLES / f"{name}.bif.gz").net
    reference = gum.LazyPropagation(gum_network(net))
    witnessed = []
    found = CompiledNet._witnessed

    def spy(self: CompiledNet, *args: Any) -> bool:
        witnessed.append(found(self, *args))
        return witnessed[-1]

    monkeypatch.setattr(CompiledNet, "_witnessed", spy)
    engine = CompiledNet(net)
    worst = 0.0
    for target, given in _shapes(net, SHAPES, seed=len(net.states)):
        reference.eraseAllEvidence()
        reference.eraseAllTargets()
        reference.addTarget(target)
        reference.setEvidence(given)
        reference.makeInference()
        theirs = reference.posterior(target).toarray()
        worst = max(worst, float(np.abs(engine.posterior(target, given) - theirs).max()))
    assert worst <= EXACT, (name, worst)
    assert any(witnessed), "some cut-off parts are shown possible and left out"


@pytest.mark.parametrize("name", ["pigs", "munin1"])
def test_first_queries_of_new_shapes_match_pyagrum(name: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    _compare_with_pyagrum(name, monkeypatch)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["link", "munin", "munin2"])
def test_first_queries_of_new_shapes_match_pyagrum_on_the_largest(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _compare_with_pyagrum(name, monkeypatch)


def _cut_off_net() -> Net:
    """t apart; b observed cuts {a, b} off t. b = 'b1' is impossible when a = 'a0', a's
    likeliest state; b = 'b2' is impossible whatever a is."""
    return Net({"t": ("t0", "t1"), "a": ("a0", "a1"), "b": ("b0", "b1", "b2")},
               {"t": (), "a": (), "b": ("a",)},
               {"t": np.array([0.3, 0.7]), "a": np.array([0.9, 0.1]),
                "b": np.array([[1.0, 0.4], [0.0, 0.6], [0.0, 0.0]])})


def test_a_cut_off_part_the_greedy_assignment_misses_is_summed_exactly() -> None:
    net = _cut_off_net()
    engine = CompiledNet(net)
    shape, _ = engine._shape(("t",), {"b": "b1"}, {}, {}, {"b": 1}, None, exact=False)
    (cut,) = shape.cut
    assert not engine._witnessed(cut, {"b": 1}, {})  # a0 first, where b1 is impossible
    assert engine._witnessed(cut, {"b": 0}, {})
    np.testing.assert_allclose(engine.posterior("t", {"b": "b1"}), [0.3, 0.7], atol=EXACT)
    np.testing.assert_allclose(CompiledNet(net).posterior("t", {"b": "b0"}), [0.3, 0.7],
                               atol=EXACT)


def test_impossible_evidence_cut_off_is_refused_on_first_sight() -> None:
    with pytest.raises(QueryError, match="impossible"):
        CompiledNet(_cut_off_net()).posterior("t", {"b": "b2"})


def test_a_likelihood_on_a_cut_off_part_weighs_its_witness() -> None:
    """a's likelihood rules a1 out: with b = 'b1' nothing is possible."""
    engine = CompiledNet(_cut_off_net())
    with pytest.raises(QueryError, match="impossible"):
        engine.posterior("t", {"b": "b1"}, likelihood={"a": {"a0": 1.0, "a1": 0.0}})
    np.testing.assert_allclose(
        CompiledNet(_cut_off_net()).posterior("t", {"b": "b1"},
                                              likelihood={"a": {"a0": 0.0, "a1": 1.0}}),
        [0.3, 0.7], atol=EXACT)


@pytest.mark.parametrize("heuristic", ["weighted-fill", "min-size"])
@pytest.mark.parametrize("seed", range(6))
def test_each_greedy_order_gives_the_exact_answer(heuristic: Heuristic, seed: int,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Every question eliminated in the order of its own graph, by either heuristic."""
    monkeypatch.setattr(compiled, "OWN_ORDER_TABLES", 0)
    chosen = CompiledNet._greedy_steps

    def greedy(self: CompiledNet, scopes: Any, free: Any, check: bool, card: Any,
               _: Heuristic = "weighted-fill") -> Any:
        return chosen(self, scopes, free, check, card, heuristic)

    monkeypatch.setattr(CompiledNet, "_greedy_steps", greedy)
    net = random_net(14, seed, window=5, zeros=seed % 2 == 1)
    rng = np.random.default_rng(seed)
    nodes = list(net.states)
    for _ in range(8):
        engine = CompiledNet(net)
        observed = rng.choice(nodes, size=int(rng.integers(0, 5)), replace=False)
        given = {str(n): net.states[n][int(rng.integers(len(net.states[n])))]
                 for n in observed}
        target = str(rng.choice([n for n in nodes if n not in given]))
        with np.errstate(invalid="ignore"):  # impossible evidence: 0 / 0
            expected = brute_posterior(net, [target], given)
        if not np.isfinite(expected).all():
            with pytest.raises(QueryError, match="impossible"):
                engine.posterior(target, given)
        else:
            np.testing.assert_allclose(engine.posterior(target, given), expected, atol=EXACT)


@pytest.mark.parametrize("core", ["c_einsum", "np.einsum"])
def test_bucket_steps_run_as_c_einsum_calls_of_every_kind_exactly(
        core: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """First queries run their steps as einsum calls worked out once per plan: a plain sum
    along one axis, a two-table product, a step of more tables, and a large step through
    BLAS (BLAS_CELLS lowered so small networks have some); each against brute force, with
    numpy's private C core and with the public einsum a numpy without it falls back to."""
    monkeypatch.setattr(compiled, "BLAS_CELLS", 1 << 4)
    if core == "np.einsum":
        monkeypatch.setattr(compiled, "_c_einsum", np.einsum)
    made = compiled._calls
    kinds: set[str] = set()

    def spy(plan: Any) -> Any:
        calls = made(plan)
        for used, how, large in calls:
            kinds.add("sum" if isinstance(how, int) else "blas" if large else
                      "two" if len(used) == 2 else "more")
        return calls

    monkeypatch.setattr(compiled, "_calls", spy)
    for seed in range(6):
        net = random_net(12, seed, window=5)
        rng = np.random.default_rng(seed)
        nodes = list(net.states)
        for _ in range(6):
            observed = rng.choice(nodes, size=int(rng.integers(0, 4)), replace=False)
            given = {str(n): net.states[n][0] for n in observed}
            target = str(rng.choice([n for n in nodes if n not in given]))
            with np.errstate(invalid="ignore"):
                expected = brute_posterior(net, [target], given)
            if np.isfinite(expected).all():
                np.testing.assert_allclose(CompiledNet(net).posterior(target, given),
                                           expected, atol=EXACT)
    assert kinds == {"sum", "two", "more", "blas"}
