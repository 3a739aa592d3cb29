"""Cold start of whole commands: `validate`, `query`, `explain`, `import` and `export` on the
seed scenario and on pgmpy's `water` network, each run as a fresh process.

    python benchmarks/bench_startup.py [--runs 5] [--checkout PATH]

`--checkout` runs another checkout's code (for example `/work/main`, to measure before a
change) with this Python. Each command runs `--runs` times, interleaved round-robin so a busy
machine slows every command alike; the table shows the median wall time and the spread. The
inputs are made once in a temporary folder: the seed exported to BIF (what `import` reads),
and `water` imported to YAML (what `validate` reads where a checkout cannot load a network
file directly). Commands a checkout cannot run (for example `query water.bif` before network
files loaded directly) are shown as "fails".
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


def prepare(checkout: Path, folder: Path) -> dict[str, Path]:
    """The inputs: the seed and water as YAML, as BIF, and water's gzipped original."""
    water_gz = water_bif()
    water = folder / "water.bif"
    water.write_bytes(gzip.decompress(water_gz.read_bytes()))
    seed_bif = folder / "seed.bif"
    water_yaml = folder / "water.yaml"
    for cmd in (command(checkout, "export", str(SEED), "--to", "bif", "-o", str(seed_bif)),
                command(checkout, "import", str(water), "-o", str(water_yaml))):
        subprocess.run(cmd, capture_output=True, check=True)
    return {"seed.yaml": SEED, "seed.bif": seed_bif, "water.yaml": water_yaml,
            "water.bif": water}


def cases(files: dict[str, Path], folder: Path) -> dict[str, list[str]]:
    out = folder / "out"
    seed, water = files["seed.yaml"], files["water.yaml"]
    return {
        "validate seed.yaml": ["validate", str(seed)],
        "query seed.yaml": ["query", str(seed), "nuclear_deal", "--given",
                            "iran_accepts_talks=yes"],
        "explain seed.yaml": ["explain", str(seed), "--given", "us_strike=yes"],
        "import seed.bif": ["import", str(files["seed.bif"]), "-o", str(out / "seed.yaml")],
        "export seed.yaml": ["export", str(seed), "--to", "xdsl", "-o", str(out / "s.xdsl")],
        "validate water.yaml": ["validate", str(water)],
        "query water.yaml": ["query", str(water), "CKNI_12_45", "--given", "CKND_12_15=6_MG_L"],
        "explain water.yaml": ["explain", str(water), "--given", "CKND_12_15=6_MG_L"],
        "import water.bif": ["import", str(files["water.bif"]), "-o", str(out / "w.yaml")],
        "export water.yaml": ["export", str(water), "--to", "xdsl", "-o", str(out / "w.xdsl")],
        "validate water.bif": ["validate", str(files["water.bif"])],
        "query water.bif": ["query", str(files["water.bif"]), "CKNI_12_45", "--given",
                            "CKND_12_15=6_MG_L"],
        "explain water.bif": ["explain", str(files["water.bif"]), "--given", "CKND_12_15=6_MG_L"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--checkout", type=Path, default=ROOT)
    args = parser.parse_args()
    checkout = args.checkout.resolve()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        files = prepare(checkout, folder)
        todo = cases(files, folder)
        times: dict[str, list[float | None]] = {case: [] for case in todo}
        for _ in range(args.runs):
            for case, argv in todo.items():
                times[case].append(run(command(checkout, *argv)))
    print(f"checkout {checkout}, {args.runs} runs each, interleaved\n")
    print(f"| {'command':<22} | median s | min s | max s |")
    print(f"| {'-' * 22} | -------: | ----: | ----: |")
    for case, found in times.items():
        ok = [t for t in found if t is not None]
        if len(ok) < len(found):
            print(f"| {case:<22} | fails    |       |       |")
            continue
        print(f"| {case:<22} | {statistics.median(ok):8.2f} | {min(ok):5.2f} | {max(ok):5.2f} |")


if __name__ == "__main__":
    main()
