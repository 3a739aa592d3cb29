"""Exact single-posterior queries: the compiled engine against pgmpy and pyAgrum.

    python benchmarks/bench_query.py [--queries 30] [--repeats 5] [--quick]

    python benchmarks/bench_query.py --profile   # where a warm query's time goes

Each network gets the same random queries for every engine: a random target and a random
evidence set whose states come from one forward sample of the network (so the evidence is
possible). No two queries share a shape (target and observed nodes), so "new" times are each
shape's first sight: every repeat runs all queries on a freshly built engine (built outside
the timing), and no contraction plan is ever reused. "warm" asks each shape again once it
has been seen twice (and planned), with new observed states (another forward sample's, on
the same nodes), so no answer is reused: three new state sets per shape, asked of each
engine in turn. pyAgrum runs one LazyPropagation per network, one
thread, the query's target set (`addTarget`) so it can prune: "new" sets new evidence nodes
and target, "warm" changes the states with `chgEvidence`; it is timed interleaved with ours.
pgmpy runs VariableElimination on the first 10 queries. All three engines read the same
float64 tables (pyAgrum's own BIF reader rounds them to float precision). Times are medians
per query; "s.query" is the seed's warm query through `Scenario.query` (checks, engine,
result object), the engine columns call `CompiledNet.posterior`. The last table is one
batched posterior of every outcome of the seed scenario over 10,000 sampled table sets;
pgmpy and pyAgrum there are a loop over samples, timed on a few and scaled to 10,000.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from model.network.compiled import CompiledNet  # noqa: E402
from model.network.net import Net  # noqa: E402
from model.network.pgmpy_engine import (  # noqa: E402
    build_network,
    net_from_bif,
    pgmpy_classes,
)
from model.scenario import Scenario, load  # noqa: E402
from tests.pyagrum_network import fill_gum, gum_network  # noqa: E402
from tests.random_networks import random_net  # noqa: E402

CLASSIC = ["asia", "alarm", "hailfinder", "win95pts", "andes", "pathfinder"]
SAMPLES = 10_000
Query = tuple[str, dict[str, str]]


def example_path(name: str) -> Path:
    import pgmpy

    return Path(pgmpy.__file__).parent / "utils" / "example_models" / f"{name}.bif.gz"


def forward_sample(net: Net, rng: np.random.Generator) -> dict[str, str]:
    drawn: dict[str, int] = {}
    for node, table in net.tables.items():
        index: tuple[slice | int, ...] = (slice(None), *(drawn[p] for p in net.parents[node]))
        column = table[index]
        drawn[node] = int(rng.choice(len(column), p=column / column.sum()))
    return {n: net.states[n][i] for n, i in drawn.items()}


WARM_STATES = 3  # new sets of observed states asked of each shape once it is warm


def random_queries(net: Net, count: int, seed: int) -> list[tuple[Query, list[Query]]]:
    """`count` (first, warm) pairs, no two of the same shape (target and observed nodes);
    the warm ones observe the same nodes in other states where the network allows."""
    rng = np.random.default_rng(seed)
    nodes = net.nodes
    most = min(20, max(2, len(nodes) // 10))
    queries: list[tuple[Query, list[Query]]] = []
    shapes: set[tuple[str, frozenset[str]]] = set()
    while len(queries) < count:
        sample = forward_sample(net, rng)
        target = str(rng.choice(nodes))
        observed = rng.choice(nodes, size=int(rng.integers(0, most + 1)), replace=False)
        given = {str(n): sample[str(n)] for n in observed if n != target}
        shape = (target, frozenset(given))
        if shape in shapes:
            continue
        shapes.add(shape)
        seen = [given]
        for _ in range(20 * WARM_STATES):  # states not asked before, where there are some
            again = forward_sample(net, rng)
            other = {n: again[n] for n in given}
            if other not in seen:
                seen.append(other)
            if len(seen) > WARM_STATES:
                break
        warm = seen[1:] or [given]
        queries.append(((target, given), [(target, g) for g in warm]))
    return queries


def pyagrum() -> Any:
    import pyagrum as gum

    return gum


def gum_posterior(ie: Any, net: Net, target: str, given: Mapping[str, str]) -> np.ndarray:
    """A new shape for pyAgrum: new evidence nodes and target."""
    ie.eraseAllEvidence()
    ie.setEvidence(dict(given))
    ie.eraseAllTargets()
    ie.addTarget(target)
    ie.makeInference()
    return np.asarray(ie.posterior(target).toarray())


def gum_warm(ie: Any, target: str, given: Mapping[str, str]) -> np.ndarray:
    """The last shape's nodes in new states: chgEvidence, as pyAgrum advises."""
    for node, state in given.items():
        ie.chgEvidence(node, state)
    ie.makeInference()
    return np.asarray(ie.posterior(target).toarray())


def pgmpy_posterior(ve: Any, net: Net, target: str, given: Mapping[str, str]) -> np.ndarray:
    factor = ve.query([target], evidence=dict(given) or None, show_progress=False)
    theirs = list(factor.state_names[target])
    return np.array([factor.values[theirs.index(s)] for s in net.states[target]])


