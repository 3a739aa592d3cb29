"""Most likely scenarios: the drivers' top joint states against full enumeration and pgmpy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import model
from model.analysis import likely_scenarios
from model.analysis.likely_scenarios import most_likely_scenarios
from model.network.compiled import CompiledNet
from model.network.pgmpy_engine import pgmpy_classes
from tests.brute_force import full_joint

FIXTURE = Path(__file__).parent / "fixtures" / "analysis_decision.yaml"


def enumerated(s: model.Scenario, drivers: list[str]) -> list[tuple[dict[str, str], float]]:
    """Every joint state of the drivers with its probability, most probable first."""
    joint = full_joint(s.net)
    nodes = s.net.nodes
    marginal = joint.sum(axis=tuple(i for i, n in enumerate(nodes) if n not in drivers))
    kept = [n for n in nodes if n in drivers]
    cells = [({n: s.nodes[n].states[i] for n, i in zip(kept, index, strict=True)},
              float(marginal[index])) for index in np.ndindex(marginal.shape)]
    return sorted(cells, key=lambda c: -c[1])


def test_top_scenarios_equal_enumeration(tiny_path: Path) -> None:
    s = model.load(tiny_path)
    found = most_likely_scenarios(s, CompiledNet(s.net), top=3)
    assert found.drivers == ("rain", "sprinkler")
    expected = enumerated(s, ["rain", "sprinkler"])[:3]
    assert [j.states for j in found.top] == [states for states, _ in expected]
    assert [j.probability for j in found.top] == pytest.approx([p for _, p in expected],
                                                               abs=1e-12)
    assert found.covered == pytest.approx(sum(p for _, p in expected))
    for j in found.top:
        assert j.outcomes["wet"] == pytest.approx(dict(s.query("wet", given=j.states)))


def test_the_first_is_pgmpys_map_over_the_drivers(tiny_path: Path) -> None:
    s = model.load(tiny_path)
    found = most_likely_scenarios(s, CompiledNet(s.net))
    map_query = pgmpy_classes()[2](s.network).map_query(list(found.drivers),
                                                        show_progress=False)
    assert found.most_likely is not None
    assert found.most_likely.states == {k: str(v) for k, v in map_query.items()}


def test_all_cells_when_fewer_than_top() -> None:
    s = model.load(FIXTURE)
    found = most_likely_scenarios(s, CompiledNet(s.net), top=10)
    assert [j.states for j in found.top] == [{"talks": "yes"}, {"talks": "no"}]
    assert found.covered == pytest.approx(1.0)


def test_without_drivers_the_roots_that_are_not_decisions_stand_in() -> None:
    s = model.loads("""
scenario: rootless
title: No drivers
question: Does the picnic happen?
as_of: 2025-01-01
horizon: 2025-12-31
nodes:
  plan: {label: Plan, role: decision, prior: {yes: 0.5}, because: [{assumption: open}]}
  weather: {label: Fine weather, prior: {yes: 0.7}, because: [{assumption: summer}]}
  picnic:
    label: Picnic
    role: outcome
    parents: [plan, weather]
    noisy_or: {leak: 0.0, plan: 0.5, weather: 0.5}
    because: [{assumption: both help}]
""")
    assert s.drivers == ["weather"]
    found = most_likely_scenarios(s, CompiledNet(s.net))
    assert [j.states for j in found.top] == [{"weather": "yes"}, {"weather": "no"}]


def test_too_many_driver_combinations_are_not_listed(tiny_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(likely_scenarios, "MAX_DRIVER_COMBINATIONS", 3)
    s = model.load(tiny_path)
    found = most_likely_scenarios(s, CompiledNet(s.net))
    assert found.top == () and found.most_likely is None
    assert "4 combinations of the drivers, over the limit of 3" in found.note
