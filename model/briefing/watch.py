"""Watch mode: the briefing follows the editor.

    with Session("scenarios/russia_iran_2025.yaml") as session:
        print(session.url)        # http://127.0.0.1:8765/
        session.run(on_build)     # until Ctrl+C

Each time the scenario file, or a source text it cites (`sources: ... path:`), is saved, the
file is loaded and checked again and the briefing rewritten, as `scenario report` writes it
(a self-contained, static page whose policy allows only its own script). A file with
problems leaves the last good briefing in place; `on_build` hears of every build, with its
problems, so the command line prints them as `validate` does, and goes on watching. While the
file has problems, every file it names is watched too, as far as the files read (a case's
scenario, the source texts either cites, even those missing or in a folder not made yet),
besides every file the last good build read, so the save that fixes the problem is seen
wherever it is made. A save
that changes nothing the analysis reads (a paraphrase, a description) keeps the last
analysis; the diagrams and the engine's plans are kept too, so the page is laid out again
in a fraction of the first build's time; a save that changes numbers draws again only those
numbers and builds only their nodes' tables; either way the page is byte for byte the page
`scenario report` writes.

The page is also served from 127.0.0.1 (never another address; requests naming another
host are refused, so a web page elsewhere cannot read it through DNS rebinding), with one
addition that exists only there: a small script, allowed by its own hash, that listens on
`/events` (server-sent events) and reloads the tab when a new build is ready; a build with
problems is served as a page that lists them, and the tab returns to the briefing once they
are fixed. The file on disk never carries the script.

Files are watched with watchfiles (its Rust notify backend: inotify on Linux, FSEvents on
macOS, ReadDirectoryChangesW on Windows), folder by folder, so editors that save by writing
a new file and renaming it over the old one are seen too; a file in a folder not made yet is
watched from the nearest folder that is, and each half second without events the watched
files are looked at once more (their size, time and inode), so a file made in the moment a
folder's watch starts is not missed.
"""

from __future__ import annotations

import base64
import hashlib
import html
import os
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..analysis.apart import Apart, uncollected
from ..analysis.memo import Analyses
from ..errors import Problem, ScenarioError
from ..files import write_atomic
from ..language.cases import is_case
from ..language.loader import read_document
from ..network.compiled import forget_products, keeping_products
from ..scenario import Scenario, load
from .page import CSP, default_path, render

if TYPE_CHECKING:
    from http.server import BaseHTTPRequestHandler

HOST = "127.0.0.1"
DEFAULT_PORT = 8765
STEP_MS = 10  # a burst of writes (an editor's save: a few ms) is one change once quiet this long
LOOK_MS = 500  # this long without events, the watched files are looked at (see `_moved`)
PING_S = 15.0  # a comment on the event stream this often finds tabs that have gone
NO_SCRIPT = "'none'"

# The served page's addition. `{version}` is the build the page shows: a tab that connects
# after a newer build reloads at once.
RELOAD_SCRIPT = """(() => {{
  const shown = {version};
  const events = new EventSource("/events");
  events.addEventListener("build", (event) => {{
    if (Number(event.data) !== shown) location.reload();
  }});
}})();"""


def script_hash(script: str) -> str:
    return base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()


def live_page(page: str, version: int) -> str:
    """`page` (a briefing as `render` makes it) as watch mode serves it: with the reload
    script, allowed by its hash beside the page's own, and connections to this server."""
    script = RELOAD_SCRIPT.format(version=version)
    head, sep, rest = page.partition('<meta http-equiv="Content-Security-Policy" content="')
    attribute, quote, tail = rest.partition('"')
    directives = [d.strip() for d in html.unescape(attribute).split(";")]
    scripts = [i for i, d in enumerate(directives) if d.startswith("script-src ")]
    if not sep or not quote or len(scripts) != 1 or "</body>" not in tail:
        raise ValueError("not a page of this briefing: its policy or body is missing")
    own = directives[scripts[0]].removeprefix("script-src ")
    mine = f"'sha256-{script_hash(script)}'"
    directives[scripts[0]] = f"script-src {mine}" + ("" if own == NO_SCRIPT else f" {own}")
    directives.append("connect-src 'self'")
    policy = html.escape("; ".join(directives), quote=True)
    body, end, after = tail.rpartition("</body>")
    return f"{head}{sep}{policy}{quote}{body}<script>{script}</script>\n{end}{after}"


