"""Peak memory and time of the loader's worst cases: hostile files that once reached
gigabytes, hung or crashed (issue 14), each run as `scenario validate` in its own process.

    python benchmarks/bench_hostile.py [--cap-gb 3] [--timeout 30]

Each child runs under an address-space cap (`--cap-gb`, so a case that would exhaust memory
fails there instead of taking the machine) and a time limit; the table shows its exit code,
wall time, peak resident memory (from `wait4`) and the first words of what it printed.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAD = ("scenario: s\ntitle: t\nquestion: q\nas_of: 2025-01-01\nhorizon: 2025-12-31\n")
NODE = "  {name}: {{label: {label}, prior: {{yes: 0.5}}, because: [{{assumption: x}}]}}\n"


def big_alias(folder: Path) -> Path:
    """One 500 KB scalar anchored once and aliased 20,000 times: 560 KB of text."""
    text = (HEAD + "description: &big " + "x" * 500_000 + "\nnodes:\n"
            + NODE.format(name="a", label="A") + "padding: [" + ", ".join(["*big"] * 20_000)
            + "]\n")
    return _write(folder / "big_alias.yaml", text)


def aliased_labels(folder: Path) -> Path:
    """A 2,000-character label anchored once and aliased into 2,000 nodes."""
    nodes = [NODE.format(name="n0", label="&label " + "y" * 2_000)]
    nodes += [NODE.format(name=f"n{i}", label="*label") for i in range(1, 2_000)]
    return _write(folder / "aliased_labels.yaml", HEAD + "nodes:\n" + "".join(nodes))


def many_nodes(folder: Path) -> Path:
    """6,951 nodes in under 1 MB: past the node limit of 2,000."""
    nodes = [NODE.format(name=f"node_{i:05d}", label=f"Node number {i} of many" + "." * 40)
             for i in range(6_951)]
    return _write(folder / "many_nodes.yaml", HEAD + "nodes:\n" + "".join(nodes))


def laughs(folder: Path) -> Path:
    """Nine levels of ten aliases each ("billion laughs")."""
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"] + [
        f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 9)]
    return _write(folder / "laughs.yaml", "\n".join(lines) + "\n")


def deep(folder: Path) -> Path:
    return _write(folder / "deep.yaml", "a: " + "[" * 20_000 + "]" * 20_000 + "\n")


def merge_key(folder: Path) -> Path:
    text = (HEAD + "base: &base {label: A, prior: {yes: 0.5}, because: [{assumption: x}]}\n"
            "nodes:\n  a:\n    <<: *base\n")
    return _write(folder / "merge_key.yaml", text)


def dense_rows(folder: Path) -> Path:
    """A compact table of 40,000 numbers written with every digit (0.88 MB)."""
    names = [f"p{i}" for i in range(4)]
    lines = [HEAD.rstrip(), "nodes:"]
    for name, card in zip(names, (10, 10, 10, 4), strict=True):
        states = ", ".join(f"s{j}" for j in range(card))
        lines.append(f"  {name}: {{label: {name}, states: [{states}], rows: "
                     f"[[{', '.join([repr(1 / card)] * card)}]], because: [{{assumption: x}}]}}")
    lines += ["  c:", "    label: c", f"    states: [{', '.join(f's{j}' for j in range(10))}]",
              f"    parents: [{', '.join(names)}]", "    rows:"]
    row = "[" + ", ".join(["0.09999999999999999"] * 9 + ["0.10000000000000009"]) + "]"
    lines += [f"      - {row}"] * 4_000
    lines.append("    because: [{assumption: x}]")
    return _write(folder / "dense_rows.yaml", "\n".join(lines) + "\n")


def fifo(folder: Path) -> Path:
    path = folder / "fifo.yaml"
    os.mkfifo(path)
    return path


def fifo_source(folder: Path) -> Path:
    os.mkfifo(folder / "pipe.txt")
    return _source_case(folder, "fifo_source.yaml", "pipe.txt")


def huge_source(folder: Path) -> Path:
    """A sparse 1 GiB source text (no disk is used)."""
    with open(folder / "huge.txt", "wb") as f:
        f.truncate(1 << 30)
    return _source_case(folder, "huge_source.yaml", "huge.txt")


def looped_source(folder: Path) -> Path:
    os.symlink("loop_b.txt", folder / "loop_a.txt")
    os.symlink("loop_a.txt", folder / "loop_b.txt")
    return _source_case(folder, "looped_source.yaml", "loop_a.txt")


def _source_case(folder: Path, name: str, source: str) -> Path:
    text = (HEAD + f"sources:\n  s: {{title: S, path: {source}}}\nnodes:\n"
            + NODE.format(name="a", label="A"))
    return _write(folder / name, text)


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


CASES: dict[str, Callable[[Path], Path | str]] = {
    "500 KB scalar aliased 20,000 times": big_alias,
    "2,000-char label aliased into 2,000 nodes": aliased_labels,
    "6,951 nodes in under 1 MB": many_nodes,
    "billion laughs": laughs,
    "brackets 20,000 deep": deep,
    "merge key <<: *base": merge_key,
    "compact table, 40,000 numbers": dense_rows,
    "/dev/zero as the scenario": lambda folder: "/dev/zero",
    "/dev/urandom as the scenario": lambda folder: "/dev/urandom",
    "a FIFO as the scenario": fifo,
    "a FIFO as a source text": fifo_source,
    "a sparse 1 GiB source text": huge_source,
    "a symlink loop as a source": looped_source,
}


def run(path: str, cap: int, timeout: float) -> tuple[str, float, float, str]:
    """(exit, seconds, peak MB, first words printed) of `scenario validate path`."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen([sys.executable, "-m", "model.cli", "validate", path],
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                preexec_fn=limit, cwd=ROOT)
        status = None
        while time.perf_counter() - start < timeout:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.01)
        else:
            proc.send_signal(signal.SIGKILL)
            _, status, usage = os.wait4(proc.pid, 0)
            status = None
        elapsed = time.perf_counter() - start
        out.seek(0)
        said = out.read().decode("utf-8", "replace").strip().splitlines()
    code = "hang" if status is None else str(os.waitstatus_to_exitcode(status))
    first = said[-1] if said and "Traceback" in said[0] else (said[0] if said else "")
    return code, elapsed, usage.ru_maxrss / 1024, first.split(": ", 2)[-1][:70]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap-gb", type=float, default=3.0)
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    cap = int(args.cap_gb * (1 << 30))
    width = max(map(len, CASES))
    print(f"{'case':<{width}}  exit  {'time':>8}  {'peak':>8}  message")
    with tempfile.TemporaryDirectory() as folder:
        for name, make in CASES.items():
            path = str(make(Path(folder)))
            code, seconds, peak, said = run(path, cap, args.timeout)
            print(f"{name:<{width}}  {code:>4}  {seconds:>7.2f}s  {peak:>6.0f} MB  {said}",
                  flush=True)


if __name__ == "__main__":
    main()
