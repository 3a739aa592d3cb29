"""Start-up of the command line: `scenario validate` of the seed and `scenario --version`,
each a fresh process as a user runs them, for this checkout and optionally another (e.g. the
main branch's, to see what a change costs), interleaved round by round so a busy machine
slows them alike; the table shows medians and the fastest run. It also lists the optional
libraries a plain `validate` must not import (they are imported only by the commands that
use them).

    python benchmarks/bench_cli.py [--other /path/to/checkout] [--rounds 15]

Target (issue 13 item 6): `scenario validate` answers in well under half a second.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "scenarios" / "russia_iran_2025.yaml"
TARGET_S = 0.5
LAZY = ("joblib", "distributed", "tqdm", "watchfiles", "pyarrow", "pgmpy", "http.server")
COMMANDS = {"validate": ["validate", str(SEED)], "--version": ["--version"]}


def run(checkout: Path, args: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "model.cli", *args], capture_output=True,
                          text=True, cwd=checkout, env=env, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{checkout}: scenario {' '.join(args)} failed:\n{done.stderr}")
    return elapsed


def imported(checkout: Path) -> list[str]:
    code = ("import sys; from model.cli import main; main(['-q', 'validate', sys.argv[1]]); "
            f"print(' '.join(m for m in {LAZY!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code, str(SEED)], capture_output=True,
                          text=True, cwd=checkout, env={**os.environ,
                                                        "PYTHONPATH": str(checkout)},
                          check=True)
    return done.stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--other", type=Path, help="another checkout to measure beside this")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    checkouts = [ROOT, *([args.other.resolve()] if args.other else [])]
    times: dict[tuple[Path, str], list[float]] = {(c, k): [] for c in checkouts
                                                  for k in COMMANDS}
    for _ in range(args.rounds):
        for checkout in checkouts:
            for name, command in COMMANDS.items():
                times[(checkout, name)].append(run(checkout, command))
    print(f"start-up, {args.rounds} rounds (target: validate < {TARGET_S} s)")
    print(f"{'checkout':<34}{'command':<12}{'median':>9}{'fastest':>9}")
    for (checkout, name), found in times.items():
        print(f"{str(checkout)[-33:]:<34}{name:<12}{statistics.median(found):>8.3f}s"
              f"{min(found):>8.3f}s")
    for checkout in checkouts:
        print(f"{checkout}: validate imports {', '.join(imported(checkout)) or 'none'} of "
              f"{', '.join(LAZY)}")


if __name__ == "__main__":
    main()
