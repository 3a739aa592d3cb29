"""Source disagreement: each source's figure by hand and by pgmpy on that source's tables."""

from __future__ import annotations

from pathlib import Path

import pytest

import model
from model.analysis.disagreement import FLAG_SPREAD, by_source, estimating_sources
from model.network.compiled import CompiledNet
from model.network.net import Net
from model.network.pgmpy_engine import PgmpyEngine

FIXTURE = Path(__file__).parent / "fixtures" / "analysis_decision.yaml"


def test_sources_and_the_nodes_they_estimate() -> None:
    s = model.load(FIXTURE)
    assert estimating_sources(s) == {"gazette": ["talks", "clash"],
                                     "ledger": ["talks", "clash"]}


@pytest.mark.slow  # seconds: runs with the slow tests (CI runs both)
def test_each_figure_equals_pgmpy_on_that_sources_tables() -> None:
    s = model.load(FIXTURE)
    for result in by_source(s, CompiledNet(s.net), s.outcomes):
        assert result.pooled == pytest.approx(dict(s.query(result.node)), abs=1e-12)
        for figure in result.sources:
            net = Net(s.net.states, s.net.parents, s.tables(only_source=figure.source))
            expected = PgmpyEngine(net).joint([result.node], {}, {})
            assert list(figure.distribution.values()) == pytest.approx(list(expected),
                                                                       abs=1e-12)


def test_a_figure_by_hand() -> None:
    s = model.load(FIXTURE)
    [clash] = by_source(s, CompiledNet(s.net), ["clash"])
    gazette = next(f for f in clash.sources if f.source == "gazette")
    # the gazette alone: talks 0.8, and a clash at high tension 0.6
    course = [0.8 * a + 0.2 * b for a, b in ((0.6, 0.2), (0.1, 0.5), (0.3, 0.3))]
    high = course[0] * (1 - 0.675 - 0.225) + course[1] * 0.7 + course[2] * 0.3
    assert gazette.distribution["yes"] == pytest.approx(high * 0.6 + (1 - high) * 0.02)
    assert gazette.title == "The harbour gazette"
    assert gazette.nodes == ("talks", "clash")


def test_spreads_above_15_points_are_flagged() -> None:
    s = model.load(FIXTURE)
    results = {d.node: d for d in by_source(s, CompiledNet(s.net), s.outcomes)}
    settlement = results["settlement"]
    yes = [settlement.pooled["yes"], *(f.distribution["yes"] for f in settlement.sources)]
    assert settlement.spread == pytest.approx(max(yes) - min(yes))
    assert settlement.spread > FLAG_SPREAD and settlement.flagged
    assert results["clash"].spread < FLAG_SPREAD and not results["clash"].flagged
    assert settlement.to_dict()["flagged"] is True


def test_a_scenario_without_pooled_estimates_has_no_figures(tiny_path: Path) -> None:
    s = model.load(tiny_path)
    [wet] = by_source(s, CompiledNet(s.net), ["wet"])
    assert wet.sources == ()
    assert wet.spread == 0.0 and not wet.flagged
