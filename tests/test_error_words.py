"""The mistakes new users make in the README's example, each refused in words: the line,
the node, what is wrong and what to do, with exit code 2 and no traceback; places counted
from 1 ("table row 2", "what-if 1") wherever a message shows one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import model
from model import ScenarioError
from model.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"


def example() -> str:
    """The README's example file, as a reader would copy it."""
    text = README.read_text(encoding="utf-8")
    found = re.search(r"```yaml\n(.*?)```", text.split("## The scenario language", 1)[1],
                      re.S)
    assert found is not None
    return found.group(1)


STRIKE_TABLE = """    table:                           # one row per parent-state combination
      - when: {talks: yes}
        p: {yes: "15%"}
        because: [{assumption: talks buy time}]
      - when: otherwise              # the default row: every combination not listed
        p: {yes: [0.4, 0.6]}         # a range: its midpoint is the headline value
        because: [{source: brief, para: 8, says: pressure for a strike grows}]
"""
STRIKE = "  strike:\n    label: Israel strikes\n    role: event\n    parents: [talks]\n" \
    + STRIKE_TABLE
UTILITY = "utilities:\n  us:\n    - when: {deal: yes}\n      value: %s\n" \
          "      because: [{assumption: x}]\n\njudgements:"

# name -> (what the example says, what the mistake writes instead, the text of the line
#          the problem is on, its node, words of its message, words of its hint)
CASES: dict[str, tuple[str, str, str, str | None, tuple[str, ...], tuple[str, ...]]] = {
    # 1. pydantic's errors in words
    "role": ("role: driver ", "role: evnt ", "role: evnt", "talks",
             ("role 'evnt' is not one of driver, event, outcome, decision",),
             ("did you mean 'event'?",)),
    "confidence": ("    event: strike=yes and not deal=yes",
                   "    event: strike=yes and not deal=yes\n    confidence: very high\n"
                   "    because: [{assumption: x}]", "confidence: very high", None,
                   ("judgement 1: confidence 'very high' is not one of low, moderate, high",),
                   ("did you mean 'high'?",)),
    "pool": ("    prior: {yes: roughly even chance}",
             "    prior: {yes: roughly even chance}\n    pool: lineer", "pool: lineer",
             "talks", ("pool 'lineer' is not one of linear, logarithmic",),
             ("did you mean 'linear'?",)),
    "one_state": ("states: [yes, no] ", "states: [go] ", "states: [go]", "talks",
                  ("a node needs at least two states",), ("states: [yes, no]",)),
    "no_state": ("states: [yes, no] ", "states: [] ", "states: []", "talks",
                 ("a node needs at least two states",), ("states: [yes, no]",)),
    "prior_as_a_term": ("prior: {yes: roughly even chance}", "prior: roughly even chance",
                        "prior: roughly even chance", "talks",
                        ("prior 'roughly even chance' is not a map of states",),
                        ("write the prior as a map of states, e.g. prior: {yes: roughly "
                         "even chance}",)),
    "p_as_a_number": ('p: {yes: "15%"}', "p: 0.15", "p: 0.15", "strike",
                      ("table row 1: p 0.15 is not a map of states",),
                      ("p: {yes: 0.15}",)),
    "para_0": ("para: 4,", "para: 0,", "para: 0,", "talks",
               ("because entry 1: para 0 is not a paragraph number",
                "paragraphs are numbered from 1"), ("para: 1",)),
    "para_8.0": ("para: 8,", "para: 8.0,", "para: 8.0,", "strike",
                 ("table row 2, because entry 1: para 8.0 is not a paragraph number",),
                 ("a paragraph number such as 8", "[3, 4]")),
    "para_quoted": ("para: 8,", 'para: "8",', 'para: "8",', "strike",
                    ("para '8' is not a paragraph number",), ("without quotes",)),
    "para_8a": ("para: 8,", "para: 8a,", "para: 8a,", "strike",
                ("para '8a' is not a paragraph number",), ("a paragraph number such as 8",)),
    "para_list_0": ("para: 4,", "para: [3, 0],", "para: [3, 0]", "talks",
                    ("because entry 1, para item 2: 0 is not a paragraph number",),
                    ("para: 1",)),
    "because_as_text": ("because: [{assumption: talks buy time}]", "because: talks buy time",
                        "because: talks buy time", "strike",
                        ("table row 1: because 'talks buy time' is not a list",),
                        ("because: [{assumption: talks buy time}]", "{source: brief")),
    "because_empty": ("because: [{assumption: talks buy time}]", "because: []",
                      "because: []", "strike", ("table row 1: because is empty",),
                      ("{source: brief", "{assumption:")),
    "because_item_as_text": ("because: [{assumption: talks buy time}]",
                             "because: [talks buy time]", "because: [talks buy time]",
                             "strike", ("table row 1, because entry 1: 'talks buy time' is "
                                        "not a citation or an assumption",),
                             ("{assumption: talks buy time}",)),
    "states_without_brackets": ("states: [yes, no] ", "states: yes, no ", "states: yes, no",
                                "talks", ("states 'yes, no' is not a list",),
                                ("write a list in brackets: states: [yes, no]",)),
    "parents_without_brackets": ("parents: [talks]", "parents: talks", "parents: talks",
                                 "strike", ("parents 'talks' is not a list",),
                                 ("parents: [talks]",)),
    "scenario_id_with_a_space": ("scenario: talks_2025", "scenario: talks 2025",
                                 "scenario: talks 2025", None,
                                 ("scenario 'talks 2025' is not an identifier",
                                  "letters, digits, _ and - only (no spaces), not starting "
                                  "with a digit"), ("talks_2025",)),
    "source_id_with_a_space": ("  brief:   ", "  my brief:   ", "  my brief:", None,
                               ("sources: source id 'my brief' is not an identifier",),
                               ("my_brief",)),
    "empty_node": (STRIKE, "  strike:\n", "  strike:", "strike", ("the node is empty",),
                   ("prior, table, rows or noisy_or",)),
    "utility_in_words": ("judgements:", UTILITY % "lots", "value: lots", None,
                         ("utility row 1 of 'us': value 'lots' is not a number",),
                         ("a number such as 10", "[low, high]")),
    "weight_0": ("    prior: {yes: roughly even chance}     # one state is enough for two "
                 "states\n    because:\n      - {source: brief, para: 4, leans: no, says: "
                 "Tehran refuses to talk under threat}",
                 "    estimates:\n      - {assumption: a, p: {yes: 0.4}}\n"
                 "      - {assumption: b, p: {yes: 0.5}, weight: 0}", "weight: 0", "talks",
                 ("estimate 2: weight 0 is not above 0",), ("leave an estimate out",)),
    "evidence_because_empty": ("judgements:", "evidence:\n  - date: 2025-04-12\n"
                               "    observed: {talks: yes}\n    because: []\n\njudgements:",
                               "because: []", None, ("evidence entry 1: because is empty",),
                               ("{assumption:",)),
    # 2. a backwards range, counted from 1
    "backwards_range": ("[0.4, 0.6]", "[0.6, 0.4]", "[0.6, 0.4]", "strike",
                        ("table row 2, p.yes: range [0.6, 0.4] has its low bound above its "
                         "high",), ("write the range as [low, high]",)),
    # 4. true and false where a state's name goes
    "states_true_false": ("states: [yes, no] ", 'states: ["true", false] ', "states: [",
                          "talks", ("state 2: false is a yes/no value in YAML",),
                          ("to name a state 'false', put it in quotes (\"false\"), or use "
                           "yes/no",)),
    "when_true": ("when: {talks: yes}", "when: {talks: True}", "when: {talks: True}",
                  "strike", ("table row 1, when.talks: true is a yes/no value in YAML",),
                  ("put it in quotes (\"true\")",)),
    "given_true": ("given: {talks: yes}", "given: {talks: true}", "given: {talks: true}",
                   None, ("what-if 1, given.talks: true is a yes/no value in YAML",),
                   ("to name a state 'true'",)),
    # 5. a decimal comma
    "decimal_comma": ('p: {yes: "15%"}', "p: {yes: 0,15}", "p: {yes: 0,15}", "strike",
                      ("table row 1, p: yes: 0,15 reads as two entries",),
                      ("a decimal comma? write 0.15", "a comma inside {...} separates "
                                                      "entries")),
    "decimal_comma_in_noisy_or": ("noisy_or: {leak: 0.01,", "noisy_or: {leak: 0,01,",
                                  "noisy_or:", "deal", ("noisy_or: leak: 0,01 reads as two",),
                                  ("write 0.01",)),
    # 6. a misspelt estimative term
    "misspelt_term": ("{yes: roughly even chance}", "{yes: very likley}", "very likley",
                      "talks", ("prior.yes: unknown estimative term 'very likley' (did you "
                                "mean 'very likely'",), ()),
    "misspelt_term_in_rows": (STRIKE_TABLE, "    rows:\n      - [very likley, 0.1]\n"
                              "      - [0.4, 0.6]\n    because: [{assumption: x}]\n",
                              "very likley", "strike",
                              ("rows: row 1, yes: unknown estimative term 'very likley' (did "
                               "you mean 'very likely'",), ()),
}


