"""Network files under the import limits stay inside the memory budget, and what they cannot
hold is refused with exit code 2 at its line, never an internal error.

The memory tests run the CLI in a child process whose address space is capped
(`RLIMIT_AS`) at the memory budget: before these fixes each of those files, under the
50 MB import limit, took 2.4 to 3.6 GB, so the child failed with MemoryError (exit 1).
"""

from __future__ import annotations

import base64
import gzip
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import model
from model.errors import LimitError, ScenarioError
from model.language.formats import read_network, xml
from model.language.formats.record import decode
from model.language.formats.text import Lines
from model.limits import MAX_IMPORT_BYTES, MEMORY_BUDGET_BYTES

ROOT = Path(__file__).resolve().parent.parent
BIF_TAIL = "variable a { type discrete [2] { s0, s1 }; }\nprobability ( a ) { table 0.5, 0.5; }\n"
XDSL_HEAD = ('<?xml version="1.0"?><smile version="1.0" id="x"><nodes><cpt id="a">'
             '<state id="s0"/><state id="s1"/><probabilities>0.5 0.5</probabilities></cpt>'
             '</nodes>')
XMLBIF_HEAD = ('<?xml version="1.0"?><BIF VERSION="0.3"><NETWORK><NAME>x</NAME>'
               '<VARIABLE TYPE="nature"><NAME>a</NAME><OUTCOME>s0</OUTCOME><OUTCOME>s1'
               '</OUTCOME></VARIABLE><DEFINITION><FOR>a</FOR><TABLE>0.5 0.5</TABLE>'
               '</DEFINITION>')


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BUDGET_BYTES, MEMORY_BUDGET_BYTES))


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    """`scenario validate PATH` in a child whose memory is capped at the budget."""
    return subprocess.run([sys.executable, "-m", "model.cli", "validate", str(path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          preexec_fn=_cap)


def gzipped(path: Path, *parts: bytes | tuple[bytes, int]) -> Path:
    with gzip.open(path, "wb") as f:
        for part in parts:
            if isinstance(part, tuple):
                chunk, times = part
                for _ in range(times // 100_000):
                    f.write(chunk * 100_000)
                f.write(chunk * (times % 100_000))
            else:
                f.write(part)
    return path


# 1. XML: elements the reader does not know are not built, and all are counted ------------

def test_an_xdsl_bomb_of_unknown_elements_is_refused_in_budget(tmp_path: Path) -> None:
    # 48 KB gzipped, 49.6 MB unpacked: was exit 0 after 46 s at 3.5 GB
    path = gzipped(tmp_path / "bomb.xdsl.gz", XDSL_HEAD.encode(), (b"<x/>", 12_400_000),
                   b"</smile>")
    done = validate(path)
    assert done.returncode == 2, done.stderr
    assert "bomb.xdsl.gz:1: the file holds more than 1,000,000 XML elements" in done.stderr


def test_an_xmlbif_bomb_of_unknown_elements_is_refused_in_budget(tmp_path: Path) -> None:
    path = gzipped(tmp_path / "bomb.xmlbif.gz", XMLBIF_HEAD.encode(), (b"<x/>", 12_000_000),
                   b"</NETWORK></BIF>")
    done = validate(path)
    assert done.returncode == 2, done.stderr
    assert "more than 1,000,000 XML elements, attributes and comments" in done.stderr


@pytest.mark.parametrize("suffix", [".xdsl", ".xmlbif"])
def test_elements_past_the_limit_are_refused_at_their_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str) -> None:
    monkeypatch.setattr(xml, "MAX_IMPORT_ELEMENTS", 1_000)
    head, end = (XDSL_HEAD, "</smile>") if suffix == ".xdsl" else \
        (XMLBIF_HEAD, "</NETWORK></BIF>")
    path = tmp_path / f"many{suffix}"
    path.write_text(head + "\n" + "<x/>\n" * 2_000 + end)
    with pytest.raises(LimitError, match="more than 1,000 XML elements") as caught:
        read_network(path)
    line = caught.value.problems[0].line
    assert line is not None and 900 < line < 1_000
    # comments count too
    path.write_text(head + "\n" + "<!-- c -->\n" * 2_000 + end)
    with pytest.raises(LimitError, match="more than 1,000 XML elements"):
        read_network(path)


@pytest.mark.parametrize("suffix", [".xdsl", ".xmlbif"])
def test_unknown_elements_are_not_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        suffix: str) -> None:
    built = [0]
    real = xml.Element.__init__

    def counting(self: xml.Element, *args: object) -> None:
        built[0] += 1
        real(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(xml.Element, "__init__", counting)
    unknown = "<x a='1'><y><state id='s9'/><NAME>n</NAME></y></x>" * 5_000
    if suffix == ".xdsl":
        text = XDSL_HEAD + unknown + ("<extensions><genie app='GeNIe'><submodel id='m'>"
                                      "<node id='a'><name>The A</name><position>1 2"
                                      "</position></node></submodel></genie></extensions>"
                                      "</smile>")
    else:
        text = XMLBIF_HEAD.replace("<NAME>a</NAME>", "<NAME>a</NAME><PROPERTY>p = 1</PROPERTY>"
                                   ) + unknown + "</NETWORK></BIF>"
    path = tmp_path / f"extra{suffix}"
    path.write_text(text)
    network = read_network(path)
    assert built[0] < 30
    assert network.variables["a"].states == ["s0", "s1"]
    if suffix == ".xdsl":
        assert network.variables["a"].label == "The A"  # extensions still read, submodels too


# 2. text files: line breaks in one array, no Python object per line ---------------------

def test_line_index_holds_no_python_list() -> None:
    text = "a\nb\n\n\u00e9\n" * 1_000 + "end"
    lines = Lines(text)
    assert not hasattr(lines, "breaks")
    assert lines.array.dtype == np.int32 and lines.array.size == text.count("\n")
    for offset in (0, 1, 2, 5, 7, 1_234, len(text) - 1, len(text)):
        assert lines(offset) == text.count("\n", 0, offset) + 1
    offsets = [0, 3, 999, len(text) - 2]
    assert lines.many(offsets).tolist() == [text.count("\n", 0, k) + 1 for k in offsets]


def test_non_ascii_pieces_keep_character_offsets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Lines, "PIECE", 7)
    text = "\u00e9\u4e2d\n" * 10 + "ab\n\n" * 10 + "\U0001f600\n"
    lines = Lines(text)
    assert lines.array.tolist() == [k for k, c in enumerate(text) if c == "\n"]


@pytest.mark.parametrize("comment", ["", pytest.param(" // caf\u00e9", marks=pytest.mark.slow)])
def test_millions_of_blank_lines_stay_in_budget(tmp_path: Path, comment: str) -> None:
    # 47 KB gzipped: was exit 0 at 2.47 GB (2.5 GB and 25 s with a non-ASCII comment)
    path = gzipped(tmp_path / "blank.bif.gz", f"network x {{}}{comment}\n".encode(),
                   (b"\n", 49_000_000), BIF_TAIL.encode())
    done = validate(path)
    assert done.returncode == 0, done.stderr
    assert "blank.bif.gz: 1 node" in done.stdout


def test_a_reader_is_freed_without_the_collector(tmp_path: Path) -> None:
    import gc
    import weakref

    from model.language.formats.bif import _BifReader
    from model.language.formats.source import read_source

    path = tmp_path / "a.bif"
    path.write_text("network x {}\n" + BIF_TAIL)
    gc.disable()
    try:
        reader = _BifReader(read_source(path))
        reader.read()
        gone = weakref.ref(reader)
        del reader
        assert gone() is None  # no cycle keeps its text and line index
    finally:
        gc.enable()


# 3. long strings: passed over without a record per character -----------------------------

def test_a_30_mb_property_string_stays_in_budget(tmp_path: Path) -> None:
    # was exit 0 at 3.6 GB and 12 s; under `ulimit -v 4000000` an internal MemoryError
    path = tmp_path / "prop.bif"
    path.write_bytes(b'network x { property "' + b"x" * 30_000_000 + b'"; }\n'
                     + BIF_TAIL.encode())
    done = validate(path)
    assert done.returncode == 0, done.stderr


@pytest.mark.slow
def test_escaped_and_unquoted_properties_stay_in_budget(tmp_path: Path) -> None:
    path = tmp_path / "props.bif"
    path.write_bytes(b'// a comment\nnetwork x { property "' + b"\\x" * 5_000_000 + b'"; }\n'
                     b'variable a { type discrete [2] { s0, s1 }; property "'
                     + b"\\y" * 5_000_000 + b'"; }\nprobability ( a ) { table 0.5, 0.5; '
                     b"property " + b"z" * 10_000_000 + b"; }\n")
    assert path.stat().st_size < MAX_IMPORT_BYTES
    done = validate(path)
    assert done.returncode == 0, done.stderr


def test_strings_still_read_as_before(tmp_path: Path) -> None:
    path = tmp_path / "q.bif"
    path.write_text('network "a \\"net\\"" { property "p;}{" ; }\n'
                    'variable "x y" { type discrete [2] { "s \\"0\\"", s1 }; property "k;"; }\n'
                    'probability ( "x y" ) { property "(;)"; table 0.5, 0.5; }\n')
    network = read_network(path)
    assert network.name == 'a "net"'
    assert network.variables["x y"].states == ['s "0"', "s1"]
    unclosed = tmp_path / "u.bif"
    unclosed.write_text('network x { }\nvariable a { type discrete [2] { s0, s1 }; '
                        'property "open; }\n' + BIF_TAIL.replace("variable a", "variable b"))
    with pytest.raises(ScenarioError):
        read_network(unclosed)


# 4. a scenario-names record too deep to decode is a record that cannot be read ------------

def test_a_deep_record_is_unreadable_not_an_internal_error(tmp_path: Path) -> None:
    deep = base64.b64encode(b"[" * 100_000 + b"]" * 100_000).decode()
    assert decode(deep) is None
    assert decode(base64.b64encode(b'{"nodes": {"a": "[[[[[[[[[[[[[[[[["}}').decode()
                  ) is not None  # brackets inside strings are names, not depth
    path = tmp_path / "rec.bif"
    path.write_text(f"// scenario-names: {deep}\n" + BIF_TAIL
                    + "variable b { type discrete [2] { s0, s1 }; }\n"
                      "probability ( b | a ) { table 0.5, 0.5, 0.5, 0.5; }\n")
    scenario = model.load(path)
    assert sorted(scenario.nodes) == ["a", "b"]
    for command in (["validate"], ["import"], ["query", "b"]):
        done = subprocess.run([sys.executable, "-m", "model.cli", command[0], str(path),
                               *command[1:]], cwd=ROOT, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        if command[0] != "query":  # a query prints its answer only
            assert "scenario-names record in the file cannot be read" in done.stderr
