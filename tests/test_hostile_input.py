"""Hostile input: thousands of random and mutated scenario files, each of which must load or
raise the project's own error with a location; never another exception, a hang or a
memory blow-up. Then each stated limit, one by one.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import model
from model.errors import LimitError, ScenarioError
from model.language.loader import parse_document
from model.limits import MAX_ALIAS_BYTES, MAX_FILE_BYTES, MAX_NODES, MAX_STATES

FIXTURES = Path(__file__).parent / "fixtures"
TINY = (FIXTURES / "tiny.yaml").read_text()
POOLED = """\
scenario: pooled
title: Pooled estimates
question: Do the sources agree on a deal?
as_of: 2025-01-01
horizon: 2025-12-31
sources:
  report: {title: Report A, published: 2025-01-02, path: almanac.txt}
  memo: {title: Memo, author: Someone}
nodes:
  talks:
    label: Talks happen
    role: driver
    states: [yes, no, stalled]
    estimates:
      - {source: report, para: 1, says: talks are likely, p: {yes: 0.5, no: 0.3}, weight: 2}
      - {assumption: a guess, p: {yes: likely, no: unlikely}}
    pool: logarithmic
  strike:
    label: A strike
    states: [yes, no]
    prior: {yes: 5%}
    because: [{source: memo, para: 3, says: strikes are rare}]
  deal:
    label: A deal
    role: outcome
    parents: [talks, strike]
    table:
      - when: {talks: yes, strike: no}
        p: {yes: [20%, 40%]}
        because: [{assumption: talks help}]
      - when: otherwise
        p: {yes: very unlikely}
        because: [{source: report, para: [1, 2], says: deals are hard, leans: no}]
what_ifs:
  - name: Talks happen
    given: {talks: yes}
  - name: Strike ordered
    do: {strike: yes}
utilities:
  us: {deal: {yes: 10, no: -5}}
"""
BASES = [TINY, POOLED]
BASE_DATA = [parse_document(text).data for text in BASES]

LAUGHS = "\n".join(["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"] + [
    f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 9)])
# Pieces of YAML an attacker or a slip of the keyboard might put anywhere in a file.
SNIPPETS = [
    "&a [1, 2]", "*a", "*missing", "&x [*x]", "&y {k: *y}", "<<: *a",
    "!!python/object:os.system ls", "!!python/name:os.system", "!!binary aGk=", "!foo bar",
    "!!set {a, b}", "!!omap [a: 1]", "!!timestamp 2025-01-01", "!!float 1",
    "[" * 300, "{" * 300, "- " * 200, "9" * 400, "9" * 5000, "1e999", "-1e999", ".inf",
    "-.inf", ".nan", "0x1F", "0o17", "1_000", "~", "null", "true", "false", "2025-13-45",
    "2025-02-30", "2025-01-01T25:61:00", "\t", "\x00", "\x07", "\x85", "\u2028", "\ufeff",
    "é", "😀", "\u202e", "🚀🚀🚀", "? [a, b]\n: c", "? {a: 1}\n: c", "~: x", "[a]: x",
    "---", "...", "%YAML 1.1\n---", "|", ">-", "- ", ": ", "#", '"unterminated',
    "'unterminated", "{a: 1, a: 2}", LAUGHS, "yes", "no", "on", "off", "0.5", "150%",
    "[0.9, 0.1]", "[1, 2, 3]", "{}", "[]", "''", '""', "x" * 25_000,
    "path: ../x.txt", "path: /etc/passwd", "path: .", "path: ''",
    "because: []", "parents: [a, a]", "states: [yes]", "weight: 1e308", "weight: .inf",
    "para: 0", "para: -1", "para: 99999999999999999999",
    # aliases, merge keys and control characters (issue 14)
    "&big " + "x" * 5000, "[*big, *big, *big, *big]", "<<: *big", "<<: [*a, *a]",
    '"\\e]0;retitled\\a"', '"\\e[2J"', '"\\x9b"', '"\\u202e"', '"\\u2028"', "\x1b[2J",
    "weight: true", "para: true", "weight: 1e-400", "1e-400", "0x1", "'1_0%'", "1", '"1"',
    "horizon: 1999-01-01", "leak", "pool: logarithmic",
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scenario folder with the source text the bases cite."""
    path = tmp_path_factory.mktemp("hostile")
    shutil.copy(FIXTURES / "almanac.txt", path / "almanac.txt")
    return path


