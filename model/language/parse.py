"""Stage 2, parse: a loaded document into the pydantic models of `schema`, node by node, so
that one broken node does not hide the problems of the others; pydantic's errors become
located problems (file, line, node, what to do)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from ..errors import Problem, ScenarioError, did_you_mean
from .loader import Document, Loc
from .schema import (
    Assumption,
    CaseFile,
    Citation,
    EvidenceEntry,
    Judgement,
    Node,
    Report,
    Resolution,
    Row,
    ScenarioFile,
    Source,
    WhatIf,
)


def parse(doc: Document) -> tuple[ScenarioFile | None, list[Problem], set[str], Document]:
    """Validate the document's shape node by node, so that one broken node does not hide
    the problems of the others: (scenario of the valid nodes, problems, broken node names,
    the document the cross-checks locate against: see `salvage`)."""
    data = doc.data
    if not isinstance(data, dict):
        raise ScenarioError(doc.problem((), "a scenario file is a mapping with 'scenario', "
                                            "'title', 'nodes' and so on",
                                        hint="see the README's example"))
    nodes = data.get("nodes")
    problems: list[Problem] = []
    broken: set[str] = set()
    if isinstance(nodes, dict):
        valid: dict[str, Node] = {}
        for name, raw in nodes.items():
            try:
                valid[name] = Node.model_validate(raw)
            except ValidationError as exc:
                problems += _schema_problems(doc, exc, ("nodes", name))
                broken.add(name)
        data = {**data, "nodes": valid}
    try:
        return ScenarioFile.model_validate(data), problems, broken, doc
    except ValidationError as exc:
        errors = [e for e in exc.errors() if not (broken and e["loc"] == ("nodes",))]
        problems += _schema_problems(doc, errors, ())
        saved = salvage(doc, data, errors)
        scenario = _validated(saved[0]) if saved is not None else None
        if saved is None or scenario is None:
            return None, problems, broken, doc
        return scenario, problems, broken, saved[1]


def _validated(data: dict[str, Any]) -> ScenarioFile | None:
    """The scenario of what is left once the refused parts are set aside, if it stands."""
    try:
        return ScenarioFile.model_validate(data)
    except ValidationError:
        return None


# A file whose only shape problems are in these parts, or keys it may not hold, is still
# cross-checked: a broken entry of a list is left out, a broken source or text stands in by
# a placeholder, an unknown key is left unread.
_ENTRIES = ("what_ifs", "judgements", "evidence", "resolutions")
_PLACEHOLDERS: dict[str, Any] = {"scenario": "scenario", "case": "case", "title": "-",
                                 "question": "-", "description": ""}


def salvage(doc: Document, data: dict[str, Any],
            errors: list[Any]) -> tuple[dict[str, Any], Document] | None:
    """The data without the parts pydantic refused, for the cross-checks to run on the rest
    (so that a bad date in one evidence entry does not hide an unknown node in the next),
    and the document renumbered to match; None if a refused part cannot be left out."""
    dropped: dict[str, set[int]] = {}
    out = dict(data)
    raw = dict(doc.data)
    for err in errors:
        loc = err["loc"]
        key = loc[0] if loc else None
        if err["type"] == "extra_forbidden" and len(loc) == 1:
            out.pop(str(key), None)  # a key the file may not hold (`what_ifs` in a case)
            raw.pop(str(key), None)
        elif key in _ENTRIES and len(loc) == 1:
            out[key] = raw[key] = []  # not a list at all: checked as if empty
        elif key in _ENTRIES and isinstance(loc[1], int) and isinstance(data.get(key), list):
            dropped.setdefault(key, set()).add(loc[1])
        elif key == "sources" and len(loc) >= 2 and isinstance(data.get(key), dict):
            # cited by its id still (not "undeclared"), its text unread
            out[key] = raw[key] = {**out[key], loc[1]: {"title": str(loc[1])}}
        elif key in _PLACEHOLDERS and len(loc) == 1:
            out[key] = raw[key] = _PLACEHOLDERS[key]
        else:
            return None
    lines = dict(doc.lines)
    for key, gone in dropped.items():
        kept = [i for i in range(len(data[key])) if i not in gone]
        out[key] = [data[key][i] for i in kept]
        raw[key] = [doc.data[key][i] for i in kept]
        new = {i: j for j, i in enumerate(kept)}
        lines = {_renumber(loc, key, new): line for loc, line in lines.items()
                 if not (len(loc) > 1 and loc[0] == key and loc[1] in gone)}
    return out, replace(doc, data=raw, lines=lines)


def _renumber(loc: Loc, key: str, new: dict[int, int]) -> Loc:
    if len(loc) > 1 and loc[0] == key and isinstance(loc[1], int):
        return (key, new[loc[1]], *loc[2:])
    return loc


DATE_HINT = "write the date as YYYY-MM-DD, e.g. 2025-06-13"
PUBLISHED_HINT = ("write the day as YYYY-MM-DD (2025-06-13), the month as YYYY-MM (2025-06), "
                  "the year alone, or words ('June 2025')")


def _schema_problems(doc: Document, exc: ValidationError | list[Any], prefix: Loc,
                     top: type[ScenarioFile] | type[CaseFile] = ScenarioFile) -> list[Problem]:
    """pydantic's errors as located problems; `top` is the file's model (a scenario or a
    case file), for the keys it holds."""
    problems: list[Problem] = []
    seen: set[Loc] = set()
    for err in exc.errors() if isinstance(exc, ValidationError) else exc:
        loc = _data_loc(doc, (*prefix, *err["loc"]), err["type"] == "missing")
        if loc in seen:
            continue  # one problem per place: unions report each alternative
        seen.add(loc)
        node = str(loc[1]) if len(loc) > 1 and loc[0] == "nodes" else None
        where = ".".join(str(p) for p in (loc[2:] if node else loc))
        kind, msg = err["type"], err["msg"]
        hint = None
        if kind == "missing":
            msg = f"'{loc[-1]}' is missing"
            where = where.rpartition(".")[0]
        elif kind == "extra_forbidden":
            key = str(err["loc"][-1])  # pydantic's: `loc` may end at a union tag of that name
            msg = f"unknown key '{key}'"
            parent = _model_at(loc[:-1], top)
            if err.get("input") is None:
                hint = ("in YAML a comma inside {...} starts a new key: put quotes around "
                        "text that holds a comma")
            elif top is CaseFile and len(loc) == 1 and key in ScenarioFile.model_fields:
                hint = _case_holds(key)
            elif parent:
                hint = did_you_mean(key, [name for name in parent if name != key])
        elif kind == "date_format":  # schema.Day's own words
            hint = PUBLISHED_HINT if where.endswith(".published") else DATE_HINT
        elif kind.startswith("date_"):  # pydantic's, where a date is one choice (`published`)
            msg, hint = f"{_shown(err.get('input'))} is not a date", DATE_HINT
        elif kind.startswith("value_error"):
            msg = msg.removeprefix("Value error, ")
        problems.append(Problem(f"{where}: {msg}" if where else msg, file=doc.name,
                                line=doc.line_of(loc), node=node, hint=hint))
    return problems


def _data_loc(doc: Document, loc: Loc, missing: bool) -> Loc:
    """pydantic's `loc` without the union and validator tags it puts between the keys: the
    parts that are keys or indices of the data (and the last one, for a missing key)."""
    data: Any = doc.data
    out: list[str | int] = []
    for i, part in enumerate(loc):
        if _holds(data, part):
            later = loc[i + 1] if i + 1 < len(loc) else None
            if (isinstance(part, str) and part in _UNION_TAGS and later is not None
                    and _holds(data, later) and not _holds(data[part], later)):
                continue  # a union's tag that is also a key here (`assumption`), not a step
            data = data[part]
            out.append(part)
        elif missing and i == len(loc) - 1:
            out.append(part)
    return tuple(out)


_UNION_TAGS = ("citation", "assumption")


def _holds(data: Any, part: str | int) -> bool:
    if isinstance(data, dict):
        return part in data
    return isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)


def _case_holds(key: str) -> str:
    """What to do with a key of a scenario file written in a case file."""
    fields = list(CaseFile.model_fields)
    verb = "belong" if key.endswith("s") else "belongs"
    return (f"a case file holds only {', '.join(fields[:-1])} and {fields[-1]}; {key} {verb} "
            "in the scenario file")


def _shown(value: Any) -> str:
    """A value written where a date is, as schema.Day names it."""
    text = repr(value) if isinstance(value, str) else str(value)
    text = text if len(text) <= 40 else text[:37] + "..."
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return f"the number {text}" if number else text


def _model_at(loc: Loc, top: type[ScenarioFile] | type[CaseFile] = ScenarioFile
              ) -> list[str] | None:
    """Field names allowed at a location of a `top` file, for 'did you mean' on an unknown
    key."""
    names = [p for p in loc if isinstance(p, str)]
    if not names:
        return list(top.model_fields)
    head = names[0]
    if head in ("evidence", "resolutions"):
        if "because" in names:
            return [*Report.model_fields, *Assumption.model_fields]
        if len(names) == 1:
            model = EvidenceEntry if head == "evidence" else Resolution
            return list(model.model_fields)
        return None  # under a node of `observed` and the like: states, checked later
    if head == "nodes":
        if len(names) == 2:
            return list(Node.model_fields)
        if "table" in names and len(names) == 3:
            return list(Row.model_fields)
        return [*Citation.model_fields, "assumption", "p", "weight"]
    if head == "sources":
        return list(Source.model_fields)
    if head == "what_ifs":
        return list(WhatIf.model_fields)
    if head == "judgements":
        return ([*Citation.model_fields, "assumption"] if "because" in names
                else list(Judgement.model_fields))
    return None
