"""The one memory budget: every answer's tables estimated before they are made and refused
past `limits.MEMORY_BUDGET_BYTES`; analyses whose draws would not fit built a chunk at a
time; nothing quadratic in the network's size. The worst cases run in a child process whose
address space is capped, so a regression fails the test instead of exhausting the machine."""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import model
from model import scenario as scenario_module
from model.analysis import uncertainty
from model.analysis.uncertainty import draw
from model.errors import LimitError
from model.language.tables import NodeSpec
from model.network.compiled import CompiledNet
from tests.large_scenarios import chain_of_large_tables, long_chain, one_large_table
from tests.random_networks import random_net

ROOT = Path(__file__).resolve().parent.parent
CAP = 2 << 30  # no case may pass 2 GB


def capped(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """The `scenario` command in a child process whose address space is capped a little
    above CAP (Python and numpy reserve some they never touch); its peak resident memory
    must stay under CAP."""
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (CAP + (1 << 30), CAP + (1 << 30)))

    done = subprocess.run([sys.executable, "-m", "model.cli", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT, preexec_fn=cap)
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 < CAP
    return done


def report_args(tmp_path: Path) -> list[str]:
    """The briefing drawn by the system `dot`: Graphviz as WebAssembly reserves 4 GB of
    address space up front, which the cap forbids."""
    if shutil.which("dot") is None:
        pytest.skip("needs the system Graphviz `dot` (install graphviz)")
    return ["-o", str(tmp_path / "briefing.html"), "--graphviz", "dot"]


# the network's tables -----------------------------------------------------------------------


def test_many_tables_of_a_short_file_are_refused_before_any_is_checked_row_by_row(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Eleven tables of a million cells each, in a file of 20 KB (`when: otherwise`): the
    cells together are refused at the check, and no table's rows are expanded for it."""
    from model.language import specs

    path = tmp_path / "many.yaml"
    path.write_text(chain_of_large_tables(nodes=12, states=100))
    assert path.stat().st_size < 30_000
    built: list[str] = []
    node_spec = specs.SpecBuilder.node_spec
    monkeypatch.setattr(specs.SpecBuilder, "node_spec",
                        lambda self, name, node: built.append(name) or node_spec(self, name, node))
    with pytest.raises(model.ScenarioError) as caught:
        model.load(path)
    [problem] = caught.value.problems
    assert problem.message == ("the network's tables would hold 10,010,100 cells together, "
                               "over the limit of 10,000,000 (limits.MAX_TOTAL_CELLS)")
    assert problem.node == "n2" and problem.line is not None
    assert built == []


def test_tables_past_the_budget_are_refused_before_they_are_built(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "chain.yaml"
    path.write_text(chain_of_large_tables(nodes=12, states=10, aliases=True))  # 12 x 1,000
    monkeypatch.setattr(scenario_module, "MEMORY_BUDGET_BYTES", 8 * 5_000)
    s = model.load(path)
    built: list[str] = []
    table = NodeSpec.table
    monkeypatch.setattr(NodeSpec, "table",
                        lambda self, *a, **k: built.append(self.name) or table(self, *a, **k))
    for ask in (lambda: s.query("n11"), lambda: s.most_probable(), lambda: s.joint(["n0"])):
        with pytest.raises(LimitError, match=r"the network's tables hold 10,110 numbers "
                                             r"\(0\.0 GB\), past the memory budget"):
            ask()
    assert built == []
    with pytest.raises(LimitError) as error:
        s.query("n11")
    problem = error.value.problems[0]
    assert problem.file == str(path) and problem.line is not None and problem.node == "n2"
    assert "fewer states or parents" in str(problem.hint)


@pytest.mark.slow
@pytest.mark.parametrize("aliases", [False, True])
@pytest.mark.parametrize("command", [["query", "n599"], ["explain"]])
def test_six_hundred_tables_of_a_million_cells_are_refused_cleanly(command: list[str],
                                                                   aliases: bool,
                                                                   tmp_path: Path) -> None:
    """Written out (1 MB) the check of the tables' cells together refuses it before any
    table is built; aliased (80 KB) the loader's alias budget refuses it first. Either way:
    exit 2, said cleanly, in bounded memory."""
    path = tmp_path / "chain.yaml"
    path.write_text(chain_of_large_tables(aliases=aliases))
    assert path.stat().st_size < (100_000 if aliases else 2_000_000)
    done = capped(command[0], str(path), *command[1:])
    assert done.returncode == 2, done.stderr
    if not aliases:
        assert "the network's tables would hold 598,010,100 cells together, over the limit " \
            "of 10,000,000 (limits.MAX_TOTAL_CELLS)" in done.stderr
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr


# the tables a query makes -------------------------------------------------------------------


def recording_einsum(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    made: list[int] = []
    einsum = np.einsum

    def recording(*args: Any, **kwargs: Any) -> Any:
        out = einsum(*args, **kwargs)
        made.append(int(np.size(out)))
        return out

    monkeypatch.setattr(np, "einsum", recording)
    return made


@pytest.mark.parametrize("ask", [
    lambda e: e.posterior("v29"), lambda e: e.joint(["v0", "v29"]),
    lambda e: e.evidence_probability({"v29": "s0"}), lambda e: e.most_probable(),
    lambda e: e.derivatives({"v29": "s0"}, prune=False), lambda e: e.marginals()])
def test_a_query_past_the_budget_is_refused_before_its_tables_are_made(
        ask: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    net = random_net(30, 4, max_states=4)  # v29's posterior needs 2,000 cells at once
    engine = CompiledNet(net, budget=1_000)  # bytes: 125 cells alive at once
    made = recording_einsum(monkeypatch)
    with pytest.raises(LimitError, match=r"past the memory budget of 1\.0 KB"):
        ask(engine)
    assert max(made, default=0) <= 125


def test_explanations_stay_within_the_budget_or_are_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An explanation keeps every eliminated node's choices until its trace back: those
    count against the budget too, so it never makes more than the budget allows."""
    net = random_net(40, 2, max_states=4, window=20)
    made = recording_einsum(monkeypatch)
    outcomes = []
    for budget in (1_000, 4_000, 16_000, 64_000, 256_000, 1_024_000):
        made.clear()
        try:
            CompiledNet(net, budget=budget).most_probable()
            outcomes.append("answered")
        except LimitError as error:
            assert "past the memory budget" in str(error)
            outcomes.append("refused")
        assert 8 * max(made, default=0) <= budget
    assert outcomes[0] == "refused" and outcomes[-1] == "answered"


def test_the_refusal_says_which_limit_what_was_asked_and_what_to_do() -> None:
    net = random_net(30, 4, max_states=4)
    with pytest.raises(LimitError) as error:
        CompiledNet(net, budget=1_000).joint(net.nodes[:10])
    text = str(error.value)
    assert "exact query P(v0, v1" in text and "limits.MEMORY_BUDGET_BYTES" in text
    assert "approximate=100_000" in text and "--approximate" in text


# the analyses' draws ------------------------------------------------------------------------


def test_draws_past_the_budget_are_refused_with_how_many_fit(
        seed_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = model.load(seed_path)
    budget = uncertainty.draw_bytes(s, 1_000)
    monkeypatch.setattr(uncertainty, "MEMORY_BUDGET_BYTES", budget)
    assert uncertainty.most_samples(s) == 1_000
    draw(s, 1_000, 0)  # fits
    with pytest.raises(LimitError, match=r"ask for at most 1,000 samples \(--samples 1000\)"):
        draw(s, 1_001, 0)
    from model.analysis import analyze

    with pytest.raises(LimitError, match="at most 1,000 samples"):
        analyze(s, samples=5_000)


def test_by_default_an_analysis_takes_as_many_draws_as_fit_and_says_so(
        seed_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from model.analysis import DEFAULT_SAMPLES, analyze

    s = model.load(seed_path)
    assert analyze(s, samples=None).note == ""
    monkeypatch.setattr(uncertainty, "MEMORY_BUDGET_BYTES", uncertainty.draw_bytes(s, 700))
    found = analyze(s)
    assert found.samples == 700 < DEFAULT_SAMPLES
    assert found.note == ("700 draws, not 10,000: the drawn numbers and the tables they make "
                          "would not fit the memory budget for more")
    assert found.to_dict()["note"] == found.note
    from model.briefing.text import render

    assert "note: 700 draws, not 10,000" in render(found)


@pytest.mark.slow
@pytest.mark.parametrize("command", ["analyze", "report"])
def test_a_table_of_a_million_cells_is_analysed_in_bounded_memory(command: str,
                                                                  tmp_path: Path) -> None:
    path = tmp_path / "large.yaml"
    path.write_text(one_large_table())
    args = report_args(tmp_path) if command == "report" else []
    done = capped(command, str(path), *args)
    assert done.returncode == 0, done.stderr[-2000:]
    if command == "analyze":  # fewer draws than the default, and it says why
        assert "note: 93 draws, not 10,000: the drawn numbers and the tables they make " \
            "would not fit the memory budget for more" in done.stdout


# nothing quadratic -----------------------------------------------------------------------------


def test_signposts_and_tornadoes_take_a_pass_per_state_not_a_query_per_node(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "chain.yaml"
    path.write_text(long_chain(120))
    s = model.load(path)
    from model.analysis.sensitivity import tornadoes
    from model.analysis.signposts import signposts_for

    engine = s.compiled
    calls: list[str] = []
    for name in ("joint", "derivatives"):
        method = getattr(engine, name)
        monkeypatch.setattr(engine, name, lambda *a, _m=method, _n=name, **k:
                            calls.append(_n) or _m(*a, **k))
    signposts = signposts_for(s, engine, "n119")
    assert len(signposts.ranked) == 119
    assert calls.count("derivatives") == 2 and calls.count("joint") <= 2
    calls.clear()
    [tornado] = tornadoes(s, engine, ["n119"], top=5)
    assert calls == ["derivatives", "derivatives"] and len(tornado.bars) == 5  # P(e), P(o, e)


@pytest.mark.slow
@pytest.mark.parametrize("command", ["analyze", "report"])
def test_a_chain_of_two_thousand_nodes_is_analysed_in_bounded_memory(command: str,
                                                                     tmp_path: Path) -> None:
    path = tmp_path / "chain.yaml"
    path.write_text(long_chain())
    args = report_args(tmp_path) if command == "report" else []
    done = capped(command, str(path), *args)
    assert done.returncode == 0, done.stderr[-2000:]