def bad_file(tmp_path: Path, name: str) -> tuple[Path, int]:
    """The example with one mistake, beside its 8-paragraph brief; the problem's line."""
    good, bad, on_line = CASES[name][:3]
    text = example()
    assert good in text, name
    text = text.replace(good, bad, 1)
    (tmp_path / "brief.txt").write_text("".join(f"Paragraph {i} of the brief.\n"
                                                for i in range(1, 9)))
    path = tmp_path / "talks.yaml"
    path.write_text(text, encoding="utf-8")
    written = [(i, line) for i, line in enumerate(text.splitlines(), 1) if on_line in line]
    new = [i for i, line in written if line not in example().splitlines()]
    return path, (new or [i for i, _ in written])[0]


def test_the_example_itself_is_valid(tmp_path: Path) -> None:
    (tmp_path / "brief.txt").write_text("".join(f"p{i}\n" for i in range(1, 9)))
    (tmp_path / "talks.yaml").write_text(example())
    model.load(tmp_path / "talks.yaml")


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_mistake_is_refused_in_words(tmp_path: Path, name: str) -> None:
    path, line = bad_file(tmp_path, name)
    node, words, hints = CASES[name][3:]
    with pytest.raises(ScenarioError) as caught:
        model.load(path)
    problem = caught.value.problems[-1]
    assert len(caught.value.problems) == 1 or name == "states_true_false", \
        caught.value.problems
    assert (problem.file, problem.line, problem.node) == (str(path), line, node), problem
    for word in words:
        assert word in problem.message, problem
    for word in hints:
        assert word in (problem.hint or problem.message), problem
    assert "Input should" not in str(problem) and "List should" not in str(problem)
    assert not re.search(r"\.[0-9]+[.:]", problem.message), problem  # counted from 1


