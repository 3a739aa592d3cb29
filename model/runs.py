"""Many independent runs at once: on this machine's cores, or on a Dask cluster.

    run_each(work, items)                                  # one after the other, here
    run_each(work, items, jobs=4)                          # four processes on this machine
    run_each(work, items, backend="dask")                  # a Dask cluster started here
    run_each(work, items, backend="dask", scheduler="tcp://10.0.0.5:8786")   # a real one

Every run goes through joblib: locally through its process pool (loky), with `backend="dask"`
through joblib's Dask backend, so the same call scales from a laptop to a cluster. `work` and
the items travel by pickle, so `work` is a module-level function and the items plain data or
loaded `Scenario`s; a cluster's workers need this package installed, and nothing else: the
scenarios travel with their source texts already read. Results come back in the order of
`items`, whichever finishes first, and a run that is refused raises the problem of the first
item refused, as one after the other would; a bar on stderr counts them (see `progress`).

joblib (about 90 ms to import) and dask.distributed (about 0.5 s, and a few seconds to start
a local cluster) are imported only when a run needs them.

Ctrl+C is this process's alone: a local cluster is started with SIGINT held back
(`sigint_held`), so its worker processes, which keep the signal mask they start with, never
see it, and one pressed while it starts waits until it has; then the cluster is closed, its
logs silenced, and the KeyboardInterrupt goes on to the command line (`error: aborted`).
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from types import FrameType
from typing import Any, Literal, TypeVar, cast, get_args

from .errors import Problem, ScenarioError, shown
from .progress import task

Backend = Literal["local", "dask"]
BACKENDS: tuple[Backend, ...] = get_args(Backend)
CLOSE_S = 10  # seconds a local cluster (and its client) may take to close

T = TypeVar("T")
R = TypeVar("R")


def cores() -> int:
    return os.cpu_count() or 1


def workers(jobs: int) -> int:
    """`jobs` as a count of workers: 0 means one per core."""
    if jobs < 0:
        raise ScenarioError(Problem(f"jobs must be 0 (every core) or more, got {jobs}",
                                    hint="e.g. --jobs 4"))
    return jobs or cores()


def _indexed(work: Callable[[T], R], i: int,
             item: T) -> tuple[int, R | None, ScenarioError | None]:
    """The item's number with its result, or with the problem it raised (so the caller can
    raise the first item's problem, not whichever worker failed first)."""
    try:
        return i, work(item), None
    except ScenarioError as exc:
        return i, None, exc


def run_each(work: Callable[[T], R], items: Sequence[T], *, jobs: int = 1,
             backend: Backend = "local", scheduler: str | None = None,
             description: str = "running", unit: str = "run") -> list[R]:
    """`[work(item) for item in items]`, spread over `jobs` workers (0: one per core) or a
    Dask cluster (`scheduler`: its address; a local cluster of `jobs` workers when None)."""
    if backend not in BACKENDS:
        raise ScenarioError(Problem(f"unknown backend '{backend}'",
                                    hint=f"use one of {', '.join(BACKENDS)}"))
    if scheduler is not None and backend != "dask":
        raise ScenarioError(Problem("a scheduler address is for the dask backend",
                                    hint="add --backend dask"))
    n = workers(jobs)
    results: dict[int, R] = {}
    refused: dict[int, ScenarioError] = {}
    with task(description, len(items), unit) as advance:
        if backend == "local" and (n == 1 or len(items) <= 1):
            for i, item in enumerate(items):
                results[i] = work(item)
                advance(1)
        else:
            import joblib

            with _backend(backend, scheduler, n) as n_jobs:
                found: Iterator[tuple[int, R | None, ScenarioError | None]] = \
                    joblib.Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
                        joblib.delayed(_indexed)(work, i, item)
                        for i, item in enumerate(items))
                for i, result, problem in found:
                    if problem is not None:
                        refused[i] = problem
                    else:
                        results[i] = cast(R, result)
                    advance(1)
    if refused:  # as one after the other would: the problem of the first item refused
        raise refused[min(refused)]
    return [results[i] for i in range(len(items))]


@contextmanager
def _backend(backend: Backend, scheduler: str | None, n: int) -> Iterator[int]:
    """joblib's backend for the run, and the n_jobs to give joblib.Parallel."""
    if backend == "local":
        yield n
        return
    import joblib

    with _dask_client(scheduler, n), joblib.parallel_config(backend="dask"):
        yield -1  # every worker the cluster has


@contextmanager
def _dask_client(scheduler: str | None, n: int) -> Iterator[Any]:
    import logging

    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ScenarioError(Problem(
            "the dask backend needs dask.distributed, which is not installed",
            hint="pip install 'scenario-modeller[dask]'")) from None
    if scheduler is None:
        cluster: Any = None
        client: Any = None
        try:
            # Loopback only, no dashboard: a cluster for this run and nothing else; its
            # workers started deaf to Ctrl+C, which is ours (see the module docstring).
            _resource_tracker()
            with sigint_held():
                cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None,
                                       silence_logs=logging.ERROR)
                client = Client(cluster)
            yield client
        except BaseException:  # Ctrl+C, or a cluster that did not start: closed unsaid
            with cluster_logs_quiet(), sigint_held():
                if client is not None:  # the workers' logs too (their stderr is ours)
                    with suppress(Exception):
                        client.run(silence_logs, on_error="ignore", callback_timeout=CLOSE_S)
                close_quietly(client, cluster)
            raise
        with cluster_logs_quiet():
            close_quietly(client, cluster)
        return
    client = _connect(Client, scheduler)
    with client:
        try:
            client.wait_for_workers(1, timeout=WORKERS_S)
        except (TimeoutError, OSError):
            raise ScenarioError(Problem(
                f"the Dask scheduler at {shown(scheduler)} has no workers (waited "
                f"{WORKERS_S} s)", hint=f"start workers with `dask worker {shown(scheduler)}`, "
                                        "or leave out --scheduler for a local cluster")) from None
        yield client


