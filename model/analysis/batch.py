"""Every scenario of a folder at once: loaded here, analysed in parallel.

    from model.analysis.batch import analyze_folder
    run = analyze_folder("scenarios/", jobs=2)
    run.analyses, run.problems

A folder's scenarios are its `*.yaml` and `*.yml` files (not those of its subfolders), in
name order. Each file is loaded and checked here, so a bad one is reported with all its
problems and the others still run; so is an entry so named that is no file to read (a
symbolic link to nothing, a loop of links, a FIFO, a socket, a device), never skipped
unsaid; the loaded scenarios (their source texts already read)
then go to `runs.run_each`, on this machine's cores or a Dask cluster.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Problem, ScenarioError
from ..runs import Backend, run_each
from ..scenario import Scenario, load
from . import DEFAULT_SEED, Analysis, analyze

if TYPE_CHECKING:
    from collections.abc import Callable

SUFFIXES = (".yaml", ".yml")


def scenario_files(folder: str | Path) -> list[Path]:
    """The scenario files of `folder`, in name order: every entry named `*.yaml` or `*.yml`
    but a folder (a subfolder's files are not run), those that are no file to read too
    (`not_a_scenario` tells them); a ScenarioError when it has none."""
    where = Path(folder)
    if not where.is_dir():
        raise ScenarioError(Problem(f"{where} is not a folder", hint="give a folder of "
                                    "scenario files, or one file"))
    found = sorted(p for p in where.iterdir() if p.suffix in SUFFIXES and not p.is_dir())
    if not found:
        raise ScenarioError(Problem(f"{where} holds no scenario files (*.yaml, *.yml)",
                                    hint="give a folder of scenario files, or one file"))
    return found


_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))
_NOT_RUN = "move it out of the folder: a folder run reads regular files only"


def not_a_scenario(path: Path) -> Problem | None:
    """Why the entry `path` of a folder is no scenario file to read (a symbolic link to
    nothing or a loop of them, a FIFO, a socket, a device), located at it; None for a
    regular file (or a link to one)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return Problem("not run: a loop of symbolic links, no file at the end",
                           file=str(path), hint="fix the link, or remove it")
        if path.is_symlink():
            try:
                target = os.readlink(path)
            except OSError:
                target = "?"
            return Problem(f"not run: a symbolic link to '{target}', which is not there",
                           file=str(path), hint="fix the link, or remove it")
        return Problem(f"not run: cannot read it: {exc.strerror or exc}", file=str(path),
                       hint="check its permissions")
    if stat.S_ISREG(mode):
        return None
    kind = next((kind for test, kind in _KINDS if test(mode)), "not a regular file")
    return Problem(f"not run: {kind}, not a scenario file" if kind[0] == "a" else
                   f"not run: {kind}", file=str(path), hint=_NOT_RUN)


def load_folder(folder: str | Path) -> tuple[list[Scenario], list[Problem]]:
    """Each scenario file of `folder` loaded, and every problem of those that do not load
    (an entry that is no file to read is one, never opened)."""
    loaded: list[Scenario] = []
    problems: list[Problem] = []
    for path in scenario_files(folder):
        refused = not_a_scenario(path)
        if refused is not None:
            problems.append(refused)
            continue
        try:
            loaded.append(load(path))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    return loaded, problems


def each_loaded(work: Callable[[Scenario], Any], scenarios: Sequence[Scenario], jobs: int,
                backend: Backend, scheduler: str | None, description: str
                ) -> tuple[list[Any], list[Problem]]:
    """`work` on every scenario in parallel; the results of those that succeed, and the
    problems of those that fail (a ScenarioError in one run stops only that run)."""
    done = run_each(_Caught(work), scenarios, jobs=jobs, backend=backend, scheduler=scheduler,
                    description=description, unit="file")
    results = [r for r in done if not isinstance(r, ScenarioError)]
    problems = [p for r in done if isinstance(r, ScenarioError) for p in r.problems]
    return results, problems


@dataclass(frozen=True)
class _Caught:
    """`work`, returning a ScenarioError instead of raising it (picklable, unlike a closure)."""

    work: Callable[[Scenario], Any]

    def __call__(self, s: Scenario) -> Any:
        try:
            return self.work(s)
        except ScenarioError as exc:
            return exc


@dataclass(frozen=True)
class FolderAnalysis:
    """The analyses of a folder's scenarios that loaded, and the problems of the others."""

    analyses: tuple[Analysis, ...]
    problems: tuple[Problem, ...]

    def to_dict(self) -> dict[str, Any]:
        """What `scenario analyze DIR --json` prints."""
        return {"analyses": [a.to_dict() for a in self.analyses],
                "problems": [str(p) for p in self.problems]}


@dataclass(frozen=True)
class _Analyze:
    samples: int | None
    seed: int | None

    def __call__(self, s: Scenario) -> Analysis:
        return analyze(s, samples=self.samples, seed=self.seed)


def analyze_folder(folder: str | Path, samples: int | None = None,
                   seed: int | None = DEFAULT_SEED, jobs: int = 1, backend: Backend = "local",
                   scheduler: str | None = None) -> FolderAnalysis:
    """`analyze` every scenario of `folder` (`samples` seeded draws each; None: as
    `analyze` takes them), `jobs` at a time or on a Dask cluster; the files that do not load
    are reported, not analysed."""
    loaded, problems = load_folder(folder)
    analyses, failed = each_loaded(_Analyze(samples, seed), loaded, jobs, backend, scheduler,
                                   f"analysing {Path(folder)}")
    return FolderAnalysis(tuple(analyses), tuple(problems + failed))
