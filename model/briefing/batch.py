"""The briefings of every scenario in a folder, rendered in parallel and written here.

    from model.briefing.batch import report_folder
    run = report_folder("scenarios/", "reports/", jobs=2)
    run.written, run.problems

Workers (this machine's processes, or a Dask cluster's) render pages; the pages come back and
are written here, each as `scenario report` writes one (`files.write_atomic`), so a cluster's
workers need no access to this machine's folders.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..analysis.batch import each_loaded, load_folder
from ..errors import Problem
from ..files import write_atomic
from ..runs import Backend
from ..scenario import Scenario
from .page import REPORTS_DIR, render


@dataclass(frozen=True)
class FolderReport:
    """The briefings written, and the problems of the files that have none."""

    written: tuple[Path, ...]
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class _Render:
    graphviz: str | None

    def __call__(self, s: Scenario) -> tuple[str, str]:
        return s.id, render(s, graphviz=self.graphviz)


def report_folder(folder: str | Path, output: str | Path | None = None, *,
                  graphviz: str | None = None, jobs: int = 1, backend: Backend = "local",
                  scheduler: str | None = None) -> FolderReport:
    """A briefing of every scenario of `folder`, written to `output`/<scenario id>.html
    (default reports/); files that do not load, and scenario ids used twice, are reported."""
    loaded, problems = load_folder(folder)
    ids = [s.id for s in loaded]
    twice = {i for i in ids if ids.count(i) > 1}
    for s in loaded:
        if s.id in twice:
            problems.append(Problem(
                f"scenario id '{s.id}' is used by another file of the folder, so their "
                "briefings would overwrite each other", file=s.document.name,
                hint="give each scenario its own `scenario:` id"))
    pages, failed = each_loaded(_Render(graphviz), [s for s in loaded if s.id not in twice],
                                jobs, backend, scheduler, f"reporting {Path(folder)}")
    where = Path(output) if output is not None else Path(REPORTS_DIR)
    written = tuple(write_atomic(where / f"{sid}.html", html) for sid, html in pages)
    return FolderReport(written, tuple(problems + failed))
