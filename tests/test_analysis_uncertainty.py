"""Uncertainty: the Beta draws, and the batched spread against a slow per-sample loop."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import model
from model.analysis.uncertainty import (
    Z95,
    Draws,
    beta_shape,
    draw,
    outcome_spreads,
    sample_values,
)
from model.language.probability import ESTIMATIVE_TERMS, parse_prob
from model.network.compiled import CompiledNet
from model.network.net import Net
from model.network.pgmpy_engine import PgmpyEngine
from model.scenario import Scenario

FIXTURE = Path(__file__).parent / "fixtures" / "analysis_decision.yaml"


def net_of(s: Scenario, row: np.ndarray) -> Net:
    """The network with every node's table rebuilt from one row of param values."""
    return Net({n: spec.states for n, spec in s.nodes.items()},
               {n: spec.parents for n, spec in s.nodes.items()},
               {n: spec.table(row[None])[0] for n, spec in s.nodes.items()})


def slow_posteriors(s: Scenario, values: np.ndarray, node: str) -> np.ndarray:
    """One pgmpy query per row: the reference the batched contraction must equal."""
    return np.stack([PgmpyEngine(net_of(s, row)).joint([node], {}, {}) for row in values])


@pytest.mark.parametrize("term", [t[0] for t in ESTIMATIVE_TERMS])
def test_beta_has_the_point_as_mean_and_the_range_as_90_percent(term: str) -> None:
    prob = parse_prob(term)
    a, b = beta_shape(prob)
    assert a / (a + b) == pytest.approx(prob.point, abs=1e-12)
    sd = np.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
    assert sd == pytest.approx((prob.high - prob.low) / (2 * Z95), rel=1e-9)


def test_a_wide_range_is_flat_not_piled_at_the_ends() -> None:
    assert beta_shape(parse_prob([0, 1])) == pytest.approx((1.0, 1.0))
    assert min(beta_shape(parse_prob([0, 0.9]))) >= 1.0


def test_draws_follow_the_beta_and_cover_about_90_percent(tiny_path: Path) -> None:
    s = model.load(tiny_path)
    rain = next(p for p in s.params if p.node == "rain")  # "likely": 55-80%
    drawn = sample_values(s, 200_000, np.random.default_rng(1))[:, rain.id]
    a, b = beta_shape(rain.prob)
    reference = np.random.default_rng(2).beta(a, b, 200_000)
    assert drawn.mean() == pytest.approx(rain.prob.point, abs=1e-3)
    assert drawn.std() == pytest.approx(reference.std(), rel=0.02)
    levels = [1, 5, 25, 50, 75, 95, 99]
    assert np.percentile(drawn, levels) == pytest.approx(np.percentile(reference, levels),
                                                         abs=3e-3)
    inside = np.mean((drawn >= rain.prob.low) & (drawn <= rain.prob.high))
    assert 0.88 <= inside <= 0.93


def test_exact_numbers_stay_fixed_and_uncertain_ones_vary(tiny_path: Path) -> None:
    s = model.load(tiny_path)
    values = sample_values(s, 500, np.random.default_rng(0))
    for p in s.params:
        column = values[:, p.id]
        if p.prob.uncertain:
            assert column.std() > 0
            assert np.all((column >= 0) & (column <= 1))
        else:
            assert np.all(column == p.prob.point)


def test_the_same_seed_draws_the_same_numbers(tiny_path: Path) -> None:
    s = model.load(tiny_path)
    assert np.array_equal(draw(s, 300, 7).values, draw(s, 300, 7).values)
    assert not np.array_equal(draw(s, 300, 7).values, draw(s, 300, 8).values)


@pytest.mark.parametrize("path", ["tiny", "fixture"])
def test_batched_draws_equal_one_pgmpy_query_per_draw(path: str, tiny_path: Path) -> None:
    s = model.load(tiny_path if path == "tiny" else FIXTURE)
    draws = draw(s, 200, 3)
    engine = CompiledNet(s.net)
    for outcome in s.outcomes:
        fast = draws.posterior(engine, outcome)
        assert np.abs(fast - slow_posteriors(s, draws.values, outcome)).max() < 1e-9


@pytest.mark.parametrize("together", [True, False])
def test_summary_equals_the_summary_of_the_slow_loop(together: bool) -> None:
    s = model.load(FIXTURE)
    draws = draw(s, 300, 11)
    engine = CompiledNet(s.net)
    spreads = (outcome_spreads(s, engine, draws, s.outcomes) if together else
               [r for o in s.outcomes for r in outcome_spreads(s, engine, draws, [o])])
    for result in spreads:
        slow = slow_posteriors(s, draws.values, result.node)
        p5, median, p95 = np.percentile(slow, [5, 50, 95], axis=0)
        for i, state in enumerate(result.states):
            assert state.mean == pytest.approx(slow[:, i].mean(), abs=1e-12)
            assert (state.p5, state.median, state.p95) == pytest.approx(
                (p5[i], median[i], p95[i]), abs=1e-12)
            assert state.point == pytest.approx(s.query(result.node)[state.state], abs=1e-12)


def test_without_uncertain_numbers_the_interval_is_the_point() -> None:
    s = model.loads("""
scenario: exact
title: Exact numbers only
question: Does it hold?
as_of: 2025-01-01
horizon: 2025-12-31
nodes:
  cause: {label: Cause, prior: {yes: 0.3}, because: [{assumption: given}]}
  effect:
    label: Effect
    role: outcome
    parents: [cause]
    table:
      - {when: {cause: yes}, p: {yes: 0.9}, because: [{assumption: given}]}
      - {when: {cause: no}, p: {yes: 0.2}, because: [{assumption: given}]}
""")
    draws = draw(s, 50, 0)
    assert draws.tables == {}
    [result] = outcome_spreads(s, CompiledNet(s.net), draws, ["effect"])
    yes = result.states[0]
    assert (yes.p5, yes.median, yes.p95, yes.mean) == pytest.approx((0.41,) * 4, abs=1e-15)
    assert result.samples == 50


def test_draws_of_given_values_rebuild_only_the_moving_tables(tiny_path: Path) -> None:
    s = model.load(tiny_path)
    values = np.repeat(s.point_values(), 4, axis=0)
    sprinkler = next(p for p in s.params if p.node == "sprinkler" and p.prob.uncertain)
    values[:, sprinkler.id] = [0.1, 0.2, 0.3, 0.4]
    assert set(Draws.of(s, values).tables) == {"sprinkler"}
