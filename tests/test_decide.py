"""The reader's own decisions solved: against pyAgrum's influence-diagram solver on classic
examples, against brute-force enumeration of every strategy on small random ones, and the
seeded draws against a solve per draw."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import model
from model import ScenarioError
from model.analysis import decide, policy
from model.analysis.decisions import draw_worths
from model.analysis.uncertainty import draw
from model.briefing.text import strategy_text
from model.cli import main
from model.network.influence import solve
from model.network.net import Net
from model.scenario import Scenario
from tests.brute_force import full_joint
from tests.pyagrum_diagram import pyagrum_solution

gum = pytest.importorskip("pyagrum")

ROOT = Path(__file__).resolve().parent.parent
WILDCATTER = ROOT / "scenarios" / "oil_wildcatter.yaml"
DECISIONS = Path(__file__).parent / "fixtures" / "decisions"
CLASSICS = [WILDCATTER, DECISIONS / "umbrella.yaml", DECISIONS / "treatment.yaml"]
EXACT = 1e-9


def situations(s: Scenario, decision: str) -> Iterator[dict[str, str]]:
    knows = s.diagram.knows[decision]
    for states in itertools.product(*(s.nodes[n].states for n in knows)):
        yield dict(zip(knows, states, strict=True))


def pyagrum_choice(inference: Any, decision: str, known: Mapping[str, str]) -> str:
    policy = inference.optimalDecision(decision)
    names = [n for n in policy.names if n != decision]
    row = policy.extract({n: known[n] for n in names}) if names else policy
    return str(policy.variable(decision).label(int(np.argmax(row.toarray()))))


# classic examples against pyAgrum -------------------------------------------------------------


def test_the_wildcatter_tests_then_drills_unless_the_reading_is_diffuse() -> None:
    s = model.load(WILDCATTER)
    found = decide(s, "wildcatter", samples=200)
    assert found.expected == pytest.approx(22.5, abs=EXACT)
    assert found.decision("test").choice({}) == "yes"
    drill = found.decision("drill")
    assert {tuple(sit.known.values()): sit.best for sit in drill.situations
            if sit.probability > 0} == {("yes", "closed"): "yes", ("yes", "open"): "yes",
                                        ("yes", "diffuse"): "no"}
    [oil] = [i for i in found.information if i.node == "oil"]
    assert oil.value == pytest.approx(32.5, abs=EXACT)
    assert oil.before == "test"
    inference = pyagrum_solution(s, "wildcatter")
    assert inference.MEU()["mean"] == pytest.approx(found.expected, abs=EXACT)
    knowing = pyagrum_solution(s, "wildcatter", reveal={"oil": "test"})
    assert knowing.MEU()["mean"] - inference.MEU()["mean"] == pytest.approx(oil.value, abs=EXACT)


@pytest.mark.parametrize("path", CLASSICS, ids=lambda p: p.stem)
def test_policy_and_maximum_expected_utility_equal_pyagrum(path: Path) -> None:
    s = model.load(path)
    actor = s.decider
    assert actor is not None
    solved = s.solve(actor)
    inference = pyagrum_solution(s, actor)
    assert solved.meu[0] == pytest.approx(inference.MEU()["mean"], abs=EXACT)
    found = decide(s, actor, samples=50)
    for d in s.reader_decisions:
        policy = found.decision(d)
        for sit in policy.situations:
            if sit.probability > 0 and not tied(sit):
                assert sit.best == pyagrum_choice(inference, d, sit.known), (d, sit.known)


@pytest.mark.parametrize("path", CLASSICS, ids=lambda p: p.stem)
def test_plain_queries_answer_under_the_optimal_policy_as_pyagrum_does(path: Path) -> None:
    s = model.load(path)
    inference = pyagrum_solution(s, s.decider or "")
    for node, spec in s.nodes.items():
        ours = s.query(node)
        theirs = inference.posterior(node)
        for i, state in enumerate(spec.states):
            assert ours[state] == pytest.approx(float(theirs.toarray()[i]), abs=EXACT), node


@pytest.mark.parametrize("path", CLASSICS, ids=lambda p: p.stem)
def test_value_of_information_equals_pyagrum_with_the_node_revealed(path: Path) -> None:
    s = model.load(path)
    actor = s.decider or ""
    base = pyagrum_solution(s, actor).MEU()["mean"]
    found = decide(s, actor, samples=20)
    assert found.information, "every classic has a node worth knowing"
    for info in found.information:
        if info.known_already:
            assert info.value == 0
            continue
        knowing = pyagrum_solution(s, actor, reveal={info.node: info.before})
        assert info.value == pytest.approx(knowing.MEU()["mean"] - base, abs=1e-8), info.node
        assert info.value >= -EXACT
    assert found.after_every_decision == (("relapse",) if path.stem == "treatment" else ())


def test_no_forgetting_a_later_decision_knows_what_the_earlier_ones_knew() -> None:
    s = model.load(DECISIONS / "treatment.yaml")
    assert s.nodes["follow_up"].parents == ("treat",)
    assert s.diagram.knows["follow_up"] == ("scan", "reading", "cover", "treat")
    assert s.net.parents["follow_up"] == ("scan", "reading", "cover", "treat")


def test_another_actor_gets_its_own_best_policy() -> None:
    s = model.load(DECISIONS / "treatment.yaml")
    found = decide(s, "insurer", samples=20)
    assert found.actor == "insurer"
    assert found.expected == pytest.approx(pyagrum_solution(s, "insurer").MEU()["mean"],
                                           abs=EXACT)
    assert s.query("treat") == pytest.approx(model.load(DECISIONS / "treatment.yaml")
                                             .query("treat"))  # queries stay the doctor's


# plain queries -----------------------------------------------------------------------------------


def test_a_plain_query_answers_with_the_reader_following_the_best_policy() -> None:
    s = model.load(WILDCATTER)
    assert dict(s.query("test")) == {"yes": 1.0, "no": 0.0}
    assert s.query("drill")["yes"] == pytest.approx(0.59, abs=EXACT)
    # what a question observes is the analyst's hypothesis, not news to the wildcatter, who
    # still decides on the seismic reading alone
    assert s.query("drill", given={"oil": "dry"})["yes"] == pytest.approx(0.4, abs=EXACT)
    assert s.query("oil", given={"drill": "yes"})["soaking"] == pytest.approx(0.18 / 0.59)
    # setting one of the reader's decisions replaces its policy; the later ones know it
    assert s.query("drill", do={"test": "no"})["yes"] == 1.0
    assert s.query("seismic", do={"test": "no"})["none"] == 1.0
    assert s.most_probable().states == {"oil": "dry", "test": "yes", "seismic": "diffuse",
                                        "drill": "no"}
    by_pgmpy = model.load(WILDCATTER, engine="pgmpy")
    for node in s.nodes:
        for given in ({}, {"oil": "wet"}, {"seismic": "open"}):
            assert list(by_pgmpy.query(node, given=given).values()) == pytest.approx(
                list(s.query(node, given=given).values()), abs=EXACT)


def test_the_analyses_answer_under_the_policy_too() -> None:
    s = model.load(DECISIONS / "treatment.yaml")
    a = model.analysis.analyze(s, samples=300)
    [recovery] = [u for u in a.uncertainty if u.node == "recovery"]
    assert recovery.states[0].point == pytest.approx(s.query("recovery")["yes"], abs=EXACT)
    assert a.strategy is not None and a.strategy.actor == "doctor"
    assert [d.node for d in a.decisions] == ["cover"]  # the predicted one, by do
    assert a.to_dict()["strategy"]["expected"] == pytest.approx(s.solve().meu[0])


def test_an_export_as_policy_says_the_reader_s_decisions_go_out_as_their_policy() -> None:
    from model.interop import export_scenario

    converted = export_scenario(model.load(WILDCATTER), "bif", policy=True)
    assert any("exported as chance nodes holding wildcatter's best policy" in str(w)
               for w in converted.warnings)


# small random diagrams against every strategy --------------------------------------------------


def random_scenario(rng: np.random.Generator, decisions: int, chance: int,
                    knows: int = 99) -> str:
    """A scenario text: chance nodes and the reader's decisions interleaved in sequence,
    random parents and information arcs (at most `knows` chance nodes a decision), random
    tables and utility rows."""
    names: list[str] = []
    lines = ["scenario: random", "title: Random", "question: Which?", "as_of: 2025-01-01",
             "horizon: 2025-02-01", "nodes:"]
    decided: list[str] = []
    kinds = ["c"] * chance + ["d"] * decisions
    rng.shuffle(kinds)
    for i, kind in enumerate(kinds):
        name = f"{kind}{i}"
        earlier = [n for n in names if rng.random() < 0.5]
        if kind == "d":
            seen = [n for n in earlier if n.startswith("c")][:knows]
            parents = list(dict.fromkeys(([decided[-1]] if decided else []) + seen))
            lines += [f"  {name}:", "    role: decision", "    states: [a, b]",
                      f"    parents: [{', '.join(parents)}]"]
            decided.append(name)
        else:
            card = int(rng.integers(2, 4))
            states = [f"s{k}" for k in range(card)]
            lines += [f"  {name}:", f"    states: [{', '.join(states)}]"]
            if earlier:
                lines += [f"    parents: [{', '.join(earlier)}]", "    table:"]
                cards = [2 if p.startswith("d") else len(state_names(lines, p)) for p in earlier]
                for combo in itertools.product(*(range(c) for c in cards)):
                    when = ", ".join(f"{p}: {state_names(lines, p)[k]}"
                                     for p, k in zip(earlier, combo, strict=True))
                    lines.append(f"      - {{when: {{{when}}}, p: {dist(rng, states)}, "
                                 "because: [{assumption: random}]}")
            else:
                lines += [f"    prior: {dist(rng, states)}", "    because: [{assumption: random}]"]
        names.append(name)
    lines.append("utilities:")
    lines.append("  reader:")
    # Each decision is worth something with some chance node: pyAgrum 3.3 under-solves a
    # diagram with a decision that nothing depends on (its MEU falls below the best
    # strategy's), which `test_a_decision_nothing_depends_on_is_solved_all_the_same` covers.
    chance_nodes = [n for n in names if n.startswith("c")]
    scopes = [[d, str(rng.choice(chance_nodes))] for d in decided]
    scopes += [list(rng.choice(names, size=2, replace=False)) for _ in range(3)]
    for scope in scopes:
        when = ", ".join(f"{n}: {state_names(lines, n)[0]}" for n in scope)
        lines.append(f"    - {{when: {{{when}}}, value: {float(rng.uniform(-50, 100))!r}, "
                     "because: [{assumption: random}]}")
    return "\n".join(lines) + "\n"


def state_names(lines: list[str], node: str) -> list[str]:
    if node.startswith("d"):
        return ["a", "b"]
    at = lines.index(f"  {node}:")
    return lines[at + 1].split("[")[1].rstrip("]").split(", ")


def dist(rng: np.random.Generator, states: list[str]) -> str:
    p = rng.dirichlet(np.ones(len(states)))
    given = zip(states[:-1], p[:-1], strict=True)
    return "{" + ", ".join(f"{s}: {float(x)!r}" for s, x in given) + "}"


def best_strategy(s: Scenario) -> float:
    """The maximum expected utility over every deterministic strategy, by enumeration: each
    strategy's expected utility is the full joint (decisions as uniform roots) times the
    utility times the strategy's 0/1 policy tables, summed."""
    net = s.diagram.net
    nodes = net.nodes
    decisions = s.reader_decisions
    knows = s.diagram.knows
    scale = math.prod(len(net.states[d]) for d in decisions)
    weighted = full_joint(net) * utility_array(s, net) * scale
    spaces = []
    for d in decisions:
        cells = math.prod(len(net.states[n]) for n in knows[d])
        spaces.append(list(itertools.product(range(len(net.states[d])), repeat=cells)))
    best = -math.inf
    for strategy in itertools.product(*spaces):
        chosen = weighted
        for d, choices in zip(decisions, strategy, strict=True):
            axes = [nodes.index(n) for n in knows[d]]
            shape = [1] * len(nodes)
            for a in axes:
                shape[a] = len(net.states[nodes[a]])
            shape[nodes.index(d)] = len(net.states[d])
            picked = np.zeros([len(net.states[d]), *(shape[a] for a in axes)])
            for cell, option in enumerate(choices):
                picked[(option, *np.unravel_index(cell, picked.shape[1:]))] = 1.0
            order = [nodes.index(d), *axes]
            chosen = chosen * np.transpose(picked, np.argsort(order)).reshape(shape)
        best = max(best, float(chosen.sum()))
    return best


