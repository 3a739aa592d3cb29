"""Decisions: expected utility of each option by hand, through interventions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import model
from model.analysis.decisions import evaluate_decisions
from model.analysis.uncertainty import draw
from model.network.compiled import CompiledNet
from model.network.net import Net
from tests.brute_force import posterior

FIXTURE = Path(__file__).parent / "fixtures" / "analysis_decision.yaml"


def by_hand(net: Net, option: str | None) -> dict[str, float]:
    """The fixture's utilities, summed by hand from brute-force posteriors."""
    do = {"course": option} if option else {}
    deal = posterior(net, ["settlement"], do=do)[0]
    clash = posterior(net, ["clash"], do=do)[0]
    blockade = posterior(net, ["course"], do=do)[1]
    return {"north": 50 * deal - 80 * clash - 10 * blockade,
            "south": 20 * deal - 5 * (1 - deal) - 40 * clash}


def test_expected_utilities_by_hand() -> None:
    s = model.load(FIXTURE)
    [decision] = evaluate_decisions(s, CompiledNet(s.net), draw(s, 200, 0))
    assert decision.node == "course"
    assert decision.actors == ("north", "south")
    assert [o.option for o in decision.options] == ["negotiate", "blockade", "wait"]
    for option in decision.options:
        assert option.expected == pytest.approx(by_hand(s.net, option.option), abs=1e-9)
    assert decision.as_written == pytest.approx(by_hand(s.net, None), abs=1e-9)
    assert decision.best == {"north": "negotiate", "south": "negotiate"}


def test_options_are_interventions_not_observations() -> None:
    s = model.load(FIXTURE)
    [decision] = evaluate_decisions(s, CompiledNet(s.net), draw(s, 10, 0))
    negotiate = decision.options[0].outcomes["settlement"]["yes"]
    assert negotiate == pytest.approx(s.query("settlement", do={"course": "negotiate"})["yes"])
    observed = s.query("settlement", given={"course": "negotiate"})["yes"]
    assert abs(negotiate - observed) > 0.05  # the board's choice also tells about the talks


def test_intervals_and_chance_best_match_a_per_draw_loop() -> None:
    s = model.load(FIXTURE)
    draws = draw(s, 40, 5)
    [decision] = evaluate_decisions(s, CompiledNet(s.net), draws)
    per_draw = []
    for i in range(draws.samples):
        net = Net(s.net.states, s.net.parents, draws.tables_at(s, i))
        per_draw.append([by_hand(net, o.option) for o in decision.options])
    for actor in decision.actors:
        worth = np.array([[d[actor] for d in options] for options in per_draw])
        best = worth.argmax(axis=1)
        for i, option in enumerate(decision.options):
            assert option.interval[actor] == pytest.approx(
                tuple(np.percentile(worth[:, i], [5, 95])), abs=1e-9)
            assert option.chance_best[actor] == pytest.approx(np.mean(best == i))
        assert sum(o.chance_best[actor] for o in decision.options) == pytest.approx(1.0)


def test_no_decision_nodes_no_decisions(tiny_path: Path) -> None:
    s = model.load(tiny_path)
    assert evaluate_decisions(s, CompiledNet(s.net), draw(s, 10, 0)) == []


def test_a_decision_without_utilities_still_shows_where_each_option_leads() -> None:
    text = FIXTURE.read_text()
    s = model.loads(text[:text.index("utilities:")], FIXTURE)
    [decision] = evaluate_decisions(s, CompiledNet(s.net), draw(s, 10, 0))
    assert decision.actors == ()
    assert decision.best == {}
    blockade = decision.options[1]
    assert blockade.outcomes["clash"]["yes"] == pytest.approx(
        s.query("clash", do={"course": "blockade"})["yes"])
    assert blockade.to_dict()["expected"] == {}
