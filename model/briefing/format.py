"""How the briefing writes numbers and dates; the page's script formats the same way.

Percents themselves are written by `language.probability` (`percent`, `shares`), which the
analyses' sentences use too; here are the briefing's own forms built on them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ..language.probability import (
    EPSILON,
    MINUS,
    percent,
    percent_text,
    points,
    shares,
    shown_term,
    whole_percent,
)

YES_STATES = ("yes", "true")
Direction = Literal["up", "down", "flat"]  # which way a figure moves


@dataclass(frozen=True)
class Pct:
    """A probability as the briefing shows it."""

    p: float
    text: str  # "31%", "<1%", ">99%"
    term: str  # ICD 203 term
    whole: int  # the whole percent shown (0 for "<1%", 100 for ">99%")


def pct(p: float) -> Pct:
    return Pct(p, percent(p), shown_term(p), whole_percent(p))


def pcts(ps: Sequence[float]) -> list[Pct]:
    """A whole distribution as shown together: percents that add up to 100."""
    return [Pct(p, percent_text(p, whole), shown_term(p, whole), whole)
            for p, whole in zip(ps, shares(ps), strict=True)]


def change(before: Pct, after: Pct) -> tuple[str, Direction]:
    """The move between two figures as the reader sees them: the difference of the whole
    percents shown ("+44" beside "64% from 20%"), and which way it goes."""
    shown = points((after.whole - before.whole) / 100)
    return shown, direction(after.p - before.p, shown)


def counted(n: int, thing: str, things: str | None = None) -> str:
    """"1 node", "2 nodes", "1,024 nodes" (`things`: the plural where not thing + s)."""
    return f"{n:,} {thing if n == 1 else things or thing + 's'}"


def signed(x: float, decimals: int = 1) -> str:
    """A number with a true minus sign: "6.9", "−13.2"."""
    scale = 10**decimals
    value = math.floor(abs(x) * scale + 0.5 + EPSILON) / scale
    return (MINUS if x < 0 and value else "") + f"{value:.{decimals}f}"


def day(date: dt.date) -> str:
    """31 Dec 2025."""
    return f"{date.day} {date:%b %Y}"


def headline_states(states: tuple[str, ...]) -> tuple[str, ...]:
    """The states a briefing reports for a node: only "yes" of a yes/no node, else all."""
    if len(states) == 2 and states[0].lower() in YES_STATES:
        return states[:1]
    return states


def direction(change: float, shown: str) -> Direction:
    """Which way a change goes, "flat" when it is shown as no change at all (`shown`)."""
    if shown == "±0":
        return "flat"
    return "up" if change > 0 else "down"
