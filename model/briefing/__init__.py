"""Stage 7, render: plain-data sections, Jinja2 partials and Graphviz SVG make the briefing;
`text` makes what the command line prints."""

from . import notebook  # noqa: F401  (registers how objects show in notebooks)
from .page import render, report

__all__ = ["render", "report"]