@pytest.mark.parametrize("name", ["role", "empty_node", "decimal_comma", "when_true"])
def test_validate_exits_2_with_the_line_and_no_traceback(
        tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    path, line = bad_file(tmp_path, name)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:{line}: " in err and CASES[name][4][0] in err
    assert "Traceback" not in err


def test_a_boolean_in_a_when_is_one_problem_not_also_otherwise(tmp_path: Path) -> None:
    path, _ = bad_file(tmp_path, "when_true")
    with pytest.raises(ScenarioError) as caught:
        model.load(path)
    assert len(caught.value.problems) == 1
    assert "otherwise" not in str(caught.value)


def test_a_tab_in_the_indentation_is_named(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    text = example().replace("    label: Israel strikes", "\tlabel: Israel strikes")
    path = tmp_path / "talks.yaml"
    path.write_text(text)
    line = text.splitlines().index("\tlabel: Israel strikes") + 1
    with pytest.raises(ScenarioError) as caught:
        model.load(path)
    problem = caught.value.problems[0]
    assert problem.line == line
    assert "a tab at column 1: YAML indents with spaces only" in problem.message
    assert problem.hint == "replace the tab with spaces"
    assert main(["validate", str(path)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_a_tab_after_an_indent_is_named_too() -> None:
    with pytest.raises(ScenarioError) as caught:
        model.loads("scenario: t\nnodes:\n  a:\n    label: x\n  \tstates: [p, q]\n")
    assert "YAML indents with spaces only" in caught.value.problems[0].message
    assert caught.value.problems[0].line == 5


def test_the_loader_counts_places_from_1_and_names_the_node() -> None:
    with pytest.raises(ScenarioError) as caught:
        model.loads("scenario: t\nnodes:\n  a:\n    table:\n      - p: {yes: 0.5}\n"
                    "      - p: {yes: 1e-400}\n")
    problem = caught.value.problems[0]
    assert problem.node == "a"
    assert problem.message.startswith("table row 2, p: the number 1e-400 is too small")


def test_a_term_with_no_close_match_lists_the_terms_alone() -> None:
    from model.language.probability import parse_prob
    with pytest.raises(ValueError, match="unknown estimative term 'zzz'; known terms: ") as e:
        parse_prob("zzz")
    assert "did you mean" not in str(e.value)