def assert_loads_or_explains(attempt: Callable[[], model.Scenario], path: Path) -> None:
    """Load, or raise ScenarioError with every problem located in the file."""
    try:
        s = attempt()
    except ScenarioError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.file == str(path), problem
            assert problem.message, problem
            assert problem.line is not None or problem.message.startswith(WHOLE_FILE), \
                problem
        return
    for name, table in s.tables().items():
        assert np.all(np.isfinite(table)) and table.min() >= 0, name
        sums = table.reshape(table.shape[0], -1).sum(axis=0)
        assert np.allclose(sums, 1, atol=1e-9), name
    worths = [x for spec in s.utilities.values() for p in spec.params
              for x in (p.low, p.point, p.high)]
    assert np.all(np.isfinite(worths))


# Problems of the file as a whole, or that the YAML library reports without a position.
WHOLE_FILE = ("the file is", "YAML error:")


def dumped(data: Any) -> str:
    """Plain data as YAML, a line per key of the top two levels (JSON is YAML 1.2)."""
    def flow(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False,
                          default=lambda d: d.isoformat() if isinstance(d, dt.date) else str(d))
    if not isinstance(data, dict):
        return flow(data)
    lines = []
    for key, value in data.items():
        if isinstance(value, dict) and value:
            lines.append(f"{flow(key)}:")
            lines += [f"  {flow(k)}: {flow(v)}" for k, v in value.items()]
        else:
            lines.append(f"{flow(key)}: {flow(value)}")
    return "\n".join(lines) + "\n"


scalars = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
           | st.dates() | st.sampled_from(["yes", "no", "likely", "30%", "otherwise", "x" * 90,
                                             "almanac.txt", "../almanac.txt"])
           | st.integers(min_value=10**300, max_value=10**310))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)


def _places(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    items = data.items() if isinstance(data, dict) else enumerate(data) \
        if isinstance(data, list) else ()
    for key, value in items:
        yield from _places(value, (*path, key))


@st.composite
def mutated_data(draw: st.DrawFn) -> str:
    """A valid scenario with a few elements deleted, duplicated, retyped or replaced."""
    data = copy.deepcopy(draw(st.sampled_from(BASE_DATA)))
    for _ in range(draw(st.integers(1, 4))):
        places = [p for p in _places(data) if p]
        place = draw(st.sampled_from(places))
        parent = data
        for key in place[:-1]:
            parent = parent[key]
        key = place[-1]
        action = draw(st.sampled_from(["delete", "replace", "wrap", "copy", "rename"]))
        if action == "delete":
            del parent[key]
        elif action == "replace":
            parent[key] = draw(values)
        elif action == "wrap":
            parent[key] = draw(st.sampled_from([[parent[key]], {"x": parent[key]}]))
        elif action == "copy" and isinstance(parent, dict):
            parent[draw(st.text(max_size=8))] = parent[key]
        elif action == "rename" and isinstance(parent, dict):
            parent[key + draw(st.sampled_from(["s", "_", "X", " "]))] = parent.pop(key)
    return dumped(data)


@st.composite
def mutated_text(draw: st.DrawFn) -> str:
    """A valid scenario's text with lines deleted, doubled or swapped and hostile pieces put in."""
    lines = draw(st.sampled_from(BASES)).splitlines()
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        j = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "double", "swap", "insert", "replace", "cut"]))
        if action == "delete" and len(lines) > 1:
            del lines[i]
        elif action == "double":
            lines.insert(i, lines[i])
        elif action == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "cut":
            lines = lines[:i]
        else:
            piece = draw(st.sampled_from(SNIPPETS) | st.text(max_size=20))
            at = draw(st.integers(0, len(lines[i])))
            end = at if action == "insert" else draw(st.integers(at, len(lines[i])))
            lines[i] = lines[i][:at] + piece + lines[i][end:]
        if not lines:
            break
    return "\n".join(lines) + "\n"


random_yaml = st.one_of(
    values.map(dumped),
    st.text(max_size=200),
    st.lists(st.sampled_from(SNIPPETS) | st.text(max_size=10), max_size=8).map("\n".join),
)

