"""The compiled engine against pgmpy's variable elimination and brute-force enumeration."""

from __future__ import annotations

import contextlib
import gzip
import itertools
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import model
from model.errors import LimitError, QueryError
from model.network import compiled as engine_module
from model.network.compiled import CompiledNet
from model.network.net import Net
from model.network.pgmpy_engine import PgmpyEngine, net_from_pgmpy, pgmpy_classes
from tests.brute_force import full_joint, posterior
from tests.random_networks import random_net, sampled_tables

EXACT = 1e-9
Question = tuple[dict[str, str], dict[str, str]]


def questions(net: Net, rng: np.random.Generator, count: int) -> Iterator[Question]:
    """No condition, each single observation and intervention, then random mixes of both."""
    yield {}, {}
    for node, states in net.states.items():
        for state in states:
            yield {node: state}, {}
            yield {}, {node: state}
    for _ in range(count):
        picked = rng.choice(net.nodes, size=min(4, len(net.nodes)), replace=False)
        chosen = {str(n): str(rng.choice(net.states[str(n)])) for n in picked}
        split = int(rng.integers(0, len(chosen) + 1))
        items = list(chosen.items())
        yield dict(items[:split]), dict(items[split:])


def agree_with_pgmpy(net: Net, engine: CompiledNet, reference: PgmpyEngine,
                     asked: list[Question]) -> None:
    for given, do in asked:
        for node in net.nodes:
            try:
                expected = reference.joint([node], given, do)
            except QueryError:
                with pytest.raises(QueryError):
                    engine.posterior(node, given, do)
                continue
            np.testing.assert_allclose(engine.posterior(node, given, do), expected,
                                       atol=EXACT, err_msg=f"{node} | {given}, do {do}")


# scenarios -----------------------------------------------------------------------------------


@pytest.fixture(params=["tiny_path", "seed_path"])
def scenario(request: pytest.FixtureRequest) -> model.Scenario:
    path: Path = request.getfixturevalue(request.param)
    if not path.exists():
        pytest.skip(f"{path.name} not written yet")
    return model.load(path)


def test_scenario_posteriors_equal_pgmpy(scenario: model.Scenario) -> None:
    net = scenario.net
    asked = list(questions(net, np.random.default_rng(1), 15))
    agree_with_pgmpy(net, CompiledNet(net), PgmpyEngine(net), asked)


def test_observing_differs_from_setting(tiny_path: Path) -> None:
    engine = CompiledNet(model.load(tiny_path).net)
    seen = engine.posterior("rain", given={"sprinkler": "yes"})
    forced = engine.posterior("rain", do={"sprinkler": "yes"})
    assert np.abs(seen - forced).max() > 0.05
    np.testing.assert_allclose(forced, engine.posterior("rain"), atol=EXACT)
    # below the set node: P(wet | do(sprinkler=yes)) = sum over rain of P(rain) P(wet | rain, yes)
    net = engine.net
    by_hand = net.tables["wet"][:, :, 0] @ net.tables["rain"]
    np.testing.assert_allclose(engine.posterior("wet", do={"sprinkler": "yes"}), by_hand,
                               atol=EXACT)


def test_fixed_targets_are_certain(tiny_path: Path) -> None:
    engine = CompiledNet(model.load(tiny_path).net)
    np.testing.assert_array_equal(engine.posterior("rain", given={"rain": "no"}), [0.0, 1.0])
    np.testing.assert_array_equal(engine.posterior("sprinkler", do={"sprinkler": "yes"}),
                                  [1.0, 0.0])
    joint = engine.joint(["wet", "rain"], given={"rain": "yes"})
    np.testing.assert_allclose(joint[:, 1], 0.0)
    np.testing.assert_allclose(joint[:, 0], engine.posterior("wet", given={"rain": "yes"}))


