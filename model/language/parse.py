"""Stage 2, parse: a loaded document into the pydantic models of `schema`, node by node, so
that one broken node does not hide the problems of the others; pydantic's errors become
located problems (file, line, node, what to do)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from ..errors import Problem, ScenarioError, did_you_mean
from ..limits import MAX_WEIGHT
from .loader import Document, Loc, place
from .schema import (
    NAME_PATTERN,
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
    """pydantic's errors as located problems, in words (`_WORDS`); `top` is the file's model
    (a scenario or a case file), for the keys it holds."""
    errors = exc.errors() if isinstance(exc, ValidationError) else exc
    located = [(err, _data_loc(doc, (*prefix, *err["loc"]), err["type"] == "missing"))
               for err in errors]
    problems: list[Problem] = []
    seen: set[Loc] = set()
    for err, loc in located:
        if loc in seen or _other_alternative(err, loc, prefix, located):
            continue  # one problem per place: unions report each alternative
        seen.add(loc)
        kind = err["type"]
        node, where = place(loc)
        msg, hint = err["msg"], None
        if kind == "missing":
            msg = f"'{loc[-1]}' is missing"
            where = place(loc[:-1])[1]
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
            hint = PUBLISHED_HINT if loc[-1:] == ("published",) else DATE_HINT
        elif kind.startswith("date_"):  # pydantic's, where a date is one choice (`published`)
            msg, hint = f"{_shown(err.get('input'))} is not a date", DATE_HINT
        elif kind.startswith("value_error"):
            msg = msg.removeprefix("Value error, ")
            hint = getattr((err.get("ctx") or {}).get("error"), "hint", None)
            comma = _decimal_comma(doc, loc, err.get("input"))
            if comma is not None:
                (msg, hint), where = comma, place(loc[:-1])[1]
        elif kind in _WORDS:
            said = _Said(doc, err, loc)
            msg, hint = _WORDS[kind](said)
            if said.at_field or said.key:  # the message names it: the place holds it
                where = place(loc[:-1])[1]
        problems.append(Problem(f"{where}: {msg}" if where else msg, file=doc.name,
                                line=doc.line_of(loc), node=node, hint=hint))
    return problems


def _other_alternative(err: Any, loc: Loc, prefix: Loc, located: list[tuple[Any, Loc]]) -> bool:
    """Whether `err` is one alternative of a union (pydantic's `loc` goes on past the data,
    naming the alternative) while another alternative's error lies deeper inside the same
    value: `when: {talks: true}` is a bad mapping, not a bad 'otherwise'."""
    if err["type"] == "missing" or len(prefix) + len(err["loc"]) <= len(loc):
        return False
    return any(len(other) > len(loc) and other[:len(loc)] == loc for _, other in located)


# What pydantic's errors mean, in a reader's words ------------------------------------------

BECAUSE_FORMS = ("a list of citations or assumptions, e.g. because: [{source: brief, para: "
                 "4, says: what it says}] or because: [{assumption: why you think so}]")
IDENTIFIER = "letters, digits, _ and - only (no spaces), not starting with a digit"
# Keys whose keys in turn are names the file gives (nodes, states, sources, actors), not
# keys of the language: how many levels of them.
_NAMED_KEYS = {"nodes": 1, "sources": 1, "given": 1, "do": 1, "when": 1, "prior": 1, "p": 1,
               "labels": 1, "noisy_or": 1, "observed": 1, "likelihood": 2, "believe": 2}
# Where a value is a state's name, so that `true` there is meant as one.
_STATE_KEYS = frozenset({"states", "when", "given", "do", "observed", "leans", "state"})


class _Said:
    """One pydantic error as the words about it need it: the key of the language it is
    under (`field`), what the file wrote there (`value`), and whether it is at that key
    itself (`at_field`: the message then names the key, `role 'evnt' is ...`) rather than
    at one of its items (`state 1: ...`)."""

    def __init__(self, doc: Document, err: Any, loc: Loc):
        self.doc, self.loc = doc, loc
        self.kind: str = err["type"]
        self.value: Any = err.get("input")
        self.ctx: dict[str, Any] = err.get("ctx") or {}
        self.key = "[key]" in err["loc"]  # the error is about a mapping's key itself
        self.field = _field_of(loc)
        self.at_field = bool(loc) and loc[-1] == self.field and not self.key
        if self.key:
            self.named = "source id " if self.field == "sources" else "the key "
        else:
            self.named = f"{self.field} " if self.at_field else ""

    def isnt(self, what: str) -> str:
        """`role 'evnt' is not <what>`; `prior is a list, not <what>`."""
        if isinstance(self.value, dict | list) or self.value is None:
            return f"{self.named or 'it '}is {self.text}, not {what}"
        return f"{self.named}{self.text} is not {what}"

    @property
    def text(self) -> str:
        """The value as the message shows it: 'evnt', 0.15, true, a list."""
        return _written(self.value)

    def states(self) -> list[str]:
        """The states of the node the error is in, as the file lists them (for examples)."""
        nodes = self.doc.data.get("nodes") if isinstance(self.doc.data, dict) else None
        node = nodes.get(self.loc[1]) if (isinstance(nodes, dict) and len(self.loc) > 1
                                          and self.loc[0] == "nodes") else None
        states = node.get("states") if isinstance(node, dict) else None
        if isinstance(states, list) and len(states) >= 2 and all(
                isinstance(s, str) for s in states):
            return states
        return ["yes", "no"]


def _field_of(loc: Loc) -> str:
    """The key of the language that `loc` is under: `states` for states.0, `given` for
    what_ifs.0.given.talks, `p` for table.0.p.yes, `value` for a utility's worth."""
    if loc[:1] == ("utilities",):
        if len(loc) > 2 and isinstance(loc[2], int):
            loc = loc[3:]  # a row of an actor's utility table
        else:
            return "value" if len(loc) > 3 else "utilities"
    field, skip = "", 0
    for part in loc:
        if skip:
            skip -= 1
        elif isinstance(part, str):
            field, skip = part, _NAMED_KEYS.get(part, 0)
    return field


