"""Each kind of bad input: exit code 2, the file, the line, the node and what to do."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import model
from model import ScenarioError

BAD = Path(__file__).parent / "fixtures" / "bad"

# fixture -> (line, node or None, words the message must contain)
CASES: dict[str, tuple[int, str | None, tuple[str, ...]]] = {
    "yaml_syntax_error": (14, None, ("YAML syntax error", "expected ','")),
    "duplicate_key": (15, None, ("key 'talks' is written twice", "first written on line 11")),
    "unknown_parent": (17, "deal", ("unknown parent 'talkz'", "did you mean 'talks'")),
    "unknown_state": (19, "deal", ("'yse' is not a state of 'talks'", "did you mean 'yes'")),
    "unknown_node_in_what_if": (17, None, ("unknown node 'tlaks'", "did you mean 'talks'")),
    "distribution_not_summing": (14, "talks", ("sums to 1.1, not 1", "add up to 1")),
    "probability_out_of_range": (13, "talks", ("outside [0, 1]", 'did you mean "30%"')),
    "unknown_estimative_term": (13, "talks", ("unknown estimative term 'quite likely'",
                                              "roughly even chance", "highly improbable")),
    "missing_table_row": (22, "deal", ("no row for talks=yes, strike=yes", "when: otherwise")),
    "duplicated_table_row": (25, "deal", ("row 3 (talks=yes) repeats", "row 1 (line 19)")),
    "cycle": (13, "talks", ("cycle:", "strike -> deal -> talks -> strike")),
    "undeclared_source": (15, "talks", ("source 'note' is not declared", "did you mean 'notes'")),
    "paragraph_beyond_source": (15, "talks", ("paragraph 7 is beyond the end", "has 3")),
    "quote_not_in_source": (15, "talks", ("quote not found in paragraph 1",)),
    "table_too_large": (93, "big", ("2,097,152 cells", "over the limit")),
    "missing_citation": (11, "talks", ("'because' is missing", "assumption")),
    "judgement_unknown_node": (24, None, ("judgement 'any_strike': event, column 15: unknown "
                                          "node 'strkie'", "did you mean 'strike'?")),
    "judgement_unknown_state": (24, "talks", ("judgement 'talks_fail': event, column 7: "
                                              "'failed' is not a state of 'talks'",
                                              "known: no, yes")),
    "judgement_syntax_error": (24, None, ("judgement 'both': event, column 26: expected ')' "
                                          "to close the '(' at column 15",)),
    "judgement_named_twice": (25, None, ("judgement 'strike' is named twice",
                                         "the first is judgement 1")),
    "confidence_without_because": (22, None, ("a confidence set by hand needs 'because'",)),
    # the loader and the number grammar (issue 14)
    "merge_key": (12, "deal", ("a merge key (<<) is not YAML 1.2",)),
    "keys_that_collapse": (10, "talks", ("key '1' is written twice", "1 and \"1\" are the same")),
    "number_that_underflows": (9, "talks", ("prior: the number 1e-400 is too small",)),
    "hex_number": (9, "talks", ("prior.yes: '0x1' is not a number here", "no hex")),
    "percent_with_underscore": (9, "talks", ("prior.yes: '1_0%' is not a percent",)),
    "boolean_weight": (11, "talks", ("estimate 1: weight true is a yes/no value in YAML, not "
                                     "a number",)),
    "boolean_para": (14, "talks", ("because entry 1: para true is a yes/no value in YAML",
                                   "write a whole number such as 8")),
    "noisy_or_parent_named_leak": (14, "deal", ("a parent named 'leak' cannot have",)),
    "horizon_before_as_of": (5, None, ("horizon: the horizon (2024-12-31) is before as_of",)),
    "utility_too_large": (12, None, ("utilities.us.talks.yes: 1.7e+308 is above "
                                     "1,000,000,000,000", "write a number at most")),
    "logarithmic_pool_without_common_support": (10, "talks", ("share no state",
                                                              "pool: linear")),
    "control_character_in_name": (7, "talks\x1b]0;pwned\x07", (
        "node 'talks\\x1b]0;pwned\\x07'", "control characters (U+001B at character 6)")),
    "name_of_81_characters": (9, "talks", ("state 1: a name is at most 80 characters",)),
    "not_utf8": (8, None, ("not UTF-8 text (byte 0xff at character 18)",)),
    "nul_character": (8, None, ("control character U+0000",)),
    "sum_off_by_millionths": (10, "talks", ("prior sums to 1.000002, not 1",)),
    "rows_fewer_than_parent_combinations": (14, "deal", ("rows: 1 rows where the table needs 2",
                                                         "the first parent's states")),
    "second_document": (11, None, ("one YAML document; this is a second one",)),
    "yaml_1_1_directive": (1, None, ("declares YAML 1.1", "yes and no are text")),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_located_and_explained(name: str) -> None:
    line, node, words = CASES[name]
    path = BAD / f"{name}.yaml"
    with pytest.raises(ScenarioError) as caught:
        model.load(path)
    problems = caught.value.problems
    assert len(problems) == 1, problems
    problem = problems[0]
    assert problem.file == str(path)
    assert problem.line == line
    assert problem.node == node
    text = str(problem)
    assert text.startswith(f"{path}:{line}: ")
    for word in words:
        assert word in text


def test_every_problem_of_a_file_is_reported_together() -> None:
    with pytest.raises(ScenarioError) as caught:
        model.load(BAD / "many_problems.yaml")
    found = [(p.line, p.node) for p in caught.value.problems]
    assert found == [(13, "talks"), (17, "deal"), (21, "deal"), (24, "strike")]
    text = str(caught.value)
    assert "unknown estimative term 'likelyish'" in text
    assert "unknown parent 'strke' (did you mean 'strike'?)" in text
    assert "source 'nowhere' is not declared" in text
    assert "1.5 is outside [0, 1]" in text


@pytest.mark.parametrize("first", ["prior: {a1: 0.3, a2: 0.6}",  # its numbers wrong
                                   "role: drivr, prior: {a1: 0.3}"])  # its schema wrong
def test_a_child_s_table_is_checked_when_its_parent_s_is_wrong(first: str) -> None:
    """The parent still has its states: its children's tables are checked against them."""
    text = ("scenario: t\ntitle: t\nquestion: t\nas_of: 2025-01-01\nhorizon: 2025-12-31\n"
            "nodes:\n"
            f"  a: {{states: [a1, a2], {first}, because: [{{assumption: x}}]}}\n"
            "  b: {role: outcome, states: [b1, b2], parents: [a], because: [{assumption: x}],\n"
            "      rows: [[0.1, 0.5], [0.6, 0.4]]}\n")
    with pytest.raises(ScenarioError) as caught:
        model.loads(text)
    found = [(p.node, p.line) for p in caught.value.problems]
    assert found == [("a", 7), ("b", 9)], caught.value.problems  # b at its rows
    assert "row 1 sums to 0.6, not 1" in caught.value.problems[1].message


def test_every_bad_fixture_is_covered() -> None:
    on_disk = {p.stem for p in BAD.glob("*.yaml")}
    assert on_disk == set(CASES) | {"many_problems"}


@pytest.mark.parametrize("name", ["cycle", "yaml_syntax_error", "many_problems"])
def test_cli_exits_2_with_message_and_no_traceback(name: str) -> None:
    path = BAD / f"{name}.yaml"
    done = subprocess.run([sys.executable, "-m", "model.cli", "validate", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(f"error: {path}:")
