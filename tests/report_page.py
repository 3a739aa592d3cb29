"""Helpers for the briefing tests: the scenarios every briefing test renders, a reader that
pulls the numbers a rendered page shows out of its HTML, and checks of how they are rounded."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from tests.conftest import FIXTURES, ROOT, SEED

# Every scenario file a briefing must render for: all of scenarios/ and the report fixtures.
REPORT_SCENARIOS: dict[str, Path] = {
    "seed": SEED,
    **{path.stem: path for path in sorted((ROOT / "scenarios").glob("*.yaml")) if path != SEED},
    "tiny": FIXTURES / "tiny.yaml",
    "four_states": FIXTURES / "report_four_states.yaml",
    "five_parents": FIXTURES / "report_five_parents.yaml",
    "thirty_nodes": FIXTURES / "report_thirty_nodes.yaml",
    "xss": FIXTURES / "report_xss.yaml",
    "decision": FIXTURES / "analysis_decision.yaml",
}
GENERATED = dt.datetime(2025, 4, 1, 12, 30, tzinfo=dt.UTC)

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


@dataclass
class Shown:
    """One number the page shows, with where it is shown: a probability (`data-p`) or an
    analysis figure (`data-kind`)."""

    attrs: dict[str, str]
    section: str
    what_if: str | None  # the what-if row it sits in (None: not in a what-if row)
    path: str | None  # the row's observations (its data-given), if any
    do: str | None = None  # the row's interventions (its data-do), if any
    text: str = ""
    context: dict[str, str] = field(default_factory=dict)  # the nearest data-* of each name

    @property
    def v(self) -> float:
        return float(self.attrs["data-v"])

    @property
    def p(self) -> float:
        return float(self.attrs["data-p"])

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]


class Page(HTMLParser):
    """Every element and attribute, the text of each `data-p` number, script bodies, and the
    text lines of the diagrams' nodes (by their SVG group id)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.shown: list[Shown] = []
        self.values: list[Shown] = []
        self.elements: list[Element] = []
        self.scripts: list[str] = []
        self.svg_texts: dict[str, list[str]] = {}
        self._stack: list[tuple[str, dict[str, str]]] = []
        self._open: list[tuple[int, Shown]] = []  # (stack depth, number) still open
        self._script: list[str] | None = None
        self._in_text = False

    def _context(self, key: str) -> str | None:
        return next((a[key] for _t, a in reversed(self._stack) if key in a), None)

    def handle_starttag(self, tag: str, raw: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in raw}
        self.elements.append(Element(tag, attrs))
        if tag in VOID:
            return
        section = next((a["id"] for t, a in reversed(self._stack) if t == "section"), "")
        self._stack.append((tag, attrs))
        if "data-p" in attrs or "data-kind" in attrs:
            context = {k: v for _t, a in self._stack for k, v in a.items()
                       if k.startswith("data-")}
            item = Shown(attrs, section, self._context("data-what-if"),
                         self._context("data-given"), self._context("data-do"),
                         context=context)
            (self.shown if "data-p" in attrs else self.values).append(item)
            self._open.append((len(self._stack), item))
        if tag == "script":
            self._script = []
        self._in_text = tag == "text"

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append("".join(self._script))
            self._script = None
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                break
        while self._open and self._open[-1][0] > len(self._stack):
            self._open.pop()
        self._in_text = False

    def handle_data(self, data: str) -> None:
        for _depth, item in self._open:
            item.text += data
        if self._script is not None:
            self._script.append(data)
        if self._in_text:
            group = next((a["id"] for t, a in reversed(self._stack)
                          if t == "g" and a.get("id", "").startswith(("net-", "tree-"))), None)
            if group is not None:
                self.svg_texts.setdefault(group, []).append(data)


def read_page(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


def read_number(text: str) -> float:
    """The number in a shown figure: "38.2%", "−13.2", "<1%" (as 0.5, the middle of what
    it may be)."""
    text = text.strip().replace("\u2212", "-")
    if text.startswith("<"):
        return 0.5
    if text.startswith(">"):
        return 99.5
    found = re.search(r"-?\d+(?:\.\d+)?", text)
    assert found is not None, text
    return float(found.group())


def decimals(text: str) -> int:
    found = re.search(r"\d+(?:\.(\d+))?", text)
    assert found is not None, text
    return len(found.group(1) or "")


def assert_shown_to_precision(text: str, exact: float) -> None:
    """The number in `text` is `exact` rounded to the decimals it shows (plus the 1e-9 the
    page allows for floating-point noise); "<1%" and ">99%" cover their ends."""
    stripped = text.strip()
    if stripped.startswith("<1"):
        assert 0 < exact < 1, (text, exact)
    elif stripped.startswith(">99"):
        assert 99 < exact < 100, (text, exact)
    else:
        assert abs(read_number(text) - exact) <= 0.5 * 10 ** -decimals(text) + 1e-9, \
            (text, exact)


def assert_rounded_together(texts: Sequence[str], ps: Sequence[float]) -> None:
    """Whole percents of one whole distribution: each the exact value rounded down or up,
    adding up to 100, the ones rounded up having the largest remainders (so each is within
    half a point wherever a rounding that adds up to 100 allows it)."""
    exact = [p * 100 for p in ps]
    whole = [0 if t.startswith("<") else 100 if t.startswith(">") else int(t.rstrip("%"))
             for t in texts]
    for t, w, x in zip(texts, whole, exact, strict=True):
        assert math.floor(x - 1e-6) <= w <= math.ceil(x + 1e-6), (texts, ps)
        assert t.startswith("<") == (w == 0 and x > 1e-7), (texts, ps)
        assert t.startswith(">") == (w == 100 and x < 100 - 1e-7), (texts, ps)
    assert sum(whole) == 100, (texts, ps)
    rest = [x - math.floor(x + 1e-7) for x in exact]
    up = [r for r, w, x in zip(rest, whole, exact, strict=True) if w > x + 1e-7]
    down = [r for r, w, x in zip(rest, whole, exact, strict=True) if w < x - 1e-7]
    assert not up or not down or min(up) >= max(down) - 1e-6, (texts, ps)


class _Visible(HTMLParser):
    """The text a reader sees, by section: no script, style, SVG hover title or attribute."""

    HIDDEN = frozenset({"script", "style", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.by_section: dict[str, list[str]] = {}
        self._stack: list[tuple[str, str]] = []  # (tag, section id)

    def handle_starttag(self, tag: str, raw: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        attrs = {k: v or "" for k, v in raw}
        section = attrs["id"] if tag == "section" else (
            self._stack[-1][1] if self._stack else "")
        self._stack.append((tag, section))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if any(t in self.HIDDEN for t, _s in self._stack):
            return
        section = self._stack[-1][1] if self._stack else ""
        self.by_section.setdefault(section, []).append(data)


def visible_text(html: str) -> dict[str, str]:
    """Section id ("" outside sections) -> the text a reader sees there."""
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return {k: " ".join(" ".join(v).split()) for k, v in parser.by_section.items()}
