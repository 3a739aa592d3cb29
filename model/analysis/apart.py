"""The analysis's draws made in a process of their own, while this one makes the rest.

    apart = Apart()           # a worker process starts, and loads the library
    apart.warm(path)          # it analyses the file once, in the background
    apart.expect(path)        # a save: it loads the file and makes its drawn parts...
    a = analyses.of(s)        # ...while this process makes the exact parts and the page

Watch mode's rebuild after a number is edited spends half its time on the parts of the
analysis that read the draws of the uncertain numbers (`Drawn`: the key judgements' ranges
and confidence, the outcomes' spreads, the decisions' intervals); the exact parts and the
rest of the page need none of them until late. So a second process, started with the
session (a new Python running `serve`, so it shares no lock, thread or main module with this
one), loads the saved file itself as soon as it is seen, makes the drawn parts with draws and engine
steps of its own kept from save to save (`uncertainty.Redraw`, `keeping_products`), and
hands them back as plain data. The numbers are the ones this process would make: the same
code on the same file, with caches that are tested to change no figure.

What comes back is used only for the file this process loaded: the worker says which file
and settings it analysed (`memo.analysis_key`), and anything else (the file saved again
between the two loads, a worker that failed or has gone) makes the drawn parts here, as
without a worker. A worker still starting is not waited for. Requests and answers are
pickles on the worker's standard input and output, one at a time and answered in order; the
worker ends when its input closes (the session ends, or this process dies).
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from . import DEFAULT_SEED, Drawn, default_samples, drawn_part

if TYPE_CHECKING:
    from .uncertainty import Redraw

# How long a started job is waited for before the drawn parts are made here instead (a
# worker that has stopped answering is ended, and not replaced until the next `warm`).
PATIENCE_S = 60.0
_SIZE = struct.Struct("<Q")  # each message: its length, then its pickle
Answer = tuple[str | None, Drawn | None]  # the file's analysis key and its drawn parts


class Apart:
    """One worker process that makes the drawn parts of the next analysis (see the module
    docstring). Safe to leave unused; `close()` ends the worker."""

    def __init__(self) -> None:
        self._worker: subprocess.Popen[bytes] | None = None
        self._asked: deque[Future[Answer]] = deque()  # sent, not yet answered, in order
        self._lock = threading.Lock()
        self._ready: Future[Answer] | None = None
        self._pending: Future[Answer] | None = None
        self.taken = 0  # drawn parts used from the worker, for the tests and the benchmark

    def warm(self, path: str | Path) -> None:
        """Start the worker (when not running) and have it analyse `path` once, so that it
        has imported the library and made its plans and draws before the first save."""
        if self._worker is None:
            root = str(Path(__file__).resolve().parents[2])  # where `model` is imported from
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(
                [root, *filter(None, [os.environ.get("PYTHONPATH")])])}
            self._worker = subprocess.Popen(
                [sys.executable, "-c", "from model.analysis.apart import serve; serve()"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                env=env, start_new_session=True)  # Ctrl+C ends the session, which ends it
            threading.Thread(target=self._answers, args=(self._worker,), daemon=True,
                             name="scenario-analysis-answers").start()
        self._ready = self._ask(path)

    @property
    def ready(self) -> bool:
        """The worker has answered its first job (it is warm)."""
        return self._ready is not None and self._ready.done()

    def expect(self, path: str | Path) -> None:
        """A save of `path` was seen: have the worker load it and make its drawn parts
        (nothing while the worker is not ready)."""
        self._pending = self._ask(path) if self.ready else None

    def take(self, key: str | None) -> Drawn | None:
        """The drawn parts of the file expected, when the worker made them for `key` (the
        `analysis_key` of the file this process loaded); None: make them here."""
        pending, self._pending = self._pending, None
        if pending is None or key is None:
            return None
        try:
            made, drawn = pending.result(timeout=PATIENCE_S)
        except TimeoutError:
            self.close()  # gone quiet: from now on they are made here
            return None
        except Exception:  # the file failed to load there, or the worker has ended
            return None
        if made != key or drawn is None:
            return None
        self.taken += 1
        return drawn

    def close(self) -> None:
        """End the worker (its input closes; it is killed if it does not end at once)."""
        worker, self._worker, self._ready, self._pending = self._worker, None, None, None
        if worker is None:
            return
        if worker.stdin is not None:
            with suppress(OSError):
                worker.stdin.close()
        try:
            worker.wait(timeout=1)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        if worker.stdout is not None:
            worker.stdout.close()

    def _ask(self, path: str | Path) -> Future[Answer] | None:
        worker = self._worker
        if worker is None or worker.stdin is None:
            return None
        asked: Future[Answer] = Future()
        with self._lock:
            self._asked.append(asked)
            try:
                _send(worker.stdin, str(path))
            except OSError:  # the worker has ended
                self._asked.pop()
                return None
        return asked

    def _answers(self, worker: subprocess.Popen[bytes]) -> None:
        """Hand each answer to its request, in order, until the worker's output ends; then
        every request still open fails."""
        assert worker.stdout is not None
        while (message := _receive(worker.stdout)) is not None:
            with self._lock:
                asked = self._asked.popleft() if self._asked else None
            if asked is None:
                break
            ok, value = message
            if ok:
                asked.set_result(value)
            else:
                asked.set_exception(value)
        with self._lock:
            while self._asked:
                self._asked.popleft().set_exception(EOFError("the worker has ended"))


@contextmanager
def uncollected() -> Iterator[None]:
    """Python's collection of reference cycles held off while a build runs: a full one
    amid a build takes 20 ms, and a build leaves no cycles behind (a collection after
    one finds none), so the next collection, once allocations make one due, finds
    nothing lost by the wait."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# In the worker ---------------------------------------------------------------------------


