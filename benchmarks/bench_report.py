"""Cold `scenario report` of the seed: with the system `dot`, with the WebAssembly Graphviz
from its cache, and with the WebAssembly Graphviz compiled afresh (an empty cache), beside
the cost of importing pgmpy's model classes.

    python benchmarks/bench_report.py [--scenario FILE] [--repeats 7]

Each run is a fresh Python process, so every import is paid as a user pays it; the commands
are interleaved round by round, so a busy machine slows them alike, and the table shows
medians. Targets: the report at most 0.8 s beyond the pgmpy import, and the WebAssembly
report (cache filled) at most 0.3 s beyond the report with `dot` (issue 13 item 5).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_SCENARIO = ROOT / "scenarios" / "russia_iran_2025.yaml"
TARGET_S = 0.8
WASM_TARGET_S = 0.3
CACHE_ENV = "SCENARIO_CACHE_DIR"

PGMPY_IMPORT = ("from pgmpy.models import DiscreteBayesianNetwork\n"
                "from pgmpy.factors.discrete import TabularCPD\n"
                "from pgmpy.inference import VariableElimination\n")


def run(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False,
                          env=env)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=SEED_SCENARIO)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    if shutil.which("dot") is None:
        sys.exit("the system Graphviz `dot` is needed to compare against (apt-get install "
                 "graphviz)")
    with tempfile.TemporaryDirectory() as folder:
        out = str(Path(folder) / "b.html")
        warm = {**os.environ, CACHE_ENV: str(Path(folder) / "cache")}
        report = [sys.executable, "-m", "model.cli", "report", str(args.scenario), "-o", out]
        commands = {
            "python -c pass": ([sys.executable, "-c", "pass"], warm),
            "import pgmpy's model classes": ([sys.executable, "-c", PGMPY_IMPORT], warm),
            "report, system dot": ([*report, "--graphviz", "dot"], warm),
            "report, wasm (cached)": ([*report, "--graphviz", "wasm"], warm),
            "report, wasm (empty cache)": ([*report, "--graphviz", "wasm"], warm),
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        # The first round warms the disk cache and fills the module cache.
        for round_ in range(args.repeats + 1):
            for name, (command, env) in commands.items():
                if name == "report, wasm (empty cache)":
                    empty = Path(folder) / f"empty{round_}"
                    env = {**env, CACHE_ENV: str(empty)}
                elapsed = run(command, env)
                if round_:
                    times[name].append(elapsed)
    print(f"{args.scenario.name}, {args.repeats} fresh processes each, interleaved (seconds)\n")
    print(f"{'command':<32}{'median':>9}{'best':>9}")
    for name, ts in times.items():
        print(f"{name:<32}{statistics.median(ts):>9.3f}{min(ts):>9.3f}")
    dot = statistics.median(times["report, system dot"])
    pgmpy = statistics.median(times["import pgmpy's model classes"])
    cached = statistics.median(times["report, wasm (cached)"])
    extra = dot - pgmpy
    print(f"\nreport (dot) beyond the pgmpy import: {extra:+.3f} s "
          f"({'within' if extra <= TARGET_S else 'OVER'} the {TARGET_S} s target)")
    gap = cached - dot
    print(f"report (wasm, cached) beyond report (dot): {gap:+.3f} s "
          f"({'within' if gap <= WASM_TARGET_S else 'OVER'} the {WASM_TARGET_S} s target)")


if __name__ == "__main__":
    main()