# brute force ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_small_nets_equal_enumeration(seed: int) -> None:
    net = random_net(7, seed, zeros=seed % 2 == 1)
    engine = CompiledNet(net)
    for given, do in questions(net, np.random.default_rng(seed), 10):
        mutilated = full_joint(net.intervene(do))
        expected_evidence = _evidence(net, mutilated, given)
        assert engine.evidence_probability(given, do) == pytest.approx(expected_evidence,
                                                                       abs=EXACT)
        if expected_evidence == 0:
            with pytest.raises(QueryError, match="impossible"):
                engine.posterior(net.nodes[-1], given, do)
            continue
        for node in net.nodes:
            np.testing.assert_allclose(engine.posterior(node, given, do),
                                       posterior(net, [node], given, do), atol=EXACT)
        pair = [net.nodes[seed % 7], net.nodes[(seed + 3) % 7]]
        np.testing.assert_allclose(engine.joint(pair, given, do),
                                   posterior(net, pair, given, do), atol=EXACT)


def _evidence(net: Net, joint: np.ndarray, given: dict[str, str]) -> float:
    index = tuple(net.states[n].index(given[n]) if n in given else slice(None)
                  for n in net.nodes)
    return float(joint[index].sum())


# batches -------------------------------------------------------------------------------------


@pytest.mark.parametrize("chunk_cells", [engine_module.CHUNK_CELLS, 16])
def test_batched_results_equal_each_sample(tiny_path: Path, seed_path: Path, chunk_cells: int,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "CHUNK_CELLS", chunk_cells)  # 16: a chunk per sample
    scenario = model.load(seed_path if seed_path.exists() else tiny_path)
    net = scenario.net
    rng = np.random.default_rng(3)
    _, everything = sampled_tables(scenario, 5, 3)
    some = dict(list(everything.items())[::2])
    engine = CompiledNet(net)
    for tables in (everything, some):
        singles = [CompiledNet(Net(net.states, net.parents,
                                   {**net.tables, **{n: t[i] for n, t in tables.items()}}))
                   for i in range(5)]
        for given, do in itertools.islice(questions(net, rng, 5), 0, None, 3):
            last = net.nodes[-1]
            targets = [net.nodes[0], last]
            for i, single in enumerate(singles):
                np.testing.assert_allclose(engine.posterior(last, given, do, tables)[i],
                                           single.posterior(last, given, do), atol=EXACT)
                np.testing.assert_allclose(engine.joint(targets, given, do, tables)[i],
                                           single.joint(targets, given, do), atol=EXACT)
                np.testing.assert_allclose(
                    np.asarray(engine.evidence_probability(given, do, tables))[i],
                    single.evidence_probability(given, do), atol=EXACT)


