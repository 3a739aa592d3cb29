"""Writes that never damage (`model/files.py`, behind every `-o`): only regular files are
replaced, symlinks are written through, temporary files are named, removed on failure and
cleared after a killed run, and every failure says "cannot write" and exits 2.

Devices are tested on copies made with mknod in a temporary folder, never on /dev itself.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from model.cli import main
from model.errors import ScenarioError
from model.files import TMP_SUFFIX, destination, write_atomic

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(TMP_SUFFIX))


@ROOT_ONLY
def test_a_device_node_is_refused_and_stays_a_device(tmp_path: Path) -> None:
    null = tmp_path / "null"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a copy of /dev/null
    with pytest.raises(ScenarioError, match=r"cannot write it: .*null is a character "
                                            r"device, not a regular file"):
        write_atomic(null, "text")
    assert stat.S_ISCHR(null.stat().st_mode)
    assert leftovers(tmp_path) == []


def test_dev_null_itself_is_refused_before_anything_is_written() -> None:
    # destination() only looks (stat); nothing is created or moved.
    with pytest.raises(ScenarioError, match="/dev/null is a character device"):
        destination("/dev/null")


def test_a_directory_and_a_fifo_are_refused_at_once(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    with pytest.raises(ScenarioError, match="folder is a directory, not a regular file"):
        write_atomic(tmp_path / "folder", "text")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(ScenarioError, match=r"pipe is a FIFO \(named pipe\), not a regular"):
        write_atomic(fifo, "text")
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert leftovers(tmp_path) == []


def test_a_symlink_is_written_through_and_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real.html"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.html"
    link.symlink_to(real)
    assert write_atomic(link, "new") == link
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text(encoding="utf-8") == "new"
    dangling = tmp_path / "dangling.html"
    dangling.symlink_to(tmp_path / "made.html")
    write_atomic(dangling, "made")
    assert dangling.is_symlink() and (tmp_path / "made.html").read_text() == "made"


@ROOT_ONLY
def test_a_symlink_to_a_device_is_refused(tmp_path: Path) -> None:
    null = tmp_path / "null"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    link = tmp_path / "out.html"
    link.symlink_to(null)
    with pytest.raises(ScenarioError, match=r"out.html is a character device \(.*null\)"):
        write_atomic(link, "text")
    assert link.is_symlink() and stat.S_ISCHR(null.stat().st_mode)


def test_a_symlink_loop_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(ScenarioError, match="cannot write it: Too many levels of symbolic"):
        write_atomic(tmp_path / "a", "text")


def test_a_failed_move_removes_the_named_temporary_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "brief.html"
    target.write_text("previous", encoding="utf-8")
    seen: list[str] = []

    def refuse(src: str | Path, dst: object) -> None:
        seen.append(Path(src).name)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(ScenarioError, match="cannot write it: No space left on device"):
        write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "previous"
    assert leftovers(tmp_path) == []
    name = seen[0]
    assert name.startswith(".brief.html.") and name.endswith(TMP_SUFFIX)
    assert f".{os.getpid()}." in name


def test_a_name_of_255_bytes_still_gets_a_temporary_file_beside_it(tmp_path: Path) -> None:
    target = tmp_path / ("b" * 250 + ".html")
    write_atomic(target, "text")
    assert target.read_text(encoding="utf-8") == "text"
    assert leftovers(tmp_path) == []


KILLED_WRITER = """
import os, sys, time
os.fsync = lambda fd: time.sleep(60)  # hold the write open until the parent kills us
from model.files import write_atomic
write_atomic(sys.argv[1], "x" * 4_000_000)
"""


def test_temporary_files_of_a_killed_run_are_cleared_by_the_next_write(tmp_path: Path) -> None:
    target = tmp_path / "brief.html"
    child = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(target)],
                             cwd=Path(__file__).resolve().parent.parent)
    try:
        for _ in range(600):
            if leftovers(tmp_path):
                break
            time.sleep(0.05)
        assert leftovers(tmp_path), "the writer never started"
    finally:
        child.kill()
        child.wait()
    stale = leftovers(tmp_path)
    assert len(stale) == 1 and f".{child.pid}." in stale[0]
    # a live writer's temporary file (ours) is left alone
    live = tmp_path / f".brief.html.{os.getpid()}.00000000{TMP_SUFFIX}"
    live.write_text("in progress", encoding="utf-8")
    write_atomic(target, "done")
    assert target.read_text(encoding="utf-8") == "done"
    assert leftovers(tmp_path) == [live.name]


@pytest.mark.parametrize(("output", "why"), [
    ("", "no file name given"),
    ("/proc/self/briefing.html", "No such file or directory"),
    ("a" * 300 + ".html", "File name too long"),
    ("plain.txt/briefing.html", "Not a directory"),
])
def test_report_to_a_place_it_cannot_write_says_why_and_exits_2(
        in_tmp: Path, tiny_path: Path, capsys: pytest.CaptureFixture[str],
        output: str, why: str) -> None:
    (in_tmp / "plain.txt").write_text("a file, not a folder", encoding="utf-8")
    assert main(["report", str(tiny_path), "-o", output]) == 2
    err = capsys.readouterr().err
    assert "cannot write it: " in err and why in err, err
    assert "Traceback" not in err