# Derandomized so that every run tries the same files; no shrinking, which takes minutes on
# these inputs (the failing file is printed as it is); no deadline, since a busy machine is
# slow, not wrong (benchmarks/bench_limits.py times the refusals).
HOSTILE = settings(max_examples=700, deadline=None, database=None, derandomize=True,
                   phases=[Phase.explicit, Phase.generate],
                   suppress_health_check=[HealthCheck.too_slow])


@st.composite
def aliased_text(draw: st.DrawFn) -> str:
    """A valid scenario with anchors of random sizes aliased at random depths and counts,
    merge keys among them: it must load, or be refused by the alias budget, with no growth."""
    base = draw(st.sampled_from(BASES))
    sizes = draw(st.lists(st.integers(1, 200_000), min_size=1, max_size=4))
    lines = [f"a{i}: &a{i} {'x' * size}" for i, size in enumerate(sizes)]
    for level in range(draw(st.integers(0, 4))):
        names = [f"*a{draw(st.integers(0, len(sizes) - 1))}"
                 for _ in range(draw(st.integers(1, 12)))]
        lines.append(f"l{level}: &l{level} [{', '.join(names)}]")
        sizes.append(0)
        lines.append(f"a{len(sizes) - 1}: &a{len(sizes) - 1} [*l{level}, *l{level}]")
    if draw(st.booleans()):
        lines.append("m: {<<: *a0}")
    return base.replace("nodes:\n", "\n".join(lines) + "\nnodes:\n", 1)


@pytest.mark.slow
@settings(HOSTILE, max_examples=150)
@given(text=aliased_text())
def test_aliases_load_or_are_refused_within_their_budget(text: str, folder: Path) -> None:
    path = folder / "aliased.yaml"
    try:
        parse_document(text, path)
    except ScenarioError as exc:
        assert any(w in str(exc) for w in ("aliases repeat", "merge key")), exc
        assert exc.problems[0].line is not None


SPECIAL = ["fifo", "folder", "loop", "missing", "device", "huge", "dangling"]


@st.composite
def special_sources(draw: st.DrawFn) -> tuple[str, str]:
    """A source path (or the scenario itself) that is not a readable regular file."""
    return draw(st.sampled_from(SPECIAL)), draw(st.sampled_from(["source", "scenario"]))


def _special(kind: str, folder: Path) -> Path:
    path = folder / f"special_{kind}"
    if path.exists() or path.is_symlink():
        return path
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "loop":
        os.symlink(path, path)
    elif kind == "device":
        return Path("/dev/zero")
    elif kind == "huge":
        with path.open("wb") as f:
            f.truncate(MAX_FILE_BYTES * 20)
    elif kind == "dangling":
        os.symlink(folder / "nowhere", path)
    return path


@pytest.mark.slow
@settings(HOSTILE, max_examples=40)
@given(case=special_sources())
def test_special_files_are_refused_at_once_and_located(case: tuple[str, str],
                                                       folder: Path) -> None:
    kind, role = case
    special = _special(kind, folder)
    if role == "scenario":
        with pytest.raises(ScenarioError) as caught:
            model.load(special)
        assert caught.value.problems[0].file == str(special)
        return
    path = folder / "uses_special.yaml"
    path.write_text(TINY.replace("path: almanac.txt", f"path: {os.path.relpath(special, folder)}"
                                 if kind != "device" else "path: almanac.txt"))
    if kind == "device":
        return  # a device path leaves the folder: refused as such by another test
    error = refused(path.read_text(), path)
    assert error.problems[0].line == 10, error.problems


@pytest.mark.slow
@HOSTILE
@given(text=mutated_data())
def test_mutated_scenarios_load_or_explain(text: str, folder: Path) -> None:
    path = folder / "hostile.yaml"
    assert_loads_or_explains(lambda: model.loads(text, path), path)


@pytest.mark.slow
@settings(HOSTILE, max_examples=800)
@given(text=mutated_text())
def test_mutated_files_load_or_explain(text: str, folder: Path) -> None:
    path = folder / "hostile.yaml"
    assert_loads_or_explains(lambda: model.loads(text, path), path)


@pytest.mark.slow
@settings(HOSTILE, max_examples=300)
@given(text=random_yaml)
def test_random_yaml_loads_or_explains(text: str, folder: Path) -> None:
    path = folder / "hostile.yaml"
    assert_loads_or_explains(lambda: model.loads(text, path), path)


