"""Progress of long work: a bar on stderr for someone watching a terminal, nothing otherwise.

Library code marks long work and reports as it goes:

    with progress.task("drawing the numbers", total=4) as advance:
        ...
        advance(1)

Nothing is drawn unless a front end has turned bars on with `shown()`: the `scenario` command
does when stderr is a terminal, never with `--json` or `-q`; notebooks and scripts stay
silent unless they ask. Only the outermost task draws a bar, so work nested inside it (the
analyses of a folder run) advances nothing of its own, and the bar only appears once the work
has run for `DELAY` seconds, so quick commands never flicker. It appears then whether or not
the work has advanced since (a long step, such as the draws of `analyze`, is not waited out),
and is drawn again every `TICK` seconds, so its clock runs through a step that reports
nothing. Any stage may call `task` (it is in the base stage): `scenario import` reports its
steps.

The bars are tqdm's, imported when the first one is drawn (about 15 ms).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

Advance = Callable[[float], object]
DELAY = 0.5  # seconds of work before a bar appears
TICK = 1.0  # seconds between two drawings of a bar whose work has not advanced

_enabled: ContextVar[bool] = ContextVar("progress_enabled", default=False)
_drawing: ContextVar[bool] = ContextVar("progress_drawing", default=False)


def _nothing(_n: float = 1) -> None:
    return None


@contextmanager
def shown(enabled: bool = True) -> Iterator[None]:
    """Draw bars for the tasks run inside (when `enabled`)."""
    token = _enabled.set(enabled)
    try:
        yield
    finally:
        _enabled.reset(token)


def enabled() -> bool:
    return _enabled.get()


@contextmanager
def task(description: str, total: float, unit: str = "it") -> Iterator[Advance]:
    """Long work of `total` units; call the function it yields with the units done since
    the last call."""
    if not _enabled.get() or _drawing.get():
        yield _nothing
        return
    from tqdm import tqdm

    token = _drawing.set(True)
    bar = tqdm(total=total, desc=description, unit=unit, file=sys.stderr, delay=DELAY,
               leave=False, dynamic_ncols=True)
    done = threading.Event()
    ticking = threading.Thread(target=_tick, args=(bar, done), daemon=True,
                               name="progress-tick")
    ticking.start()
    try:
        yield bar.update
    finally:
        done.set()
        ticking.join()
        bar.close()
        _drawing.reset(token)


def _tick(bar: Any, done: threading.Event) -> None:
    """Draw `bar` once `DELAY` has passed, and again every `TICK`, until `done`: tqdm draws
    only when the work advances, which a long step does not."""
    if done.wait(DELAY):
        return
    while True:
        bar.refresh()
        bar.last_print_t = bar._time()  # drawn, so `close` clears it
        if done.wait(TICK):
            return
