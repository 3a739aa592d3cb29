"""Most likely scenarios: the drivers' likeliest joint states and where each leads.

The drivers' exact joint distribution is contracted once; its largest cell is the most
probable joint state of the drivers (MAP over the drivers, every other node summed out), and
its `top` largest cells are the likeliest combinations, each with the outcomes it implies.
The drivers are `Scenario.drivers`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..limits import MAX_DRIVER_COMBINATIONS
from ..scenario import Scenario

if TYPE_CHECKING:
    from ..network.compiled import CompiledNet

TOP = 5


@dataclass(frozen=True)
class JointScenario:
    states: dict[str, str]  # driver -> state
    probability: float
    outcomes: dict[str, dict[str, float]]  # outcome -> distribution given these states

    def to_dict(self) -> dict[str, Any]:
        return {"states": self.states, "probability": self.probability,
                "outcomes": self.outcomes}


@dataclass(frozen=True)
class LikelyScenarios:
    drivers: tuple[str, ...]
    top: tuple[JointScenario, ...]  # most probable first; top[0] is the MAP
    note: str = ""  # why the listing is empty, when it is

    @property
    def most_likely(self) -> JointScenario | None:
        return self.top[0] if self.top else None

    @property
    def covered(self) -> float:
        """How much probability the listed combinations hold together."""
        return sum(s.probability for s in self.top)

    def to_dict(self) -> dict[str, Any]:
        return {"drivers": list(self.drivers), "covered": self.covered, "note": self.note,
                "top": [s.to_dict() for s in self.top]}


def most_likely_scenarios(scenario: Scenario, engine: CompiledNet,
                          top: int = TOP) -> LikelyScenarios:
    drivers = scenario.drivers
    if not drivers:
        return LikelyScenarios((), (), "no driver nodes, and no root nodes but decisions "
                                       "and outcomes")
    cells = math.prod(scenario.nodes[d].card for d in drivers)
    if cells > MAX_DRIVER_COMBINATIONS:
        return LikelyScenarios(tuple(drivers), (), f"{cells:,} combinations of the drivers, "
                                                   f"over the limit of {MAX_DRIVER_COMBINATIONS:,}")
    joint = engine.joint(drivers)
    flat = joint.ravel()
    order = np.argsort(-flat, kind="stable")[:top]
    found = []
    for cell in order[flat[order] > 0]:
        index = np.unravel_index(cell, joint.shape)
        states = {d: scenario.nodes[d].states[int(i)] for d, i in zip(drivers, index,
                                                                       strict=True)}
        outcomes = {o: dict(zip(scenario.nodes[o].states,
                                engine.posterior(o, given=states).tolist(), strict=True))
                    for o in scenario.outcomes}
        found.append(JointScenario(states, float(flat[cell]), outcomes))
    return LikelyScenarios(tuple(drivers), tuple(found))
