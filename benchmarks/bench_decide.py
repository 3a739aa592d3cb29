"""Solving the reader's own decisions: the project against pyAgrum's influence-diagram solver,
side by side, and the full `decide` (every draw, every EVPI) and the decision tree.

    python benchmarks/bench_decide.py [--samples 10000] [--repeats 7]

Times are the median and the best of `--repeats` warm runs (a first run untimed), in
milliseconds, the methods interleaved run by run (the machine is shared: only ratios taken
side by side mean anything). "solve" is one exact solution at the written numbers: the
project's `network.influence.solve` on the compiled engine against pyAgrum's
`ShaferShenoyLIMIDInference` (one thread, no-forgetting), each on an influence diagram built
once. "decide" is `model.analysis.decide` with `--samples` draws: the point solution, every
draw in one batched pass, and each uncertain node's EVPI with its range; pyAgrum's row is its
one solve times `--samples`, what a solve per draw would cost it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from model.analysis.decision_tree import reader_tree  # noqa: E402
from model.analysis.policy import decide  # noqa: E402
from model.network.influence import solve  # noqa: E402
from model.scenario import load  # noqa: E402
from tests.pyagrum_diagram import influence_diagram  # noqa: E402

CASES = {"wildcatter": ROOT / "scenarios" / "oil_wildcatter.yaml",
         "treatment": ROOT / "tests" / "fixtures" / "decisions" / "treatment.yaml"}


def interleaved(steps: dict[str, Callable[[], object]], repeats: int) -> dict[str, tuple[float,
                                                                                         float]]:
    """(median, best) ms of each step, the steps run in turn `repeats` times."""
    for step in steps.values():
        step()
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            times[name].append((time.perf_counter() - start) * 1000)
    return {name: (statistics.median(t), min(t)) for name, t in times.items()}


def bench_case(name: str, path: Path, samples: int,
               repeats: int) -> list[tuple[str, str, str, float, float]]:
    import pyagrum as gum

    s = load(path)
    actor = s.decider or ""
    utility = s.utilities[actor].tables()
    diagram = influence_diagram(s, actor)
    order = list(s.reader_decisions)

    def theirs() -> float:
        inference = gum.ShaferShenoyLIMIDInference(diagram)
        inference.addNoForgettingAssumption(order)
        inference.makeInference()
        return float(inference.MEU()["mean"])

    def ours() -> float:
        return float(solve(s.solver, s.diagram, utility).meu[0])

    assert abs(ours() - theirs()) < 1e-9, name
    times = interleaved({"ours": ours, "pyagrum": theirs,
                         "decide": lambda: decide(s, samples=samples),
                         "tree": lambda: reader_tree(s)}, repeats)
    pyagrum_all = times["pyagrum"][0] * samples
    return [
        (name, "solve, written numbers", "project", *times["ours"]),
        (name, "solve, written numbers", "pyAgrum", *times["pyagrum"]),
        (name, f"decide, {samples:,} draws + EVPI", "project", *times["decide"]),
        (name, f"{samples:,} solves, one per draw", "pyAgrum (scaled)", pyagrum_all,
         pyagrum_all),
        (name, "decision tree", "project", *times["tree"]),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    import pyagrum as gum

    gum.setNumberOfThreads(1)
    rows = [row for name, path in CASES.items()
            for row in bench_case(name, path, args.samples, args.repeats)]
    print(f"{'case':<11} {'step':<34} {'by':<17} {'median ms':>10} {'best ms':>9}")
    for case, step, by, median, best in rows:
        print(f"{case:<11} {step:<34} {by:<17} {median:>10.2f} {best:>9.2f}")


if __name__ == "__main__":
    main()
