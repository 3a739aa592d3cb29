"""Rich display in notebooks, for objects of every stage, drawn by the briefing stage.

A `Scenario`, a `Distribution` or an `Analysis` shows itself in Jupyter (and any front end
that asks for `_repr_html_`) with the briefing's own partials and styles. Those live in the
briefing stage, which comes after the objects' own stages and may not be imported by them.
So the objects inherit `RichDisplay`, which asks this registry, and the briefing stage
registers how to draw each type when it is imported (`model.briefing.notebook`; `import
model` always imports it). A type with no renderer falls back to its plain repr.

    from model.display import register
    register(Timeline, html=timeline_html, text=timeline_text)   # a new result type

Renderers are looked up along the type's MRO, so a subclass is drawn like its base unless it
registers its own. A type may be named instead ("model.analysis.diff.Diff"), so that its
module is imported only by whoever makes one, not by `import model`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

Renderer = Callable[[Any], str]

_HTML: dict[type | str, Renderer] = {}
_TEXT: dict[type | str, Renderer] = {}


class Pretty(Protocol):
    """What IPython hands `_repr_pretty_` (its RepresentationPrinter)."""

    def text(self, text: str) -> None: ...


def register(cls: type | str, *, html: Renderer | None = None,
             text: Renderer | None = None) -> None:
    """Draw instances of `cls` (a type, or its module and name) with `html` (an HTML
    fragment) and `text` (plain text)."""
    if html is not None:
        _HTML[cls] = html
    if text is not None:
        _TEXT[cls] = text


def _find(table: dict[type | str, Renderer], obj: object) -> Renderer | None:
    for t in type(obj).__mro__:
        found = table.get(t) or table.get(f"{t.__module__}.{t.__qualname__}")
        if found is not None:
            return found
    return None


def html_of(obj: object) -> str | None:
    renderer = _find(_HTML, obj)
    return None if renderer is None else renderer(obj)


def text_of(obj: object) -> str | None:
    renderer = _find(_TEXT, obj)
    return None if renderer is None else renderer(obj)


class RichDisplay:
    """Mixin: `_repr_html_` and `_repr_pretty_` from the registered renderers."""

    __slots__ = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # IPython's printer takes the first of `_repr_pretty_` and `__repr__` it meets along
        # the MRO: a class with its own `__repr__` needs its own `_repr_pretty_` too.
        if "_repr_pretty_" not in cls.__dict__:
            cls._repr_pretty_ = RichDisplay._repr_pretty_  # type: ignore[method-assign]

    def _repr_html_(self) -> str | None:
        return html_of(self)

    def _repr_pretty_(self, p: Pretty, cycle: bool) -> None:
        found = None if cycle else text_of(self)
        p.text(repr(self) if found is None else found)
