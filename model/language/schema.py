"""Stage 2, parse: the scenario language as pydantic models (syntax, types, value ranges).

Cross-references (parents, states, sources, table rows) are checked in `checks.py`; this
module only says what each element of a file may look like. The JSON Schema editors use is
generated from these models (`scenario schema`).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    Tag,
    WithJsonSchema,
    model_validator,
)

from ..limits import MAX_NAME, MAX_TEXT, MAX_WEIGHT
from .probability import KNOWN_TERMS, Prob, parse_prob

NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_\-]*$"
STATE_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_\-\.]*$"


def _as_text(value: Any) -> Any:
    """State names may be written as bare numbers (`states: [1, 2, 3]`); they are names."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


Name = Annotated[str, Field(pattern=NAME_PATTERN, max_length=MAX_NAME)]
StateName = Annotated[
    str, BeforeValidator(_as_text), Field(pattern=STATE_PATTERN, max_length=MAX_NAME),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": STATE_PATTERN, "maxLength": MAX_NAME},
                              {"type": "number"}]}),
]


def _any_case(term: str) -> str:
    """A JSON Schema pattern for a term in any case and spacing (schemas have no flags)."""
    words = ("".join(f"[{c.lower()}{c.upper()}]" for c in w) for w in term.split())
    return r"\s+".join(words)


TERMS_PATTERN = r"^\s*(" + "|".join(_any_case(t) for t in KNOWN_TERMS) + r")\s*$"
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]

Probability = Annotated[
    Prob,
    PlainValidator(parse_prob),
    WithJsonSchema({
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
    }),
]

# state -> probability; for a node of n states, n - 1 of them may be given and the last
# takes what remains.
Distribution = Annotated[dict[StateName, Probability], Field(min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Citation(Strict):
    """A number rests on a paragraph of a declared source."""

    source: Name
    para: Annotated[int, Field(ge=1)] | Annotated[list[Annotated[int, Field(ge=1)]],
                                                   Field(min_length=1)]
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
Weight = Annotated[float, Field(gt=0, le=MAX_WEIGHT)]


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


# parent -> its state, or a list of states any of which the row covers
When = dict[Name, StateName | Annotated[list[StateName], Field(min_length=1)]]


class Row(_Probabilities):
    """One row of a conditional table: parent states (or `otherwise`) and a distribution."""

    when: When | Literal["otherwise"] = Field(
        description="Parent states this row covers (parents left out match every state; a "
                    "list matches any of its states), or 'otherwise' for the rest")
    note: str = Field("", description="Why this row reads as it does, for the briefing")


class Node(Strict):
    label: Text
    role: Role = "event"
    description: str = ""
    states: Annotated[list[StateName], Field(min_length=2)] = Field(
        default_factory=lambda: ["yes", "no"])
    parents: list[Name] = Field(default_factory=list)
    prior: Distribution | None = None
    estimates: Annotated[list[Estimate], Field(min_length=1)] | None = None
    pool: Pool = "linear"
    table: Annotated[list[Row], Field(min_length=1)] | None = None
    noisy_or: dict[Name, Probability] | None = Field(
        None, description="Binary node with binary parents: 'leak' plus one weight per parent")
    because: Because | None = None

    @model_validator(mode="after")
    def _one_kind_of_numbers(self) -> Node:
        given = [k for k in ("prior", "estimates", "table", "noisy_or")
                 if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(f"give only one of {' / '.join(given)}")
        if given and given[0] in ("prior", "noisy_or") and not self.because:
            raise ValueError(f"'because' is missing for the {given[0]}: cite a source "
                             "paragraph or state an assumption")
        return self


class Source(Strict):
    title: Text
    published: dt.date | str | None = None
    author: str | None = None
    url: str | None = None
    path: str | None = Field(
        None, description="Text of the source, one paragraph per line, relative to the "
                          "scenario file; enables paragraph and quote checks")


class WhatIf(Strict):
    name: Text
    description: str = ""
    given: dict[Name, StateName] = Field(default_factory=dict)
    do: dict[Name, StateName] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _asks_something(self) -> WhatIf:
        if not self.given and not self.do:
            raise ValueError("a what-if needs 'given' (observations) or 'do' (interventions)")
        return self


# actor -> node -> state -> utility of that state to the actor
Utilities = dict[Name, dict[Name, dict[StateName, Annotated[float, Field(allow_inf_nan=False)]]]]


class ScenarioFile(Strict):
    scenario: Name = Field(description="Identifier, used for the report's file name")
    title: Text
    question: Text
    as_of: dt.date = Field(description="What the sources could know by this date")
    horizon: dt.date = Field(description="Every event node means: by this date")
    description: str = ""
    sources: dict[Name, Source] = Field(default_factory=dict)
    nodes: Annotated[dict[Name, Node], Field(min_length=1)]
    what_ifs: list[WhatIf] = Field(default_factory=list)
    utilities: Utilities = Field(default_factory=dict)
