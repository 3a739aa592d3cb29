"""Warm edit-to-page of `scenario watch` on the seed: from the moment an edit is saved to the
moment an open tab is told to reload (the reload event on `/events`; the page it then loads
is already built). Edits alternate between a number (the whole analysis is redone) and a
paraphrase (`says:`, text only), each saved the way an editor saves, and the table shows
each kind's median, fastest and slowest over the rounds, with the part the build takes.

    python benchmarks/bench_watch.py [--scenario FILE] [--rounds 8] [--graphviz auto]

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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from model.briefing.watch import Build, Session  # noqa: E402

SEED = ROOT / "scenarios" / "russia_iran_2025.yaml"
TARGET_MS = 150.0
NUMBER = ("prior: {yes: very likely}", "prior: {yes: likely}")  # oman_channel's prior
TEXT = "says:"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=SEED)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--graphviz", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for item in args.scenario.parent.iterdir():
            if item.is_file():
                shutil.copy(item, folder / item.name)
        file = folder / args.scenario.name
        original = file.read_text()
        builds: list[Build] = []
        with Session(file, folder / "out.html", graphviz=args.graphviz, port=0) as session:
            thread = threading.Thread(target=session.run, args=(builds.append,), daemon=True)
            thread.start()
            stream = http.client.HTTPConnection("127.0.0.1", session.port, timeout=120)
            stream.request("GET", "/events", headers={"Host": f"127.0.0.1:{session.port}"})
            events = stream.getresponse()
            read_build(events)  # the first build
            time.sleep(0.5)  # the watcher is up
            timings: dict[str, list[tuple[float, float]]] = {"number": [], "text": []}
            for i in range(args.rounds):
                for kind in timings:
                    text = edit(original, kind, i)
                    start = time.perf_counter()
                    file.write_text(text)
                    version = read_build(events)
                    elapsed = time.perf_counter() - start
                    build = next(b for b in builds if b.version == version)
                    assert not build.problems, build.problems
                    timings[kind].append((elapsed, build.seconds))
            session.stop()
            stream.close()
            thread.join(10)
    print(f"warm edit-to-page of {args.scenario.name}, {args.rounds} rounds "
          f"(target < {TARGET_MS:.0f} ms)")
    print(f"{'edit':<8}{'median':>10}{'fastest':>10}{'slowest':>10}{'build':>10}")
    for kind, found in timings.items():
        totals = [t * 1000 for t, _ in found]
        built = statistics.median(b * 1000 for _, b in found)
        print(f"{kind:<8}{statistics.median(totals):>8.0f}ms{min(totals):>8.0f}ms"
              f"{max(totals):>8.0f}ms{built:>8.0f}ms")


def edit(original: str, kind: str, i: int) -> str:
    """The seed with one edit: a prior's term, or a paraphrase made longer (each round its
    own, so every save changes the file)."""
    if kind == "number":
        old, new = NUMBER if i % 2 == 0 else NUMBER[::-1]
        base = original if i % 2 == 0 else original.replace(*NUMBER)
        return base.replace(old, new, 1) + f"# round {i}\n"
    return original.replace(TEXT, f"{TEXT} (edit {i})", 1)


def read_build(events: http.client.HTTPResponse) -> int:
    while True:
        line = events.readline()
        if not line:
            raise SystemExit("the event stream closed")
        if line.startswith(b"data: "):
            return int(line[6:])


if __name__ == "__main__":
    main()