def test_each_posterior_out_of_one_batched_joint_is_each_samples_own(
        tiny_path: Path, seed_path: Path) -> None:
    """`posteriors` (each target normalised on its own, out of one unnormalised joint)
    against brute-force enumeration of each sample's network, with observations, set nodes
    and likelihoods."""
    scenario = model.load(seed_path if seed_path.exists() else tiny_path)
    net = scenario.net
    rng = np.random.default_rng(5)
    nets, tables = sampled_tables(scenario, 3, 5)
    engine = CompiledNet(net)
    weighed = net.nodes[len(net.nodes) // 2]
    for k, (given, do) in enumerate(itertools.islice(questions(net, rng, 6), 6)):
        likelihood = ({weighed: {net.states[weighed][0]: 3.0}}
                      if k % 2 and weighed not in {**given, **do} else None)
        targets = [n for n in net.nodes[::-1] if n not in do][:3] + list(do)[:1]
        found = engine.posteriors(targets, given, do, {n: t for n, t in tables.items()
                                                       if n not in do}, likelihood=likelihood)
        assert [f.shape for f in found] == [(3, len(net.states[t])) for t in targets]
        for i, single in enumerate(nets):
            for target, drawn in zip(targets, found, strict=True):
                np.testing.assert_allclose(
                    drawn[i], posterior(single, [target], given, do, likelihood), atol=EXACT)
        point = engine.posteriors(targets, given, do, likelihood=likelihood)
        for target, p in zip(targets, point, strict=True):
            np.testing.assert_allclose(p, engine.posterior(target, given, do,
                                                           likelihood=likelihood), atol=EXACT)


def test_batch_of_only_irrelevant_tables_is_broadcast(tiny_path: Path) -> None:
    net = model.load(tiny_path).net
    engine = CompiledNet(net)
    tables = {"wet": np.stack([net.tables["wet"]] * 4)}
    out = engine.posterior("rain", tables=tables)
    assert out.shape == (4, 2)
    np.testing.assert_allclose(out, np.stack([engine.posterior("rain")] * 4), atol=EXACT)


def test_batched_tables_of_the_wrong_shape_are_refused(tiny_path: Path) -> None:
    net = model.load(tiny_path).net
    engine = CompiledNet(net)
    with pytest.raises(ValueError, match="shape"):
        engine.posterior("rain", tables={"wet": net.tables["wet"]})
    with pytest.raises(ValueError, match="batch size"):
        engine.posterior("rain", tables={"wet": np.stack([net.tables["wet"]] * 2),
                                         "rain": np.stack([net.tables["rain"]] * 3)})


# pruning -------------------------------------------------------------------------------------


def chain_with_branch() -> Net:
    """x -> e -> t, and x -> w: given e, the target t needs neither x's nor w's table."""
    two = ("a", "b")
    states = {"x": two, "e": two, "t": two, "w": two}
    parents: dict[str, tuple[str, ...]] = {"x": (), "e": ("x",), "t": ("e",), "w": ("x",)}
    tables = {"x": np.array([0.3, 0.7]), "e": np.array([[0.9, 0.2], [0.1, 0.8]]),
              "t": np.array([[0.6, 0.1], [0.4, 0.9]]), "w": np.array([[0.5, 0.5], [0.5, 0.5]])}
    return Net(states, parents, tables)


def test_pruned_tables_are_never_read() -> None:
    net = chain_with_branch()
    engine = CompiledNet(net)
    poisoned = {n: np.full((1, *net.tables[n].shape), np.nan) for n in ("x", "w")}
    np.testing.assert_allclose(engine.posterior("t", {"e": "b"}, tables=poisoned)[0],
                               [0.1, 0.9])
    poisoned = {"w": np.full((1, 2, 2), np.nan)}  # barren: no target or evidence below it
    np.testing.assert_allclose(engine.posterior("e", tables=poisoned)[0],
                               posterior(net, ["e"]), atol=EXACT)


def test_impossible_evidence_is_refused_even_when_cut_off() -> None:
    net = chain_with_branch()
    net = Net(net.states, net.parents, {**net.tables, "e": np.array([[1.0, 0.2], [0.0, 0.8]])})
    engine = CompiledNet(net)
    impossible = {"x": "a", "e": "b"}
    with pytest.raises(QueryError, match="impossible"):
        engine.posterior("t", impossible)
    with pytest.raises(QueryError, match="impossible"):
        engine.posterior("t", {"e": "b", "w": "a", "x": "a"})
    with pytest.raises(QueryError, match="impossible"):
        engine.posterior("x", impossible)  # the target fixed too: still checked
    assert engine.evidence_probability(impossible) == 0.0
    # the same observations are possible in a sample where the cell is not zero
    tables = {"e": np.stack([net.tables["e"], chain_with_branch().tables["e"]])}
    with pytest.raises(QueryError, match="impossible"):
        engine.posterior("t", impossible, tables=tables)
    np.testing.assert_allclose(engine.evidence_probability(impossible, tables=tables),
                               [0.0, 0.3 * 0.1])


# a shape's first sight and its repeats ---------------------------------------------------------

Ask = Callable[[CompiledNet], Any]


def first_and_planned(net: Net, ask: Ask, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """`ask` answered twice by a fresh engine: on its shape's first sight (bucket elimination
    in the network's order, nothing planned) and again (planned: every answer of the shape
    at once, or the planned contraction); an impossible observation stands for its answer."""
    engine = CompiledNet(net)
    planned: list[Any] = []
    plan = engine._plan
    monkeypatch.setattr(engine, "_plan", lambda *args: planned.append(args) or plan(*args))
    answers = []
    for sight in range(2):
        try:
            answers.append(np.asarray(ask(engine)))
        except QueryError as error:
            assert "impossible" in str(error)
            answers.append("impossible")
        assert bool(planned) == (sight == 1), "planned on the second sight, not the first"
    return answers


def assert_same(first: Any, second: Any, what: str) -> None:
    if isinstance(first, str) or isinstance(second, str):
        assert first == second, what
    else:
        np.testing.assert_allclose(first, second, rtol=1e-12, atol=1e-12, err_msg=what)


def asks(net: Net, given: dict[str, str], do: dict[str, str], rng: np.random.Generator
         ) -> Iterator[tuple[str, Ask]]:
    """A posterior, a joint of two nodes and the evidence's probability."""
    target, other = (str(n) for n in rng.choice(net.nodes, size=2, replace=False))
    yield f"P({target})", lambda e: e.posterior(target, given, do)
    yield f"P({target}, {other})", lambda e: e.joint([target, other], given, do)
    yield "P(evidence)", lambda e: e.evidence_probability(given, do)


# planned shapes keep every answer when few (the default), or contract each query's slices
PLANNING = [pytest.param(engine_module.ANSWER_CELLS, id="answer-tables"),
            pytest.param(0, id="contractions")]


@pytest.mark.slow
@pytest.mark.parametrize("answer_cells", PLANNING)
@pytest.mark.parametrize(("name", "sets"),
                         [("asia", 12), ("alarm", 12), ("hailfinder", 8), ("win95pts", 8),
                          ("andes", 4)])
def test_first_sight_equals_planned_on_classic_networks(name: str, sets: int,
                                                        answer_cells: int,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "ANSWER_CELLS", answer_cells)
    net = net_from_pgmpy(classic(name))
    rng = np.random.default_rng(5)
    for i in range(sets):
        sample = forward_sample(net, rng)
        chosen = [str(n) for n in rng.choice(net.nodes, size=1 + i % 8, replace=False)]
        forced = chosen[:i % 3]  # some questions set nodes by intervention too
        given = {n: sample[n] for n in chosen if n not in forced}
        do = {n: sample[n] for n in forced}
        for what, ask in asks(net, given, do, rng):
            assert_same(*first_and_planned(net, ask, monkeypatch),
                        f"{name}: {what} | {given}, do {do}")


@pytest.mark.parametrize("answer_cells", PLANNING)
@pytest.mark.parametrize("seed", range(4))
def test_first_sight_equals_planned_on_random_nets(seed: int, answer_cells: int,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "ANSWER_CELLS", answer_cells)
    net = random_net(12, seed, zeros=seed % 2 == 1)  # zeros: impossible evidence, cut-off too
    rng = np.random.default_rng(seed)
    for given, do in itertools.islice(questions(net, rng, 12), 0, None, 5):
        for what, ask in asks(net, given, do, rng):
            assert_same(*first_and_planned(net, ask, monkeypatch), f"{what} | {given}, do {do}")


# plans shared by engines of one structure ----------------------------------------------------


def renumbered(net: Net, seed: int) -> Net:
    """`net`'s structure with other numbers (zeros where `net` has them, so the same
    observations stay impossible)."""
    rng = np.random.default_rng(seed)
    tables = {}
    for node, table in net.tables.items():
        other = rng.dirichlet(np.ones(table.shape[0]), size=table[0].size).T
        other = other.reshape(table.shape) * (table > 0)
        tables[node] = other / other.sum(axis=0, keepdims=True)
    return Net(net.states, net.parents, tables)


def every_kind_of_answer(engine: CompiledNet, net: Net, seed: int) -> list[Any]:
    """Posteriors, joints and evidence probabilities, each asked twice (first sight and
    planned), with a likelihood, with batched tables, and the one-pass answers."""
    rng = np.random.default_rng(seed)
    last, first = net.nodes[-1], net.nodes[0]
    states = net.states[first]
    likelihood = {first: {states[0]: 0.3, states[-1]: 2.0}}
    batch = {n: np.stack([t, renumbered(net, seed + 1).tables[n]])
             for n, t in list(net.tables.items())[::3]}

    def kinds(given: dict[str, str], do: dict[str, str]) -> list[Callable[[], Any]]:
        return [lambda: engine.posterior(last, given, do),
                lambda: engine.joint([first, last], given, do),
                lambda: engine.evidence_probability(given, do),
                lambda: engine.posterior(last, given, do, likelihood=likelihood),
                lambda: engine.posterior(last, given, do, batch),
                lambda: engine.evidence_probability(given, do, batch),
                lambda: engine.derivatives(given, do)[1],
                lambda: engine.marginals(given, do),
                lambda: engine.most_probable(given, do)]

    found: list[Any] = []
    for given, do in itertools.islice(questions(net, rng, 8), 0, None, 4):
        for ask in kinds(given, do) * 2:
            try:
                found.append(ask())
            except QueryError as error:
                found.append(str(error))
    return found


def assert_identical(first: Any, second: Any) -> None:
    if isinstance(first, dict):
        assert list(first) == list(second)
        for key in first:
            assert_identical(first[key], second[key])
    elif isinstance(first, list | tuple):
        assert len(first) == len(second)
        for a, b in zip(first, second, strict=True):
            assert_identical(a, b)
    elif isinstance(first, np.ndarray | float):
        assert np.array_equal(first, second), (first, second)
    else:
        assert first == second


@pytest.mark.parametrize("seed", range(3))
def test_engines_of_one_structure_answer_to_the_bit_as_engines_planned_afresh(
        seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    net = random_net(11, seed, zeros=seed == 1)
    other = renumbered(net, seed)
    every_kind_of_answer(CompiledNet(net), net, seed)  # plans every shape of the questions
    shared = CompiledNet(other)
    assert shared._plans is CompiledNet(net)._plans
    reloaded = every_kind_of_answer(shared, other, seed)
    monkeypatch.setattr(engine_module, "SHARE_PLANS", False)
    fresh = CompiledNet(other)
    assert fresh._plans is not shared._plans
    assert_identical(reloaded, every_kind_of_answer(fresh, other, seed))
    for node in other.nodes:  # and the shared plans answer right
        np.testing.assert_allclose(shared.posterior(node, {other.nodes[0]: "s0"}),
                                   posterior(other, [node], {other.nodes[0]: "s0"}),
                                   atol=EXACT)


def test_other_structures_and_limits_plan_apart() -> None:
    net = random_net(8, 1)
    plans = CompiledNet(net)._plans
    states = {**net.states, "v7": (*net.states["v7"], "extra")}
    table = net.tables["v7"]
    wider = np.concatenate([table, np.zeros((1, *table.shape[1:]))])
    assert CompiledNet(Net(states, net.parents, {**net.tables, "v7": wider}))._plans \
        is not plans
    assert CompiledNet(net, max_cells=1000)._plans is not plans
    assert CompiledNet(renumbered(net, 2))._plans is plans


def test_a_plan_made_under_other_settings_is_not_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    net = random_net(10, 4)
    given = {"v3": "s0"}
    with monkeypatch.context() as patched:
        patched.setattr(engine_module, "ANSWER_CELLS", 0)  # planned as contractions
        engine = CompiledNet(net)
        engine.posterior("v9", given)
        engine.posterior("v9", given)
        assert all(shape.answers is None for shape in engine._shapes.shapes.values())
    engine = CompiledNet(net)
    engine.posterior("v9", given)
    engine.posterior("v9", given)
    assert any(shape.answers is not None for shape in engine._shapes.shapes.values())


def test_an_engine_sent_to_another_process_plans_there_as_it_needs() -> None:
    import pickle

    net = random_net(9, 8)
    engine = CompiledNet(net)
    engine.posterior("v8", {"v2": "s0"})
    copied = pickle.loads(pickle.dumps(engine))
    assert not copied._plans._memo and copied._plans is not engine._plans
    for given in ({"v2": "s1"}, {"v3": "s0"}, {"v3": "s1"}):
        np.testing.assert_allclose(copied.posterior("v8", given),
                                   posterior(net, ["v8"], given), atol=EXACT)


def test_kept_plans_and_structures_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "MAX_PLANS", 20)
    monkeypatch.setattr(engine_module, "PLANS_BYTES", 20_000)
    net = random_net(14, 6)
    engine = CompiledNet(net)
    for given, do in questions(net, np.random.default_rng(6), 30):
        for _ in range(2):
            with contextlib.suppress(QueryError):
                engine.posterior("v13", given, do)
        plans = engine._plans
        assert len(plans._memo) <= 20
        assert plans.nbytes == sum(size for _, size in plans._memo.values()) <= 20_000
    for seed in range(2 * engine_module.MAX_STRUCTURES):
        CompiledNet(random_net(5, 100 + seed))
    assert len(engine_module._STRUCTURES) <= engine_module.MAX_STRUCTURES


# refusals ------------------------------------------------------------------------------------


def test_unknown_names_get_suggestions(tiny_path: Path) -> None:
    engine = CompiledNet(model.load(tiny_path).net)
    with pytest.raises(QueryError, match="did you mean 'rain'"):
        engine.posterior("rian")
    with pytest.raises(QueryError, match="did you mean 'yes'"):
        engine.posterior("rain", given={"wet": "yse"})
    with pytest.raises(QueryError, match="unknown node"):
        engine.posterior("rain", do={"sprinkle": "yes"})
    with pytest.raises(QueryError, match="both observed"):
        engine.posterior("rain", given={"wet": "yes"}, do={"wet": "no"})
    with pytest.raises(QueryError, match="twice"):
        engine.joint(["rain", "rain"])


def test_huge_query_raises_limit_error() -> None:
    net = random_net(30, 5)
    engine = CompiledNet(net, max_cells=10_000)
    with pytest.raises(LimitError, match=r"needs a table of [\d,]+ cells \(limit 10,000\)"):
        engine.joint(net.nodes[:15])
    assert engine.posterior(net.nodes[-1]).shape == (len(net.states[net.nodes[-1]]),)


def star(parents: int) -> Net:
    """A node `t` with `parents` binary root parents: summing them out makes a table of at
    least 2 ** (parents - 1) cells in any order."""
    two = ("a", "b")
    roots = [f"p{i}" for i in range(parents)]
    states = {**{p: two for p in roots}, "t": two}
    tables = {**{p: np.array([0.4, 0.6]) for p in roots},
              "t": np.random.default_rng(0).dirichlet([1, 1], size=2 ** parents).T
              .reshape((2,) * (parents + 1))}
    return Net(states, {**{p: () for p in roots}, "t": tuple(roots)}, tables)


@pytest.mark.parametrize("ask", [lambda e: e.posterior("t"), lambda e: e.joint(["t", "p0"]),
                                 lambda e: e.evidence_probability({"t": "a"})])
def test_limit_error_on_a_shapes_first_sight(ask: Ask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Bucket elimination refuses before making a table past the limit; the planner then
    gets its go, and refuses too."""
    engine = CompiledNet(star(14), max_cells=1_000)
    made: list[int] = []
    einsum = np.einsum

    def recording(*args: Any, **kwargs: Any) -> Any:
        out = einsum(*args, **kwargs)
        made.append(np.size(out))
        return out

    eliminated: list[Any] = []
    eliminate = engine._eliminate
    monkeypatch.setattr(engine, "_eliminate",
                        lambda *args: eliminated.append(eliminate(*args)) or eliminated[-1])
    monkeypatch.setattr(np, "einsum", recording)
    with pytest.raises(LimitError, match=r"needs a table of [\d,]+ cells \(limit 1,000\)"):
        ask(engine)
    assert eliminated == [None], "bucket elimination was tried and refused"
    assert max(made, default=0) <= 1_000
    np.testing.assert_allclose(engine.posterior("p3"), [0.4, 0.6])  # small ones still fit


# the classic networks ------------------------------------------------------------------------


def classic(name: str) -> Any:
    import pgmpy

    path = Path(pgmpy.__file__).parent / "utils" / "example_models" / f"{name}.bif.gz"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgmpy.readwrite import BIFReader

        return BIFReader(string=gzip.decompress(path.read_bytes()).decode()).get_model()


def forward_sample(net: Net, rng: np.random.Generator) -> dict[str, str]:
    drawn: dict[str, int] = {}
    for node, table in net.tables.items():
        index: tuple[slice | int, ...] = (slice(None), *(drawn[p] for p in net.parents[node]))
        column = table[index]
        drawn[node] = int(rng.choice(len(column), p=column / column.sum()))
    return {n: net.states[n][i] for n, i in drawn.items()}


def pgmpy_posterior(ve: Any, net: Net, node: str, given: dict[str, str]) -> np.ndarray:
    factor = ve.query([node], evidence=given or None, show_progress=False)
    theirs = list(factor.state_names[node])
    return np.array([factor.values[theirs.index(s)] for s in net.states[node]])


@pytest.mark.slow
@pytest.mark.parametrize(("name", "sets", "targets"),
                         [("asia", 6, None), ("alarm", 3, None), ("hailfinder", 20, 1)])
def test_classic_networks_equal_pgmpy(name: str, sets: int, targets: int | None) -> None:
    pgmpy_model = classic(name)
    net = net_from_pgmpy(pgmpy_model)
    engine = CompiledNet(net)
    ve = pgmpy_classes()[2](pgmpy_model)
    rng = np.random.default_rng(11)
    for i in range(sets):
        sample = forward_sample(net, rng)
        observed = rng.choice(net.nodes, size=i % 6, replace=False)
        given = {str(n): sample[str(n)] for n in observed}
        asked = net.nodes if targets is None else list(rng.choice(net.nodes, size=targets))
        for node in asked:
            if node in given:
                continue
            np.testing.assert_allclose(engine.posterior(node, given),
                                       pgmpy_posterior(ve, net, node, given), atol=EXACT,
                                       err_msg=f"{name}: {node} | {given}")


def test_pgmpy_tables_are_read_by_state_name() -> None:
    network_cls, cpd_cls, _ = pgmpy_classes()
    pgmpy_model = network_cls([("a", "b")])
    pgmpy_model.add_cpds(  # b's table lists a's states in the other order (left unchecked)
        cpd_cls("a", 2, [[0.3], [0.7]], state_names={"a": ["x", "y"]}),
        cpd_cls("b", 2, [[0.9, 0.2], [0.1, 0.8]], evidence=["a"], evidence_card=[2],
                state_names={"b": ["u", "v"], "a": ["y", "x"]}))
    net = net_from_pgmpy(pgmpy_model)
    assert net.nodes == ["a", "b"]
    np.testing.assert_allclose(CompiledNet(net).posterior("b", {"a": "x"}), [0.2, 0.8])


# the most probable explanation -------------------------------------------------------------


def brute_force_explanation(net: Net, given: dict[str, str],
                            do: dict[str, str]) -> tuple[float, float]:
    """(largest P(free nodes | given, do(do)), the runner-up's): ties make the states
    ambiguous, so engines are held to the probability, and to states reaching it."""
    free = [n for n in net.nodes if n not in given and n not in do]
    with np.errstate(invalid="ignore"):  # impossible observations give NaN
        joint = np.sort(posterior(net, free, given, do).ravel())[::-1]
    return float(joint[0]), float(joint[1]) if joint.size > 1 else 0.0


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("engine_class", [CompiledNet, PgmpyEngine])
def test_most_probable_explanation_equals_enumeration(seed: int, engine_class: Any) -> None:
    net = random_net(7, seed, zeros=seed % 2 == 1)
    engine = engine_class(net)
    rng = np.random.default_rng(seed)
    for given, do in itertools.islice(questions(net, rng, 6), 0, None, 3):
        expected, _ = brute_force_explanation(net, given, do)
        if not np.isfinite(expected):  # impossible observations
            with pytest.raises(QueryError, match="impossible"):
                engine.most_probable(given, do)
            continue
        states, probability = engine.most_probable(given, do)
        assert set(states) == {n for n in net.nodes if n not in given and n not in do}
        assert probability == pytest.approx(expected, abs=EXACT)
        reached = net.intervene(do).probability_of({**states, **given, **do})
        assert reached / engine.evidence_probability(given, do) == pytest.approx(expected,
                                                                                 abs=EXACT)



@pytest.mark.slow
def test_pgmpy_explanations_past_the_limit_are_refused_not_attempted() -> None:
    """pgmpy's MAP query builds one table over every free node: past the engine's cell
    limit that table would exhaust memory (alarm's needs 10^16 cells)."""
    with pytest.raises(LimitError, match="use the compiled engine"):
        PgmpyEngine(net_from_pgmpy(classic("alarm"))).most_probable()