def problems_page(file: str, problems: tuple[Problem, ...], version: int,
                  kept: Path | None = None) -> str:
    """What the tab shows while the file has problems (it reloads once they are fixed);
    `kept`: the briefing on disk, if there is one."""
    where = (f"The briefing on disk ({html.escape(str(kept))}) is the last one built "
             "without problems. This page returns to it" if kept is not None else
             "No briefing has been written yet. This page turns into it")
    items = "\n".join(f"<li>{html.escape(str(p))}</li>" for p in problems)
    page = (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="'
            f'{CSP.format(script=NO_SCRIPT)}">\n'
            f"<title>{html.escape(file)}: {len(problems)} problem"
            f"{'s' if len(problems) != 1 else ''}</title>\n"
            "<style>body{font:16px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;"
            "padding:0 1rem;color:#1c2430}li{margin:.4rem 0;font-family:ui-monospace,monospace;"
            "font-size:.9rem}h1{font-size:1.3rem;color:#a4472a}</style>\n</head>\n<body>\n"
            f"<h1>{html.escape(file)} has {len(problems)} problem"
            f"{'s' if len(problems) != 1 else ''}</h1>\n"
            f"<p>{where} once the file is fixed and saved.</p>\n"
            f"<ul>\n{items}\n</ul>\n</body>\n</html>\n")
    return live_page(page, version)


@dataclass(frozen=True)
class Build:
    """One build: the briefing written (None when the file has problems), its problems and
    warnings, how long it took, the saved files that set it off (none for the first), and,
    when it wrote nothing, the briefing left on disk (None: none written yet)."""

    version: int
    written: Path | None
    problems: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    seconds: float
    changed: tuple[Path, ...] = ()
    kept: Path | None = None

    def summary(self) -> str:
        """The line the command prints after the build's problems and warnings."""
        if self.written is not None:
            return f"wrote {self.written} in {self.seconds * 1000:.0f} ms"
        count = f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}"
        if self.kept is not None:
            return f"kept the last briefing ({self.kept}): {count} (watching for the next save)"
        return (f"no briefing written yet: {count}, listed on the served page until the "
                "file is fixed (watching for the next save)")


@dataclass
class _Shown:
    """What the server hands out: the latest build's page, and a way to wait for the next."""

    version: int = 0
    page: bytes = b""
    stopping: bool = False
    changed: threading.Condition = field(default_factory=threading.Condition)

    def publish(self, version: int, page: str) -> None:
        with self.changed:
            self.version, self.page = version, page.encode("utf-8")
            self.changed.notify_all()

    def stop(self) -> None:
        with self.changed:
            self.stopping = True
            self.changed.notify_all()