@pytest.mark.slow
@settings(HOSTILE, max_examples=200)
@given(data=st.binary(max_size=300) | mutated_text().map(lambda t: t.encode("utf-8", "replace")))
def test_random_bytes_from_disk_load_or_explain(data: bytes, folder: Path) -> None:
    path = folder / "bytes.yaml"
    path.write_bytes(data)
    assert_loads_or_explains(lambda: model.load(path), path)


# each limit, alone ---------------------------------------------------------------------------


def scenario(nodes: str) -> str:
    return ("scenario: s\ntitle: t\nquestion: q\nas_of: 2025-01-01\nhorizon: 2025-12-31\n"
            "nodes:\n" + nodes)


def root(name: str, states: str = "[yes, no]") -> str:
    return (f"  {name}: {{label: {name}, states: {states}, prior: {{yes: 0.5}}, "
            "because: [{assumption: x}]}\n")


def refused(text: str, path: Path) -> ScenarioError:
    """The error loading `text` raises (benchmarks/bench_limits.py times each refusal)."""
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        model.load(path)
    return caught.value


def test_file_size_limit(tmp_path: Path) -> None:
    error = refused(TINY + "#" * MAX_FILE_BYTES, tmp_path / "big.yaml")
    assert isinstance(error, LimitError)
    assert f"over the limit of {MAX_FILE_BYTES:,}" in str(error)


def test_node_count_limit(tmp_path: Path) -> None:
    text = scenario("".join(root(f"n{i}") for i in range(MAX_NODES + 1)))
    error = refused(text, tmp_path / "many.yaml")
    assert isinstance(error, LimitError)
    assert f"more than {MAX_NODES:,} nodes, over the limit of {MAX_NODES:,}" in str(error)
    assert error.problems[0].line == 6 + MAX_NODES + 1  # refused at the node past the limit


def test_states_per_node_limit(tmp_path: Path) -> None:
    states = "[yes, " + ", ".join(f"s{i}" for i in range(MAX_STATES)) + "]"
    error = refused(scenario(root("wide", states)), tmp_path / "states.yaml")
    assert f"more than {MAX_STATES} states, over the limit of {MAX_STATES}" in str(error)
    assert error.problems[0].line == 7


@pytest.mark.parametrize("kind", ["noisy_or: {leak: 0.1}", "table: [{when: otherwise, "
                                  "p: {yes: 0.5}, because: [{assumption: x}]}]"])
def test_thirty_binary_parents_are_refused_not_attempted(kind: str, tmp_path: Path) -> None:
    parents = [f"p{i}" for i in range(30)]
    child = (f"  child: {{label: c, parents: [{', '.join(parents)}], {kind}, "
             "because: [{assumption: x}]}\n")
    error = refused(scenario("".join(map(root, parents)) + child), tmp_path / "wide.yaml")
    assert "its table would have 2,147,483,648 cells, over the limit" in str(error)
    assert error.problems[0].node == "child" and error.problems[0].line == 37


def test_aliases_expanded_beyond_the_budget_are_refused(tmp_path: Path) -> None:
    error = refused(LAUGHS + "\n", tmp_path / "laughs.yaml")
    assert isinstance(error, LimitError)
    assert f"aliases repeat more than {MAX_ALIAS_BYTES:,} bytes of the file" in str(error)


@pytest.mark.parametrize("text", ["&x [*x]\n", "&x {a: [b, *x]}\n"])
def test_an_alias_inside_its_own_anchor_is_refused(text: str, tmp_path: Path) -> None:
    error = refused(text, tmp_path / "self.yaml")
    assert "alias *x refers to no anchor before it" in str(error)
    assert error.problems[0].line == 1


def test_deep_nesting_is_refused_fast(tmp_path: Path) -> None:
    for opener in "[{":
        closer = "]" if opener == "[" else "}"
        error = refused("a: " + opener * 20_000 + closer * 20_000 + "\n",
                        tmp_path / "deep.yaml")
        # `{{` opens a mapping whose key is a mapping: refused as a key before it nests,
        # unless libyaml (0.2.5 as PyYAML 6.0.4's wheels build it) meets its own nesting cap
        # first, while scanning ahead
        words = ["nested more than 64 deep"]
        if opener == "{":
            words.append("a key must be a plain name")
        assert any(w in str(error) for w in words), error
        assert error.problems[0].line == 1


