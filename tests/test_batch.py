"""Folder runs and the runner beneath them: one process, several, and a Dask cluster give
the same results in the order of their inputs; bad files are reported, the rest still run."""

from __future__ import annotations

import json
import pickle
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import model
from model.analysis import analyze
from model.analysis.batch import analyze_folder, scenario_files
from model.analysis.sweep import sweep
from model.briefing.batch import report_folder
from model.errors import Problem, QueryError, ScenarioError
from model.runs import run_each

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "model.cli", *args], capture_output=True,
                          text=True, timeout=600, cwd=ROOT)


def square(x: int) -> int:
    return x * x


def refuse(x: int) -> int:
    if x == 1:
        time.sleep(0.3)  # the second item is refused first
    raise QueryError(Problem(f"no {x}", node="n", hint="try another"))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Two good scenarios, one with a problem, a text that is not a scenario file, and a
    scenario with a case file beside it (a scenario with evidence crosses to the workers
    too)."""
    where = tmp_path / "scenarios"
    where.mkdir()
    shutil.copy(FIXTURES / "tiny.yaml", where / "a_tiny.yaml")
    shutil.copy(FIXTURES / "almanac.txt", where / "almanac.txt")
    shutil.copy(FIXTURES / "analysis_decision.yaml", where / "b_decision.yml")
    shutil.copy(FIXTURES / "bad" / "unknown_parent.yaml", where / "c_bad.yaml")
    shutil.copy(FIXTURES / "bad" / "notes.txt", where / "notes.txt")
    shutil.copy(FIXTURES / "timeline" / "weather.yaml", where / "d_weather.yaml")
    (where / "e_weather_case.yaml").write_text(
        (FIXTURES / "timeline" / "weather_case.yaml").read_text().replace(
            "scenario: weather\n", "scenario: d_weather.yaml\n", 1))
    return where


def test_results_come_back_in_order_from_any_number_of_processes() -> None:
    items = list(range(20))
    assert run_each(square, items) == run_each(square, items, jobs=2) == [x * x for x in items]


def test_problems_cross_from_workers_whole() -> None:
    error = QueryError(Problem("no 3", file="f.yaml", line=4, node="n", hint="h"))
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is QueryError and again.problems == error.problems
    # the first item's problem, whichever worker fails first, as one after the other would
    for jobs in (1, 2):
        with pytest.raises(QueryError, match=r"node 'n': no 1 \(try another\)"):
            run_each(refuse, [1, 2], jobs=jobs)


def test_bad_runner_settings_are_refused() -> None:
    with pytest.raises(ScenarioError, match="unknown backend 'spark'"):
        run_each(square, [1], backend="spark")  # type: ignore[arg-type]
    with pytest.raises(ScenarioError, match="a scheduler address is for the dask backend"):
        run_each(square, [1], scheduler="tcp://127.0.0.1:1")


def test_a_folders_scenarios_are_its_yaml_files_in_name_order(folder: Path) -> None:
    assert [p.name for p in scenario_files(folder)] == ["a_tiny.yaml", "b_decision.yml",
                                                        "c_bad.yaml", "d_weather.yaml",
                                                        "e_weather_case.yaml"]
    (folder.parent / "empty").mkdir()
    with pytest.raises(ScenarioError, match="holds no scenario files"):
        scenario_files(folder.parent / "empty")


def test_entries_that_are_no_file_to_read_are_reported_not_skipped(folder: Path,
                                                                  tmp_path: Path) -> None:
    """A link to nothing, a loop of links and a FIFO named like scenarios: each is a problem
    of the run, located at it and saying what to do (the FIFO never opened); a subfolder is
    not run, and a link to a scenario file runs it."""
    import os

    (folder / "dangling.yml").symlink_to("nowhere.yaml")
    (folder / "loop.yaml").symlink_to("loop.yaml")
    os.mkfifo(folder / "fifo.yaml")
    (folder / "sub.yaml").mkdir()
    (folder / "f_link.yaml").symlink_to("a_tiny.yaml")
    found = report_folder(folder, tmp_path / "out")
    assert "weather.html" in [p.name for p in found.written]
    said = {Path(p.file or "").name: str(p) for p in found.problems}
    assert said["dangling.yml"].endswith("dangling.yml: not run: a symbolic link to "
                                         "'nowhere.yaml', which is not there (fix the link, "
                                         "or remove it)")
    assert said["loop.yaml"].endswith("loop.yaml: not run: a loop of symbolic links, no "
                                      "file at the end (fix the link, or remove it)")
    assert said["fifo.yaml"].endswith("fifo.yaml: not run: a FIFO (named pipe), not a "
                                      "scenario file (move it out of the folder: a folder "
                                      "run reads regular files only)")
    assert "sub.yaml" not in said
    # the link runs the file it points to: one id twice, reported as such
    assert "scenario id 'tiny' is used by another file" in said["f_link.yaml"]
    # a folder of such entries alone is reported by them, not as empty
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "dangling.yaml").symlink_to("nowhere.yaml")
    only = analyze_folder(alone)
    assert not only.analyses and [Path(p.file or "").name for p in only.problems] == [
        "dangling.yaml"]


def test_analyze_folder_analyses_each_good_file_and_reports_the_bad(folder: Path) -> None:
    found = analyze_folder(folder, samples=500, seed=3, jobs=2)
    assert [a.scenario for a in found.analyses] == ["tiny", "analysis-decision", "weather",
                                                    "weather_2025"]
    expected = analyze(model.load(folder / "a_tiny.yaml"), samples=500, seed=3)
    assert found.analyses[0].to_dict() == expected.to_dict()
    # the case's analysis, made in another process, holds its evidence
    case = analyze(model.load(folder / "e_weather_case.yaml"), samples=500, seed=3)
    assert found.analyses[3].to_dict() == case.to_dict()
    assert len(found.problems) == 1 and "unknown parent" in found.problems[0].message
    assert found.problems[0].file is not None and found.problems[0].file.endswith("c_bad.yaml")


def test_report_folder_writes_each_briefing_and_reports_the_bad(folder: Path,
                                                                 tmp_path: Path) -> None:
    found = report_folder(folder, tmp_path / "out", jobs=2)
    assert sorted(p.name for p in found.written) == ["analysis-decision.html", "tiny.html",
                                                     "weather.html", "weather_2025.html"]
    page = (tmp_path / "out" / "tiny.html").read_text()
    assert "A tiny scenario" in page and "Content-Security-Policy" in page
    assert [p.message for p in found.problems if "unknown parent" in p.message]


def test_two_files_with_one_id_are_reported_not_overwritten(folder: Path,
                                                             tmp_path: Path) -> None:
    shutil.copy(folder / "a_tiny.yaml", folder / "d_tiny_again.yaml")
    found = report_folder(folder, tmp_path / "out")
    assert [p.name for p in found.written] == ["analysis-decision.html", "weather.html",
                                               "weather_2025.html"]
    twice = [p for p in found.problems if "scenario id 'tiny' is used by another file" in
             p.message]
    assert len(twice) == 2


@pytest.mark.slow  # seconds: runs with the slow tests (CI runs both)
def test_the_commands_run_a_folder(folder: Path, tmp_path: Path) -> None:
    done = run("report", str(folder), "-o", str(tmp_path / "out"), "--jobs", "2")
    assert done.returncode == 2  # the bad file
    assert f"wrote {tmp_path / 'out' / 'tiny.html'}" in done.stdout
    assert "unknown parent" in done.stderr
    done = run("analyze", str(folder), "--samples", "300", "--json")
    assert done.returncode == 2
    data = json.loads(done.stdout)
    assert [a["scenario"] for a in data["analyses"]] == ["tiny", "analysis-decision",
                                                         "weather", "weather_2025"]
    assert len(data["problems"]) == 1 and "unknown parent" in data["problems"][0]
    done = run("analyze", str(folder), "--outcome", "wet")
    assert done.returncode == 2
    assert "--outcome names a node of one scenario" in done.stderr
    done = run("analyze", str(folder), "--samples", "300")
    assert "======== tiny" in done.stdout and "======== analysis-decision" in done.stdout


@pytest.mark.slow
def test_a_dask_cluster_gives_the_same_results(folder: Path, tmp_path: Path) -> None:
    """Through a LocalCluster's scheduler address, as one points at a real cluster; and
    with a cluster started for the run."""
    from distributed import LocalCluster

    s = model.load(ROOT / "scenarios" / "russia_iran_2025.yaml")
    args = {"vary": ["us_course: P(use_force)=0.1:0.6:4"], "each": "source",
            "intervals": True, "samples": 300}
    here = sweep(s, **args)  # type: ignore[arg-type]
    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        there = sweep(s, backend="dask", scheduler=cluster.scheduler_address,
                      **args)  # type: ignore[arg-type]
        assert there.probabilities.tolist() == here.probabilities.tolist()
        assert there.low is not None and here.low is not None
        assert there.low.tolist() == here.low.tolist()
        found = analyze_folder(folder, samples=300, backend="dask",
                               scheduler=cluster.scheduler_address)
        assert [a.scenario for a in found.analyses] == ["tiny", "analysis-decision",
                                                        "weather", "weather_2025"]
    written = report_folder(folder, tmp_path / "out", backend="dask", jobs=2)
    assert sorted(p.name for p in written.written) == ["analysis-decision.html", "tiny.html",
                                                       "weather.html", "weather_2025.html"]


@pytest.mark.slow
def test_an_unreachable_scheduler_says_so() -> None:
    pytest.importorskip("distributed")
    with pytest.raises(ScenarioError, match=r"cannot reach the Dask scheduler at tcp://127\.0"):
        run_each(square, [1, 2], backend="dask", scheduler="tcp://127.0.0.1:9")


# Ctrl+C during a run on a local cluster -----------------------------------------------------


@pytest.fixture
def interruptible() -> Iterator[None]:
    """SIGINT raising KeyboardInterrupt in this (main) thread, as in a command."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals are handled in the main thread")
    if not hasattr(signal, "pthread_sigmask"):
        pytest.skip("no signal masks here")
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