def _written(value: Any) -> str:
    """A value of the file as a message quotes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "empty"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "an empty list" if not value else "a list"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _as_yaml(value: Any) -> str:
    """A scalar of the file as it would be written back (for examples)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, str | int | float) else "..."


def _literal(s: _Said) -> tuple[str, str | None]:
    choices = re.findall(r"'([^']*)'", s.ctx.get("expected", ""))
    hint = did_you_mean(s.value, choices) if isinstance(s.value, str) else ""
    if not hint.startswith("did you mean"):
        hint = f"write one of them, e.g. {s.field}: {choices[0]}" if choices else ""
    return f"{s.named}{s.text} is not one of {', '.join(choices)}", hint or None


def _too_short(s: _Said) -> tuple[str, str | None]:
    least, actual = s.ctx.get("min_length", 1), s.ctx.get("actual_length", 0)
    if s.field == "states" and s.at_field:
        return ("a node needs at least two states",
                "list every state in brackets, e.g. states: [yes, no]; without 'states' a "
                "node has yes and no")
    if s.field == "because":
        return f"{s.named}is empty", f"give {BECAUSE_FORMS}"
    if s.field == "value":
        return f"{s.named}has one bound; a range has two", "write the range as [low, high]"
    if actual == 0:
        return f"{s.named}is empty", "give at least one entry, or leave the key out"
    return (f"{s.named}has {actual} items; it needs at least {least}",
            f"give at least {least}")


def _too_long(s: _Said) -> tuple[str, str | None]:
    most, actual = s.ctx.get("max_length"), s.ctx.get("actual_length")
    if s.field == "value":
        return f"{s.named}has {actual} numbers; a range has two", "write the range as [low, high]"
    return f"{s.named}has {actual} items, more than {most}", f"give at most {most}"


def _not_mapping(s: _Said) -> tuple[str, str | None]:
    if s.field in ("prior", "p") and s.at_field:
        first = s.states()[0]
        if isinstance(s.value, list) and len(s.value) == len(s.states()):
            pairs = ", ".join(f"{st}: {_as_yaml(v)}" for st, v in zip(
                s.states(), s.value, strict=True))
        else:
            pairs = f"{first}: {_as_yaml(s.value) if s.value is not None else 0.3}"
        what = "the prior" if s.field == "prior" else "p"
        return (s.isnt("a map of states"),
                f"write {what} as a map of states, e.g. {s.field}: {{{pairs}}}")
    if s.field == "when" and s.at_field:
        close = did_you_mean(s.value, ["otherwise"]) if isinstance(s.value, str) else ""
        return (f"when {s.text} is neither a map of parent states nor 'otherwise'",
                close if close.startswith("did you mean") else
                "write e.g. when: {talks: yes}, or when: otherwise for the rest")
    if s.field in ("given", "do", "observed") and s.at_field:
        return (s.isnt("a map of nodes to states"),
                f"write e.g. {s.field}: {{talks: yes}}")
    return (s.isnt("a map of keys"),
            "write key: value pairs in braces, {a: 1, b: 2}, or one a line below the key")