def utility_array(s: Scenario, net: Net) -> np.ndarray:
    """The actor's utility of every full assignment, one axis per node in net order."""
    nodes = net.nodes
    total = np.zeros([len(net.states[n]) for n in nodes])
    for scope, table in s.utilities["reader"].tables():
        order = sorted(range(len(scope)), key=lambda i: nodes.index(scope[i]))
        moved = np.transpose(table[0], order)
        shape = [len(net.states[n]) if n in scope else 1 for n in nodes]
        total = total + moved.reshape(shape)
    return total


def test_a_decision_nothing_depends_on_is_solved_all_the_same() -> None:
    s = model.load(DECISIONS / "idle_last_decision.yaml")
    assert any("every option of 'd5' is worth the same" in str(w) for w in s.warnings)
    best = best_strategy(s)
    assert s.solve().meu[0] == pytest.approx(best, abs=1e-9) == 98.3447994422826
    assert pyagrum_solution(s, "reader").MEU()["mean"] < best - 20  # pyAgrum 3.3 under-solves


STRATEGIES = 4096  # most strategies enumerated for one diagram


def strategies(s: Scenario) -> int:
    return math.prod(len(s.nodes[d].states) ** math.prod(
        len(s.nodes[n].states) for n in s.diagram.knows[d]) for d in s.reader_decisions)


