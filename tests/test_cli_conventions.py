"""What users expect of a click tool: --version, -q, colour only on a terminal and never
under NO_COLOR, one line per error, shell completion, and progress bars only at a terminal."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TINY = Path(__file__).resolve().parent / "fixtures" / "tiny.yaml"
BAD = Path(__file__).resolve().parent / "fixtures" / "bad" / "many_problems.yaml"


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "model.cli", *args], capture_output=True,
                          text=True, timeout=300, cwd=ROOT, env={**os.environ, **env})


def at_a_terminal(*args: str, **env: str) -> str:
    """What a user sees with stdout and stderr on a terminal."""
    main, other = pty.openpty()
    # a terminal 100 columns wide (a new pty has none, and a bar then draws nothing)
    fcntl.ioctl(other, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    done = subprocess.Popen([sys.executable, "-m", "model.cli", *args], stdout=other,
                            stderr=other, cwd=ROOT,
                            env={k: v for k, v in {**os.environ, **env}.items() if v})
    os.close(other)
    seen = b""
    while True:
        ready, _, _ = select.select([main], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    done.wait(60)
    os.close(main)
    return seen.decode(errors="replace")


def test_version() -> None:
    done = run("--version")
    assert done.returncode == 0 and done.stdout.strip() == "scenario 0.1.0"


@pytest.mark.slow  # seconds: runs with the slow tests (CI runs both)
def test_quiet_leaves_out_notices_before_or_after_the_command(tmp_path: Path) -> None:
    for args in (["-q", "report", str(TINY)], ["report", "-q", str(TINY)]):
        done = run(*args, "-o", str(tmp_path / "t.html"))
        assert done.returncode == 0 and done.stdout == "", done.stdout
    assert (tmp_path / "t.html").is_file()
    assert run("validate", "-q", str(TINY)).stdout == ""
    bad = run("-q", "validate", str(BAD))
    assert bad.returncode == 2 and bad.stderr.count("error:") >= 3


def test_every_command_takes_quiet_after_its_name_too() -> None:
    from model.cli import cli

    assert sorted(name for name, command in cli.commands.items()
                  if not any("-q" in param.opts for param in command.params)) == []


def test_each_error_is_one_line() -> None:
    for args in (["query", str(TINY)], ["frobnicate"], ["query", str(TINY), "wet", "--given",
                                                          "rain"]):
        done = run(*args)
        assert done.returncode == 2
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
        assert "--help'" in lines[0]
    bad = run("validate", str(BAD)).stderr.strip().splitlines()
    # one line each: the problems, then what else the checks found (warnings)
    kinds = [line.split(" ", 1)[0] for line in bad]
    assert kinds[0] == "error:" and set(kinds) <= {"error:", "warning:"}
    assert kinds == sorted(kinds)  # "error:" before "warning:"


def test_colour_only_at_a_terminal_and_never_under_no_color() -> None:
    assert "\x1b[" in at_a_terminal("validate", str(BAD), NO_COLOR="")
    assert "\x1b[" not in at_a_terminal("validate", str(BAD), NO_COLOR="1")
    assert "\x1b[" not in run("validate", str(BAD)).stderr


@pytest.mark.slow  # seconds: runs with the slow tests (CI runs both)
def test_progress_bars_only_at_a_terminal_and_not_with_json() -> None:
    args = ("sweep", str(TINY), "--vary", "rain=0:1:6", "--intervals", "--samples", "200000")
    assert "sweeping tiny" in at_a_terminal(*args)
    assert "sweeping tiny" not in at_a_terminal(*args, "--json")
    assert "sweeping tiny" not in at_a_terminal("-q", *args)
    assert "sweeping tiny" not in run(*args).stderr


def test_shell_completion_scripts_and_node_names() -> None:
    script = run(_SCENARIO_COMPLETE="bash_source").stdout
    assert "_SCENARIO_COMPLETE=bash_complete" in script
    done = run(_SCENARIO_COMPLETE="bash_complete",
               COMP_WORDS=f"scenario query {TINY} wet --given sp", COMP_CWORD="5")
    assert done.stdout.split() == ["plain,sprinkler=yes", "plain,sprinkler=no"]
    done = run(_SCENARIO_COMPLETE="bash_complete", COMP_WORDS=f"scenario query {TINY} w",
               COMP_CWORD="3")
    assert done.stdout.split() == ["plain,wet"]


def test_a_problem_of_no_file_is_said_without_a_placeholder() -> None:
    from model.errors import Problem

    assert str(Problem("cannot reach the scheduler", hint="start it")) == \
        "cannot reach the scheduler (start it)"
    assert str(Problem("x", line=3, node="n")) == "line 3: node 'n': x"
    assert str(Problem("x", file="a.yaml", line=3)) == "a.yaml:3: x"


def test_an_import_reports_its_progress_where_bars_are_shown(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A large network's import shows a bar (here at once: the delay set to 0)."""
    from model import progress
    from model.interop.importing import import_network

    monkeypatch.setattr(progress, "DELAY", 0)
    import_network("pgmpy:asia")
    assert "importing" not in capsys.readouterr().err  # bars are off unless shown
    with progress.shown():
        import_network("pgmpy:asia")
    assert "importing pgmpy:asia" in capsys.readouterr().err


def test_the_scheduler_variable_is_read_only_with_the_dask_backend(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "tiny.yaml").write_text(TINY.read_text())
    (folder / "almanac.txt").write_text((TINY.parent / "almanac.txt").read_text())
    # set once for the cluster, it does not stop a local run
    done = run("analyze", str(folder), "--samples", "200", "-q",
               SCENARIO_DASK_SCHEDULER="tcp://127.0.0.1:1")
    assert done.returncode == 0, done.stderr
    # given as an option, without --backend dask, it is refused
    done = run("analyze", str(folder), "--scheduler", "tcp://127.0.0.1:1")
    assert done.returncode == 2 and "for the dask backend" in done.stderr
    # with --backend dask the variable is the address (unreachable here: refused at once)
    done = run("analyze", str(folder), "--backend", "dask", "-q",
               SCENARIO_DASK_SCHEDULER="tcp://127.0.0.1:1")
    assert done.returncode == 2 and "tcp://127.0.0.1:1" in done.stderr


@pytest.mark.parametrize("options", [["--jobs", "2"], ["--backend", "dask"],
                                     ["--scheduler", "tcp://127.0.0.1:1"]])
def test_folder_options_given_for_one_file_are_refused(options: list[str]) -> None:
    for command in ("analyze", "report"):
        done = run(command, str(TINY), *options)
        assert done.returncode == 2, (command, options, done.stderr)
        assert "run the scenarios of a folder in parallel: give a DIR" in done.stderr
        assert "Traceback" not in done.stderr