@pytest.mark.usefixtures("interruptible")
def test_ctrl_c_while_a_cluster_starts_is_held_until_it_has() -> None:
    """`runs.sigint_held`: a Ctrl+C in the block (sent to this thread, or to the process)
    is a KeyboardInterrupt once the block is over, not in it; the mask and the handler are
    as they were after it."""
    import os
    import signal
    import threading

    from model.runs import sigint_held

    def to_this_thread() -> None:
        signal.pthread_kill(threading.get_ident(), signal.SIGINT)

    def to_the_process() -> None:
        os.kill(os.getpid(), signal.SIGINT)

    mask = signal.pthread_sigmask(signal.SIG_BLOCK, set())
    for send in (to_this_thread, to_the_process):
        reached = False
        with pytest.raises(KeyboardInterrupt):
            with sigint_held():
                send()
                time.sleep(0.05)  # a Ctrl+C not held would interrupt this
                reached = True
            time.sleep(1)  # raised by now
        assert reached
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        assert signal.pthread_sigmask(signal.SIG_BLOCK, set()) == mask
    # no Ctrl+C, nothing raised (SIGINT blocked inside only); a handler of the program's
    # own hears the one held
    with sigint_held():
        inside = signal.pthread_sigmask(signal.SIG_BLOCK, set())
    assert signal.SIGINT in inside
    assert signal.pthread_sigmask(signal.SIG_BLOCK, set()) == mask
    heard: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, _frame: heard.append(signum))
    with sigint_held():
        signal.pthread_kill(threading.get_ident(), signal.SIGINT)
    time.sleep(0.05)
    assert heard == [signal.SIGINT]