class Session:
    """Watch one scenario file: build, serve, rebuild on save (see the module docstring)."""

    def __init__(self, file: str | Path, output: str | Path | None = None, *,
                 graphviz: str | None = None, port: int = DEFAULT_PORT):
        self.file = Path(file)
        self.output = Path(output) if output is not None else None
        self.graphviz = graphviz
        # the last analyses, so a save that changes no number, structure, evidence or
        # setting (a paraphrase) only lays the page out again (see `analysis.memo`), and the
        # last draws, so one that changes numbers draws only those again; a worker process
        # makes the analysis's drawn parts while this one makes the rest (`analysis.apart`)
        self.analyses: Analyses | None = Analyses(apart=Apart())
        self.shown = _Shown()
        self.watched: set[Path] = {self.file.resolve()}
        self._good = set(self.watched)  # what the last good build read
        self._written: Path | None = None  # the last briefing written, or one found on disk
        if self.output is not None and self.output.is_file():
            self._written = self.output
        self._seen: dict[Path, tuple[int, ...] | None] = {}  # see `_moved`
        self._awaited: set[Path] = set()  # folders not made yet, on the way to watched files
        self._stop = threading.Event()
        from http.server import ThreadingHTTPServer  # here: `scenario validate` starts fast

        try:
            self.server = ThreadingHTTPServer((HOST, port), _handler(self.shown))
        except OSError as exc:
            raise ScenarioError(Problem(
                f"cannot serve on {HOST}:{port}: {exc.strerror or exc}",
                hint="pick another port with --port, or --port 0 for any free one")) from None
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self._serving = threading.Thread(target=self.server.serve_forever, daemon=True,
                                         name="scenario-watch-server")

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def __enter__(self) -> Session:
        self._serving.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        forget_products()
        if self.analyses is not None and self.analyses.apart is not None:
            self.analyses.apart.close()
        self._stop.set()
        self.shown.stop()
        self.server.shutdown()
        self.server.server_close()

    def build(self, changed: tuple[Path, ...] = ()) -> Build:
        """Load, check and write the briefing once, and publish it to the tabs."""
        with uncollected():
            return self._build(changed)

    def _build(self, changed: tuple[Path, ...]) -> Build:
        start = time.perf_counter()
        version = self.shown.version + 1
        seen = {p: _signature(p) for p in self.watched}  # before reading: see `_moved`
        if self.analyses is not None:
            self.analyses.expect(self.file)  # the worker loads it too, as this process does
        try:
            # a session that keeps its analyses keeps the engine's batched steps too
            with keeping_products(self.analyses is not None):
                s = load(self.file)
                page = render(s, graphviz=self.graphviz, analyses=self.analyses)
            written = write_atomic(self.output or default_path(s), page)
        except ScenarioError as exc:
            # the fix may come in any file the last good build read or this one named
            self._watch(self._good | self._named(exc.problems), seen)
            self.shown.publish(version, problems_page(str(self.file), exc.problems, version,
                                                      self._written))
            return Build(version, None, exc.problems, (), time.perf_counter() - start, changed,
                         self._written)
        self._good = self._cited(s)
        self._written = written
        self._watch(self._good, seen)
        self.shown.publish(version, live_page(page, version))
        return Build(version, written, (), tuple(s.warnings), time.perf_counter() - start,
                     changed)

    def warm(self) -> None:
        """Start the worker that makes the drawn parts of each analysis (`analysis.apart`),
        and let it analyse the file once: the builds after it is ready use it."""
        if self.analyses is not None and self.analyses.apart is not None:
            self.analyses.apart.warm(self.file)

    def _watch(self, paths: set[Path], seen: dict[Path, tuple[int, ...] | None]) -> None:
        """Watch `paths` from now on; `seen`: how the files looked when the build read them."""
        self.watched = paths
        self._seen = {p: seen[p] if p in seen else _signature(p) for p in paths}

    def _cited(self, s: Scenario) -> set[Path]:
        """The files a build read: the file watched; for a case file, the scenario it names
        too; and the source texts each cites, read relative to the file that cites them."""
        cited = {s.model_path: s.file.sources}
        if s.case is not None:
            cited[s.case.document.path] = s.case.file.sources
        paths = {self.file.resolve()}
        for path, sources in cited.items():
            paths |= _texts(path, ["", *(src.path for src in sources.values() if src.path)])
        return paths

    def _named(self, problems: tuple[Problem, ...]) -> set[Path]:
        """The files a load that failed named or tried to read, as far as the files read:
        the file watched and each file a problem is in; for a case file, the scenario it
        names (with and without `.yaml` when it gives no suffix); and the source texts
        (`sources: ... path:`) of each, read from the data as parsed, checked or not."""
        paths = {self.file.resolve()}
        for problem in problems:
            if problem.file and problem.file != "<string>":
                paths |= _texts(Path(problem.file), [""])
        try:
            docs = [read_document(self.file)]
        except ScenarioError:
            return paths  # not YAML yet: the file alone (and what the last good build read)
        data = docs[0].data
        named = data.get("scenario") if is_case(docs[0]) else None
        if isinstance(named, str) and named.strip() and "\0" not in named:
            folder = self.file.parent
            tried = [folder / named]
            if not Path(named).suffix:
                tried.append(folder / f"{named}.yaml")
            for path in tried:
                paths |= _texts(path, [""])
            for path in tried:
                if path.is_file():
                    with suppress(ScenarioError):  # its problems named it already
                        docs.append(read_document(path))
                    break
        for doc in docs:
            sources = doc.data.get("sources") if isinstance(doc.data, dict) else None
            if isinstance(sources, dict):
                paths |= _texts(doc.path, [src.get("path") for src in sources.values()
                                           if isinstance(src, dict)])
        return paths

    def run(self, on_build: Callable[[Build], Any]) -> None:
        """Build now and after every save until `close()` (or Ctrl+C, which ends it quietly)."""
        from watchfiles import watch

        self.warm()
        on_build(self.build())
        try:
            while not self._stop.is_set():
                folders = self.folders()
                for changes in watch(*folders, watch_filter=self._wanted, step=STEP_MS,
                                     stop_event=self._stop, rust_timeout=LOOK_MS,
                                     yield_on_timeout=True, recursive=False):
                    saved = (tuple(sorted({Path(path).resolve() for _, path in changes}))
                             if changes else self._moved())
                    if not saved:
                        continue
                    on_build(self.build(saved))
                    if self.folders() != folders:
                        break  # a file in another folder, or a folder made: watch it too
        except KeyboardInterrupt:
            pass

    def folders(self) -> list[Path]:
        """The folders to watch for the files watched: each file's own, or the nearest one
        above it that exists, the folders not made yet on the way to it noted (`_wanted`
        lets their making through, so the build after it watches them)."""
        found: set[Path] = set()
        self._awaited = set()
        for path in self.watched:
            folder = path.parent
            while not folder.is_dir() and folder.parent != folder:
                self._awaited.add(folder)
                folder = folder.parent
            found.add(folder)
        return sorted(found)

    def _wanted(self, _change: object, path: str) -> bool:
        try:
            found = Path(path).resolve()
        except (OSError, RuntimeError):
            return False
        return found in self.watched or found in self._awaited

    def _moved(self) -> tuple[Path, ...]:
        """The watched files that are not as the last build found them (made, removed or
        written since): what a folder's watch, started after a build, could have missed."""
        return tuple(sorted(p for p in self.watched if _signature(p) != self._seen.get(p)))

    def stop(self) -> None:
        """Ask `run` to return (from another thread)."""
        self._stop.set()


