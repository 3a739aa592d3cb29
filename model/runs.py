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
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal, TypeVar, cast, get_args

from .errors import Problem, ScenarioError
from .progress import task

Backend = Literal["local", "dask"]
BACKENDS: tuple[Backend, ...] = get_args(Backend)

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
        # Loopback only, no dashboard: a cluster for this run and nothing else.
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None,
                               silence_logs=logging.ERROR)
        try:
            with Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ScenarioError(Problem(
            f"cannot reach the Dask scheduler at {scheduler}: {exc}",
            hint="start one with `dask scheduler` and workers with `dask worker ADDRESS`, "
                 "or leave out --scheduler for a local cluster")) from None
    with client:
        yield client