def test_a_key_written_twice_is_an_error(tmp_path: Path) -> None:
    error = refused(TINY.replace("  wet:\n", "  rain:\n", 1), tmp_path / "twice.yaml")
    assert "key 'rain' is written twice" in str(error)
    assert "first written on line 12" in str(error)


@pytest.mark.parametrize("where", ["../x.txt", "/etc/passwd", "sub/../../x.txt"])
def test_a_source_path_cannot_leave_the_scenario_folder(where: str, folder: Path) -> None:
    error = refused(TINY.replace("path: almanac.txt", f"path: {where}"), folder / "leave.yaml")
    assert f"path '{where}' leaves the scenario's folder" in str(error)
    assert error.problems[0].line == 10


@pytest.mark.parametrize("tag", ["!!python/object:os.system ls", "!!python/name:os.system",
                                 "!custom x"])
def test_object_tags_are_refused(tag: str, tmp_path: Path) -> None:
    error = refused(TINY.replace("label: It rains", f"label: {tag}"), tmp_path / "tag.yaml")
    assert "is not allowed" in str(error) and error.problems[0].line == 13


@pytest.mark.parametrize("value", ["!!float 1x", "!!int x", "!!timestamp x", "2025-13-45",
                                   "9" * 5000])
def test_malformed_scalars_are_scenario_errors(value: str, tmp_path: Path) -> None:
    error = refused(TINY.replace("label: It rains", f"label: {value}"), tmp_path / "bad.yaml")
    assert error.problems[0].file == str(tmp_path / "bad.yaml")


@pytest.mark.parametrize("key", ["~", "null", "[a, b]", "{a: 1}"])
def test_keys_that_are_not_names_are_located(key: str, tmp_path: Path) -> None:
    text = TINY.replace("  wet:\n", f"  ? {key}\n  : 1\n  wet:\n", 1)
    error = refused(text, tmp_path / "key.yaml")
    assert any(p.line == 30 for p in error.problems)  # `~` and `null` are keys' text


def test_numbers_beyond_floating_point_are_located(tmp_path: Path) -> None:
    error = refused(TINY.replace("leak: 0.01", "leak: " + "9" * 400), tmp_path / "huge.yaml")
    assert error.problems[0].line == 34


def test_names_that_print_alike_are_refused_and_labels_reach_the_page_escaped(
        tmp_path: Path) -> None:
    import model
    from model.briefing import render

    head = ("scenario: t\ntitle: T\nquestion: q\nas_of: 2025-01-01\nhorizon: 2025-12-31\n"
            "nodes:\n  ab:\n    prior: {yes: 0.3}\n    because: [{assumption: x}]\n")
    for hidden in ("\u200b", "\ufeff", "\u2060", "\U000e0041"):
        text = head + f'  "a{hidden}b":\n    role: outcome\n    prior: {{yes: 0.9}}\n' \
            "    because: [{assumption: x}]\n"
        with pytest.raises(model.ScenarioError) as caught:
            model.loads(text)
        message = str(caught.value)
        assert "a name may not hold" in message and hidden not in message
    # nor may two what-ifs, which the reader picks by name
    twins = head.replace("  ab:\n    prior", "  ab:\n    role: outcome\n    prior") + (
        "what_ifs:\n  - {name: What, given: {ab: yes}}\n"
        '  - {name: "W\\u200bhat", given: {ab: "no"}}\n')
    with pytest.raises(model.ScenarioError, match="a name may not hold invisible characters"):
        model.loads(twins)
    # a label's escape sequences and overrides are shown escaped on the page, as on a terminal
    label = "A\x1b]0;PWNED\x07\x1b[2J\u202eB"
    escaped = label.encode("unicode_escape").decode()
    text = head.replace("  ab:\n", f'  ab:\n    label: "{escaped}"\n    role: outcome\n')
    page = render(model.loads(text))
    assert not any(ch in page for ch in "\x1b\x07\u202e")  # the diagrams' text alternatives too
    assert "A\\x1b]0;PWNED\\x07\\x1b[2J\\u202eB" in page