def serve() -> None:
    """The worker's loop: each request is a file's path; each answer is `(True, (its
    analysis key, its drawn parts))`, or `(False, the exception)` where it failed."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the session ends the worker
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing printed may reach the answers
    while (path := _receive(source)) is not None:
        try:
            answer: tuple[bool, Any] = (True, _drawn_of(path))
        except Exception as exc:  # handed back: the parent makes the parts itself
            answer = (False, exc)
        try:
            _send(sink, answer)
        except (pickle.PicklingError, TypeError, AttributeError):
            _send(sink, (False, RuntimeError("an answer that would not pickle")))


def _send(stream: IO[bytes], value: object) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_SIZE.pack(len(data)) + data)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    """The next message, or None once the stream has ended."""
    head = stream.read(_SIZE.size)
    if len(head) < _SIZE.size:
        return None
    (size,) = _SIZE.unpack(head)
    data = stream.read(size)
    return pickle.loads(data) if len(data) == size else None  # from our own worker


class _Kept:
    """What the worker keeps from one job to the next: the last draws, and the drawn parts
    of the last file by its key (a save that changed no number asks for them again)."""

    redraw: Redraw | None = None
    last: tuple[str, Drawn] | None = None


def _drawn_of(path: str) -> tuple[str | None, Drawn | None]:
    """The worker's job: load `path`, and return its `analysis_key` and the drawn parts of
    `analyze(scenario)` with its defaults, as `memo.analyze_apart` makes them."""
    from ..network.compiled import keeping_products
    from ..scenario import load
    from .memo import analysis_key
    from .uncertainty import Redraw

    if _Kept.redraw is None:
        _Kept.redraw = Redraw()
    with uncollected(), keeping_products(True):
        scenario = load(path)
        key = analysis_key(scenario)
        if key is None:
            return None, None
        if _Kept.last is not None and _Kept.last[0] == key:
            return _Kept.last
        fresh = scenario.fresh()
        samples, _ = default_samples(fresh)
        made = drawn_part(fresh, fresh.outcomes, samples, DEFAULT_SEED, _Kept.redraw)
    _Kept.last = (key, made)
    return _Kept.last
