"""Case files: the evidence and resolutions of one case, kept beside the scenario they are
about, so that one model serves several cases.

A case file names its scenario (`scenario: russia_iran_2025.yaml`, relative to the case
file; `.yaml` may be left out) and holds `sources`, `evidence` and `resolutions` in the
scenario language's own form. Loading a case loads its scenario and adds to it: the case's
sources join the scenario's (an id may not be declared by both), its entries join the
scenario's own evidence in date order, its resolutions join the scenario's (a node is
resolved once). The case's `case` id names its briefing; its `title` and `description`,
when given, replace the scenario's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from ..errors import Problem, ScenarioError
from .checks import Checked, Checker
from .evidence_log import EntrySpec, LogChecker, ResolutionSpec, combine
from .findings import Findings
from .loader import Document
from .parse import _schema_problems, salvage
from .schema import CaseFile, Source


def is_case(doc: Document) -> bool:
    """Whether the document is a case file (it has `case:` and no `nodes:`)."""
    return isinstance(doc.data, dict) and "case" in doc.data and "nodes" not in doc.data


def scenario_path(doc: Document) -> Path:
    """The scenario file a case names, relative to the case's folder."""
    data = doc.data if isinstance(doc.data, dict) else {}
    named = data.get("scenario")
    if not isinstance(named, str) or not named.strip():
        raise ScenarioError(doc.problem(("scenario",) if "scenario" in data else (),
                                        "a case file names its scenario: 'scenario' is missing",
                                        hint="e.g. scenario: russia_iran_2025.yaml (relative "
                                             "to the case file)"))
    folder = doc.path.parent
    path = folder / named
    if not path.is_file() and not path.suffix and (folder / f"{named}.yaml").is_file():
        path = folder / f"{named}.yaml"
    if not path.is_file():
        raise ScenarioError(doc.problem(("scenario",), f"the case's scenario '{named}' is not a "
                                                       f"file (looked for {path})",
                                        hint="give the scenario file's path relative to the "
                                             "case file"))
    return path


@dataclass
class CheckedCase:
    """A checked case: what it says, its own sources, its entries and resolutions."""

    file: CaseFile
    document: Document
    entries: list[EntrySpec] = field(default_factory=list)
    resolutions: list[ResolutionSpec] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def sources(self) -> dict[str, Source]:
        return dict(self.file.sources)


def check_case(doc: Document, model: Checked) -> CheckedCase:
    """Parse and check a case file against its (checked) scenario; raise every problem of
    the case file together."""
    if isinstance(doc.data, dict) and "nodes" in doc.data:
        raise ScenarioError(doc.problem((), "this is a scenario file (it has 'nodes'), not a "
                                            "case file",
                                        hint="give as the case a file with 'case:' and "
                                             "'scenario:' and its evidence and resolutions, "
                                             "or load this file as the scenario"))
    shape: list[Problem] = []
    try:
        case = CaseFile.model_validate(doc.data)
    except ValidationError as exc:
        # the rest of the file is still checked when the refused parts can be left out
        shape = _schema_problems(doc, exc, (), CaseFile)
        saved = salvage(doc, doc.data, exc.errors())
        try:
            if saved is None:
                raise exc
            case = CaseFile.model_validate(saved[0])
        except ValidationError:
            raise ScenarioError(shape) from None
        doc = saved[1]
    findings = Findings(doc, shape)
    for sid in case.sources:
        if sid in model.file.sources:
            findings.fail(("sources", sid), f"source '{sid}' is declared by the scenario too",
                          hint="give the case's source its own id")
    # The case's source texts are read, like a scenario's, relative to the case file.
    texts = Checker(findings, model.file.model_copy(update={"sources": case.sources}), set())
    texts.check_sources()
    logs = LogChecker(findings, model.file.nodes, set(), model.file.as_of, model.file.horizon,
                      {**model.file.sources, **case.sources},
                      {**model.paragraphs, **texts.paragraphs})
    entries = logs.entries(case.evidence)
    resolutions = logs.resolutions(case.resolutions)
    if not case.evidence and not case.resolutions:
        findings.warn((), "the case has no evidence and no resolutions",
                      hint="add dated 'evidence' entries or 'resolutions'")
    # What only the whole log shows (a node observed as two states, resolved twice), over
    # the entries that did check, so that it comes with the entries' own problems; its
    # warnings come when the scenario combines the log it loads (`Scenario`).
    own = model.log
    findings.problems += combine([(own.entries, own.resolutions),
                                  (entries, resolutions)])[1]
    if findings.problems:
        raise ScenarioError(sorted(findings.problems, key=lambda p: p.line or 0),
                            findings.warnings)
    return CheckedCase(case, doc, entries, resolutions, findings.warnings)
