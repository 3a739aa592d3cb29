"""Batched runs that keep their steps' results (`compiled._Products`): a step whose inputs
are read-only batched tables seen by an earlier engine, or tables of the same numbers, is
found kept instead of made again. Every answer must be the one made afresh, to the bit, and
the brute-force one to 1e-9; a table that could still change is never kept."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import model
from model.briefing.page import render
from model.briefing.watch import Session
from model.network import compiled as engine_module
from model.network.compiled import CompiledNet
from model.network.net import Net
from tests.brute_force import posterior
from tests.conftest import SEED
from tests.random_networks import random_net

EXACT = 1e-9
SAMPLES = 7


@pytest.fixture(autouse=True)
def fresh_products(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An empty store for each test, chunks of a few samples (so a run has several), and
    the store switched on whatever the test before left."""
    monkeypatch.setattr(engine_module, "_PRODUCTS", engine_module._Products())
    monkeypatch.setattr(engine_module, "CHUNK_CELLS", 64)
    monkeypatch.setattr(engine_module, "KEEP_PRODUCTS", True)
    yield


def frozen_batch(net: Net, node: str, rng: np.random.Generator) -> np.ndarray:
    """SAMPLES random tables of `node`, read-only and owning their numbers."""
    table = net.tables[node]
    flat = rng.dirichlet(np.ones(table.shape[0]), size=(SAMPLES, table[0].size))
    batch = np.ascontiguousarray(np.moveaxis(flat, 2, 1).reshape(SAMPLES, *table.shape))
    batch.flags.writeable = False
    return batch


def questions(net: Net, rng: np.random.Generator) -> list[tuple[list[str], dict[str, str],
                                                                dict[str, str]]]:
    asked: list[tuple[list[str], dict[str, str], dict[str, str]]] = []
    nodes = net.nodes
    for _ in range(6):
        picked = [str(n) for n in rng.choice(nodes, size=4, replace=False)]
        chosen = {n: str(rng.choice(net.states[n])) for n in picked[1:]}
        split = int(rng.integers(0, len(chosen) + 1))
        items = list(chosen.items())
        asked.append(([picked[0]], dict(items[:split]), dict(items[split:])))
    asked.append(([nodes[-1], nodes[-2]], {}, {}))
    return asked


def answers(engine: CompiledNet, tables: dict[str, np.ndarray],
            asked: list[tuple[list[str], dict[str, str], dict[str, str]]]) -> list[np.ndarray]:
    """Each question twice (the second is planned, batched questions always are)."""
    out = []
    for targets, given, do in asked:
        batch = {n: t for n, t in tables.items() if n not in do}
        for _ in range(2):
            out.append(engine.joint(targets, given, do, batch))
    return out


def afresh(net: Net, tables: dict[str, np.ndarray],
           asked: list[tuple[list[str], dict[str, str], dict[str, str]]],
           monkeypatch: pytest.MonkeyPatch) -> list[np.ndarray]:
    monkeypatch.setattr(engine_module, "KEEP_PRODUCTS", False)
    try:
        return answers(CompiledNet(net), tables, asked)
    finally:
        monkeypatch.setattr(engine_module, "KEEP_PRODUCTS", True)


