"""Cold start of whole commands (`validate`, `query`, `explain`, `import`, `export`) on the
seed scenario and on pgmpy's `water` network, each a fresh process, for one checkout or
several side by side.

    python benchmarks/bench_startup.py [--runs 5] [--checkout PATH]...

Each `--checkout` (default: this one) runs its own code with this Python; give an older
checkout (e.g. `git archive main | tar -x -C /tmp/main`) to measure before a change. Runs are
interleaved round-robin (command by command, checkout by checkout) so that a busy machine
slows every column alike; the table shows each command's median wall time. Inputs are made
once per checkout: the seed exported to BIF, and water imported by that checkout's own
importer (what `validate water.yaml` reads). A command a checkout cannot run (a network
file given directly, before that was possible) shows as "-".
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "scenarios" / "russia_iran_2025.yaml"
WATER_QUESTION = ["CKNI_12_45", "--given", "CKND_12_15=6_MG_L"]


def water_bif() -> Path:
    spec = importlib.util.find_spec("pgmpy")
    assert spec is not None and spec.origin is not None, "pgmpy is a dependency"
    return Path(spec.origin).parent / "utils" / "example_models" / "water.bif.gz"


def command(checkout: Path, *args: str) -> list[str]:
    """`scenario ARGS` run from `checkout`'s code, as a fresh interpreter."""
    code = (f"import sys; sys.path.insert(0, {str(checkout)!r}); from model.cli import main; "
            "sys.exit(main(sys.argv[1:]))")
    return [sys.executable, "-c", code, *args]


def run(cmd: list[str]) -> float | None:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, check=False)
    took = time.perf_counter() - start
    return took if done.returncode == 0 else None


def cases(checkout: Path, folder: Path) -> dict[str, list[str]]:
    """This checkout's inputs, made with its own code, and the commands to time."""
    folder.mkdir(parents=True)
    water = folder / "water.bif"
    water.write_bytes(gzip.decompress(water_bif().read_bytes()))
    seed_bif, water_yaml, out = folder / "seed.bif", folder / "water.yaml", folder / "out"
    for cmd in (command(checkout, "export", str(SEED), "--to", "bif", "-o", str(seed_bif)),
                command(checkout, "import", str(water), "-o", str(water_yaml))):
        subprocess.run(cmd, capture_output=True, check=True)
    return {
        "validate seed.yaml": ["validate", str(SEED)],
        "query seed.yaml": ["query", str(SEED), "nuclear_deal", "--given",
                            "iran_accepts_talks=yes"],
        "explain seed.yaml": ["explain", str(SEED), "--given", "us_strike=yes"],
        "import seed.bif": ["import", str(seed_bif), "-o", str(out / "seed.yaml")],
        "export seed.yaml": ["export", str(SEED), "--to", "xdsl", "-o", str(out / "s.xdsl")],
        "validate water.yaml": ["validate", str(water_yaml)],
        "query water.yaml": ["query", str(water_yaml), *WATER_QUESTION],
        "explain water.yaml": ["explain", str(water_yaml), "--given", "CKND_12_15=6_MG_L"],
        "import water.bif": ["import", str(water), "-o", str(out / "w.yaml")],
        "export water.yaml": ["export", str(water_yaml), "--to", "xdsl", "-o",
                              str(out / "w.xdsl")],
        "validate water.bif": ["validate", str(water)],
        "query water.bif": ["query", str(water), *WATER_QUESTION],
        "explain water.bif": ["explain", str(water), "--given", "CKND_12_15=6_MG_L"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--checkout", type=Path, action="append")
    args = parser.parse_args()
    checkouts = [c.resolve() for c in (args.checkout or [ROOT])]
    with tempfile.TemporaryDirectory() as name:
        todo = [cases(c, Path(name) / str(i)) for i, c in enumerate(checkouts)]
        times: list[dict[str, list[float | None]]] = [{k: [] for k in t} for t in todo]
        for _ in range(args.runs):
            for case in todo[0]:
                for i, checkout in enumerate(checkouts):
                    times[i][case].append(run(command(checkout, *todo[i][case])))
    print(f"{args.runs} runs each, interleaved; median seconds of the whole command\n")
    for i, checkout in enumerate(checkouts):
        print(f"[{i + 1}] {checkout}")
    heads = " | ".join(f"[{i + 1}]" for i in range(len(checkouts)))
    print(f"\n| command | {heads} |" + (" ratio |" if len(checkouts) == 2 else ""))
    print("| --- | " + " | ".join("---:" for _ in checkouts) + " |"
          + (" ---: |" if len(checkouts) == 2 else ""))
    for case in todo[0]:
        medians = []
        for found in times:
            ok = [t for t in found[case] if t is not None]
            medians.append(statistics.median(ok) if len(ok) == len(found[case]) else None)
        cells = " | ".join("-" if m is None else f"{m:.2f}" for m in medians)
        ratio = ""
        if len(medians) == 2:
            ratio = (f" {medians[0] / medians[1]:.1f}x |" if None not in medians else " |")
        print(f"| {case} | {cells} |{ratio}")


if __name__ == "__main__":
    main()
