"""Signposts (value of information): what a watcher should look for.

For an outcome, every other node is ranked by its mutual information with the outcome (how
much, on average, learning its state tells about the outcome) and by how far observing each
of its states would move the outcome's first state. The top leading ones read as sentences;
nodes downstream of the outcome (its consequences) are ranked too but not put as signposts,
since seeing them mostly means the outcome has already happened.

Every node's joint with the outcome comes from one elimination forwards and backwards per
state of the outcome (`CompiledNet.derivatives`), not from one query per node: the cost
grows with the network's size, not with its square.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..language.probability import percent, shown_term
from ..language.tables import FloatArray, NodeSpec
from ..scenario import Scenario

if TYPE_CHECKING:
    from ..network.compiled import CompiledNet

SENTENCES = 5
YES, NO = ("yes", "true"), ("no", "false")
LOWERED = ("A", "An", "The", "It", "There")  # first words safe to lowercase mid-sentence


@dataclass(frozen=True)
class Observation:
    """Observing `node = state` (probability `chance`) moves the outcome to `posterior`."""

    state: str
    chance: float
    posterior: float
    shift: float


@dataclass(frozen=True)
class Signpost:
    node: str
    label: str
    information: float  # mutual information with the outcome, in bits
    leading: bool  # False for the outcome's descendants, its consequences
    observations: tuple[Observation, ...]
    sentence: str

    @property
    def largest_shift(self) -> float:
        return max(abs(o.shift) for o in self.observations)

    def to_dict(self) -> dict[str, Any]:
        return {"node": self.node, "label": self.label, "information": self.information,
                "leading": self.leading, "largest_shift": self.largest_shift,
                "sentence": self.sentence, "observations": [asdict(o) for o in self.observations]}


@dataclass(frozen=True)
class Signposts:
    """Signposts of P(node = state), ranked by mutual information, highest first."""

    node: str
    label: str
    state: str
    base: float
    ranked: tuple[Signpost, ...]

    @property
    def by_shift(self) -> list[Signpost]:
        return sorted(self.ranked, key=lambda s: -s.largest_shift)

    @property
    def watch(self) -> list[Signpost]:
        """The most informative leading nodes, the ones put as sentences."""
        return [s for s in self.ranked if s.leading and s.information > 0][:SENTENCES]

    @property
    def sentences(self) -> list[str]:
        return [s.sentence for s in self.watch]

    def to_dict(self) -> dict[str, Any]:
        return {"node": self.node, "label": self.label, "state": self.state,
                "base": self.base, "sentences": self.sentences,
                "by_shift": [s.node for s in self.by_shift],
                "ranked": [s.to_dict() for s in self.ranked]}


def mutual_information(joint: FloatArray) -> float:
    """I(A; B) in bits from their joint P(a, b) (a 2-d array summing to 1)."""
    outer = joint.sum(axis=1, keepdims=True) * joint.sum(axis=0, keepdims=True)
    mask = joint > 0
    return max(float(np.sum(joint[mask] * np.log2(joint[mask] / outer[mask]))), 0.0)


def descendants(scenario: Scenario, node: str) -> set[str]:
    children: dict[str, list[str]] = {}
    for name, spec in scenario.nodes.items():
        for parent in spec.parents:
            children.setdefault(parent, []).append(name)
    found: set[str] = set()
    stack = [node]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def condition(spec: NodeSpec, state: str, state_text: str | None = None) -> str:
    """'If <node is in state>' in words (`state_text`: how the reader sees the state)."""
    label = mid_sentence(spec.label)
    kinds = {s.lower() for s in spec.states}
    if len(kinds) == 2 and kinds & set(YES) and kinds & set(NO):
        return f"If {label}" if state.lower() in YES else f"Unless {label}"
    return f"If {label} is “{state_text or state.replace('_', ' ')}”"


def mid_sentence(label: str) -> str:
    """A label as it reads after the start of a sentence: "The US strikes" as "the US
    strikes" (only the first words in LOWERED, which are safe to lowercase)."""
    first, _, rest = label.partition(" ")
    return f"{first.lower()} {rest}" if first in LOWERED and rest else label