def small_diagrams(count: int) -> list[str]:
    """The first `count` random diagrams, by seed, with few enough strategies to enumerate."""
    found: list[str] = []
    seed = 0
    while len(found) < count:
        text = random_scenario(np.random.default_rng(seed), decisions=2, chance=3, knows=1)
        if strategies(model.loads(text)) <= STRATEGIES:
            found.append(text)
        seed += 1
    return found


@pytest.mark.parametrize("text", small_diagrams(12), ids=[f"diagram{i}" for i in range(12)])
def test_small_random_diagrams_equal_the_best_of_every_strategy(text: str) -> None:
    s = model.loads(text)
    assert s.solve().meu[0] == pytest.approx(best_strategy(s), abs=1e-9)
    assert s.solve().meu[0] == pytest.approx(
        pyagrum_solution(s, "reader").MEU()["mean"], abs=1e-9)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(40))
def test_random_diagrams_with_three_decisions_equal_pyagrum(seed: int) -> None:
    rng = np.random.default_rng(1000 + seed)
    s = model.loads(random_scenario(rng, decisions=3, chance=5))
    inference = pyagrum_solution(s, "reader")
    assert s.solve().meu[0] == pytest.approx(inference.MEU()["mean"], abs=1e-9)
    found = decide(s, samples=1)
    if any(tied(sit) for d in found.decisions for sit in d.situations if sit.probability > 0):
        return  # tied options: either is optimal, and the posteriors depend on which
    for node in s.nodes:
        ours = s.query(node)
        theirs = inference.posterior(node).toarray()
        assert list(ours.values()) == pytest.approx(list(theirs), abs=1e-9)


