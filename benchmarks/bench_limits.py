"""How fast each stated limit refuses a file past it (the tests check that each is refused
and how it is explained; how long it takes is measured here).

    python benchmarks/bench_limits.py [--repeats 3]

Each case is written to a temporary file and loaded with `model.load` in this process; the
table shows the median time to the refusal and the message's first words.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import model  # noqa: E402
from model.limits import MAX_FILE_BYTES, MAX_NODES, MAX_STATES  # noqa: E402
from tests.test_hostile_input import LAUGHS, TINY, root, scenario  # noqa: E402


def cases() -> dict[str, Callable[[], str]]:
    parents = [f"p{i}" for i in range(30)]
    wide = (f"  child: {{label: c, parents: [{', '.join(parents)}], noisy_or: {{leak: 0.1}}, "
            "because: [{assumption: x}]}\n")
    return {
        "file over the size limit": lambda: TINY + "#" * MAX_FILE_BYTES,
        f"{MAX_NODES + 1:,} nodes": lambda: scenario("".join(root(f"n{i}")
                                                             for i in range(MAX_NODES + 1))),
        f"{MAX_STATES + 1} states": lambda: scenario(root("wide", "[yes, " + ", ".join(
            f"s{i}" for i in range(MAX_STATES)) + "]")),
        "30 two-state parents": lambda: scenario("".join(map(root, parents)) + wide),
        "aliases past the byte budget": lambda: LAUGHS + "\n",
        "brackets 20,000 deep": lambda: "a: " + "[" * 20_000 + "]" * 20_000 + "\n",
    }


def refusal_time(text: str, path: Path) -> tuple[float, str]:
    path.write_text(text)
    start = time.perf_counter()
    try:
        model.load(path)
    except model.ScenarioError as exc:
        return time.perf_counter() - start, exc.problems[0].message[:60]
    sys.exit(f"not refused: {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name, make in cases().items():
            text = make()
            times, message = [], ""
            for _ in range(args.repeats):
                elapsed, message = refusal_time(text, Path(folder) / "case.yaml")
                times.append(elapsed)
            rows.append((name, f"{len(text.encode()):,}", statistics.median(times), message))
    width = max(len(r[0]) for r in rows)
    print(f"{'case':<{width}}  {'bytes':>11}  {'refused in':>10}  message")
    for name, size, seconds, message in rows:
        print(f"{name:<{width}}  {size:>11}  {seconds * 1000:>8.0f} ms  {message}")


if __name__ == "__main__":
    main()
