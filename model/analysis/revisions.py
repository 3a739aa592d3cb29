"""Older versions of a scenario: a file at a git revision, or an older copy of it.

`load_at(path, revision)` reads the file as it was committed at `revision` (with its folder,
so source texts and a case's scenario come from the same revision): `git archive` writes
the folders as they were into a temporary folder, which is loaded like any other.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from pathlib import Path

from ..errors import Problem, ScenarioError, shown
from ..language.cases import is_case, scenario_path
from ..language.loader import read_document
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
    """The scenario (or case) at `path` as it was committed at `revision`."""
    path = Path(path).resolve()
    what = f"'{path.name}' at {revision}"
    top = Path(_git(["rev-parse", "--show-toplevel"], path.parent, what).decode().strip())
    folders = {path.parent.relative_to(top)}
    if path.is_file():
        doc = read_document(path)
        if is_case(doc):
            folders.add(scenario_path(doc).resolve().parent.relative_to(top))
    archive = _git(["archive", "--format=tar", revision, "--",
                    *sorted(str(f) for f in folders)], top, what)
    with tempfile.TemporaryDirectory() as folder, \
            tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
        old = Path(folder) / path.relative_to(top)
        if not old.is_file():
            raise ScenarioError(Problem(f"{path.name} is not in revision {revision}",
                                        file=str(path), hint="name a revision that has it"))
        return load(old, engine)


def load_since(path: str | Path, since: str, engine: EngineName = "compiled") -> Scenario:
    """The older version `since` names: an existing file, or else a git revision of `path`."""
    if Path(since).is_file():
        return load(since, engine)
    return load_at(path, since, engine)