def tied(situation: Any) -> bool:
    worths = sorted(o.expected for o in situation.options)
    return worths[-1] - worths[-2] < 1e-9


# the draws ------------------------------------------------------------------------------------


def test_each_draw_is_solved_as_if_its_numbers_were_written() -> None:
    s = model.load(DECISIONS / "treatment.yaml")
    draws = draw(s, 30, 7)
    worths = draw_worths(s, 30, 7)
    found = policy.decide(s, "doctor", draws=draws, worths=worths, seed=7)
    meus, scan_worth = [], []
    for row in range(draws.samples):
        tables = {n: t[row:row + 1] for n, t in draws.tables.items()}
        utility = s.utilities["doctor"].tables(worths["doctor"][row:row + 1])
        one = solve(s.solver, s.diagram, utility, tables)
        meus.append(one.meu[0])
        scan_worth.append(one.stage("scan").expected()[0].ravel()[:3])
    assert (found.low, found.high) == pytest.approx(tuple(np.percentile(meus, [5, 95])),
                                                    abs=EXACT)
    worth = np.array(scan_worth)
    [first] = found.decision("scan").situations
    for i, option in enumerate(first.options):
        assert (option.low, option.high) == pytest.approx(
            tuple(np.percentile(worth[:, i], [5, 95])), abs=EXACT)
        assert option.chance_best == pytest.approx(np.mean(worth.argmax(axis=1) == i))


