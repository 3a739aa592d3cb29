"""The decision tree: rolled back exactly, marked as the policy, coarsened without losing a
value, and drawn in the briefing with the numbers of the library."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import numpy as np
import pytest

import model
from model.analysis import analyze, decide
from model.analysis.decision_tree import (
    MAX_ENDS,
    DecisionTree,
    TreeNode,
    predicted_tree,
    reader_tree,
)
from model.briefing.page import render
from tests.report_page import GENERATED, assert_shown_to_precision, read_page

ROOT = Path(__file__).resolve().parent.parent
WILDCATTER = ROOT / "scenarios" / "oil_wildcatter.yaml"
SEED = ROOT / "scenarios" / "russia_iran_2025.yaml"
DECISIONS = Path(__file__).parent / "fixtures" / "decisions"
EXACT = 1e-9


@cache
def load(path: Path) -> model.Scenario:
    return model.load(path)


def nodes(node: TreeNode) -> Iterator[TreeNode]:
    yield node
    for b in node.branches:
        yield from nodes(b.child)


def assert_rolled_back(tree: DecisionTree) -> None:
    """Every drawn node's value is its branches' best (a reader's decision) or their
    probability-weighted sum (chance, and a predicted decision)."""
    for node in nodes(tree.root):
        if not node.branches:
            continue
        if all(b.probability is None for b in node.branches):
            best = max(b.child.values[0] for b in node.branches)
            assert node.values[0] == pytest.approx(best, abs=EXACT)
            [marked] = [b for b in node.branches if b.best]
            assert marked.child.values[0] == pytest.approx(best, abs=EXACT)
        else:
            total = sum(b.probability or 0 for b in node.branches)
            assert total == pytest.approx(1.0, abs=EXACT)
            for a in range(len(tree.actors)):
                rolled = sum((b.probability or 0) * b.child.values[a] for b in node.branches)
                assert node.values[a] == pytest.approx(rolled, abs=EXACT)


def test_the_wildcatter_s_tree_is_the_textbook_one() -> None:
    s = load(WILDCATTER)
    tree = reader_tree(s)
    assert tree.order == ("test", "seismic", "drill", "oil")
    assert tree.root.kind == "decision" and tree.root.node == "test"
    assert tree.root.values[0] == pytest.approx(22.5, abs=EXACT)
    assert_rolled_back(tree)
    yes, no = tree.root.branches
    assert yes.best == ("wildcatter",) and no.best == ()
    assert [b.state for b in yes.child.branches] == ["closed", "open", "diffuse"]
    assert [b.probability for b in yes.child.branches] == pytest.approx([0.24, 0.35, 0.41])
    assert no.child.kind == "decision"  # seismic is surely "none" without a test: skipped
    drill = {b.state: b.child for b in yes.child.branches}
    assert [b.state for b in drill["diffuse"].branches if b.best] == ["no"]
    ends = [e.values[0] for e in tree.ends]
    assert len(ends) == 16 and all(e.certain for e in tree.ends)
    # the end of testing, drilling and finding it soaking: -10 + 200
    soaking = drill["closed"].branches[0].child.branches[2].child
    assert soaking.kind == "end" and soaking.values[0] == 190
    # tested and did not drill: the oil no longer matters, the path ends
    assert sum(1 for e in ends if e == pytest.approx(-10, abs=EXACT)) == 3
    assert tree.lumped == tree.folded == 0


@pytest.mark.parametrize("name", ["umbrella", "treatment"])
def test_each_decision_node_shows_the_policy_s_worth(name: str) -> None:
    s = load(DECISIONS / f"{name}.yaml")
    tree = reader_tree(s)
    found = decide(s, samples=20)
    assert tree.root.values[0] == pytest.approx(found.expected, abs=EXACT)
    assert_rolled_back(tree)
    order = tree.order
    for node in nodes(tree.root):
        if node.kind != "decision" or node.folded:
            continue
        known = {order[i]: s.nodes[order[i]].states[k] for i, k in enumerate(node.prefix)}
        policy = found.decision(node.node or "")
        [sit] = [x for x in policy.situations
                 if all(known[n] == st for n, st in x.known.items())]
        [marked] = [b for b in node.branches if b.best]
        assert marked.state == sit.best
        for b, option in zip(node.branches, sit.options, strict=True):
            assert b.child.values[0] == pytest.approx(option.expected, abs=EXACT)


def test_large_trees_are_lumped_and_folded_with_exact_values() -> None:
    text = (DECISIONS / "umbrella.yaml").read_text()
    text = text.replace("states: [sunny, cloudy, rainy]",
                        "states: [sunny, bright, cloudy, grey, drizzle, rainy]")
    text = text.replace("p: {sunny: 0.7, cloudy: 0.2, rainy: 0.1}",
                        "p: {sunny: 0.4, bright: 0.3, cloudy: 0.1, grey: 0.1, drizzle: 0.05}")
    text = text.replace("p: {sunny: 0.15, cloudy: 0.25, rainy: 0.6}",
                        "p: {sunny: 0.05, bright: 0.1, cloudy: 0.15, grey: 0.1, drizzle: 0.2}")
    s = model.loads(text, DECISIONS / "umbrella.yaml")
    tree = reader_tree(s)
    assert tree.lumped == 3
    other = tree.root.branches[-1]
    assert other.label == "3 other states" and other.child.lumped == 3
    assert_rolled_back(tree)
    assert tree.root.values[0] == pytest.approx(s.solve().meu[0], abs=EXACT)
    big = reader_tree(load(DECISIONS / "treatment.yaml"))
    assert big.folded > 0 and len(big.ends) <= MAX_ENDS
    assert_rolled_back(big)
    assert big.root.values[0] == pytest.approx(load(DECISIONS / "treatment.yaml").solve().meu[0],
                                               abs=EXACT)


def test_a_predicted_decision_keeps_its_prior_and_shows_each_actor_s_worth() -> None:
    s = load(SEED)
    tree = predicted_tree(s, "us_course")
    assert tree.kind == "predicted" and tree.root.kind == "decision"
    [decision] = [d for d in analyze(s, samples=200).decisions if d.node == "us_course"]
    prior = s.query("us_course")
    for b, option in zip(tree.root.branches, decision.options, strict=True):
        assert b.probability == pytest.approx(prior[b.state], abs=EXACT)
        for a, actor in enumerate(tree.actors):
            assert b.child.values[a] == pytest.approx(option.expected[actor], abs=EXACT)
        assert set(b.best) == {a for a in tree.actors if decision.best[a] == b.state}
    assert_rolled_back(tree)
    assert len(tree.order) == 3 and set(tree.order[1:]) <= set(s.outcomes)


def test_a_predicted_decision_weighs_from_one_joint_as_table_by_table(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from model.analysis import marginals
    from model.analysis.decision_tree import Weighed
    from model.network.influence import weigh

    s = load(SEED)
    outcomes = [o for o in s.outcomes if o != "us_course"]
    weighed = Weighed(s, "us_course", outcomes)
    assert weighed.joints  # small enough: one joint per option
    for axes in ([outcomes[0]], outcomes[1:3], outcomes[::-1][:2]):
        for actor, utility in s.utilities.items():
            for option in s.nodes["us_course"].states:
                expected = weigh(s.compiled, axes, utility.tables(), do={"us_course": option})
                for found, wanted in zip(weighed(axes, actor, option), expected, strict=True):
                    np.testing.assert_allclose(found, wanted, rtol=1e-12, atol=1e-12)
    tree = predicted_tree(s, "us_course")
    monkeypatch.setattr(marginals, "MAX_GROUP_CELLS", 1)  # a joint per table instead
    assert not Weighed(s, "us_course", outcomes).joints
    apart = predicted_tree(load(SEED), "us_course")
    assert apart.order == tree.order
    for a, b in zip(tree.root.ends(), apart.root.ends(), strict=True):
        np.testing.assert_allclose(a.values, b.values, rtol=1e-12, atol=1e-12)
        assert a.prefix == b.prefix


# the section ----------------------------------------------------------------------------------


def section(path: Path) -> str:
    text = render(load(path), generated=GENERATED)
    found = re.search(r'<section id="decision_tree".*?</section>', text, re.DOTALL)
    assert found is not None
    return found.group(0)


def test_the_briefing_draws_the_wildcatter_s_tree_and_its_numbers() -> None:
    s = load(WILDCATTER)
    html = section(WILDCATTER)
    page = read_page(html)
    strategy = analyze(s).strategy
    assert strategy is not None
    tree = reader_tree(s)
    shapes = [e.attrs["data-shape"] for e in page.elements if "data-shape" in e.attrs]
    assert shapes.count("end") == len(tree.ends) == 16
    assert shapes.count("decision") == 5 and shapes.count("chance") == 5
    # the best strategy's branches: test, 3 readings, 3 choices to drill or not, 2 x 3 oils
    assert html.count("dt-optimal") == 1 + 3 + 3 + 6
    [meu] = [v for v in page.values if v.attrs["data-kind"] == "meu"]
    assert meu.v == pytest.approx(strategy.expected) and meu.text == "22.5"
    eus = [v for v in page.values if v.attrs["data-kind"] == "policy-eu"]
    expected = {(d.node, tuple(sit.known.items()), o.option): o.expected
                for d in strategy.decisions for sit in d.situations for o in sit.options}
    assert len(eus) == len(expected)
    for v in eus:
        known = tuple(p.split("=", 1) for p in v.context.get("data-given", "").split(";") if p)
        key = (v.context["data-node"], tuple(map(tuple, known)), v.context["data-option"])
        assert v.v == pytest.approx(expected[key], abs=EXACT)  # type: ignore[index]
        assert_shown_to_precision(v.text, expected[key])  # type: ignore[index]
    [oil, seismic] = [v for v in page.values if v.attrs["data-kind"] == "evpi"]
    assert (oil.context["data-node"], oil.text) == ("oil", "32.5")
    assert (seismic.context["data-node"], seismic.text) == ("seismic", "0.0")
    assert "which knows it already" in html


def test_the_seed_shows_each_us_course_beside_its_outcomes_and_worth() -> None:
    s = load(SEED)
    html = section(SEED)
    page = read_page(html)
    [decision] = [d for d in analyze(s).decisions if d.node == "us_course"]
    worth = [v for v in page.values if v.attrs["data-kind"] == "course-eu"]
    assert len(worth) == len(decision.actors) * len(decision.options)
    for v in worth:
        [option] = [o for o in decision.options if o.option == v.context["data-option"]]
        assert v.v == pytest.approx(option.expected[v.context["data-actor"]], abs=EXACT)
    chances = [e for e in page.shown if e.attrs.get("data-node") == "us_course"]
    assert [e.p for e in chances] == pytest.approx(list(s.query("us_course").values()))
    for e in page.shown:
        if e.do:
            node, _, option = e.do.partition("=")
            exact = s.query(e.attrs["data-node"], do={node: option})[e.attrs["data-state"]]
            assert e.p == pytest.approx(exact, abs=EXACT)
    assert "best for US, Iran, Russia" in html and "best for Israel" in html
    # the root's worth is the one with each option as likely as predicted, and says so
    [root] = re.findall(r"<title>US course on Iran: [^<]*</title>", html)
    assert "a choice the file predicts" in root and "best option" not in root
    assert "us, iran" not in root  # the actors by name only, in the worths
    # the tree's branches are rounded together, as the table's chances are
    table = [e.text.strip() for e in chances]
    assert sum(int(t.rstrip("%")) for t in table) == 100
    for option, text in zip(s.nodes["us_course"].states, table, strict=True):
        words = s.state_label("us_course", option)
        assert re.search(rf">{re.escape(words)} · best for [^<]*</text>"
                         rf"<text[^>]*>{text} ", html), (option, text)


def test_scenario_text_in_the_tree_is_escaped() -> None:
    text = WILDCATTER.read_text().replace(
        "  drill: {role: decision,", '  drill: {label: "<script>alert(1)</script> & \\"go\\"", '
                                      "role: decision,")
    s = model.loads(text, WILDCATTER)
    html = render(s, generated=GENERATED)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;go&#34;" in html


def test_no_decision_no_tree(tiny_path: Path) -> None:
    html = render(model.load(tiny_path), generated=GENERATED)
    assert 'id="decision_tree"' not in html


def test_a_long_name_of_the_first_decision_stays_inside_the_drawing() -> None:
    path = Path(__file__).resolve().parent.parent / "scenarios" / "oil_wildcatter.yaml"
    text = path.read_text().replace(
        "test:  {role: decision,", "test:  {role: decision, label: Pay for a seismic survey first,")
    page = render(model.loads(text, path=path), generated=GENERATED)
    found = re.search(r'<text x="([-0-9.]+)" y="[-0-9.]+" text-anchor="(\w+)"[^>]*>'
                      r'Pay for a seismic survey', page)
    assert found is not None
    # left-aligned from the symbol, where right-aligned it ran past the left edge
    assert found.group(2) == "start" and float(found.group(1)) >= 0
