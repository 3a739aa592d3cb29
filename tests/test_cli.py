"""The `scenario` command as a user runs it: in a subprocess, reading stdout and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import model
from model.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "model.cli", *args], capture_output=True,
                          text=True, timeout=120, cwd=cwd)


def test_query_prints_a_table_with_percent_and_term(tiny_path: Path) -> None:
    done = run("query", str(tiny_path), "wet", "--given", "rain=yes")
    assert done.returncode == 0, done.stderr
    expected = model.load(tiny_path).query("wet", given={"rain": "yes"})["yes"]
    assert "Grass is wet (wet) | rain=yes" in done.stdout
    row = next(line for line in done.stdout.splitlines() if line.startswith("yes"))
    assert f"{expected:.4f}" in row
    assert f"{expected * 100:.1f}%" in row
    assert "very likely" in row


def test_query_json_has_the_distribution(tiny_path: Path) -> None:
    done = run("query", str(tiny_path), "rain", "--do", "sprinkler=yes", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    expected = model.load(tiny_path).query("rain", do={"sprinkler": "yes"})
    assert data["distribution"] == pytest.approx(dict(expected), abs=1e-15)
    assert data["do"] == {"sprinkler": "yes"}
    assert data["given"] == {}


def test_query_named_what_if(tiny_path: Path) -> None:
    done = run("query", str(tiny_path), "wet", "--what-if", "Sprinkler seen on", "--json")
    data = json.loads(done.stdout)
    assert data["given"] == {"sprinkler": "yes"}
    missing = run("query", str(tiny_path), "wet", "--what-if", "Sprinkler on")
    assert missing.returncode == 2
    assert "no what-if named 'Sprinkler on'" in missing.stderr


def test_seed_scenario_main_job(seed_path: Path) -> None:
    done = run("query", str(seed_path.relative_to(ROOT)), "nuclear_deal")
    assert done.returncode == 0, done.stderr
    assert "nuclear_deal" in done.stdout
    assert run("validate", str(seed_path)).returncode == 0


def test_explain(tiny_path: Path) -> None:
    done = run("explain", str(tiny_path), "--given", "wet=no", "--json")
    data = json.loads(done.stdout)
    found = model.load(tiny_path).most_probable(given={"wet": "no"})
    assert data["states"] == dict(found.states)
    assert data["probability"] == pytest.approx(found.probability)


@pytest.mark.parametrize(("args", "words"), [
    (["query", "{tiny}", "wet", "--given", "rain"], "is not node=state"),
    (["query", "{tiny}", "wet", "--given", "rian=yes"], "did you mean 'rain'?"),
    (["query", "{tiny}", "wett"], "unknown node 'wett'"),
    (["query", "missing.yaml", "wet"], "cannot read the scenario file"),
    (["query", "{tiny}"], "name a TARGET node, or give --event"),
    (["query", "{tiny}", "wet", "--event", "rain=yes"], "name a TARGET node, or give --event"),
    (["frobnicate"], "No such command"),
])
def test_usage_and_query_errors_exit_2(tiny_path: Path, args: list[str], words: str) -> None:
    done = run(*[a.replace("{tiny}", str(tiny_path)) for a in args])
    assert done.returncode == 2
    assert words in done.stderr
    assert "Traceback" not in done.stderr


def test_validate_reports_ok_and_warnings(tiny_path: Path) -> None:
    done = run("validate", str(tiny_path))
    assert done.returncode == 0
    assert done.stdout.startswith(f"ok  {tiny_path}: 3 nodes")
    data = json.loads(run("validate", str(tiny_path), "--json").stdout)
    assert data["valid"] is True


def test_validate_does_not_import_pgmpy(tiny_path: Path) -> None:
    code = ("import sys; from model.cli import main; code = main(['validate', sys.argv[1]]); "
            "print('pgmpy' in sys.modules, 'sklearn' in sys.modules, code)")
    done = subprocess.run([sys.executable, "-c", code, str(tiny_path)], capture_output=True,
                          text=True, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "False False 0"


def test_unexpected_failure_exits_1_without_traceback(tiny_path: Path, tmp_path: Path) -> None:
    # A bug (here simulated) is not the user's fault: exit 1 and a one-line message.
    code = ("import sys; from model import cli; "
            "cli.load = lambda f: (_ for _ in ()).throw(RuntimeError('boom')); "
            "sys.exit(cli.main(['query', sys.argv[1], 'wet']))")
    done = subprocess.run([sys.executable, "-c", code, str(tiny_path)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1
    assert "internal error: RuntimeError: boom" in done.stderr
    assert "Traceback" not in done.stderr


def test_every_command_has_help_with_an_example() -> None:
    # in one process (click's runner): the text is the same as the command's, and one
    # process per command costs seconds; the command itself is run once to be sure
    runner = CliRunner()
    for name, command in cli.commands.items():
        done = runner.invoke(cli, [name, "--help"], prog_name="scenario")
        assert done.exit_code == 0, (name, done.output)
        assert "Example:" in done.output, f"'scenario {name} --help' shows no example"
        assert command.help and command.help.strip(), name
    assert "Example:" in run("--help").stdout


def test_every_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    for name in cli.commands:
        assert f"scenario {name}" in readme, f"README does not show 'scenario {name}'"
