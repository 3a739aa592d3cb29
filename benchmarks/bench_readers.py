"""Reading pgmpy's bundled networks: our reader, our whole load (read and check), pgmpy's
BIFReader and pyAgrum's loadBN, side by side in one process.

    python benchmarks/bench_readers.py [--repeats 3] [--networks asia alarm ...]

Each network's BIF is gunzipped to a temporary file first (pyAgrum reads only plain files).
The methods are interleaved network by network; the table shows each one's median seconds
(pgmpy's once: it takes seconds), and how many times faster our load is than pgmpy's read.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import model  # noqa: E402
from model.language.formats import read_network  # noqa: E402
from tests.test_interop import EXAMPLES  # noqa: E402

NETWORKS = ["asia", "alarm", "water", "pigs", "link", "munin", "pathfinder", "diabetes",
            "mildew"]


def timed(run: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--networks", nargs="*", default=NETWORKS)
    args = parser.parse_args()
    import pyagrum as gum

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgmpy.readwrite import BIFReader
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name in args.networks:
            path = Path(folder) / f"{name}.bif"
            path.write_bytes(gzip.decompress((EXAMPLES / f"{name}.bif.gz").read_bytes()))
            found = read_network(path)
            numbers = sum(t.rows.size for t in found.tables.values())
            ours = timed(lambda p=path: read_network(p), args.repeats)
            load = timed(lambda p=path: model.load(p), args.repeats)
            agrum = timed(lambda p=path: gum.loadBN(str(p)), args.repeats)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pgmpy = timed(lambda p=path: BIFReader(str(p)).get_model(), 1)
            rows.append((name, path.stat().st_size, len(found.variables), numbers, ours, load,
                         agrum, pgmpy))
    print(f"median of {args.repeats} (pgmpy: one run), seconds\n")
    print("| network | KB | nodes | numbers | our reader | our load (read + check) "
          "| pyAgrum loadBN | pgmpy BIFReader | pgmpy / our load |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, size, nodes, numbers, ours, load, agrum, pgmpy in rows:
        print(f"| {name} | {size / 1000:,.0f} | {nodes:,} | {numbers:,} | {ours:.3f} | "
              f"{load:.3f} | {agrum:.3f} | {pgmpy:.2f} | {pgmpy / load:.0f}x |")


if __name__ == "__main__":
    main()