def timed(run: Callable[[Query], np.ndarray], queries: Iterable[Query],
          repeats: int) -> tuple[list[float], list[np.ndarray]]:
    times: list[float] = []
    results: list[np.ndarray] = []
    for _ in range(repeats):
        results = []
        for q in queries:
            start = time.perf_counter()
            results.append(run(q))
            times.append(time.perf_counter() - start)
    return times, results


def clock(run: Callable[[str, dict[str, str]], np.ndarray],
          query: Query) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    answer = run(*query)
    return time.perf_counter() - start, answer


def bench_network(name: str, net: Net, n_queries: int, repeats: int,
                  scenario: Scenario | None = None) -> dict[str, Any]:
    pairs = random_queries(net, n_queries, seed=len(net.nodes))
    queries = [first for first, _ in pairs]
    import pyagrum as gum

    gum.setNumberOfThreads(1)
    ie = pyagrum().LazyPropagation(gum_network(net))  # one, reused across all queries
    ie.setNumberOfThreads(1)
    new: list[float] = []
    warm: list[float] = []
    scenario_warm: list[float] = []
    agrum_new: list[float] = []
    agrum_warm: list[float] = []
    diffs: list[float] = []
    for _ in range(repeats):  # a fresh engine: every shape unseen
        engine = CompiledNet(net)
        for q in queries:
            took, theirs = clock(lambda t, g: gum_posterior(ie, net, t, g), q)
            agrum_new.append(took)
            took, answer = clock(engine.posterior, q)
            new.append(took)
            diffs.append(float(np.abs(answer - theirs).max()))
    engine = CompiledNet(net)
    for q in queries:  # each shape's first sight, then its planning
        engine.posterior(*q)
        engine.posterior(*q)
        if scenario is not None:
            scenario.query(*q)
            scenario.query(*q)
    for _ in range(repeats):
        for first, later in pairs:
            # each shape warm on both sides (outside the timing), then asked with new states
            # in turn, one engine after the other, as a session or the briefing's panel does
            gum_posterior(ie, net, *first)
            engine.posterior(*first)
            if scenario is not None:
                scenario.query(*first)
            for again in later:
                took, theirs = clock(lambda t, g: gum_warm(ie, t, g), again)
                agrum_warm.append(took)
                took, answer = clock(engine.posterior, again)
                warm.append(took)
                diffs.append(float(np.abs(answer - theirs).max()))
                if scenario is not None:
                    took, _ = clock(lambda t, g: np.array(list(scenario.query(t, g).values())),
                                    again)
                    scenario_warm.append(took)
    ve = pgmpy_classes()[2](build_network(net.states, net.parents, net.tables))
    ve_times, ve_results = timed(lambda q: pgmpy_posterior(ve, net, *q), queries[:10], 1)
    expected = [gum_posterior(ie, net, *q) for q in queries[:10]]
    diffs += [float(np.abs(a - b).max()) for a, b in zip(ve_results, expected, strict=False)]
    return {"network": name, "nodes": len(net.nodes), "new": statistics.median(new),
            "warm": statistics.median(warm), "pgmpy": statistics.median(ve_times),
            "pyagrum": statistics.median(agrum_new),
            "pyagrum_warm": statistics.median(agrum_warm),
            "scenario_warm": statistics.median(scenario_warm) if scenario_warm else None,
            "diff": max(diffs)}


def bench_batched(scenario: Scenario, repeats: int) -> dict[str, Any]:
    """All outcomes' posteriors over SAMPLES table sets drawn inside the written ranges."""
    rng = np.random.default_rng(0)
    low = np.array([p.prob.low for p in scenario.params])
    high = np.array([p.prob.high for p in scenario.params])
    values = rng.uniform(low, high, size=(SAMPLES, len(low)))
    tables = {n: spec.table(values) for n, spec in scenario.nodes.items()}
    net, outcomes = scenario.net, scenario.outcomes
    engine = CompiledNet(net)
    times: list[float] = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        batched = [engine.posterior(o, tables=tables) for o in outcomes]
        times.append(time.perf_counter() - start)
    few = 30
    diff = 0.0

    def gum_loop(_: Query) -> np.ndarray:
        nonlocal diff
        bn = gum_network(net)
        for i in range(few):
            for node in net.states:
                fill_gum(bn, net, node, tables[node][i])
            ie = pyagrum().LazyPropagation(bn)
            for o, ours in zip(outcomes, batched, strict=True):
                diff = max(diff, float(np.abs(gum_posterior(ie, net, o, {}) - ours[i]).max()))
        return np.zeros(0)

    def pgmpy_loop(_: Query) -> np.ndarray:
        model = build_network(net.states, net.parents, net.tables)
        for i in range(few):
            for node in net.states:
                model.get_cpds(node).values = tables[node][i]  # the same (card, *parents)
            ve = pgmpy_classes()[2](model)
            for o in outcomes:
                pgmpy_posterior(ve, net, o, {})
        return np.zeros(0)

    agrum, _ = timed(gum_loop, [("", {})], 1)
    ve, _ = timed(pgmpy_loop, [("", {})], 1)
    scale = SAMPLES / few
    return {"network": f"{len(outcomes)} outcomes x {SAMPLES:,} samples",
            "nodes": len(net.nodes), "first": times[0], "warm": statistics.median(times[1:]),
            "pgmpy": ve[0] * scale, "pyagrum": agrum[0] * scale, "diff": diff}


