"""How the command line talks to a terminal: colour only where one reads it, one line per
problem, bars only where someone watches.

Colour follows the convention of https://no-color.org: none when `NO_COLOR` is set (to
anything but the empty string), none when the stream is not a terminal (click strips it),
so pipes and files get plain text.
"""

from __future__ import annotations

import os
import re
import sys
from typing import TextIO

import click

_BREAKS = re.compile(r"\s*[\r\n]+\s*")


def colour() -> bool | None:
    """click's `color`: False under NO_COLOR, else None (only on a terminal)."""
    return False if os.environ.get("NO_COLOR") else None


def is_terminal(stream: TextIO | None = None) -> bool:
    stream = sys.stderr if stream is None else stream
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or replaced by something without isatty
        return False


def one_line(text: str) -> str:
    """`text` with its line breaks as spaces, so each problem stays one line."""
    return _BREAKS.sub(" ", text).strip()


def error_line(text: str) -> str:
    return f"{click.style('error:', fg='red', bold=True)} {one_line(text)}"


def warning_line(text: str) -> str:
    return f"{click.style('warning:', fg='yellow', bold=True)} {one_line(text)}"


def ok_line(text: str) -> str:
    return f"{click.style('ok', fg='green', bold=True)}  {text}"