@pytest.mark.usefixtures("interruptible")
def test_processes_started_while_sigint_is_held_never_see_it() -> None:
    """A local cluster's workers start inside `sigint_held`: a process started there (and
    from a thread started there) begins with SIGINT blocked, so Ctrl+C to the process
    group leaves it to the command to close the cluster."""
    import threading

    from model.runs import _resource_tracker, sigint_held

    if not Path("/proc/self/status").exists():
        pytest.skip("reads /proc")
    show = [sys.executable, "-c", "print(open('/proc/self/status').read())"]

    def blocked(status: str) -> bool:
        line = next(x for x in status.splitlines() if x.startswith("SigBlk:"))
        return bool(int(line.split()[1], 16) & (1 << 1))  # SIGINT is 2

    _resource_tracker()  # as `_dask_client` does: starting it later unblocks the thread
    found: list[str] = []
    with sigint_held():
        found.append(subprocess.run(show, capture_output=True, text=True, check=True).stdout)
        starter = threading.Thread(target=lambda: found.append(subprocess.run(
            show, capture_output=True, text=True, check=True).stdout))
        starter.start()
        starter.join()
    assert [blocked(s) for s in found] == [True, True]
    after = subprocess.run(show, capture_output=True, text=True, check=True).stdout
    assert not blocked(after)