def networks(quick: bool) -> list[tuple[str, Net, Scenario | None]]:
    seed_path = ROOT / "scenarios" / "russia_iran_2025.yaml"
    scenario_path = seed_path if seed_path.exists() else ROOT / "tests" / "fixtures" / "tiny.yaml"
    scenario = load(scenario_path)
    out: list[tuple[str, Net, Scenario | None]] = [(scenario_path.stem, scenario.net, scenario)]
    classic = CLASSIC[:3] if quick else CLASSIC
    out += [(name, net_from_bif(str(example_path(name))), None) for name in classic]
    seeds = (1,) if quick else (1, 2)
    out += [(f"random-500 #{s}", random_net(500, s, window=12, max_states=4), None)
            for s in seeds]
    return out


def show(rows: Sequence[Mapping[str, Any]]) -> None:
    head = (f"{'network':<18} {'nodes':>5} {'ours new':>9} {'pA new':>8} {'ratio':>6} "
            f"{'ours warm':>9} {'pA warm':>8} {'ratio':>6} {'pgmpy VE':>9} {'VE/new':>7} "
            f"{'max |diff|':>10}")
    print(head)
    print("-" * len(head))
    for r in rows:
        us = {k: r[k] * 1e6 for k in ("new", "warm", "pgmpy", "pyagrum", "pyagrum_warm")}
        print(f"{r['network']:<18} {r['nodes']:>5} {us['new']:>9,.1f} {us['pyagrum']:>8,.1f} "
              f"{us['pyagrum'] / us['new']:>5.1f}x {us['warm']:>9,.1f} "
              f"{us['pyagrum_warm']:>8,.1f} {us['pyagrum_warm'] / us['warm']:>5.1f}x "
              f"{us['pgmpy']:>9,.0f} {us['pgmpy'] / us['new']:>6.1f}x {r['diff']:>10.1e}")
        if r["scenario_warm"] is not None:
            sw = r["scenario_warm"] * 1e6
            print(f"{'  s.query warm':<18} {'':>5} {'':>9} {'':>8} {'':>6} {sw:>9,.1f} "
                  f"{us['pyagrum_warm']:>8,.1f} {us['pyagrum_warm'] / sw:>5.1f}x")
    print("microseconds, median per query; ratio: pyAgrum's time over ours (above 1: ours "
          "faster). new: each shape's\nfirst sight (fresh engine); warm: a shape seen twice, "
          "asked with new observed states (pyAgrum: chgEvidence).")


def profile_warm() -> None:
    """Where a warm `Scenario.query` of the seed spends its time (cProfile, by own time)."""
    import cProfile
    import pstats

    s = load(ROOT / "scenarios" / "russia_iran_2025.yaml")
    asked = [{"israeli_strike": "yes", "us_strike": "no"},
             {"israeli_strike": "no", "us_strike": "yes"}]
    for given in asked:
        s.query("nuclear_deal", given)
        s.query("nuclear_deal", given)
    runs = 50_000
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(runs):
        s.query("nuclear_deal", asked[i % 2])
    profiler.disable()
    start = time.perf_counter()
    for i in range(runs):
        s.query("nuclear_deal", asked[i % 2])
    took = (time.perf_counter() - start) / runs
    print(f"warm s.query('nuclear_deal', given=...) on the seed: {took * 1e6:.1f} us per query "
          f"unprofiled; {runs:,} profiled:")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(12)


def show_batched(r: Mapping[str, Any]) -> None:
    print(f"\nbatched, seed scenario: {r['network']} (one call per outcome, all samples "
          f"at once)")
    us = {k: r[k] * 1e6 for k in ("first", "warm", "pgmpy", "pyagrum")}
    print(f"  ours first {us['first']:,.0f}, warm {us['warm']:,.0f}; loops over samples "
          f"(scaled from 30): pgmpy VE {us['pgmpy']:,.0f}, pyAgrum {us['pyagrum']:,.0f} "
          f"({us['pyagrum'] / us['warm']:,.0f}x ours warm); max |diff| {r['diff']:.1e}")
    print("  microseconds per batch")


def load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="the smaller networks only")
    parser.add_argument("--profile", action="store_true",
                        help="only profile a warm query of the seed scenario")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    if args.profile:
        profile_warm()
        return
    before = load_average()
    rows = []
    for name, net, scenario in networks(args.quick):
        rows.append(bench_network(name, net, args.queries, args.repeats, scenario))
        print(f"  done {name}", file=sys.stderr)
    show(rows)
    seed_path = ROOT / "scenarios" / "russia_iran_2025.yaml"
    if seed_path.exists():
        show_batched(bench_batched(load(seed_path), args.repeats))
    print(f"\nmachine load is not controlled: load average (1, 5, 15 min) {before} before, "
          f"{load_average()} after, on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
