"""How the briefing writes numbers and dates; the page's script formats the same way.

Percents round half up, not half to even as Python's round does, and the page's script
rounds the same way, so the server-rendered page and the what-if panel never disagree.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from .probability import term_for

YES_STATES = ("yes", "true")
# Sums of floating-point products land a few ulps off round numbers (0.9999999999999999 for
# 1, 0.8749999999999997 for 0.875); the same number must print the same however computed.
EPSILON = 1e-9


@dataclass(frozen=True)
class Pct:
    """A probability as the briefing shows it."""

    p: float
    text: str  # "31%", "<1%", ">99%"
    term: str  # ICD 203 term


def pct(p: float) -> Pct:
    return Pct(p, percent(p), term_for(p))


def percent(p: float) -> str:
    """Whole percent, as "31%"; "<1%" and ">99%" near the ends, except within rounding
    error of 0 and 1."""
    if EPSILON < p < 0.005:
        return "<1%"
    if 0.995 < p < 1 - EPSILON:
        return ">99%"
    return f"{math.floor(p * 100 + 0.5 + EPSILON)}%"


def points(change: float) -> str:
    """A change in percentage points: "+12", "−3" (a true minus sign), "±0"."""
    whole = math.floor(abs(change) * 100 + 0.5 + EPSILON)
    if whole == 0:
        return "±0"
    return ("+" if change > 0 else "\u2212") + str(whole)


def day(date: dt.date) -> str:
    """31 Dec 2025."""
    return f"{date.day} {date:%b %Y}"


def headline_states(states: tuple[str, ...]) -> tuple[str, ...]:
    """The states a briefing reports for a node: only "yes" of a yes/no node, else all."""
    if len(states) == 2 and states[0].lower() in YES_STATES:
        return states[:1]
    return states