# The models a value that is not a mapping was meant to be, and how each is written.
_MODEL_FORMS = {
    "CitedEstimate": "write each estimate as {source: ..., para: ..., says: ..., p: {...}} "
                     "or {assumption: ..., p: {...}}",
    "AssumedEstimate": "write each estimate as {source: ..., para: ..., says: ..., p: {...}} "
                       "or {assumption: ..., p: {...}}",
    "Row": "write each row as '- when: {parent: state}' with p and because below it",
    "UtilityRow": "write each row as '- when: {node: state}' with value and because below it",
    "Source": "give the source at least a title, e.g. title: A brief on the talks",
}


def _not_model(s: _Said) -> tuple[str, str | None]:
    name = s.ctx.get("class_name", "")
    if name == "Node":
        if s.value is None:
            return ("the node is empty",
                    "give it at least its numbers, a prior, table, rows or noisy_or with "
                    "its because, indented below its name")
        return (f"the node is {s.text}, not a map of keys such as label, role and prior",
                "write its keys indented below its name, e.g. prior: {yes: 0.3}")
    if name in ("Citation", "Assumption", "Report"):
        if isinstance(s.value, str):
            return (s.isnt("a citation or an assumption"),
                    f"write it as {{assumption: {s.value}}}, or cite a source: {{source: "
                    "brief, para: 4, says: ...}")
        return s.isnt("a citation or an assumption"), f"because takes {BECAUSE_FORMS}"
    return (s.isnt("a map of keys"),
            _MODEL_FORMS.get(name, "write key: value pairs indented below it"))


def _not_list(s: _Said) -> tuple[str, str | None]:
    if s.field == "because":
        if isinstance(s.value, str):
            return (s.isnt("a list"),
                    f"write a list in brackets, e.g. because: [{{assumption: {s.value}}}], "
                    "or cite a source: because: [{source: brief, para: 4, says: ...}]")
        return s.isnt("a list"), f"write {BECAUSE_FORMS}"
    if isinstance(s.value, str | int | float) and not isinstance(s.value, bool):
        items = [i.strip() for i in str(s.value).split(",") if i.strip()] or [str(s.value)]
        return (s.isnt("a list"),
                f"write a list in brackets: {s.field}: [{', '.join(items)}]")
    if s.field in ("table", "estimates", "what_ifs", "judgements", "evidence", "resolutions"):
        return (s.isnt("a list"),
                "start each entry on its own line with '- ', indented below the key")
    return s.isnt("a list"), "write a list in brackets, [a, b]"


def _not_text(s: _Said) -> tuple[str, str | None]:
    if isinstance(s.value, bool):
        if s.field in _STATE_KEYS:
            return (f"{s.named}{s.text} is a yes/no value in YAML, not a state's name",
                    f"to name a state '{s.text}', put it in quotes (\"{s.text}\"), or use "
                    "yes/no")
        return (f"{s.named}{s.text} is a yes/no value in YAML, not text",
                f"to write the text '{s.text}', put it in quotes (\"{s.text}\")")
    if s.value is None:
        return f"{s.named}is empty", "write the text, or leave the key out"
    if isinstance(s.value, int | float):
        return f"{s.named}{s.text} is a number, not text", "put it in quotes to write it as text"
    return (f"{s.named}is {s.text}, not text",
            "put text that holds [ ] { } , or : in quotes")


def _not_integer(s: _Said) -> tuple[str, str | None]:
    if isinstance(s.value, bool):
        return (f"{s.named}{s.text} is a yes/no value in YAML, not a number",
                "write a whole number such as 8" if s.field == "para" else "write a number")
    if s.field == "para":
        return (s.isnt("a paragraph number"),
                "para is a paragraph number such as 8, or a list of them such as [3, 4], "
                "written without quotes or a decimal point")
    return s.isnt("a whole number"), "write a whole number such as 3"


