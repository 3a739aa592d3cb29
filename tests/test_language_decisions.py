"""Both kinds of decision and both forms of utility in the language: what loads, and a
located problem, with what to do, for every mistake."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import model
from model import ScenarioError

ROOT = Path(__file__).resolve().parent.parent
WILDCATTER = ROOT / "scenarios" / "oil_wildcatter.yaml"
TEXT = WILDCATTER.read_text()


def edited(*changes: tuple[str, str]) -> str:
    text = TEXT
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    return text


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        model.loads(text, WILDCATTER)
    return [str(p) for p in caught.value.problems]


def test_the_wildcatter_loads_as_the_issue_writes_it() -> None:
    s = model.load(WILDCATTER)
    assert s.reader_decisions == ("test", "drill")
    assert s.decider == "wildcatter"
    assert s.nodes["oil"].label == "oil"  # no label: the id stands in
    assert list(s.warnings) == []
    assert not s.nodes["oil"].reader_decision and s.nodes["drill"].reader_decision
    spec = s.utilities["wildcatter"]
    assert spec.form == "rows"
    assert [t.scope for t in spec.terms] == [("test",), ("oil", "drill")]
    [(_, cost), (_, hole)] = spec.tables()
    assert cost.tolist() == [[-10.0, 0.0]]
    assert hole[0].tolist() == [[-70.0, 0.0], [50.0, 0.0], [200.0, 0.0]]


def test_utility_rows_add_up_where_several_match() -> None:
    text = edited(("    - {when: {test: yes}, value: -10,",
                   "    - {when: {test: yes, drill: yes}, value: -1, because: [{assumption: a "
                   "second cost}]}\n    - {when: {test: yes}, value: -10,"))
    s = model.loads(text, WILDCATTER)
    tables = dict(s.utilities["wildcatter"].tables())
    assert tables[("test", "drill")][0].tolist() == [[-1.0, 0.0], [0.0, 0.0]]
    assert s.solve().meu[0] == pytest.approx(22.5 - 0.59)  # the policy drills 59% of the time


def test_a_when_may_list_states_any_of_which_match() -> None:
    text = edited(("{when: {drill: yes, oil: wet}, value: 50",
                   "{when: {drill: yes, oil: [wet, soaking]}, value: 50"),
                  ("{when: {drill: yes, oil: soaking}, value: 200",
                   "{when: {drill: yes, oil: soaking}, value: 150"))
    s = model.loads(text, WILDCATTER)
    assert s.solve().meu[0] == pytest.approx(model.load(WILDCATTER).solve().meu[0])


def test_the_by_node_form_still_adds_up_over_the_nodes() -> None:
    text = edited(("  wildcatter:\n",
                   "  wildcatter:\n    test: {yes: -10}\n    drill: {yes: -5}\n"))
    text = text[:text.index("    - {when: {test: yes}")]
    s = model.loads(text, WILDCATTER)
    assert s.utilities["wildcatter"].form == "by_node"
    assert [t.scope for t in s.utilities["wildcatter"].terms] == [("test",), ("drill",)]
    assert s.solve().meu[0] == 0  # costs only: neither test nor drill


def test_worths_may_be_ranges_whose_midpoint_is_the_headline() -> None:
    s = model.loads(edited(("value: 200", "value: [150, 250]")), WILDCATTER)
    [rich] = [p for p in s.utilities["wildcatter"].params if p.uncertain]
    assert (rich.low, rich.point, rich.high, rich.where, rich.line) == (150, 200, 250, "row 4", 42)
    assert rich.text == "[150, 250]"
    assert s.solve().meu[0] == pytest.approx(22.5)


def test_a_decision_with_probabilities_stays_a_predicted_choice() -> None:
    text = edited(("  test:  {role: decision, states: [yes, no]}",
                   "  test:  {role: decision, states: [yes, no], prior: {yes: 0.5}, "
                   "because: [{assumption: a coin}]}"))
    s = model.loads(text, WILDCATTER)
    assert s.reader_decisions == ("drill",)
    assert s.query("test")["yes"] == pytest.approx(0.5)
    assert s.diagram.knows["drill"] == ("test", "seismic")


def test_a_decision_s_parents_are_what_it_knows() -> None:
    s = model.load(WILDCATTER)
    assert s.net.parents["drill"] == ("test", "seismic")
    assert s.net.parents["test"] == ()
    assert np.array_equal(s.net.tables["test"], [1.0, 0.0])


CASES: dict[str, tuple[tuple[tuple[str, str], ...], int, str | None, tuple[str, ...]]] = {
    "unknown node in a when": (
        (("{when: {drill: yes, oil: dry}", "{when: {drill: yes, oli: dry}"),), 40, None,
        ("utilities of 'wildcatter': unknown node 'oli'", "did you mean 'oil'")),
    "unknown state in a when": (
        (("{when: {drill: yes, oil: dry}", "{when: {drill: yes, oil: dri}"),), 40, "oil",
        ("'dri' is not a state of 'oil'", "did you mean 'dry'")),
    "a state listed twice": (
        (("{when: {drill: yes, oil: dry}", "{when: {drill: yes, oil: [dry, dry]}"),), 40, "oil",
        ("a state of 'oil' is listed twice",)),
    "an empty when": (
        (("{when: {test: yes}, value: -10", "{when: {}, value: -10"),), 39, None,
        ("empty 'when'", "name the node states")),
    "a reversed range": (
        (("value: 200", "value: [250, 150]"),), 42, None,
        ("a range is [low, high]; 250 is above 150",)),
    "a worth that is not a number": (
        (("value: 200", "value: lots"),), 42, None, ("is not a number",)),
    "a row without because": (
        ((", because: [{assumption: rich find}]}", "}"),), 42, None, ("'because' is missing",)),
    "an undeclared source": (
        (("because: [{assumption: rich find}]", "because: [{source: well_log, para: 2, "
                                                "says: rich sands}]"),), 42, "drill",
        ("source 'well_log' is not declared",)),
    "leans in a utility citation": (
        (("question: Should", "sources:\n  log: {title: A well log}\nquestion: Should"),
         ("because: [{assumption: rich find}]",
          "because: [{source: log, para: 2, says: rich sands, leans: yes}]")), 44, None,
        ("'leans' names a state", "drop 'leans'")),
    "an actor on a chance node": (
        (("prior: {dry: 0.5", "actor: wildcatter, prior: {dry: 0.5"),), 25, "oil",
        ("'actor' is for decision nodes",)),
    "an actor without utilities": (
        (("  test:  {role: decision, states: [yes, no]}",
          "  test:  {role: decision, states: [yes, no], actor: wildcater}"),), 26, "test",
        ("actor 'wildcater' has no utilities", "did you mean 'wildcatter'")),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_mistake_is_located_and_explained(name: str) -> None:
    changes, line, node, words = CASES[name]
    [problem] = problems(edited(*changes))
    assert problem.startswith(f"{WILDCATTER}:{line}: "), problem
    assert (f"node '{node}'" in problem) == (node is not None), problem
    for word in words:
        assert word in problem


def test_the_reader_s_decision_needs_an_actor_with_utilities() -> None:
    text = TEXT[:TEXT.index("utilities:")]
    [problem] = problems(text)
    assert f"{WILDCATTER}:26: node 'test'" in problem
    assert "no actor has utilities to choose by" in problem
    assert "give the node a prior to predict another actor's choice" in problem


def test_with_several_actors_the_reader_s_decisions_say_whose_they_are() -> None:
    text = TEXT + "  rival:\n    - {when: {drill: yes}, value: -5, because: [{assumption: envy}]}\n"
    [problem] = problems(text)
    assert "say whose it is" in problem and "add actor: wildcatter" in problem
    named = text.replace("  test:  {role: decision, states: [yes, no]}",
                         "  test:  {role: decision, states: [yes, no], actor: rival}")
    s = model.loads(named, WILDCATTER)
    assert s.decider == "rival"
    assert s.query("drill")["yes"] == 0  # the rival never drills


def test_the_reader_s_decisions_are_taken_by_one_actor() -> None:
    text = TEXT + "  rival:\n    - {when: {drill: yes}, value: -5, because: [{assumption: envy}]}\n"
    text = text.replace("  test:  {role: decision, states: [yes, no]}",
                        "  test:  {role: decision, states: [yes, no], actor: rival}")
    text = text.replace("parents: [test, seismic]}", "parents: [test, seismic], actor: wildcatter}")
    [problem] = problems(text)
    assert f"{WILDCATTER}:36: node 'drill'" in problem
    assert "taken by one actor" in problem and "predict it instead" in problem


def test_the_reader_s_decisions_are_taken_in_sequence() -> None:
    text = edited(("parents: [test, seismic]}", "parents: [seismic]}"),
                  ("    parents: [oil, test]\n", "    parents: [oil]\n"),
                  ("      - {when: {test: no}, p: {closed: 0, open: 0, diffuse: 0, none: 1}, "
                   "because: [{assumption: \"no test, no reading\"}]}\n", ""),
                  ("{when: {test: yes, oil:", "{when: {oil:"))
    text = text.replace("{when: {test: yes, oil:", "{when: {oil:")
    [problem] = problems(text)
    assert f"{WILDCATTER}:35: node 'drill'" in problem
    assert "'test' and 'drill' are both the reader's decisions, but neither comes after" in problem
    assert "add 'test' to the parents of 'drill'" in problem


def test_a_decision_nothing_depends_on_is_warned_about() -> None:
    text = TEXT.replace("parents: [test, seismic]}", "parents: [test, seismic]}\n"
                        "  idle: {role: decision, states: [a, b], parents: [drill]}")
    s = model.loads(text, WILDCATTER)
    [warning] = s.warnings
    assert "every option of 'idle' is worth the same to 'wildcatter'" in str(warning)


def test_two_rows_with_the_same_condition_are_warned_about() -> None:
    text = edited(("    - {when: {test: yes}, value: -10,",
                   "    - {when: {test: yes}, value: -1, because: [{assumption: fee}]}\n"
                   "    - {when: {test: yes}, value: -10,"))
    s = model.loads(text, WILDCATTER)
    [warning] = s.warnings
    assert "utility rows 1 and 2 of 'wildcatter' have the same condition (test=yes)" in str(warning)
    assert s.solve().meu[0] == pytest.approx(21.5)


def test_a_comma_in_flow_style_text_gets_a_hint_to_quote_it() -> None:
    text = TEXT.replace('[{assumption: "no test, no reading"}]',
                        "[{assumption: no test, no reading}]")
    [problem] = problems(text)
    assert "unknown key 'no reading'" in problem
    assert "a comma inside {...} starts a new key: put quotes around text" in problem


def test_a_policy_past_the_table_limit_is_refused_where_the_decision_is() -> None:
    """Seven six-state nodes known to `first` (a policy of 2 x 6**7 cells, within the limit),
    which `later`, naming only `first`, still knows: 2 x 2 x 6**7 cells."""
    prior = "{a: 0.5, b: 0.1, c: 0.1, d: 0.1, e: 0.1}"
    known = "".join(f"  k{i}: {{states: [a, b, c, d, e, f], prior: {prior}, "
                    "because: [{assumption: x}]}\n" for i in range(7))
    parents = ", ".join(f"k{i}" for i in range(7))
    text = (TEXT[:TEXT.index("nodes:")] + "nodes:\n" + known +
            f"  first: {{role: decision, parents: [{parents}]}}\n"
            "  later: {role: decision, parents: [first]}\n"
            "utilities:\n  me:\n    - {when: {later: yes}, value: 1, "
            "because: [{assumption: x}]}\n")
    [problem] = problems(text)
    assert "node 'later'" in problem and "its policy would have 1,119,744 cells" in problem
    assert "the earlier decisions and all they knew" in problem

