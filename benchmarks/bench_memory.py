"""The memory budget's worst cases: peak memory and time of each, in a child process whose
address space is capped (so a case that would exhaust the machine fails instead).

    python benchmarks/bench_memory.py [--root CHECKOUT] [--cap-gb 3.5] [--only NAME,...]

`--root` runs another checkout's `scenario` command on the same files (for example the main
branch before a change: `--root /work/main`), so before and after are measured alike. The
cases (files written by tests/large_scenarios.py):

- chain600: 600 nodes of 100 states, each with the two before it as parents (tables of
  1,000,000 cells; 1 MB of YAML written out, 80 KB with aliases, "chain600a"): `query` and
  `explain`;
- table1M: one table of 1,000,000 cells, every number a range: `analyze` and `report`;
- chain2000: 2,000 two-state nodes in a chain: `analyze` and `report`;
- seed -1: `analyze --seed -1` (must exit 2).

Peak memory is the child's maximum resident set; "exit" 1 with MemoryError means the cap
was hit. Graphviz runs as the system `dot` (WebAssembly reserves address space the cap
forbids).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.large_scenarios import chain_of_large_tables, long_chain, one_large_table  # noqa: E402


def run(root: Path, cap: int, args: list[str], timeout: float) -> tuple[float, float, int, str]:
    """(seconds, peak MB, exit code, last line of stderr) of `scenario ARGS` in `root`."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    command = ["/usr/bin/time", "-f", "%M", sys.executable, "-m", "model.cli", *args]
    start = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              cwd=root, preexec_fn=limit)
    except subprocess.TimeoutExpired:
        return time.perf_counter() - start, float("nan"), -1, f"no answer in {timeout:.0f} s"
    took = time.perf_counter() - start
    lines = [line for line in done.stderr.strip().splitlines()
             if not line.startswith("Command exited with non-zero status")]
    peak = float(lines[-1]) / 1024 if lines and lines[-1].isdigit() else float("nan")
    said = next((line for line in reversed(lines[:-1]) if line.strip()), "")
    return took, peak, done.returncode, said


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--cap-gb", type=float, default=3.5)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--only", help="comma-separated case names")
    args = parser.parse_args()
    cap = int(args.cap_gb * 2**30)
    seed = str(args.root / "scenarios" / "russia_iran_2025.yaml")
    with tempfile.TemporaryDirectory() as folder:
        files = {"chain600": chain_of_large_tables(),
                 "chain600a": chain_of_large_tables(aliases=True),
                 "table1M": one_large_table(), "chain2000": long_chain()}
        paths = {}
        for name, text in files.items():
            paths[name] = Path(folder) / f"{name}.yaml"
            paths[name].write_text(text)
        html = str(Path(folder) / "briefing.html")
        cases = [
            ("chain600", ["query", str(paths["chain600"]), "n599"]),
            ("chain600", ["explain", str(paths["chain600"])]),
            ("chain600a", ["query", str(paths["chain600a"]), "n599"]),
            ("chain600a", ["explain", str(paths["chain600a"])]),
            ("table1M", ["analyze", str(paths["table1M"])]),
            ("table1M", ["report", str(paths["table1M"]), "-o", html, "--graphviz", "dot"]),
            ("chain2000", ["analyze", str(paths["chain2000"])]),
            ("chain2000", ["report", str(paths["chain2000"]), "-o", html, "--graphviz", "dot"]),
            ("seed -1", ["analyze", seed, "--seed", "-1"]),
        ]
        wanted = set(args.only.split(",")) if args.only else None
        print(f"{args.root}: address space capped at {args.cap_gb} GB\n")
        head = f"{'case':<10} {'command':<8} {'seconds':>8} {'peak MB':>8} {'exit':>5}  says"
        print(head)
        print("-" * 100)
        for name, command in cases:
            if wanted is not None and name not in wanted:
                continue
            took, peak, code, said = run(args.root, cap, command, args.timeout)
            print(f"{name:<10} {command[0]:<8} {took:>8.1f} {peak:>8,.0f} {code:>5}  "
                  f"{said[:150]}", flush=True)
    print(f"\nload average {', '.join(f'{x:.2f}' for x in os.getloadavg())} on "
          f"{os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