def _not_number(s: _Said) -> tuple[str, str | None]:
    if isinstance(s.value, bool):
        return f"{s.named}{s.text} is a yes/no value in YAML, not a number", "write a number"
    if s.field == "value":
        return (s.isnt("a number"),
                "write a number such as 10 or -2.5, or a range [low, high]")
    if s.field == "weight":
        return (s.isnt("a number"),
                "write a number above 0, such as 1 or 0.5")
    return s.isnt("a number"), "write a number such as 10 or 0.5"


def _bound(s: _Said) -> tuple[str, str | None]:
    if s.field == "para":
        return (s.isnt("a paragraph number: paragraphs are numbered from 1"),
                "the first non-blank line of the source's text is para: 1")
    if s.field == "weight":
        most = f"{MAX_WEIGHT:,.0f}"
        return (s.isnt("above 0") if "gt" in s.ctx else s.isnt(f"at most {most}"),
                f"a weight is above 0 and at most {most}; leave an estimate out rather than "
                "weigh it 0")
    for key, words, todo in (("ge", "below", "at least"), ("gt", "not above", "above"),
                             ("le", "above", "at most"), ("lt", "not below", "below")):
        if key in s.ctx:
            bound = s.ctx[key]
            shown = (f"{bound:g}" if not isinstance(bound, int | float) or not float(
                bound).is_integer() or abs(bound) >= 1e15 else f"{int(bound):,}")
            return f"{s.named}{s.text} is {words} {shown}", f"write a number {todo} {shown}"
    return f"{s.named}{s.text} is out of range", None


def _pattern(s: _Said) -> tuple[str, str | None]:
    if s.ctx.get("pattern") != NAME_PATTERN:
        return s.isnt("written as this key needs"), None
    text = str(s.value)
    example = re.sub(r"[^A-Za-z0-9_\-]+", "_", text).strip("_") or "talks_2025"
    example = f"_{example}" if example[0].isdigit() else example
    return (f"{s.named}{s.text} is not an identifier: use {IDENTIFIER}", f"e.g. {example}")


def _empty_text(s: _Said) -> tuple[str, str | None]:
    return f"{s.named}is empty", "write some text here"


def _long_text(s: _Said) -> tuple[str, str | None]:
    most = s.ctx.get("max_length")
    return f"{s.named}is longer than {most:,} characters", "shorten it"


def _not_bool(s: _Said) -> tuple[str, str | None]:
    return (s.isnt("true or false"),
            f"write {s.field}: true, or leave it out for false")


_WORDS: dict[str, Callable[[_Said], tuple[str, str | None]]] = {
    "literal_error": _literal,
    "too_short": _too_short,
    "too_long": _too_long,
    "dict_type": _not_mapping,
    "model_type": _not_model,
    "model_attributes_type": _not_model,
    "list_type": _not_list,
    "string_type": _not_text,
    "string_too_short": _empty_text,
    "string_too_long": _long_text,
    "string_pattern_mismatch": _pattern,
    "int_type": _not_integer,
    "int_parsing": _not_integer,
    "int_from_float": _not_integer,
    "float_type": _not_number,
    "float_parsing": _not_number,
    "finite_number": _not_number,
    "greater_than_equal": _bound,
    "greater_than": _bound,
    "less_than_equal": _bound,
    "less_than": _bound,
    "bool_type": _not_bool,
    "bool_parsing": _not_bool,
}


def _decimal_comma(doc: Document, loc: Loc, value: Any) -> tuple[str, str] | None:
    """`{yes: 0,15}` reads as `{yes: 0, "15": null}`: the words for a key of digits with
    nothing after it that follows a whole number, as a decimal comma makes them."""
    key = loc[-1] if loc else None
    if value is not None or not isinstance(key, str) or not key.isascii() or \
            not key.isdigit():
        return None
    mapping: Any = doc.data
    for part in loc[:-1]:
        mapping = mapping[part] if _holds(mapping, part) else None
    if not isinstance(mapping, dict):
        return None
    keys = list(mapping)
    before = keys[keys.index(key) - 1] if key in keys and keys.index(key) > 0 else None
    number = mapping.get(before) if before is not None else None
    if not isinstance(number, int) or isinstance(number, bool):
        return None
    return (f"{before}: {number},{key} reads as two entries, {before}: {number} and '{key}' "
            "with no value",
            f"a decimal comma? write {number}.{key}; a comma inside {{...}} separates entries")


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
