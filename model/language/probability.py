"""Probabilities as analysts write them: numbers, percents, ranges and ICD 203 terms.

A written probability becomes a `Prob`: a point value (used for headline figures) and a
range (used for uncertainty and sensitivity analysis). Output goes the other way:
`term_for` names the estimative term of any probability, and `percent` and `shares` write it
as readers see it.

Percents round half up, not half to even as Python's round does (the briefing's script
rounds the same way, so the page and its what-if panel never disagree). The states of one
distribution shown together are rounded by largest remainder, so they add up to 100
("yes 53% · no 47%", never 48%).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ..errors import did_you_mean

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
# The language's number grammar (README): ASCII decimal digits, an optional sign, point and
# exponent; no underscores, no hex or octal, no words (.inf, nan); finite and, unless 0,
# not so small that it reads as 0. A percent is such a number followed by %.
NUMBER_TEXT = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_NUMBER = re.compile(NUMBER_TEXT)
_PERCENT = re.compile(rf"({NUMBER_TEXT})\s*%")

Kind = Literal["number", "percent", "range", "term"]
# How far a distribution written as exact numbers may miss 1 (and an imported column may,
# before it is scaled).
SUM_TOLERANCE = 1e-6

# Sums of floating-point products land a few ulps off round numbers (0.9999999999999999 for
# 1, 0.8749999999999997 for 0.875); the same number must print the same however computed.
EPSILON = 1e-9
# Remainders are compared at this resolution, so that two states a few ulps apart (as the
# library and the page's script may compute them) tie, and the tie goes to the first state.
REMAINDER_STEPS = 1e6
MINUS = "\u2212"


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


class ProbabilityError(ValueError):
    """A probability that cannot be read: the message says what is wrong, `hint` (if any)
    what to write instead."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint


def parse_prob(value: object) -> Prob:
    """Read one written probability. Raises ProbabilityError (a ValueError) with a message
    that says what to write."""
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
            raise ProbabilityError(f"range [{_fmt(low)}, {_fmt(high)}] has its low bound above "
                                   "its high", f"write the range as [low, high]: "
                                               f"[{_fmt(high)}, {_fmt(low)}]")
        return Prob((low + high) / 2, low, high, f"[{_fmt(low)}, {_fmt(high)}]", "range")
    raise ValueError(
        f"expected a number, percent, range or estimative term, got {type(value).__name__}"
    )


def _parse_text(text: str) -> Prob:
    stripped = text.strip()
    if stripped.endswith("%"):
        percent = _PERCENT.fullmatch(stripped)
        if percent is None:
            raise ValueError(f"'{text}' is not a percent: write digits 0-9 with at most a "
                             "point, e.g. \"30%\" or \"7.5%\"")
        return _number(_read(percent.group(1)) / 100, stripped, "percent")
    if _NUMBER.fullmatch(stripped):
        return _number(_read(stripped), stripped, "number")
    found = _BY_WORD.get(normalise_term(stripped))
    if found is None and re.match(r"[+-]?[0-9.]", stripped):
        raise ValueError(f"'{text}' is not a number here: write decimal digits 0-9, with a "
                         "point and an exponent if need be (no hex, octal or _)")
    if found is None:
        close = did_you_mean(normalise_term(stripped), KNOWN_TERMS)
        close = f" ({close})" if close.startswith("did you mean") else ""
        raise ValueError(f"unknown estimative term '{text}'{close}; known terms: "
                         + ", ".join(KNOWN_TERMS))
    main, low, high = found
    return Prob((low + high) / 2, low, high, main, "term")


def _bound(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"a range bound must be a number or percent, got {value!r}")
    prob = parse_prob(value)
    if prob.kind not in ("number", "percent"):
        raise ValueError(f"a range bound must be a number or percent, got '{value}'")
    return prob.point


def _read(text: str) -> float:
    """A number of the grammar above as a float; one that would read as 0 is refused."""
    value = float(text)
    if value == 0 and re.search("[1-9]", re.split("[eE]", text)[0]):
        raise ValueError(f"{text} is too small to tell from 0; write 0 or a larger number")
    return value