def _texts(file: Path, named: list[Any]) -> set[Path]:
    """The paths `named` (strings; others are passed over) relative to `file`'s folder,
    resolved; `[""]` is `file` itself."""
    found: set[Path] = set()
    for path in named:
        if not isinstance(path, str):
            continue
        try:
            found.add((file.resolve().parent / path).resolve() if path else file.resolve())
        except (OSError, RuntimeError, ValueError):  # a loop of links, a NUL
            continue
    return found


def _signature(path: Path) -> tuple[int, ...] | None:
    """How a file looks (size, time, inode, device), None when there is none to stat."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)


def _handler(shown: _Shown) -> type[BaseHTTPRequestHandler]:
    from http.server import BaseHTTPRequestHandler

    class Handler(BaseHTTPRequestHandler):
        server_version = "scenario-watch"
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return  # the terminal shows builds, not requests

        def _local(self) -> bool:
            port = getattr(self.server, "server_port", None)
            if self.headers.get("Host") in (f"{HOST}:{port}", f"localhost:{port}"):
                return True
            self.send_error(403, "watch mode answers requests for 127.0.0.1 only")
            return False

        def do_GET(self) -> None:
            if not self._local():
                return
            path = self.path.split("?", 1)[0]
            if path in ("/", "/index.html"):
                body = shown.page
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.send_header("X-Content-Type-Options", "nosniff")
                self.send_header("Referrer-Policy", "no-referrer")
                self.end_headers()
                self.wfile.write(body)
            elif path == "/events":
                self._events()
            else:
                self.send_error(404, "watch mode serves / and /events only")

        def _events(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.close_connection = True
            told = -1
            try:
                while True:
                    with shown.changed:
                        if shown.version == told and not shown.stopping:
                            shown.changed.wait(PING_S)
                        if shown.stopping:
                            return
                        version = shown.version
                    if version != told:
                        self.wfile.write(f"event: build\ndata: {version}\n\n".encode())
                        told = version
                    else:
                        self.wfile.write(b": ping\n\n")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return  # the tab went away

    return Handler


def watch(file: str | Path, output: str | Path | None = None, *, graphviz: str | None = None,
          port: int = DEFAULT_PORT, on_serving: Callable[[str], Any] = print,
          on_build: Callable[[Build], Any] = print) -> None:
    """Watch `file` until Ctrl+C: `on_serving` hears the page's address, `on_build` each
    build (see `Session`)."""
    with Session(file, output, graphviz=graphviz, port=port) as session:
        on_serving(session.url)
        session.run(on_build)