def test_closing_a_cluster_passes_over_what_fails_to_close() -> None:
    from model.runs import close_quietly

    closed: list[str] = []

    class Closing:
        def __init__(self, name: str, fails: bool = False):
            self.name, self.fails = name, fails

        def close(self, timeout: float) -> None:
            if self.fails:
                raise AssertionError("Status.init")  # a cluster half started
            closed.append(self.name)

    close_quietly(None, Closing("client", fails=True), Closing("cluster"))
    assert closed == ["cluster"]


@pytest.mark.slow
def test_ctrl_c_during_a_dask_run_says_aborted_alone(tmp_path: Path) -> None:
    """SIGINT to the process group once the cluster's workers run: "error: aborted" and no
    worker's traceback, no cluster left."""
    import os
    import signal

    pytest.importorskip("distributed")
    many = tmp_path / "many"
    many.mkdir()
    seed = (ROOT / "scenarios" / "russia_iran_2025.yaml").read_text()
    for i in range(40):
        (many / f"s{i:02}.yaml").write_text(re.sub(r"^scenario: ", f"scenario: s{i}_", seed,
                                                   count=1, flags=re.M))
    marker = tmp_path / "started"
    # the command, marking when its cluster is up
    script = ("import sys, pathlib, model.runs as r\n"
              "from model.cli import main\n"
              "held = r.sigint_held\n"
              "def marked():\n"
              "    import contextlib\n"
              "    @contextlib.contextmanager\n"
              "    def go():\n"
              "        with held():\n"
              "            yield\n"
              f"        pathlib.Path({str(marker)!r}).touch()\n"
              "    return go()\n"
              "r.sigint_held = marked\n"
              "sys.exit(main(sys.argv[1:]))\n")
    process = subprocess.Popen(
        [sys.executable, "-c", script, "report", str(many), "-o", str(tmp_path / "out"),
         "--backend", "dask", "--jobs", "2"], cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        waited = 0.0
        while not marker.exists() and process.poll() is None and waited < 120:
            time.sleep(0.1)
            waited += 0.1
        assert marker.exists(), process.communicate()[1]
        time.sleep(1)  # the workers are rendering
        os.killpg(process.pid, signal.SIGINT)
        err = process.communicate(timeout=120)[1]
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    assert process.returncode == 1, err
    assert err.strip() == "error: aborted", err


def test_a_bar_appears_while_a_long_step_reports_nothing(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`progress.task`: the bar is drawn once its delay has passed, though the work has not
    advanced since (as through the draws of `analyze`), and cleared at the end."""
    from model import progress

    monkeypatch.setattr(progress, "DELAY", 0.05)
    monkeypatch.setattr(progress, "TICK", 0.05)
    said = ""
    with progress.shown(), progress.task("drawing", 100, unit="%") as advance:
        advance(15)  # before the delay: not drawn by it
        waited = time.monotonic() + 30
        while "drawing:  15%" not in said and time.monotonic() < waited:
            time.sleep(0.02)  # the long step, reporting nothing
            said += capsys.readouterr().err
        assert "drawing:  15%" in said
        advance(85)
    said += capsys.readouterr().err
    assert said.rstrip(" ").endswith("\r")  # cleared (the bar is not left)
