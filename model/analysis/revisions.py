"""Older versions of a scenario: a file at a git revision, or an older copy of it.

`load_at(path, revision)` reads the file as it was committed at `revision` (with its folder,
so source texts and a case's scenario come from the same revision): `git archive` writes
the folders as they were into a temporary folder, which is loaded like any other.
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import tempfile
from pathlib import Path

from ..errors import Problem, ScenarioError, shown
from ..language.loader import parse_document
from ..limits import MAX_FILE_BYTES
from ..network.engine import EngineName
from ..scenario import Scenario, load

GIT_TIMEOUT_S = 60


def _git(args: list[str], cwd: Path, what: str) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False,
                              timeout=GIT_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ScenarioError(Problem(f"cannot run git to read {what}: {exc}",
                                    hint="install git, or compare two files instead")) from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        last = message[-1] if message else "failed"
        hint = ("the file is not in a git repository: give --since an older copy of the "
                "file instead (a path)" if "not a git repository" in last else
                "name a revision git knows (a commit, a tag, HEAD~1) in which the file "
                "exists, or give --since an older copy of the file (a path)")
        raise ScenarioError(Problem(f"git cannot read {what}: {shown(last)}", hint=hint))
    return done.stdout


def load_at(path: str | Path, revision: str, engine: EngineName = "compiled") -> Scenario:
    """The scenario (or case) at `path` as it was committed at `revision`: that file, a
    case's scenario and the source texts they cite, read from git (nothing else of the
    folder, however large)."""
    path = Path(path).resolve()
    what = f"'{path.name}' at {shown(revision)}"
    if not revision.strip() or revision.startswith("-"):
        # git would read "--output=FILE" as its own option, and write FILE
        raise ScenarioError(Problem(f"--since '{shown(revision)}' is not a revision",
                                    hint="name a commit, a tag or HEAD~1, or give an older "
                                         "copy of the file (a path)"))
    top = Path(_git(["rev-parse", "--show-toplevel"], path.parent, what).decode().strip())
    commit = _git(["rev-parse", "--verify", "--quiet", "--end-of-options",
                   f"{revision}^{{commit}}"], top, what).decode().strip()
    wanted = _needed(top, commit, path, what)
    archive = _git(["archive", "--format=tar", commit, "--", *wanted], top, what)
    with tempfile.TemporaryDirectory() as folder, \
            tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
        return load(Path(folder) / _inside(path, top, what), engine)


def _inside(path: Path, top: Path, what: str) -> str:
    """`path` relative to the repository's top, as git names it."""
    try:
        return path.relative_to(top).as_posix()
    except ValueError:
        raise ScenarioError(Problem(f"cannot read {what}: '{shown(str(path))}' is outside the "
                                    f"git repository at '{shown(str(top))}'",
                                    hint="keep the case and its scenario in one repository, or "
                                         "give --since older copies of the files")) from None


def _needed(top: Path, commit: str, path: Path, what: str) -> list[str]:
    """The files `path` reads at `commit`: itself, a case's scenario, the source texts
    either cites (those the revision holds; a missing one is then refused by `load`)."""
    wanted: list[str] = []

    def add(file: Path, follow: bool) -> None:
        name = _inside(file, top, what)
        if name in wanted:
            return
        present = _git(["ls-tree", "--name-only", commit, "--", name], top, what).decode()
        if name not in present.splitlines():
            if not wanted:
                raise ScenarioError(Problem(f"{path.name} is not in revision {shown(commit)}",
                                            file=str(path), hint="name a revision that has it"))
            return
        wanted.append(name)
        size = int(_git(["cat-file", "-s", f"{commit}:{name}"], top, what).decode().strip())
        if not follow or size > MAX_FILE_BYTES:
            return  # a text, or a file `load` refuses by its size anyway
        text = _git(["cat-file", "blob", f"{commit}:{name}"], top, what)
        try:
            data = parse_document(text.decode("utf-8"), file).data
        except (ScenarioError, UnicodeDecodeError):
            return  # `load` says what is wrong with it
        if not isinstance(data, dict):
            return
        sources = data.get("sources")
        for source in sources.values() if isinstance(sources, dict) else ():
            cited = source.get("path") if isinstance(source, dict) else None
            if isinstance(cited, str) and cited and "\0" not in cited:
                target = Path(os.path.normpath(file.parent / cited))
                if target.is_relative_to(top):
                    add(target, follow=False)
        named = data.get("scenario")
        if "case" in data and "nodes" not in data and isinstance(named, str) and named:
            scenario = Path(os.path.normpath(file.parent / named))
            add(scenario if scenario.suffix else scenario.with_name(scenario.name + ".yaml")
                if not _has(top, commit, scenario, what) else scenario, follow=True)

    add(path, follow=True)
    return wanted


def _has(top: Path, commit: str, file: Path, what: str) -> bool:
    name = _inside(file, top, what)
    found = _git(["ls-tree", "--name-only", commit, "--", name], top, what).decode()
    return name in found.splitlines()


def load_since(path: str | Path, since: str, engine: EngineName = "compiled") -> Scenario:
    """The older version `since` names: an existing file, or else a git revision of `path`."""
    if Path(since).is_file():
        return load(since, engine)
    return load_at(path, since, engine)
