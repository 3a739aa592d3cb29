"""The analyses of `model.analysis` on the seed scenario: time of each step against its target.

    python benchmarks/bench_analysis.py [--scenario FILE] [--samples 10000] [--repeats 7]

Times are the median and the best of `--repeats` warm runs (the engine compiled by a first,
untimed run), in milliseconds. The uncertainty row is the whole analysis of every outcome:
drawing the numbers, building the batched tables, one contraction, the summaries. The
tornado rows swing every written number both ways (2 x n_params rows in one contraction).
The last row is pgmpy answering the same uncertainty question one draw at a time (a network
built per draw, then one query per outcome), timed on a few draws and scaled to `--samples`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from model.analysis import analyze  # noqa: E402
from model.analysis.decisions import evaluate_decisions  # noqa: E402
from model.analysis.disagreement import by_source  # noqa: E402
from model.analysis.judgements import assess  # noqa: E402
from model.analysis.likely_scenarios import most_likely_scenarios  # noqa: E402
from model.analysis.sensitivity import tornadoes  # noqa: E402
from model.analysis.signposts import signposts_for  # noqa: E402
from model.analysis.uncertainty import (  # noqa: E402
    Draws,
    draw,
    drawn_shapes,
    marginal_draws,
    outcome_spreads,
    sample_values,
)
from model.network.compiled import CompiledNet  # noqa: E402
from model.network.net import Net  # noqa: E402
from model.network.pgmpy_engine import PgmpyEngine  # noqa: E402
from model.scenario import Scenario, load  # noqa: E402

SEED_SCENARIO = ROOT / "scenarios" / "russia_iran_2025.yaml"
PGMPY_DRAWS = 20


def timed(step: Callable[[], object], repeats: int) -> tuple[float, float]:
    """(median, best) of `repeats` warm runs, in ms."""
    step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def pgmpy_loop(s: Scenario, draws: Draws, count: int) -> None:
    for i in range(count):
        engine = PgmpyEngine(Net(s.net.states, s.net.parents, draws.tables_at(s, i)))
        for outcome in s.outcomes:
            engine.joint([outcome], {}, {})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", type=Path, default=SEED_SCENARIO)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    s = load(args.scenario)
    engine = CompiledNet(s.net)
    n, outcomes = args.samples, s.outcomes
    values = sample_values(s, n, np.random.default_rng(0))
    sources = np.random.default_rng(1).random(n)
    draws = Draws.of(s, values, sources)
    drawn = drawn_shapes(s)[0].size
    rows: list[tuple[str, Callable[[], object], float | None]] = [
        (f"draw {n:,} x {drawn} numbers",
         lambda: sample_values(s, n, np.random.default_rng(0)), None),
        (f"batched tables ({n:,} sets, sources drawn)", lambda: Draws.of(s, values, sources),
         None),
        (f"contract all {len(outcomes)} outcomes", lambda: marginal_draws(engine, draws, outcomes),
         None),
        (f"UNCERTAINTY, all outcomes, {n:,} draws",
         lambda: outcome_spreads(s, engine, draw(s, n, 0), outcomes), 50.0),
        (f"TORNADO, one outcome ({2 * len(s.params)} swings)",
         lambda: tornadoes(s, engine, outcomes[:1]), 20.0),
        ("tornado, all outcomes", lambda: tornadoes(s, engine, outcomes), None),
        ("signposts, all outcomes", lambda: [signposts_for(s, engine, o) for o in outcomes],
         None),
        ("source disagreement, all outcomes", lambda: by_source(s, engine, outcomes), None),
        ("decisions (with the draws)", lambda: evaluate_decisions(s, engine, draws), None),
        ("most likely scenarios", lambda: most_likely_scenarios(s, engine), None),
        (f"key judgements ({len(s.judgement_specs)}, with the draws)",
         lambda: assess(s, engine, draws), None),
        ("analyze(), everything, new engine", lambda: analyze(s, samples=n), None),
    ]
    print(f"{s.id}: {len(s.nodes)} nodes, {len(s.params)} written numbers, "
          f"{len(outcomes)} outcomes; {args.repeats} warm runs each\n")
    print(f"{'step':<44}{'median ms':>10}{'best ms':>10}{'target':>9}  ok")
    for name, step, target in rows:
        median, best = timed(step, args.repeats)
        goal = f"< {target:.0f}" if target else ""
        ok = ("yes" if median < target else "NO") if target else ""
        print(f"{name:<44}{median:>10.1f}{best:>10.1f}{goal:>9}  {ok}")
    start = time.perf_counter()
    pgmpy_loop(s, draws, PGMPY_DRAWS)
    scaled = (time.perf_counter() - start) * 1000 * n / PGMPY_DRAWS
    print(f"{'uncertainty by pgmpy, draw by draw (scaled)':<44}{scaled:>10,.0f}")


if __name__ == "__main__":
    main()
