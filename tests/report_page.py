"""Helpers for the briefing tests: the scenarios every briefing test renders, and a reader
that pulls the numbers a rendered page shows out of its HTML."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
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
}
GENERATED = dt.datetime(2025, 4, 1, 12, 30, tzinfo=dt.UTC)

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


@dataclass
class Shown:
    """One probability the page shows, with where it is shown."""

    attrs: dict[str, str]
    section: str
    what_if: str | None  # the what-if row it sits in (None: not in a what-if row)
    path: str | None  # the tree-table row (its data-given), if any
    text: str = ""

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
        if "data-p" in attrs:
            item = Shown(attrs, section, self._context("data-what-if"),
                         self._context("data-given"))
            self.shown.append(item)
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
