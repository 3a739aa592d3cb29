"""Cold `scenario report` on the seed against the cost of importing pgmpy's model classes.

    python benchmarks/bench_report.py [--scenario FILE] [--repeats 5]

Each run is a fresh Python process, so every import is paid as a user pays it. The baseline
imports pgmpy's model classes and nothing else; the report row runs the whole command
(load, check, queries, both diagrams, templates, atomic write). The target is the report
taking at most 0.8 s more than the baseline, both measured in this same run (medians).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_SCENARIO = ROOT / "scenarios" / "russia_iran_2025.yaml"
TARGET_S = 0.8

PGMPY_IMPORT = ("from pgmpy.models import DiscreteBayesianNetwork\n"
                "from pgmpy.factors.discrete import TabularCPD\n"
                "from pgmpy.inference import VariableElimination\n")


def run(command: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=SEED_SCENARIO)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "import pgmpy's model classes": [sys.executable, "-c", PGMPY_IMPORT],
            "scenario report (cold)": [sys.executable, "-m", "model.cli", "report",
                                       str(args.scenario), "-o", str(Path(folder) / "b.html")],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        # Rounds interleave the commands, so a busy machine slows them alike; the first
        # round only warms the disk cache.
        for round_ in range(args.repeats + 1):
            for name, command in commands.items():
                elapsed = run(command)
                if round_:
                    times[name].append(elapsed)
    print(f"{args.scenario.name}, {args.repeats} fresh processes each (seconds)\n")
    print(f"{'step':<32}{'median':>9}{'best':>9}")
    for name, ts in times.items():
        print(f"{name:<32}{statistics.median(ts):>9.3f}{min(ts):>9.3f}")
    report, pgmpy = times["scenario report (cold)"], times["import pgmpy's model classes"]
    extra = statistics.median(report) - statistics.median(pgmpy)
    best = min(report) - min(pgmpy)
    verdict = "within" if extra <= TARGET_S else "OVER"
    print(f"\nreport beyond the pgmpy import: {extra:+.3f} s by medians, {best:+.3f} s by "
          f"best runs ({verdict} the {TARGET_S} s target)")


if __name__ == "__main__":
    main()
