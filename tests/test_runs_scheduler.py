"""A scheduler named by its address that cannot serve a run: refused in words, soon."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from model import runs
from model.errors import ScenarioError

pytest.importorskip("distributed")


def _double(x: int) -> int:
    return 2 * x


@pytest.fixture
def listener() -> Iterator[tuple[socket.socket, list[socket.socket]]]:
    """A port that takes connections and never says a word (as a dashboard's waits for an
    HTTP request)."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server, held
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()
    # the connection given up on ends once its socket closes: wait for it, as it holds
    # dask.distributed's event loop, which a later test in this process starts again
    for left in threading.enumerate():
        if left.name == "dask-connect":
            left.join(30)


def test_a_port_that_never_answers_is_given_up_on(
        listener: tuple[socket.socket, list[socket.socket]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runs, "CONNECT_S", 1)
    port = listener[0].getsockname()[1]
    with pytest.raises(ScenarioError) as caught:
        runs.run_each(_double, [1, 2], backend="dask", scheduler=f"tcp://127.0.0.1:{port}")
    [problem] = caught.value.problems
    assert problem.message.startswith(f"the Dask scheduler at tcp://127.0.0.1:{port} ")
    assert problem.hint is not None and "not its dashboard's" in problem.hint


def test_a_port_that_answers_in_another_protocol_is_not_a_scheduler(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An HTTP server's reply read as Dask's frames asked for exabytes (a MemoryError)."""
    server = socket.create_server(("127.0.0.1", 0))

    def answer() -> None:
        server.settimeout(10)
        try:
            conn, _ = server.accept()
        except OSError:
            return
        with conn:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"\xff" * 4096)
            threading.Event().wait(3)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    monkeypatch.setattr(runs, "CONNECT_S", 2)
    port = server.getsockname()[1]
    try:
        with pytest.raises(ScenarioError) as caught:
            runs.run_each(_double, [1, 2], backend="dask", scheduler=f"tcp://127.0.0.1:{port}")
    finally:
        server.close()
    [problem] = caught.value.problems
    assert f"tcp://127.0.0.1:{port}" in problem.message
    assert "internal" not in problem.message and problem.hint is not None


def test_a_scheduler_without_workers_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """A scheduler of its own process, as a user starts one (`dask scheduler`), no worker."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
         "--port", str(port), "--no-dashboard"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:  # until it listens
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the scheduler did not start"
                time.sleep(0.2)
        monkeypatch.setattr(runs, "WORKERS_S", 1)
        address = f"tcp://127.0.0.1:{port}"
        with pytest.raises(ScenarioError) as caught:
            runs.run_each(_double, [1, 2], backend="dask", scheduler=address)
    finally:
        scheduler.terminate()
        scheduler.wait(30)
    [problem] = caught.value.problems
    assert problem.message == f"the Dask scheduler at {address} has no workers (waited 1 s)"
    assert problem.hint is not None and f"dask worker {address}" in problem.hint