def _number(value: float, text: str, kind: Kind) -> Prob:
    if not math.isfinite(value):
        raise ValueError(f"a probability is a finite number, not {text}")
    if not 0.0 <= value <= 1.0:
        as_percent = 1 < value <= 100 and kind == "number"
        hint = f"; did you mean \"{_fmt(value)}%\"?" if as_percent else ""
        raise ValueError(f"probability {text} is outside [0, 1]{hint}")
    return Prob(value, value, value, text, kind)


def sum_text(total: float) -> str:
    """A sum that is not 1 with the digits that show it: 1.000002, never "1"."""
    for digits in range(6, 18):
        text = f"{total:.{digits}g}"
        if float(text) != 1.0 or total == 1.0:
            return text
    return repr(total)


def _fmt(value: float) -> str:
    return f"{value:.6g}"


# as readers see them ---------------------------------------------------------------------


def percent(p: float) -> str:
    """Whole percent, as "31%"; "<1%" and ">99%" near the ends, except within rounding
    error of 0 and 1."""
    return percent_text(p, whole_percent(p))


def whole_percent(p: float) -> int:
    """The whole percent `p` is shown as (rounded half up)."""
    return math.floor(p * 100 + 0.5 + EPSILON)


def shown_term(p: float, whole: int | None = None) -> str:
    """The term of the figure a reader sees: `p` shown as `whole` percent (its rounded
    percent by default) takes that percent's band, so a page never says "unlikely (45%)"
    beside a table that puts 45% in "roughly even chance". "<1%" and ">99%" keep `p`'s."""
    if whole is None:
        whole = whole_percent(p)
    shown = percent_text(p, whole)
    return term_for(whole / 100) if shown.removesuffix("%").isdigit() else term_for(p)


def percents(ps: Sequence[float]) -> list[str]:
    """The states of one distribution as whole percents adding up to 100 (see `shares`)."""
    return [percent_text(p, whole) for p, whole in zip(ps, shares(ps), strict=True)]


def shares(ps: Sequence[float]) -> list[int]:
    """Whole percents of a distribution by largest remainder: every state is rounded down,
    then those with the largest remainders (the earlier state on a tie) are rounded up until
    the total is the distribution's own, 100. For two states this is rounding half up."""
    scaled = [p * 100 for p in ps]
    whole = [math.floor(x + EPSILON) for x in scaled]
    missing = math.floor(sum(scaled) + 0.5) - sum(whole)
    rest = [math.floor((x - w) * REMAINDER_STEPS + 0.5) for x, w in zip(scaled, whole,
                                                                        strict=True)]
    for i in sorted(range(len(ps)), key=lambda i: (-rest[i], i))[:missing]:
        whole[i] += 1
    return whole


def percent_text(p: float, whole: int) -> str:
    """`p` shown as `whole` percent; "<1%" or ">99%" where that rounds it to 0 or 100."""
    if whole == 0 and p > EPSILON:
        return "<1%"
    if whole == 100 and p < 1 - EPSILON:
        return ">99%"
    return f"{whole}%"


def decimal_percent(p: float) -> str:
    """A percent to one decimal, "38.2%", for figures compared a few tenths apart."""
    return f"{math.floor(p * 1000 + 0.5 + EPSILON) / 10:.1f}%"


def shown_points(before: float, after: float) -> str:
    """The move from `before` to `after` as a reader sees the two: the difference of their
    whole percents, so that "+44" stands beside "rises to 64% from 20%" (the exact move,
    43.6 points, would round to +44 or +43 at random against the figures)."""
    return points((whole_percent(after) - whole_percent(before)) / 100)


def points(change: float) -> str:
    """A change in percentage points: "+12", "−3" (a true minus sign), "±0"."""
    whole = math.floor(abs(change) * 100 + 0.5 + EPSILON)
    if whole == 0:
        return "±0"
    return ("+" if change > 0 else MINUS) + str(whole)
