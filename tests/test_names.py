"""Node and state names of any text (without control characters), kept as written: in
queries, the command line, what-ifs, the briefing and exports."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import model
from model import ScenarioError
from model.cli import main
from model.language.assignments import split_assignment

ODD = """\
scenario: odd_names
title: Names of any text
question: Are names kept as the network has them?
as_of: 2025-01-01
horizon: 2025-12-31
nodes:
  BP:
    label: Blood pressure
    states: ['<7.5', '>=7.5', 'High (>100)']
    prior: {'<7.5': 0.2, '>=7.5': 0.3}
    because: [{assumption: imported}]
  "a=b":
    label: A node with '=' in its name
    role: outcome
    states: ['yes, within 3 months', 'Asy/Patch']
    parents: [BP]
    rows:
      - [0.1, 0.9]
      - [0.5, 0.5]
      - [0.8, 0.2]
    because: [{assumption: imported, }]
  Größe der Lücke:
    label: Unicode
    states: [groß, klein]
    parents: ["a=b"]
    table:
      - when: {"a=b": 'yes, within 3 months'}
        p: {groß: 0.7}
        because: [{assumption: a guess, }]
      - when: otherwise
        p: {groß: 0.2}
        because: [{assumption: a guess}]
what_ifs:
  - name: High pressure
    given: {BP: 'High (>100)'}
utilities:
  The analyst's office: {"a=b": {'yes, within 3 months': 1, Asy/Patch: 0}}
"""


@pytest.fixture
def odd(tmp_path: Path) -> Path:
    path = tmp_path / "odd.yaml"
    path.write_text(ODD, encoding="utf-8")
    return path


def test_names_of_any_text_are_kept_in_queries_and_what_ifs(odd: Path) -> None:
    s = model.load(odd)
    assert s.nodes["BP"].states == ("<7.5", ">=7.5", "High (>100)")
    assert s.query("a=b", given={"BP": "High (>100)"})["yes, within 3 months"] == \
        pytest.approx(0.8)
    assert s.what_if("High pressure")["a=b"]["Asy/Patch"] == pytest.approx(0.2)
    assert s.query("Größe der Lücke", do={"a=b": "Asy/Patch"})["groß"] == pytest.approx(0.2)


@pytest.mark.parametrize(("text", "node", "state"), [
    ("BP=<7.5", "BP", "<7.5"),
    ("BP=>=7.5", "BP", ">=7.5"),
    (" BP = High (>100) ", "BP", "High (>100)"),
    ('"a=b"=Asy/Patch', "a=b", "Asy/Patch"),
    ("'a=b'='yes, within 3 months'", "a=b", "yes, within 3 months"),
    ("'  spaced  '=' kept '", "  spaced  ", " kept "),
])
def test_node_state_splits_at_the_first_equals_sign_unless_quoted(text: str, node: str,
                                                                   state: str) -> None:
    assert split_assignment(text) == (node, state)


@pytest.mark.parametrize(("text", "words"), [
    ("BP", "expected NODE=STATE"),
    ("=x", "both the node and the state"),
    ('"a=b=yes', 'a name opened with " is not closed'),
    ('"a"="b" c', "unexpected text after the quoted state"),
])
def test_malformed_assignments_say_what_is_wrong(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        split_assignment(text)


def test_the_command_line_takes_quoted_names(odd: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", str(odd), "BP", "--given", '"a=b"=Asy/Patch', "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["given"] == {"a=b": "Asy/Patch"}
    assert set(out["distribution"]) == {"<7.5", ">=7.5", "High (>100)"}
    assert main(["query", str(odd), "a=b", "--do", "BP=>=7.5"]) == 0
    assert "yes, within 3 months" in capsys.readouterr().out
    assert main(["query", str(odd), "BP", "--given", '"a=b=x']) == 2
    assert "quote a name that holds '='" in capsys.readouterr().err


def test_briefing_and_exports_take_names_of_any_text(odd: Path, tmp_path: Path) -> None:
    s = model.load(odd)
    page = model.report(s, tmp_path / "odd.html", graphviz="wasm").read_text()
    assert "Asy/Patch" in page and "&lt;7.5" in page and "<7.5" not in page
    from model.interop import export_scenario

    for to in ("bif", "net", "xdsl"):
        converted = export_scenario(s, to)
        assert converted.text
        assert any("identifier" in str(w) or "keeps the network only" in str(w)
                   for w in converted.warnings)


HEAD = """\
scenario: names
title: Names
question: Which names are refused?
as_of: 2025-01-01
horizon: 2025-12-31
nodes:
"""


@pytest.mark.parametrize(("name", "words"), [
    ("\x1b]0;pwned\x07", "control characters (U+001B at character 1)"),
    ("tab\there", "control characters (U+0009 at character 4)"),
    ("right\u202eleft", "U+202E"),
    ("line\u2028break", "U+2028"),
    ("   ", "at least one visible character"),
    ("x" * 81, "at most 80 characters"),
])
def test_names_with_control_characters_blank_or_too_long_are_refused(name: str,
                                                                      words: str) -> None:
    quoted = json.dumps(name)
    for body in (f"  {quoted}: {{label: L, prior: {{yes: 0.5}}, because: [{{assumption: g}}]}}\n",
                 f"  n: {{label: L, states: [{quoted}, no], prior: {{no: 0.5}}, "
                 "because: [{assumption: g}]}\n"):
        with pytest.raises(ScenarioError) as caught:
            model.loads(HEAD + body, "names.yaml")
        assert any(words in p.message and p.line == 7 for p in caught.value.problems), \
            caught.value.problems


def test_a_what_if_with_an_odd_name_is_checked_like_any_other() -> None:
    body = textwrap.dedent("""\
          "x y": {label: L, states: ['a b', c], prior: {'a b': 0.5}, because: [{assumption: g}]}
        what_ifs:
          - {name: w, given: {"x y": 'a  b'}}
        """)
    with pytest.raises(ScenarioError, match="'a  b' is not a state of 'x y'"):
        model.loads(HEAD + "  " + body.lstrip(), "names.yaml")


def test_cli_refusals_of_names_exit_2(odd: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "model.cli", "query", str(odd), "BP",
                           "--given", "nope=<7.5"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "unknown node 'nope'" in done.stderr