@pytest.mark.parametrize("seed", range(6))
def test_kept_steps_give_the_answers_made_afresh_to_the_bit(
        seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(seed)
    net = random_net(12, seed, window=5, zeros=seed % 2 == 1)
    batched = [str(n) for n in rng.choice(net.nodes, size=6, replace=False)]
    tables = {n: frozen_batch(net, n, rng) for n in batched}
    asked = questions(net, rng)
    # builds of a watch session: each a new engine, one table edited, the rest the same
    # arrays; from the second on, the steps over the unedited tables are found kept
    for build in range(4):
        if build:
            tables = {**tables, batched[build]: frozen_batch(net, batched[build], rng)}
        kept = answers(CompiledNet(net), tables, asked)
        made = afresh(net, tables, asked, monkeypatch)
        for a, b in zip(kept, made, strict=True):
            assert np.array_equal(a, b), "a kept step changed an answer"
    assert engine_module._PRODUCTS.nbytes > 0, "nothing was kept: the test tests nothing"
    flat = iter(kept)
    for targets, given, do in asked:
        values = next(flat)
        next(flat)
        for i in range(SAMPLES):
            single = Net(net.states, net.parents,
                         {**net.tables, **{n: t[i] for n, t in tables.items()}})
            np.testing.assert_allclose(values[i], posterior(single, targets, given, do),
                                       atol=EXACT)


def test_steps_are_found_kept_across_engines() -> None:
    net = random_net(10, 3, window=4)
    rng = np.random.default_rng(3)
    tables = {n: frozen_batch(net, n, rng) for n in net.nodes[::2]}
    target = "v6"  # of parents v2, v4 (of v0, v1, v3) and v5
    store = engine_module._PRODUCTS
    for _ in range(2):
        CompiledNet(net).posterior(target, tables=tables)
        CompiledNet(net).posterior(target, tables=tables)
    held = store.nbytes
    found = []
    real_get = store.get
    store.get = lambda key: found.append(real_get(key)) or found[-1]  # type: ignore[method-assign]
    CompiledNet(net).posterior(target, tables=tables)
    CompiledNet(net).posterior(target, tables=tables)
    assert held > 0 and store.nbytes == held, "a run over the same tables kept more"
    assert any(v is not None for v in found), "no step was found kept"


@pytest.mark.parametrize("how", ["writeable", "read-only view of a writeable table"])
def test_a_table_that_can_change_is_never_kept(how: str) -> None:
    net = random_net(8, 5, window=4)
    rng = np.random.default_rng(5)
    node = net.nodes[0]
    owner = np.array(frozen_batch(net, node, rng))  # writeable
    table = owner if how == "writeable" else owner[:]
    if how != "writeable":
        table.flags.writeable = False
    others = {n: frozen_batch(net, n, rng) for n in net.nodes[1:4]}
    target = net.nodes[-1]
    first = CompiledNet(net).posterior(target, tables={node: table, **others})
    first = CompiledNet(net).posterior(target, tables={node: table, **others})
    owner[...] = owner[:, ::-1]  # the same array, other numbers
    engine = CompiledNet(net)
    engine.posterior(target, tables={node: table, **others})
    second = engine.posterior(target, tables={node: table, **others})
    single = [Net(net.states, net.parents,
                  {**net.tables, node: table[i], **{n: t[i] for n, t in others.items()}})
              for i in range(SAMPLES)]
    for i in range(SAMPLES):
        np.testing.assert_allclose(second[i], posterior(single[i], [target]), atol=EXACT)
    assert not np.allclose(first, second), "the edit should change the answer"


def test_the_store_stays_within_its_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "PRODUCTS_BYTES", 4096)
    net = random_net(12, 7, window=5)
    rng = np.random.default_rng(7)
    held = []
    for _ in range(4):
        tables = {n: frozen_batch(net, n, rng) for n in net.nodes[::3]}
        for _twice, target in itertools.product(range(2), net.nodes[-3:]):
            CompiledNet(net).posterior(target, tables=tables)
            held.append(engine_module._PRODUCTS.nbytes)
    assert 0 < max(held) <= 4096


def test_only_watch_mode_keeps_batched_steps(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A report made once keeps nothing; a watch session's builds keep their steps, and
    let them go when the session ends."""
    monkeypatch.setattr(engine_module, "KEEP_PRODUCTS", False)  # as a command starts
    monkeypatch.setattr(engine_module, "CHUNK_CELLS", 1 << 21)
    folder = tmp_path
    shutil.copy(SEED, folder / SEED.name)
    render(model.load(folder / SEED.name))
    render(model.load(folder / SEED.name))
    assert engine_module._PRODUCTS.nbytes == 0
    with Session(folder / SEED.name, folder / "out.html", port=0) as session:
        for _ in range(2):
            assert not session.build().problems
        assert engine_module._PRODUCTS.nbytes > 0
        assert not engine_module.KEEP_PRODUCTS  # on for the builds alone
    assert engine_module._PRODUCTS.nbytes == 0