def proposition(spec: NodeSpec, state: str, state_text: str | None = None) -> str:
    """The outcome state as a quoted proposition: “Israel strikes” or “Label: state”
    (`state_text`: how the reader sees the state)."""
    if state.lower() in YES:
        return f"“{spec.label}”"
    return f"“{spec.label}: {state_text or state.replace('_', ' ')}”"


def strongest(observations: Sequence[Observation]) -> Observation:
    """The observation that moves the outcome most, the one a sentence names."""
    return max(observations, key=lambda o: abs(o.shift))


def sentence(cause: NodeSpec, seen: Observation, outcome: NodeSpec, state: str,
             base: float, state_text: str | None = None,
             outcome_text: str | None = None) -> str:
    """"If X, “Y” rises to 21% from 7% (very unlikely to unlikely)." The direction and the
    new figure come first, so a rise never reads like a fall; percents as the briefing
    writes them (half up), so its figures agree everywhere. `state_text` and
    `outcome_text`: the observed and the outcome's state as the reader sees them."""
    now, then = shown_term(seen.posterior), shown_term(base)
    after, before = percent(seen.posterior), percent(base)
    said = (f"{condition(cause, seen.state, state_text)}, "
            f"{proposition(outcome, state, outcome_text)}")
    if after == before:
        return f"{said} barely moves ({after}, {now})."
    way = "rises" if seen.posterior > base else "falls"
    bands = f"{then} to {now}" if now != then else f"still {now}"
    return f"{said} {way} to {after} from {before} ({bands})."


def joints_with(engine: CompiledNet, outcome: str) -> dict[str, FloatArray]:
    """P(outcome, node) for every other node, (outcome's card, node's card): for each
    possible state o of the outcome, P(node = x, o) = sum over its parents' states of
    T * dP(o)/dT; the same as `engine.joint([outcome, node])`, evidence log included."""
    net = engine.net
    out = {n: np.zeros((len(net.states[outcome]), len(states)))
           for n, states in net.states.items() if n != outcome}
    total = 0.0
    possible = engine.posterior(outcome) > 0  # a state ruled out (or observed otherwise in
    for i, state in enumerate(net.states[outcome]):  # an evidence log) has a row of zeros
        if not possible[i]:
            continue
        z, grads = engine.derivatives({outcome: state}, prune=False)
        total += z
        for node, grad in grads.items():
            if node != outcome:
                table = net.tables[node]
                out[node][i] = (table * grad).reshape(table.shape[0], -1).sum(axis=1)
    # divided by the evidence's probability (1 unless the scenario has an evidence log)
    return {node: joint / total for node, joint in out.items()} if total > 0 else out


def signposts_for(scenario: Scenario, engine: CompiledNet, outcome: str) -> Signposts:
    """Every other node as a signpost of the outcome's first state."""
    spec = scenario.nodes[outcome]
    state = spec.states[0]
    joints = joints_with(engine, outcome)
    base = float(engine.posterior(outcome)[0])
    downstream = descendants(scenario, outcome)
    ranked = []
    for node in scenario.nodes:
        if node == outcome:
            continue
        joint = joints[node]
        chance = joint.sum(axis=0)
        cause = scenario.nodes[node]
        seen = tuple(Observation(s, float(chance[i]), float(joint[0, i] / chance[i]),
                                 float(joint[0, i] / chance[i] - base))
                     for i, s in enumerate(cause.states) if chance[i] > 0)
        ranked.append(Signpost(node, cause.label, mutual_information(joint),
                               node not in downstream, seen,
                               sentence(cause, strongest(seen), spec, state, base,
                                        scenario.state_label(node, strongest(seen).state),
                                        scenario.state_label(outcome, state))))
    ranked.sort(key=lambda s: (-s.information, -s.largest_shift))
    return Signposts(outcome, spec.label, state, base, tuple(ranked))
