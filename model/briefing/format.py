"""How the briefing writes numbers and dates; the page's script formats the same way.

Percents round half up, not half to even as Python's round does, and the page's script
rounds the same way, so the server-rendered page and the what-if panel never disagree. The
states of one distribution shown together are rounded by largest remainder, so they add up
to 100 ("yes 53% · no 47%", never 48%).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..language.probability import term_for

YES_STATES = ("yes", "true")
# Sums of floating-point products land a few ulps off round numbers (0.9999999999999999 for
# 1, 0.8749999999999997 for 0.875); the same number must print the same however computed.
EPSILON = 1e-9
# Remainders are compared at this resolution, so that two states a few ulps apart (as the
# library and the page's script may compute them) tie, and the tie goes to the first state.
REMAINDER_STEPS = 1e6
MINUS = "\u2212"


@dataclass(frozen=True)
class Pct:
    """A probability as the briefing shows it."""

    p: float
    text: str  # "31%", "<1%", ">99%"
    term: str  # ICD 203 term


def pct(p: float) -> Pct:
    return Pct(p, percent(p), term_for(p))


def pcts(ps: Sequence[float]) -> list[Pct]:
    """A whole distribution as shown together: percents that add up to 100."""
    return [Pct(p, text, term_for(p)) for p, text in zip(ps, percents(ps), strict=True)]


def percent(p: float) -> str:
    """Whole percent, as "31%"; "<1%" and ">99%" near the ends, except within rounding
    error of 0 and 1."""
    return percent_text(p, math.floor(p * 100 + 0.5 + EPSILON))


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


def signed(x: float, decimals: int = 1) -> str:
    """A number with a true minus sign: "6.9", "−13.2"."""
    scale = 10**decimals
    value = math.floor(abs(x) * scale + 0.5 + EPSILON) / scale
    return (MINUS if x < 0 and value else "") + f"{value:.{decimals}f}"


def points(change: float) -> str:
    """A change in percentage points: "+12", "−3" (a true minus sign), "±0"."""
    whole = math.floor(abs(change) * 100 + 0.5 + EPSILON)
    if whole == 0:
        return "±0"
    return ("+" if change > 0 else MINUS) + str(whole)


def day(date: dt.date) -> str:
    """31 Dec 2025."""
    return f"{date.day} {date:%b %Y}"


def headline_states(states: tuple[str, ...]) -> tuple[str, ...]:
    """The states a briefing reports for a node: only "yes" of a yes/no node, else all."""
    if len(states) == 2 and states[0].lower() in YES_STATES:
        return states[:1]
    return states
