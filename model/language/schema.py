"""Stage 2, parse: the scenario language as pydantic models (syntax, types, value ranges).

Cross-references (parents, states, sources, table rows) are checked in `checks.py`; this
module only says what each element of a file may look like. The JSON Schema editors use is
generated from these models (`scenario schema`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    Tag,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..errors import CONTROL
from ..limits import MAX_NAME, MAX_TEXT, MAX_UTILITY, MAX_WEIGHT
from .probability import KNOWN_TERMS, Prob, parse_prob

# Identifiers: the scenario's id (its report's file name) and source ids. Other tools'
# formats that restrict names use the same two patterns.
NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_\-]*$"
STATE_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_\-\.]*$"
# Node, state and actor names are any text but characters that act on a terminal or break
# a line (errors.CONTROL: C0 and C1 controls, DEL, line and paragraph separators, and the
# bidirectional overrides and isolates that make text display in another order than it reads).
TEXT_NAME_PATTERN = ("^(?=.*\\S)[^\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200b\\u200e\\u200f"
                     "\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2069\\ufeff]+$")


def _text_name(value: str) -> str:
    if len(value) > MAX_NAME:
        raise ValueError(f"a name is at most {MAX_NAME} characters; this one has {len(value)}")
    if not value.strip():
        raise ValueError("a name must hold at least one visible character")
    _no_hidden(value)
    return value


def _shown_name(value: str) -> str:
    """A name a reader picks by (a what-if's): no character that makes two print alike."""
    _no_hidden(value)
    return value


def _no_hidden(value: str) -> None:
    """Refuse a control character (one that acts on a terminal) or an invisible one (a
    zero-width space, a joiner, a byte-order mark): two names would print alike."""
    for i, ch in enumerate(value):
        if CONTROL.match(ch) or unicodedata.category(ch) == "Cf":
            kind = "invisible" if unicodedata.category(ch) == "Cf" else "control"
            raise ValueError(f"a name may not hold {kind} characters (U+{ord(ch):04X} at "
                             f"character {i + 1}): two names that print alike would be "
                             "different names")


def _as_text(value: Any) -> Any:
    """State names may be written as bare numbers (`states: [1, 2, 3]`); they are names."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _day(value: Any) -> Any:
    """A date as a file writes it: YYYY-MM-DD (a YAML 1.2 file gives text), nothing else;
    not a number, nor a day with a time (`--at` takes none either). Its errors are of type
    `date_format` (parse.py adds how to write one)."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and ISO_DAY.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError as exc:
            raise PydanticCustomError("date_format", "'{text}' is not a date ({reason})",
                                      {"text": value, "reason": str(exc)}) from None
    if isinstance(value, str) and ISO_DAY.match(value) and value[10:11] in ("T", "t", " "):
        raise PydanticCustomError("date_format", "'{text}' has a time of day: a date here is "
                                  "the day alone", {"text": _shortened(value)})
    if isinstance(value, str):
        raise PydanticCustomError("date_format", "'{text}' is not a date in the form "
                                  "YYYY-MM-DD", {"text": _shortened(value)})
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise PydanticCustomError("date_format", "the number {text} is not a date",
                                  {"text": _shortened(str(value))})
    raise PydanticCustomError("date_format", "a date is text in the form YYYY-MM-DD, not "
                              "{kind}", {"kind": "empty" if value is None
                                         else f"a {type(value).__name__}"})


def _shortened(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


# A day, written YYYY-MM-DD (the JSON Schema's `format: date`).
Day = Annotated[dt.date, BeforeValidator(_day)]

PARTIAL_DAY = re.compile(r"([0-9]{4})(?:-([0-9]{1,2}))?")


def _published(value: Any) -> Any:
    """When a source came out: a day (YYYY-MM-DD), a month (YYYY-MM), a year (2025, as text
    or a number), or words ('June 2025', 'undated'). What looks like a date must be one: a
    month 13 or a 30 February is refused, as in every other date of the file."""
    if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
        return str(value)
    if isinstance(value, str):
        if ISO_DAY.fullmatch(value):
            return _day(value)
        found = PARTIAL_DAY.fullmatch(value)
        if found and found[2] is not None and not 1 <= int(found[2]) <= 12:
            raise PydanticCustomError("date_format", "'{text}' is not a month (month must be "
                                      "in 1..12)", {"text": value})
        if found or not re.fullmatch(r"[0-9]+(?:-[0-9]+)+", value):  # words, or a date
            return value                                                # with words after
    return _day(value)


def published_from(published: dt.date | str | None) -> dt.date | None:
    """The first day a source's `published` allows (a month's first, a year's 1 January),
    or None for words."""
    if isinstance(published, dt.date):
        return published
    found = PARTIAL_DAY.fullmatch(published or "")
    if found is None:
        return None
    return dt.date(int(found[1]), int(found[2] or 1), 1)


Name = Annotated[str, Field(pattern=NAME_PATTERN, max_length=MAX_NAME)]
_TEXT_NAME_SCHEMA = {"type": "string", "pattern": TEXT_NAME_PATTERN, "minLength": 1,
                     "maxLength": MAX_NAME}
NodeName = Annotated[str, AfterValidator(_text_name), WithJsonSchema(_TEXT_NAME_SCHEMA)]
StateName = Annotated[
    str, BeforeValidator(_as_text), AfterValidator(_text_name),
    WithJsonSchema({"anyOf": [_TEXT_NAME_SCHEMA, {"type": "number"}]}),
]


def _any_case(term: str) -> str:
    """A JSON Schema pattern for a term in any case and spacing (schemas have no flags)."""
    words = ("".join(f"[{c.lower()}{c.upper()}]" for c in w) for w in term.split())
    return r"\s+".join(words)


TERMS_PATTERN = r"^\s*(" + "|".join(_any_case(t) for t in KNOWN_TERMS) + r")\s*$"
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]

PROBABILITY_SCHEMA: dict[str, Any] = {
    "description": "A probability: a number in [0, 1], a percent such as \"30%\", "
                   "a range [low, high], or an ICD 203 estimative term.",
    "anyOf": [
        {"type": "number", "minimum": 0, "maximum": 1},
        {"type": "string", "pattern": r"^\s*[0-9.]+\s*%\s*$"},
        {"type": "string", "pattern": TERMS_PATTERN},
        {"type": "array", "minItems": 2, "maxItems": 2,
         "items": {"anyOf": [{"type": "number", "minimum": 0, "maximum": 1},
                             {"type": "string", "pattern": r"^\s*[0-9.]+\s*%\s*$"}]}},
    ],
}
Probability = Annotated[Prob, PlainValidator(parse_prob), WithJsonSchema(PROBABILITY_SCHEMA)]

# state -> probability; for a node of n states, n - 1 of them may be given and the last
# takes what remains.
Distribution = Annotated[dict[StateName, Probability], Field(min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# Paragraph numbers, weights and utilities are numbers as written: `true` or "2" is not one.
Paragraph = Annotated[int, Field(ge=1, strict=True)]


class Citation(Strict):
    """A number rests on a paragraph of a declared source."""

    source: Name
    para: Paragraph | Annotated[list[Paragraph], Field(min_length=1)]
    says: Text = Field(description="What the paragraph says, paraphrased in your own words")
    leans: StateName | None = Field(
        None, description="The state of this node the paragraph argues for")
    quote: Text | None = Field(
        None, description="Exact words from the source; checked when the source has a path")

    @property
    def paras(self) -> tuple[int, ...]:
        return (self.para,) if isinstance(self.para, int) else tuple(self.para)


class Assumption(Strict):
    """A number that rests on the analyst's judgement, with the reason."""

    assumption: Text


def _citation_kind(value: Any) -> str:
    if isinstance(value, dict) and "assumption" in value:
        return "assumption"
    if isinstance(value, Assumption):
        return "assumption"
    return "citation"


Support = Annotated[
    Annotated[Citation, Tag("citation")] | Annotated[Assumption, Tag("assumption")],
    Discriminator(_citation_kind),
]
Because = Annotated[list[Support], Field(min_length=1)]
# Relative weights, bounded so that pooling can add them up.
Weight = Annotated[float, Field(gt=0, le=MAX_WEIGHT, strict=True, allow_inf_nan=False)]


class CitedEstimate(Citation):
    """One source's estimate of a whole distribution, pooled with the others."""

    p: Distribution
    weight: Weight = 1.0


class AssumedEstimate(Assumption):
    p: Distribution
    weight: Weight = 1.0


Estimate = Annotated[
    Annotated[CitedEstimate, Tag("citation")] | Annotated[AssumedEstimate, Tag("assumption")],
    Discriminator(_citation_kind),
]
Pool = Literal["linear", "logarithmic"]
Role = Literal["driver", "event", "outcome", "decision"]
ROLES: tuple[Role, ...] = get_args(Role)


class _Probabilities(Strict):
    """Shared by a prior and a table row: one distribution, or several pooled estimates."""

    p: Distribution | None = None
    estimates: Annotated[list[Estimate], Field(min_length=1)] | None = None
    pool: Pool = "linear"
    because: Because | None = None

    @model_validator(mode="after")
    def _one_way(self) -> _Probabilities:
        if (self.p is None) == (self.estimates is None):
            raise ValueError("give either 'p' (one distribution) or 'estimates' (several "
                             "sources, pooled), not both or neither")
        if self.p is not None and not self.because:
            raise ValueError("'because' is missing: cite a source paragraph or state an "
                             "assumption for this number")
        return self


EXACT = ("The numbers are exact (a definition, a count, a logical rule): uncertainty "
         "analysis neither spreads nor swings them. Without it, a number written exactly is "
         "read as about that figure (docs/analysis.md)")

# parent -> its state, or a list of states any of which the row covers
When = dict[NodeName, StateName | Annotated[list[StateName], Field(min_length=1)]]


class Row(_Probabilities):
    """One row of a conditional table: parent states (or `otherwise`) and a distribution."""

    when: When | Literal["otherwise"] = Field(
        description="Parent states this row covers (parents left out match every state; a "
                    "list matches any of its states), or 'otherwise' for the rest")
    note: str = Field("", description="Why this row reads as it does, for the briefing")
    exact: bool = Field(False, description=EXACT)


# A compact table's row, checked as arrays by `specs` (not item by item here: imported
# tables hold hundreds of thousands of numbers).
ProbabilityRow = Annotated[list[Any], WithJsonSchema({"type": "array", "minItems": 2,
                                                      "items": PROBABILITY_SCHEMA})]


class Node(Strict):
    label: Text | None = Field(None, description="How the briefing names it (default: its id)")
    role: Role = "event"
    description: str = ""
    states: Annotated[list[StateName], Field(min_length=2)] = Field(
        default_factory=lambda: ["yes", "no"])
    labels: dict[StateName, Text] = Field(
        default_factory=dict,
        description="How the briefing names a state, e.g. {use_force: enforce the deadline "
                    "by force}; a state left out is shown as its name, underscores as spaces")
    parents: list[NodeName] = Field(default_factory=list)
    prior: Distribution | None = None
    estimates: Annotated[list[Estimate], Field(min_length=1)] | None = None
    pool: Pool = "linear"
    table: Annotated[list[Row], Field(min_length=1)] | None = None
    noisy_or: dict[NodeName, Probability] | None = Field(
        None, description="Binary node with binary parents: 'leak' plus one weight per parent")
    rows: Annotated[list[ProbabilityRow], Field(min_length=1)] | None = Field(
        None, description="The whole table, compactly: one row of probabilities per "
                          "parent-state combination, the first parent's states changing "
                          "slowest, each row's probabilities in the order of 'states'; "
                          "'because' once for the table")
    because: Because | None = None
    exact: bool = Field(False, description=EXACT + "; on a node, all of its numbers")
    actor: NodeName | None = Field(
        None, description="Who takes this decision (role: decision only), one of the actors "
                          "under 'utilities'. A decision without probabilities is the "
                          "reader's own: its policy maximises this actor's utility")

    @model_validator(mode="after")
    def _one_kind_of_numbers(self) -> Node:
        given = [k for k in ("prior", "estimates", "table", "noisy_or", "rows")
                 if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(f"give only one of {' / '.join(given)}")
        if given and given[0] in ("prior", "noisy_or", "rows") and not self.because:
            raise ValueError(f"'because' is missing for the {given[0]}: cite a source "
                             "paragraph or state an assumption")
        return self


class Source(Strict):
    title: Text
    short: Text | None = Field(
        None, max_length=MAX_NAME,
        description="A short name the briefing uses for the source (e.g. Carnegie); "
                    "by default its id, underscores as spaces")
    published: Annotated[dt.date | str | None, BeforeValidator(_published), WithJsonSchema(
        {"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 1000, "maximum": 9999},
                   {"type": "null"}]})] = Field(
        None, description="When it came out: YYYY-MM-DD, YYYY-MM, a year, or words such as "
                          "'June 2025'")
    author: str | None = None
    outlet: str | None = Field(None, description="Who published it: a newspaper, agency, "
                                                 "broadcaster or institute")
    url: str | None = None
    path: str | None = Field(
        None, description="Text of the source, one paragraph per line, relative to the "
                          "scenario file; enables paragraph and quote checks")


class WhatIf(Strict):
    name: Annotated[Text, AfterValidator(_shown_name)] = Field(
        description="What the briefing and --what-if call it")
    description: str = ""
    given: dict[NodeName, StateName] = Field(default_factory=dict)
    do: dict[NodeName, StateName] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _asks_something(self) -> WhatIf:
        if not self.given and not self.do:
            raise ValueError("a what-if needs 'given' (observations) or 'do' (interventions)")
        return self


Confidence = Literal["low", "moderate", "high"]


class Judgement(Strict):
    """A key judgement: the answer the briefing opens with, as a statement and its event."""

    name: Name = Field(description="Identifier of the judgement")
    statement: Text = Field(description="The judgement in plain words, as a reader sees it")
    event: Text = Field(
        description="What must happen, over node states: node=state, node in {a, b}, and, "
                    "or, not, parentheses; names that are not plain words in quotes")
    confidence: Confidence | None = Field(
        None, description="The analyst's confidence, overriding the derived one; give "
                          "'because' with it")
    because: Because | None = Field(None, description="Why the confidence is overridden")

    @model_validator(mode="after")
    def _override_has_a_reason(self) -> Judgement:
        if self.confidence is not None and not self.because:
            raise ValueError("a confidence set by hand needs 'because': say why, e.g. "
                             "because: [{assumption: both texts predate the talks}]")
        if self.because and self.confidence is None:
            raise ValueError("'because' here explains a confidence set by hand: add "
                             "'confidence: low | moderate | high', or remove 'because'")
        return self


def _ordered_range(value: list[float]) -> list[float]:
    if value[0] > value[1]:
        raise ValueError(f"a range is [low, high]; {value[0]:g} is above {value[1]:g}")
    return value


# Bounded so that every expected utility, and every JSON output, is a finite number.
UtilityNumber = Annotated[float, Field(ge=-MAX_UTILITY, le=MAX_UTILITY, strict=True,
                                       allow_inf_nan=False)]
# A utility: a number, or a range [low, high] that the uncertainty analysis draws.
UtilityValue = Annotated[
    Annotated[UtilityNumber, Tag("number")]
    | Annotated[list[UtilityNumber], Field(min_length=2, max_length=2),
                AfterValidator(_ordered_range), Tag("range")],
    Discriminator(lambda v: "range" if isinstance(v, list) else "number")]


class UtilityRow(Strict):
    """One row of an actor's utility table: what it is worth when every node in `when` is in
    one of the states named. Rows add up: each row whose `when` matches counts."""

    when: When = Field(description="Node states this row is worth something under (a list "
                                   "matches any of its states); any nodes, not only decisions")
    value: UtilityValue = Field(description="The worth, in the actor's units: a number or a "
                                            "range [low, high]")
    because: Because
    note: str = Field("", description="Why this row reads as it does, for the briefing")


def _utility_form(value: Any) -> str:
    return "rows" if isinstance(value, list) else "by_node"


# actor -> node -> state -> worth (added up over the nodes), or actor -> rows of a table
Utilities = dict[NodeName, Annotated[
    Annotated[dict[NodeName, dict[StateName, UtilityValue]], Tag("by_node")]
    | Annotated[Annotated[list[UtilityRow], Field(min_length=1)], Tag("rows")],
    Discriminator(_utility_form)]]


class ScenarioFile(Strict):
    scenario: Name = Field(description="Identifier, used for the report's file name")
    title: Text
    question: Text
    as_of: Day = Field(description="What the sources could know by this date")
    horizon: Day = Field(description="Every event node means: by this date")
    description: str = ""
    sources: dict[Name, Source] = Field(default_factory=dict)
    nodes: Annotated[dict[NodeName, Node], Field(min_length=1)]
    what_ifs: list[WhatIf] = Field(default_factory=list)
    judgements: list[Judgement] = Field(
        default_factory=list, description="Key judgements: the answers the briefing opens with")
    utilities: Utilities = Field(default_factory=dict)
    evidence: list[EvidenceEntry] = Field(
        default_factory=list, description="Dated reports after as_of: every query answers "
                                          "with them; s.at(date) as the scenario stood then")
    resolutions: list[Resolution] = Field(
        default_factory=list, description="What happened, for scoring the forecasts")

    @field_validator("horizon")
    @classmethod
    def _horizon_not_before_as_of(cls, horizon: dt.date, info: ValidationInfo) -> dt.date:
        as_of = info.data.get("as_of")
        if isinstance(as_of, dt.date) and horizon < as_of:
            raise ValueError(f"the horizon ({horizon}) is before as_of ({as_of}): every node "
                             "means \"by the horizon\", which must not have passed when the "
                             "sources were read")
        return horizon


# the evidence log and its case files ---------------------------------------------------


class Report(Strict):
    """What a dated report from a declared source says; a news report is cited whole, so
    `para` is optional (give it for a source with a `path`, to have it checked)."""

    source: Name
    says: Text = Field(description="What the report says, paraphrased in your own words")
    para: Paragraph | Annotated[list[Paragraph], Field(min_length=1)] | None = None
    quote: Text | None = Field(
        None, description="Exact words from the source; checked when the source has a path")

    @property
    def paras(self) -> tuple[int, ...]:
        if self.para is None:
            return ()
        return (self.para,) if isinstance(self.para, int) else tuple(self.para)


ReportSupport = Annotated[
    Annotated[Report, Tag("citation")] | Annotated[Assumption, Tag("assumption")],
    Discriminator(_citation_kind),
]
ReportBecause = Annotated[list[ReportSupport], Field(min_length=1)]
# A likelihood's relative weight: how probable the report is under a state.
# Only ratios count, so any finite size is one (several reports on a node are multiplied
# relative to their largest weights, history._relative), as on the command line.


def _likelihood_weight(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value) if abs(value) < 1e308 else math.inf  # an int past a float's
        if math.isfinite(number) and number >= 0:
            return number
    shown = f"'{_shortened(value)}'" if isinstance(value, str) else (
        "empty" if value is None else str(value).lower() if isinstance(value, bool)
        else _shortened(repr(value)))
    raise PydanticCustomError(
        "likelihood_weight", "the weight {shown} is not a finite number of at least 0: a "
        "weight says how probable the report is under this state, relative to the others "
        "(e.g. 1 and 3)", {"shown": shown})


LikelihoodWeight = Annotated[float, PlainValidator(_likelihood_weight),
                             WithJsonSchema({"type": "number", "minimum": 0})]
EvidenceKind = Literal["observed", "likelihood", "believe"]
EVIDENCE_KINDS: tuple[EvidenceKind, ...] = get_args(EvidenceKind)


class EvidenceEntry(Strict):
    """One dated report: what it observed for certain, how much more probable it is under
    some states than others (likelihood), or what the analyst now believes (Jeffrey's rule)."""

    date: Day = Field(description="When it was reported: after as_of, by the horizon")
    label: Text | None = Field(None, description="A few words for the timeline's step "
                                                 "(default: what was observed)")
    observed: dict[NodeName, StateName] | None = Field(
        None, description="Nodes now known to be in a state")
    likelihood: dict[NodeName, dict[StateName, LikelihoodWeight]] | None = Field(
        None, description="node -> state -> relative weight: how probable the report is if "
                          "the node is in that state (states left out weigh 1)")
    believe: dict[NodeName, Distribution] | None = Field(
        None, description="node -> state -> the probability the analyst now holds, after "
                          "this report and everything before it (Jeffrey's rule)")
    because: ReportBecause

    @model_validator(mode="after")
    def _one_kind(self) -> EvidenceEntry:
        given = [k for k in EVIDENCE_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            what = " and ".join(given) if given else "none of them"
            raise ValueError(f"give one of observed, likelihood or believe (this entry has "
                             f"{what}); write two reports as two entries")
        if not getattr(self, given[0]):
            raise ValueError(f"'{given[0]}' names no node")
        return self

    @property
    def kind(self) -> EvidenceKind:
        return next(k for k in EVIDENCE_KINDS if getattr(self, k) is not None)


class Resolution(Strict):
    """What happened to a node by the horizon, and when it became known."""

    node: NodeName
    state: StateName
    date: Day = Field(description="When it was settled: after as_of, by the horizon")
    because: ReportBecause


class CaseFile(Strict):
    """Evidence and resolutions kept beside a scenario, so that one model serves several
    cases: `scenario` names the model's file, relative to this one."""

    case: Name = Field(description="Identifier of the case, used for its report's file name")
    scenario: Text = Field(description="The scenario file this case is about, relative to "
                                       "this file")
    title: Text | None = Field(None, description="Default: the scenario's title")
    description: str = ""
    sources: dict[Name, Source] = Field(default_factory=dict)
    evidence: list[EvidenceEntry] = Field(default_factory=list)
    resolutions: list[Resolution] = Field(default_factory=list)
ScenarioFile.model_rebuild()
CaseFile.model_rebuild()