CONNECT_S = 10  # seconds a scheduler named by its address may take to answer
WORKERS_S = 30  # seconds it may take to have a worker


def _connect(client_type: Any, scheduler: str) -> Any:
    """A client of the scheduler at `scheduler`, or a located refusal: one that cannot be
    reached, one that does not answer (a dashboard's HTTP port waits forever) and one that
    answers in another protocol (whose bytes read as a frame of exabytes) alike. The client
    is made on a thread of its own, so that a connection that hangs past its timeout is
    given up on."""
    made: dict[str, Any] = {}

    def connect() -> None:
        try:
            made["client"] = client_type(scheduler, timeout=f"{CONNECT_S}s")
        except BaseException as exc:  # handed to the caller's thread below
            made["error"] = exc

    thread = threading.Thread(target=connect, name="dask-connect", daemon=True)
    thread.start()
    thread.join(CONNECT_S + 5)
    hint = ("give the scheduler's address (e.g. tcp://HOST:8786; not its dashboard's, "
            "8787): start one with `dask scheduler` and workers with `dask worker ADDRESS`, "
            "or leave out --scheduler for a local cluster")
    where = shown(scheduler)
    if thread.is_alive():
        raise ScenarioError(Problem(f"the Dask scheduler at {where} did not answer within "
                                    f"{CONNECT_S + 5} s", hint=hint))
    error = made.get("error")
    if isinstance(error, OSError | TimeoutError | ValueError):
        raise ScenarioError(Problem(f"cannot reach the Dask scheduler at {where}: "
                                    f"{shown(str(error))}", hint=hint))
    if isinstance(error, Exception):  # MemoryError included: another protocol's bytes
        raise ScenarioError(Problem(f"what answers at {where} is not a Dask scheduler "
                                    f"({type(error).__name__})", hint=hint))
    if error is not None:
        raise error  # KeyboardInterrupt, SystemExit
    return made["client"]


@contextmanager
def sigint_held() -> Iterator[None]:
    """Run the block with SIGINT blocked in this thread, so the threads and processes it
    starts begin with it blocked (a process keeps its signal mask across fork and exec) and
    never see Ctrl+C; a Ctrl+C meanwhile is held, and raised again once the block is over
    (to the handler there was: a KeyboardInterrupt, as a rule). Where signals cannot be
    masked (Windows), the block runs as it is."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    pressed: list[int] = []

    def hold(signum: int, _frame: FrameType | None) -> None:
        pressed.append(signum)  # a thread that did not block it took the signal

    before = signal.getsignal(signal.SIGINT)
    # Python's handlers run in the main thread only, and only it may set them
    replaced = (threading.current_thread() is threading.main_thread()
                and before is not None and before != signal.SIG_IGN)
    if replaced:
        signal.signal(signal.SIGINT, hold)
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        if signal.SIGINT not in mask and signal.SIGINT in signal.sigpending():
            signal.sigwait({signal.SIGINT})  # taken here, to be raised once all is restored
            pressed.append(signal.SIGINT)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        if replaced:
            signal.signal(signal.SIGINT, before)
        if pressed:
            signal.raise_signal(signal.SIGINT)


def _resource_tracker() -> None:
    """Start multiprocessing's resource tracker now, as a local cluster would: started
    inside `sigint_held`, Python 3.11 and 3.12 unblock SIGINT in the thread that starts it
    (the cluster's event loop, which starts the workers) once it is up."""
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()


_LOGGERS = ("distributed", "dask", "tornado")  # tornado: the event loop's callbacks


def _cluster_loggers() -> list[Any]:
    """dask.distributed's loggers, tornado's and those below them (some have levels of
    their own: distributed.client, tornado.application)."""
    import logging

    names = [name for name in list(logging.root.manager.loggerDict)
             if any(name == top or name.startswith(top + ".") for top in _LOGGERS)]
    return [logging.getLogger(name) for name in sorted({*_LOGGERS, *names})]


def silence_logs() -> None:
    """Nothing from dask.distributed's logs from now on, in this process (run on the
    workers of a cluster closed mid-run, whose busy workers log each heartbeat that no
    longer reaches the scheduler)."""
    import logging

    for log in _cluster_loggers():
        log.setLevel(logging.CRITICAL + 1)


@contextmanager
def cluster_logs_quiet() -> Iterator[None]:
    """Nothing from dask.distributed's logs while the block runs (a cluster closed mid-run,
    or half started, logs the work it cancels as errors, and a callback of its event loop
    may find the connections closed); their levels as they were after."""
    import logging

    loggers = _cluster_loggers()
    levels = [log.level for log in loggers]
    for log in loggers:
        log.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for log, level in zip(loggers, levels, strict=True):
            log.setLevel(level)


def close_quietly(*closing: Any) -> None:
    """Close each of `closing` (a Client, a cluster; None is passed over), whatever the
    others do, with Ctrl+C held back meanwhile so the closing is not cut short."""
    with sigint_held():
        for thing in closing:
            if thing is None:
                continue
            # a cluster half started or half gone is closed as far as it goes
            with suppress(Exception):
                thing.close(timeout=CLOSE_S)
