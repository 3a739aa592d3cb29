"""Warm edit-to-page of `scenario watch` on the seed: from the moment an edit is saved to the
moment an open tab is told to reload (the reload event on `/events`; the page it then loads
is already built). Edits alternate between a number (oman_channel's prior, a new value each
round: the whole analysis is redone) and a paraphrase (`says:`, text only, the numbers as
the save before left them), each saved the way an editor saves, a quarter of a second
after the page before was out. The table shows each kind's median, fastest and slowest over
the rounds, with the part the build takes.

With `--caches both` (the default) two sessions watch two copies of the file, one with what
watch mode keeps between builds turned off (the engine's plans shared by structure and the
results of its batched steps, the diagrams drawn, the last analyses and draws) and one with it
on, edited in turn, so the two columns are measured side by side on the same machine at the
same time.

    python benchmarks/bench_watch.py [--scenario FILE] [--rounds 8] [--graphviz auto]
                                     [--caches both|on|off]

Target (issue 13 item 2): warm edit-to-page under 150 ms on the seed.
"""

from __future__ import annotations

import argparse
import http.client
import shutil
import statistics
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from model.briefing import graphviz  # noqa: E402
from model.briefing.watch import Build, Session  # noqa: E402
from model.network import compiled  # noqa: E402

SEED = ROOT / "scenarios" / "russia_iran_2025.yaml"
TARGET_MS = 150.0
# Between one page and the next save: the quickest an analyst edits again.
PAUSE_S = 0.25
TEXT = "says:"
KINDS = ("number", "text")


@dataclass
class Watched:
    """One session, its file as last saved and what each edit took."""

    caches: bool
    file: Path
    text: str
    session: Session
    events: http.client.HTTPResponse
    builds: list[Build] = field(default_factory=list)
    timings: dict[str, list[tuple[float, float]]] = field(
        default_factory=lambda: {kind: [] for kind in KINDS})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=SEED)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--graphviz", default=None)
    parser.add_argument("--caches", choices=["both", "on", "off"], default="both")
    args = parser.parse_args()
    modes = [False, True] if args.caches == "both" else [args.caches == "on"]
    with ExitStack() as stack:
        watched = [start(stack, args.scenario, args.graphviz, caches) for caches in modes]
        time.sleep(0.5)  # the watchers are up
        for i in range(args.rounds):
            for kind in KINDS:
                for w in watched:
                    save(w, edit(w.text, kind, i), kind)
    print(f"warm edit-to-page of {args.scenario.name}, {args.rounds} rounds "
          f"(target < {TARGET_MS:.0f} ms)")
    print(f"{'edit':<8}{'kept':<6}{'median':>10}{'fastest':>10}{'slowest':>10}{'build':>10}")
    for kind in KINDS:
        for w in watched:
            totals = [t * 1000 for t, _ in w.timings[kind]]
            built = statistics.median(b * 1000 for _, b in w.timings[kind])
            print(f"{kind:<8}{'on' if w.caches else 'off':<6}"
                  f"{statistics.median(totals):>8.0f}ms{min(totals):>8.0f}ms"
                  f"{max(totals):>8.0f}ms{built:>8.0f}ms")


def start(stack: ExitStack, scenario: Path, renderer: str | None, caches: bool) -> Watched:
    """A copy of the scenario's folder watched by its own session, built once."""
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
    for item in scenario.parent.iterdir():
        if item.is_file():
            shutil.copy(item, folder / item.name)
    file = folder / scenario.name
    session = Session(file, folder / "out.html", graphviz=renderer, port=0)
    if not caches:
        session.analyses = None
    stack.enter_context(session)
    builds: list[Build] = []
    with toggled(caches):
        thread = threading.Thread(target=session.run, args=(builds.append,), daemon=True)
        thread.start()
        stream = http.client.HTTPConnection("127.0.0.1", session.port, timeout=120)
        stream.request("GET", "/events", headers={"Host": f"127.0.0.1:{session.port}"})
        events = stream.getresponse()
        built = read_build(events)
        while built < 1:  # a tab told "nothing built yet" waits for the first
            built = read_build(events)
    stack.callback(thread.join, 10)
    stack.callback(stream.close)
    stack.callback(session.stop)
    return Watched(caches, file, file.read_text(), session, events, builds)


class toggled:
    """What watch mode keeps between builds turned on or off while a build runs (the
    engine's plans and the diagrams are kept by module; the analyses, draws and the
    engine's batched steps by session)."""

    def __init__(self, caches: bool):
        self.caches = caches

    def __enter__(self) -> None:
        compiled.SHARE_PLANS = graphviz.KEEP_RENDERS = self.caches

    def __exit__(self, *_exc: object) -> None:
        compiled.SHARE_PLANS = graphviz.KEEP_RENDERS = True


def save(w: Watched, text: str, kind: str) -> None:
    time.sleep(PAUSE_S)  # an analyst looks at the page before saving again
    with toggled(w.caches):
        start = time.perf_counter()
        w.file.write_text(text)
        version = read_build(w.events)
        elapsed = time.perf_counter() - start
    waited = time.perf_counter() + 10
    while len(w.builds) < version and time.perf_counter() < waited:
        time.sleep(0.001)  # the tab is told before the session's thread records the build
    assert version == len(w.builds) == w.builds[-1].version, "one build per save"
    build = next(b for b in w.builds if b.version == version)
    assert not build.problems, build.problems
    w.text = text
    w.timings[kind].append((elapsed, build.seconds))


def edit(text: str, kind: str, i: int) -> str:
    """The file as last saved with one edit: oman_channel's prior set to a value no earlier
    round had, or the first paraphrase made longer (each round its own, so every save
    changes the file and only the text)."""
    if kind == "number":
        start = text.index("prior: {yes: ", text.index("oman_channel:"))
        end = text.index("}", start) + 1
        return text[:start] + f"prior: {{yes: {0.800 + 0.005 * i:.3f}}}" + text[end:]
    if i == 0:
        return text.replace(TEXT, f"{TEXT} (edit 0)", 1)
    return text.replace(f"{TEXT} (edit {i - 1})", f"{TEXT} (edit {i})", 1)


def read_build(events: http.client.HTTPResponse) -> int:
    while True:
        line = events.readline()
        if not line:
            raise SystemExit("the event stream closed")
        if line.startswith(b"data: "):
            return int(line[6:])


if __name__ == "__main__":
    main()
