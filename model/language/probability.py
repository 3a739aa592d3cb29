"""Probabilities as analysts write them: numbers, percents, ranges and ICD 203 terms.

A written probability becomes a `Prob`: a point value (used for headline figures) and a
range (used for uncertainty and sensitivity analysis). Output goes the other way:
`term_for` names the estimative term of any probability.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

# US Intelligence Community Directive 203: each band with its main and alternative words.
ESTIMATIVE_TERMS: tuple[tuple[str, str, float, float], ...] = (
    ("almost no chance", "remote", 0.01, 0.05),
    ("very unlikely", "highly improbable", 0.05, 0.20),
    ("unlikely", "improbable", 0.20, 0.45),
    ("roughly even chance", "roughly even odds", 0.45, 0.55),
    ("likely", "probable", 0.55, 0.80),
    ("very likely", "highly probable", 0.80, 0.95),
    ("almost certain", "nearly certain", 0.95, 0.99),
)

_BY_WORD: dict[str, tuple[str, float, float]] = {}
for _main, _alt, _low, _high in ESTIMATIVE_TERMS:
    _BY_WORD[_main] = (_main, _low, _high)
    _BY_WORD[_alt] = (_main, _low, _high)

KNOWN_TERMS: tuple[str, ...] = tuple(_BY_WORD)
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")

Kind = Literal["number", "percent", "range", "term"]


@dataclass(frozen=True)
class Prob:
    """One written probability: its point value, its plausible range, and how it was written."""

    point: float
    low: float
    high: float
    text: str
    kind: Kind

    @property
    def uncertain(self) -> bool:
        return self.high > self.low

    @classmethod
    def exact(cls, value: float) -> Prob:
        return cls(value, value, value, _fmt(value), "number")


def term_for(p: float) -> str:
    """The ICD 203 term whose band holds `p`; bands are closed below and open above, and the
    outermost bands take everything beyond them (0.3% is still "almost no chance")."""
    for main, _alt, _low, high in ESTIMATIVE_TERMS[:-1]:
        if p < high:
            return main
    return ESTIMATIVE_TERMS[-1][0]


def normalise_term(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def parse_prob(value: object) -> Prob:
    """Read one written probability. Raises ValueError with a message that says what to write."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"expected a probability, got {value!r}")
    if isinstance(value, int | float):
        return _number(float(value), _fmt(float(value)), "number")
    if isinstance(value, str):
        return _parse_text(value)
    if isinstance(value, list | tuple):
        if len(value) != 2:
            raise ValueError(
                f"a range is written as two bounds, [low, high]; got {len(value)} items"
            )
        low, high = (_bound(v) for v in value)
        if low > high:
            raise ValueError(f"range [{_fmt(low)}, {_fmt(high)}] has its low bound above its high")
        return Prob((low + high) / 2, low, high, f"[{_fmt(low)}, {_fmt(high)}]", "range")
    raise ValueError(
        f"expected a number, percent, range or estimative term, got {type(value).__name__}"
    )


def _parse_text(text: str) -> Prob:
    stripped = text.strip()
    if stripped.endswith("%"):
        try:
            pct = float(stripped[:-1].strip())
        except ValueError:
            raise ValueError(f"'{text}' is not a percent; write e.g. \"30%\"") from None
        return _number(pct / 100, stripped, "percent")
    if _NUMBER.match(stripped):
        return _number(float(stripped), stripped, "number")
    found = _BY_WORD.get(normalise_term(stripped))
    if found is None:
        raise ValueError(
            f"unknown estimative term '{text}'; known terms: " + ", ".join(KNOWN_TERMS)
        )
    main, low, high = found
    return Prob((low + high) / 2, low, high, main, "term")


def _bound(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"a range bound must be a number or percent, got {value!r}")
    prob = parse_prob(value)
    if prob.kind not in ("number", "percent"):
        raise ValueError(f"a range bound must be a number or percent, got '{value}'")
    return prob.point


def _number(value: float, text: str, kind: Kind) -> Prob:
    if not 0.0 <= value <= 1.0 or value != value:
        as_percent = 1 < value <= 100 and kind == "number"
        hint = f"; did you mean \"{_fmt(value)}%\"?" if as_percent else ""
        raise ValueError(f"probability {text} is outside [0, 1]{hint}")
    return Prob(value, value, value, text, kind)


def _fmt(value: float) -> str:
    return f"{value:.6g}"
