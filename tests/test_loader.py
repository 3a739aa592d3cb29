"""The loader's promises, each generated in the test: special files refused at once, aliases
budgeted by bytes, limits applied while reading, numbers as YAML 1.2 writes them, the bulk
reading of rows equal to the event-by-event reading, and control characters never reaching
a terminal raw."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import model
from model import LimitError, ScenarioError
from model.errors import Problem
from model.language import loader
from model.language.loader import parse_document, read_document
from model.limits import MAX_ALIAS_BYTES, MAX_NODES, MAX_SOURCE_BYTES

HEAD = "scenario: s\ntitle: t\nquestion: q\nas_of: 2025-01-01\nhorizon: 2025-12-31\n"
NODE = "  {name}: {{label: {label}, prior: {{yes: 0.5}}, because: [{{assumption: x}}]}}\n"


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "model.cli", *args], capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


# special files -------------------------------------------------------------------------------


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    return path


def test_a_fifo_a_device_a_folder_or_a_loop_is_refused_at_once(fifo: Path, tmp_path: Path) -> None:
    loop = tmp_path / "loop.yaml"
    os.symlink(loop, loop)
    cases = {fifo: "is a FIFO (named pipe), not a regular file",
             Path("/dev/zero"): "is a character device", Path("/dev/urandom"): "character device",
             Path("/dev/null"): "character device", tmp_path: "is a folder",
             loop: "Too many levels of symbolic links", tmp_path / "none.yaml": "No such file"}
    for path, words in cases.items():
        with pytest.raises(ScenarioError) as caught:
            model.load(path)
        problem = caught.value.problems[0]
        assert problem.file == str(path) and words in problem.message, problem


def test_the_cli_refuses_special_files_with_exit_2(fifo: Path) -> None:
    for path in (str(fifo), "/dev/zero"):
        done = cli("validate", path, timeout=30)  # a FIFO once hung here
        assert done.returncode == 2, done.stderr
        assert f"error: {path}: the scenario file is" in done.stderr


def test_special_files_as_source_texts_are_located(fifo: Path, tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as f:
        f.truncate(MAX_SOURCE_BYTES + 1)  # sparse: no disk used
    os.symlink(tmp_path / "b.txt", tmp_path / "a.txt")
    os.symlink(tmp_path / "a.txt", tmp_path / "b.txt")
    for source, words in ((fifo.name, "is a FIFO"), ("huge.txt", f"over the limit of "
                                                                 f"{MAX_SOURCE_BYTES:,}"),
                          ("a.txt", "Too many levels of symbolic links")):
        text = (HEAD + f"sources:\n  s: {{title: S, path: {source}}}\nnodes:\n"
                + NODE.format(name="a", label="A"))
        path = tmp_path / "case.yaml"
        path.write_text(text)
        with pytest.raises(ScenarioError) as caught:
            model.load(path)
        problem = caught.value.problems[0]
        assert words in problem.message and problem.line == 7, problem
        assert f"('{source}')" in problem.message


# aliases and limits while reading ------------------------------------------------------------


def test_one_large_scalar_aliased_many_times_is_refused_by_its_bytes() -> None:
    big = "x" * 300_000
    text = f"a: &big {big}\nb: [*big, *big, *big, *big]\n"
    with pytest.raises(LimitError, match=f"aliases repeat more than {MAX_ALIAS_BYTES:,} bytes"):
        parse_document(text)
    doc = parse_document(f"a: &big {big}\nb: [*big, *big]\n")  # within the budget
    assert all(item is doc.data["a"] for item in doc.data["b"])  # shared, not copied


def test_aliases_of_containers_count_what_they_repeat() -> None:
    inner = "[" + ", ".join(["word"] * 20_000) + "]"  # 120 KB
    ok = parse_document(f"a: &a {inner}\nb: [*a, *a, *a]\n")
    assert ok.data["b"][0] is ok.data["a"]
    with pytest.raises(LimitError, match="aliases repeat"):
        parse_document(f"a: &a {inner}\nb: &b [*a, *a, *a, *a]\nc: [*b, *b]\n")


def test_the_node_limit_stops_reading_at_the_node_past_it(tmp_path: Path) -> None:
    nodes = "".join(NODE.format(name=f"node_{i:05d}", label="." * 70) for i in range(6_951))
    path = tmp_path / "many.yaml"
    path.write_text(HEAD + "nodes:\n" + nodes)
    assert path.stat().st_size < 1_000_000
    with pytest.raises(LimitError) as caught:
        read_document(path)
    problem = caught.value.problems[0]
    assert f"more than {MAX_NODES:,} nodes" in problem.message
    assert problem.line == 7 + MAX_NODES


def test_a_merge_key_is_refused_with_its_line_and_a_quoted_one_is_a_name() -> None:
    with pytest.raises(ScenarioError, match="merge key") as caught:
        parse_document("base: &b {x: 1}\nuse:\n  <<: *b\n")
    assert caught.value.problems[0].line == 3
    assert parse_document('a: {"<<": 1}\n').data == {"a": {"<<": 1}}


# numbers as YAML 1.2 writes them -------------------------------------------------------------

YAML_12_INT = re.compile(r"[-+]?[0-9]+")
YAML_12_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")


@settings(max_examples=500, deadline=None, derandomize=True)
@given(text=st.from_regex(YAML_12_FLOAT, fullmatch=True)
       | st.text(alphabet="0123456789+-.eE_xXoObBinfaNIF٣", min_size=1, max_size=12))
@pytest.mark.slow  # seconds: runs with the slow tests (CI runs both)
def test_plain_scalars_are_numbers_exactly_when_yaml_1_2_says_so(text: str) -> None:
    assume(text != "-")  # `a: -` starts a block sequence where none may be: not a scalar
    try:
        value = parse_document(f"a: {text}\n").data["a"]
    except ScenarioError as exc:  # a number too large or too small: refused, not wrapped
        assert "too large" in str(exc) or "too small" in str(exc)
        assert YAML_12_FLOAT.fullmatch(text)
        return
    if YAML_12_INT.fullmatch(text):
        assert type(value) is int and value == int(text)
    elif YAML_12_FLOAT.fullmatch(text):
        assert type(value) is float and value == float(text)
    elif text in (".inf", "-.inf", "+.inf", ".nan", ".NaN", ".Inf", ".INF", ".NAN"):
        assert type(value) is float
    else:
        assert value == text or value is None, (text, value)  # text stays text


@pytest.mark.parametrize(("written", "read"), [
    ("yes", "yes"), ("no", "no"), ("on", "on"), ("off", "off"), ("true", True),
    ("False", False), ("~", None), ("null", None), ("", None), ("0x1F", "0x1F"),
    ("0o17", "0o17"), ("1_000", "1_000"), ("2025-03-25", "2025-03-25"), ("'1'", "1"),
    ("1.", 1.0), (".5", 0.5), ("+1e3", 1000.0), ("007", 7),
])
def test_yaml_1_2_scalars(written: str, read: object) -> None:
    assert parse_document(f"a: {written}\n").data["a"] == read


@pytest.mark.parametrize("number", ["1e-400", "-0.0000" + "0" * 400 + "1", "1e400",
                                    "9" * 400, "-1e999"])
def test_numbers_beyond_floating_point_are_refused_where_written(number: str) -> None:
    with pytest.raises(ScenarioError, match=r"too (large|small)") as caught:
        parse_document(f"a: 1\nb:\n  c: [0.5, {number}]\n")
    assert caught.value.problems[0].line == 3
    assert "b.c: " in caught.value.problems[0].message  # the field it is about


# rows read in bulk are the rows read one event at a time --------------------------------------


def read_both(text: str) -> tuple[loader.Document | Exception, loader.Document | Exception]:
    """`text` read with the bulk paths (rows, flow collections, long tables' items), and
    one event at a time."""
    def attempt(fast: bool) -> loader.Document | Exception:
        saved = loader._placeholders, loader._flow_placeholders
        if not fast:
            loader._placeholders = lambda data: None  # type: ignore[assignment]
            loader._flow_placeholders = lambda pieces: None  # type: ignore[assignment]
        try:
            return parse_document(text, "rows.yaml")
        except ScenarioError as exc:
            return exc
        finally:
            loader._placeholders, loader._flow_placeholders = saved
    return attempt(True), attempt(False)


def assert_same(fast: loader.Document | Exception, slow: loader.Document | Exception) -> None:
    if isinstance(slow, Exception):
        assert isinstance(fast, type(slow)) and str(fast) == str(slow)
        return
    assert isinstance(fast, loader.Document)
    assert repr(fast.data) == repr(slow.data)  # the same values of the same types (nan too)
    assert fast.lines == slow.lines


numbers = st.one_of(st.floats(0, 1).map(repr), st.integers(0, 3).map(str),
                    st.sampled_from(["1e-5", "1e-400", "1e999", "0x1", ".5", "-0.0", "1_0"]))
row = st.lists(numbers, min_size=1, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]")
lines = st.one_of(
    row.map(lambda r: f"  - {r}"), row.map(lambda r: f"    - {r}"),
    row.map(lambda r: f"  - {r}  # note"), row.map(lambda r: f"- {r}"),
    row.map(lambda r: f"  - {r}  # a = [x], b = é #"), row.map(lambda r: f"  - {r}# no"),
    row.map(lambda r: f"  - {r}\t# tab"), row.map(lambda r: f"  - {r} # \x85 \u2028"),
    st.sampled_from(["  - x", "  - [a, b]", "notes: |", "  text: >", "  q: \"a", "  b\"",
                     "rows:", "  rows:", "k: v", "  - - [1, 2]", "", "  - &a [1, 2]", "  - *a",
                     "  - !!seq [1]", "  \t- [1]", "---"]))


@pytest.mark.slow  # seconds: runs with the slow tests (CI runs both)
@settings(max_examples=400, deadline=None, derandomize=True)
@given(body=st.lists(lines, min_size=1, max_size=14).map("\n".join))
def test_rows_read_in_bulk_equal_rows_read_one_event_at_a_time(body: str) -> None:
    assert_same(*read_both("rows:\n" + body + "\n"))


def test_rows_with_the_importers_comments_are_read_in_bulk() -> None:
    """`scenario import` notes each row's parent states in a comment: such rows are still
    read in bulk (the comment holds no data), as the rows without."""
    text = ("rows:\n  - [0.25, 0.75]  # a = x, b = [y]\n  - [1.0, 0.0]  # a = é\n"
            "  - [0.5, 0.5]\n")
    found = loader._placeholders(text.encode())
    assert found is not None and found[1] == [[[0.25, 0.75], [1.0, 0.0], [0.5, 0.5]]]
    assert_same(*read_both(text))


# flow collections and long tables' items read in bulk are those read one event at a time ---

# Scalars that a bulk reading could read otherwise: YAML 1.1 words, numbers JSON writes
# differently or not at all, numbers beyond floating point, quoting, indicators, escapes.
TRICKY = ["yes", "no", "on", "off", "null", "Null", "~", "true", "True", "FALSE", "0x1F",
          "0o17", "1e3", "1E+3", ".5", "1.", "+1", "-0", "-0.0", "0.0", "007", "08", "1_000",
          "-.inf", ".NaN", "NaN", "Infinity", "-Infinity", "1e400", "1e-400", "0e-400",
          "12345678901234567890", "2025-03-25", "2025-03-25T10:00:00Z", "'1'", "'it''s'",
          '"a b"', '""', "''", '"<<"', "<<", "<7.5", "'>=7.5'", "Asy/Patch", "a b", "a  b",
          "a#b", "a #b", "true story", "-x", "(x)", "é", '"é"', '"a\\tb"', '"x: [y]"', "x:y",
          "&a x", "*a", "!!str x", "[]", "{}", "[a]", "{a: b}", '"\u00e9"', "a\tb", "0.25",
          "0.9555", "1", "0", '"a\u2028b"', '"a\x85b"', "x\u2028y", "\ufeffx"]
scalars = st.sampled_from(TRICKY)
keys = st.sampled_from(["a", "b", "when", '"a"', "'b'", '"x y"', "1", "yes", "<<", '""',
                        "a b", "é"])
pairs = st.lists(st.tuples(keys, scalars), min_size=1, max_size=4).map(
    lambda ps: "{" + ", ".join(f"{k}: {v}" for k, v in ps) + "}")
seqs = st.lists(scalars | pairs, min_size=1, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]")
flows = pairs | seqs
tails = st.sampled_from(["", "  # note", " #x", "   "])
item_keys = st.sampled_from(["when", "p", "because", '"q r"', "p", '"q\u2028r"'])
item_lines = st.lists(st.tuples(item_keys, flows, tails), min_size=1, max_size=3).map(
    lambda entries: "\n".join(("  - " if i == 0 else "    ") + f"{k}: {f}{t}"
                               for i, (k, f, t) in enumerate(entries)))
other_lines = st.sampled_from(["  - when: otherwise", "    notes: x", "      deeper: 1",
                               "  # when: {a: b, c: d, e: f}", "notes: |",
                               "  p: {a: 1, b: 2, c: 3}",
                               "k: &a {a: 1, b: 2, c: 3}", "m: *a", "  - [0.5, 0.5]", "",
                               "x: [a, b, c]", "  - {a: 1, b: 2, c: 3}", "y: 'a: [b, c, d]'",
                               "z: \"q: {a, b, c}", "  t\"", "---"])
documents = st.lists(item_lines | other_lines
                     | st.tuples(flows, tails).map(lambda ft: f"  k: {ft[0]}{ft[1]}"),
                     min_size=1, max_size=10).map("\n".join)


@pytest.mark.slow  # seconds: runs with the slow tests (CI runs both)
@settings(max_examples=600, deadline=None, derandomize=True)
@given(body=documents, top=st.sampled_from(["table:\n", "rows:\n", "a: 1\ntable:\n"]))
def test_flow_collections_and_items_read_in_bulk_equal_those_read_one_event_at_a_time(
        body: str, top: str) -> None:
    assert_same(*read_both(top + body + "\n"))


@pytest.mark.parametrize("scalar", TRICKY)
def test_each_tricky_scalar_reads_the_same_in_bulk(scalar: str) -> None:
    for text in (f"a: {{k: {scalar}, l: x, m: y}}\n", f"a: [{scalar}, x, y]\n",
                 f"t:\n  - when: {{k: {scalar}, l: x, m: y}}\n    p: [{scalar}, 1, 2]\n",
                 f"t:\n  - {{k: {scalar}, l: x, m: y}}\n"):
        assert_same(*read_both(text))


def test_a_long_table_is_read_in_bulk_with_the_lines_of_its_keys() -> None:
    rows = "".join(f'      - when: {{"a": "x{i}", b: y, c: z}}\n        p: {{"s": 0.25, t: 0.75}}\n'
                   f"        because: [{{assumption: a guess}}]\n" for i in range(3))
    text = "nodes:\n  n:\n    table:\n" + rows
    assert loader._flow_placeholders([text.encode()]) is not None  # the bulk path is taken
    doc = parse_document(text)
    assert doc.data["nodes"]["n"]["table"][2] == {
        "when": {"a": "x2", "b": "y", "c": "z"}, "p": {"s": 0.25, "t": 0.75},
        "because": [{"assumption": "a guess"}]}
    assert doc.line_of(("nodes", "n", "table", 1)) == 7
    assert doc.line_of(("nodes", "n", "table", 1, "p")) == 8
    assert doc.line_of(("nodes", "n", "table", 1, "because", 0, "assumption")) == 9
    assert_same(*read_both(text))


def test_a_key_written_twice_in_a_flow_or_an_item_is_refused_with_its_line() -> None:
    for text, line in (("a:\n  b: {x: 1, y: 2, x: 3}\n", 2),
                       ("t:\n  - when: {x: 1, y: 2, z: 3}\n    p: [1, 2, 3]\n"
                        "    when: [1, 2, 3]\n", 4)):
        fast, slow = read_both(text)
        assert_same(fast, slow)
        assert isinstance(fast, ScenarioError) and "written twice" in str(fast)
        assert fast.problems[0].line == line


def test_aliases_of_what_is_read_in_bulk_count_the_bytes_of_the_text() -> None:
    row = "  - [" + ", ".join(["0.123456789"] * 20) + "]\n"
    item = "  - when: {" + ", ".join(f"k{i}: 0.123456789" for i in range(20)) + "}\n"
    for lines in (row, item):
        text = "a: &a\n" + lines * 400 + "b: [" + ", ".join(["*a"] * 11) + "]\n"
        fast, slow = read_both(text)
        assert_same(fast, slow)
        assert isinstance(fast, LimitError) and "aliases repeat" in str(fast)


def test_every_fixture_and_scenario_reads_the_same_in_bulk() -> None:
    root = Path(__file__).parent.parent
    paths = sorted([*root.glob("tests/fixtures/**/*.yaml"), *root.glob("scenarios/*.yaml")])
    assert len(paths) > 40
    for path in paths:
        assert_same(*read_both(path.read_bytes().decode("utf-8", "surrogateescape")))


def test_a_block_scalar_that_looks_like_rows_stays_text() -> None:
    text = "notes: |\n  - [0.1, 0.9]\n  - [0.2, 0.8]\nrows:\n  - [0.5, 0.5]\n  - [1, 0]\n"
    doc = parse_document(text)
    assert doc.data == {"notes": "- [0.1, 0.9]\n- [0.2, 0.8]\n", "rows": [[0.5, 0.5], [1, 0]]}
    assert doc.line_of(("rows", 1)) == 6


# control characters never reach a terminal raw -----------------------------------------------


def test_messages_show_control_characters_escaped() -> None:
    problem = Problem("unknown term '\x1b]0;pwned\x07'", file="a.yaml", line=3,
                      node="x\u202ey", hint="not \x9b2J")
    assert str(problem) == ("a.yaml:3: node 'x\\u202ey': unknown term '\\x1b]0;pwned\\x07' "
                            "(not \\x9b2J)")


def test_the_cli_prints_labels_and_states_from_the_file_escaped(tmp_path: Path) -> None:
    path = tmp_path / "escapes.yaml"
    path.write_text(HEAD + textwrap.dedent("""\
        nodes:
          a:
            label: "Talks \\e]0;retitled\\a\\e[2J \\u202eright-to-left"
            role: outcome
            prior: {yes: 0.5}
            because: [{assumption: "x \\x9b"}]
        """))
    text = cli("query", str(path), "a")
    assert text.returncode == 0, text.stderr
    assert "\x1b" not in text.stdout and "\u202e" not in text.stdout
    assert "Talks \\x1b]0;retitled\\x07\\x1b[2J \\u202eright-to-left" in text.stdout
    analysed = cli("analyze", str(path), "--samples", "20")
    assert analysed.returncode == 0 and "\x1b" not in analysed.stdout
    as_json = cli("analyze", str(path), "--samples", "20", "--json")
    assert "\u202e" not in as_json.stdout and "\x1b" not in as_json.stdout
    assert json.loads(as_json.stdout)["uncertainty"][0]["label"].endswith("\u202eright-to-left")
    wrong = cli("query", str(path), "a", "--given", "a=\x1b[2J")
    assert wrong.returncode == 2 and "\x1b" not in wrong.stderr
    assert "'\\x1b[2J' is not a state of 'a'" in wrong.stderr


def test_numpy_warnings_never_reach_stderr(tmp_path: Path) -> None:
    path = tmp_path / "zeros.yaml"
    path.write_text(HEAD + textwrap.dedent("""\
        nodes:
          a:
            label: A
            role: outcome
            states: [x, y, z]
            pool: logarithmic
            estimates:
              - {assumption: one, p: {x: 0, y: 0.5, z: 0.5}}
              - {assumption: two, p: {x: 0.5, y: 0.5, z: 0}}
        """))
    for args in (("query", str(path), "a"), ("analyze", str(path), "--samples", "50")):
        done = cli(*args)
        assert done.returncode == 0 and done.stderr == "", done.stderr
    assert model.load(path).query("a") == {"x": 0.0, "y": 1.0, "z": 0.0}