def test_worths_written_as_ranges_are_drawn_about_their_midpoint() -> None:
    s = model.load(DECISIONS / "treatment.yaml")
    worths = draw_worths(s, 20_000, 3)["doctor"]
    [full] = [p for p in s.utilities["doctor"].params if p.where == "row 2"]
    assert (full.low, full.point, full.high) == (-12, -10, -8)
    column = worths[:, full.id]
    assert column.mean() == pytest.approx(-10, abs=0.05)
    assert np.percentile(column, [5, 95]) == pytest.approx([-12, -8], abs=0.1)
    exact = [p for p in s.utilities["doctor"].params if not p.uncertain]
    assert all((worths[:, p.id] == p.point).all() for p in exact)


def test_the_same_seed_prints_the_same_strategy() -> None:
    s = model.load(DECISIONS / "treatment.yaml")
    first, again = decide(s, samples=300, seed=4), decide(s, samples=300, seed=4)
    assert strategy_text(first) == strategy_text(again)
    assert (first.low, first.high) == (again.low, again.high)
    assert strategy_text(decide(s, samples=300, seed=5)) != strategy_text(first)


# refusals and the command line ------------------------------------------------------------------


def test_a_scenario_without_the_reader_s_decisions_has_nothing_to_decide(seed_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no decision of the reader's own") as caught:
        decide(model.load(seed_path), "us")
    assert "remove the prior or table" in str(caught.value)


def test_an_unknown_actor_is_refused_with_the_closest_name() -> None:
    with pytest.raises(ScenarioError, match="no actor 'wildcater' has utilities") as caught:
        decide(model.load(WILDCATTER), "wildcater")
    assert "did you mean 'wildcatter'" in str(caught.value)


def test_scenario_decide_prints_the_policy_and_the_value_of_information(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decide", str(WILDCATTER), "--actor", "wildcatter", "--samples", "100"]) == 0
    out = capsys.readouterr().out
    assert "maximum expected utility 22.5" in out
    assert "test=yes, seismic=diffuse" in out
    assert "oil      32.5" in out
    # shares of draws as the page shows them: whole percents adding to 100, "<1%" and
    # ">99%" near the ends (diffuse: drilling is best in 0.13% of the default draws)
    assert main(["decide", str(WILDCATTER)]) == 0
    (row,) = [line for line in capsys.readouterr().out.splitlines()
              if line.startswith("test=yes, seismic=diffuse")]
    assert row.split()[-5:] == ["<1%", "-10.0", "[-10.0,", "-10.0]", ">99%"]
    assert main(["decide", str(WILDCATTER), "--samples", "100", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["actor"] == "wildcatter"
    assert data["expected"] == pytest.approx(22.5)
    assert data["information"][0]["node"] == "oil"
    assert main(["decide", str(WILDCATTER), "--actor", "nobody"]) == 2
    assert "no actor 'nobody' has utilities" in capsys.readouterr().err


def test_utilities_print_as_the_briefing_rounds_them() -> None:
    from model.briefing.format import signed
    from model.briefing.text import worth

    # -8.15 held in binary as -8.1499999...: the table and the page both show -8.2
    assert worth(-8.149999999999999) == signed(-8.149999999999999).replace("\u2212", "-") \
        == "-8.2"
    assert worth(-0.04) == "0.0" and worth(22.5) == "22.5"


# draws fitted to what solving the decisions holds ---------------------------------------------

# Four five-state drivers known to a three-option decision, and a second decision after it:
# what the decisions know has 5^4 * 3 * 2 = 3,750 combinations, 240 KB a draw to solve.
WIDE = "\n".join([
    "scenario: wide", "title: A wide decision", "question: q", "as_of: 2025-01-01",
    "horizon: 2025-12-31", "nodes:",
    *(f"  X{i}: {{role: driver, states: [s1, s2, s3, s4, s5], prior: {{s1: 0.2, s2: 0.2, "
      "s3: 0.2, s4: 0.2, s5: 0.2}, because: [{assumption: x}]}" for i in range(4)),
    "  D: {role: decision, states: [a, b, c], parents: [X0, X1, X2, X3]}",
    "  D2: {role: decision, states: [a, b], parents: [D]}",
    "utilities:", "  me:",
    "    - {when: {D: a, X0: s1}, value: 5, because: [{assumption: u}]}",
    "    - {when: {D2: a, X3: s1}, value: 5, because: [{assumption: u}]}", ""])
PER_DRAW = 3750 * 8 * (2 + 3 * 2)


@pytest.fixture
def small_budget(monkeypatch: pytest.MonkeyPatch) -> int:
    """A budget of 100 draws' solving (the real one holds 6,250 of them: slow to test)."""
    from model.analysis import uncertainty
    from model.network import influence

    budget = 100 * PER_DRAW
    for module in (policy, influence, uncertainty):
        monkeypatch.setattr(module, "MEMORY_BUDGET_BYTES", budget)
    return budget


def test_the_draws_solving_needs_are_fitted_to_the_memory_budget() -> None:
    s = model.loads(WIDE, path="wide.yaml")
    assert policy.solve_per_draw(s) == PER_DRAW  # no EVPI: every driver is known already
    assert policy.most_samples(s) == 1_500_000_000 // PER_DRAW == 6_250
    assert policy.most_samples(s, budget=100 * PER_DRAW) == 100
    # with nothing drawn the solving is one row, whatever the draws
    exact = model.loads(WIDE.replace("because: [{assumption: x}]",
                                     "exact: true, because: [{assumption: x}]"), path="w.yaml")
    assert policy.most_samples(exact) == 1_000_000


def test_analyze_and_report_take_as_many_draws_as_the_decisions_solving_holds(
        small_budget: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`analyze` without --samples refused this diagram (10,000 draws need 2,400 MB): it
    takes as many draws as the budget holds, and its note says why."""
    from model.analysis import analyze

    s = model.loads(WIDE, path="wide.yaml")
    a = analyze(s)
    assert a.samples == 100
    assert a.note == ("100 draws, not 10,000: solving the decisions under more would not fit "
                      "the memory budget")
    assert a.strategy is not None and a.strategy.samples == 100
    assert a.strategy.expected == pytest.approx(float(s.solve().meu[0]), abs=EXACT)
    assert policy.decide(s, samples=None).samples == 100
    path = tmp_path / "wide.yaml"
    path.write_text(WIDE)
    assert main(["analyze", str(path)]) == 0
    assert "note: 100 draws, not 10,000: solving the decisions" in capsys.readouterr().out
    assert main(["report", str(path), "-o", str(tmp_path / "wide.html")]) == 0
    assert (tmp_path / "wide.html").exists()


def test_draws_past_what_the_solving_holds_are_refused_saying_how_many_fit(
        small_budget: int, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    s = model.loads(WIDE, path="wide.yaml")
    with pytest.raises(model.LimitError, match=r"solving the decisions under 101 draws needs "
                                               r"about 24 MB") as caught:
        policy.decide(s, samples=101)
    assert caught.value.problems[0].file == "wide.yaml"
    assert "ask for at most 100 samples (--samples 100)" in str(caught.value)
    path = tmp_path / "wide.yaml"
    path.write_text(WIDE)
    assert main(["analyze", str(path), "--samples", "101"]) == 2
    assert "ask for at most 100 samples" in capsys.readouterr().err
    assert main(["decide", str(path), "--samples", "100"]) == 0


def test_decide_without_samples_fits_its_draws_to_what_solving_holds(
        small_budget: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from model.analysis import decide as solve

    # under this budget a wide diagram takes as many draws as solving it holds
    path = tmp_path / "wide.yaml"
    path.write_text(WIDE)
    assert solve(model.load(path), samples=None).samples == 100
    assert main(["decide", str(path)]) == 0  # was refused: 10,000 draws by default
    assert "over 100 draws" in capsys.readouterr().out


def test_a_what_if_the_policy_rules_out_is_refused_at_its_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = WILDCATTER.read_text() + "what_ifs:\n  - {name: No test, given: {test: 'no'}}\n"
    path = tmp_path / "wildcatter.yaml"
    path.write_text(text)
    line = len(text.splitlines())
    assert main(["query", str(path), "oil", "--what-if", "No test"]) == 2
    err = capsys.readouterr().err
    assert f"wildcatter.yaml:{line}: what-if 'No test': the observations (test=no) are " \
        "impossible" in err
    # the library's what-if too (here with the oil an outcome, so that it asks something)
    path.write_text(text.replace("oil:   {role: driver", "oil:   {role: outcome"))
    with pytest.raises(model.QueryError, match="what-if 'No test'") as caught:
        model.load(path).what_if("No test")
    assert caught.value.problems[0].line == line
