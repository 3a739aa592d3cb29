"""Query results: mappings from state to probability that also know their question."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .display import RichDisplay
from .language.probability import term_for


@dataclass(frozen=True, eq=False)
class Distribution(RichDisplay, Mapping[str, float]):
    """P(node | given, do(do)) as a mapping from state name to probability; it compares
    equal to a dict with the same items."""

    node: str
    probabilities: Mapping[str, float]
    given: Mapping[str, str] = field(default_factory=dict)
    do: Mapping[str, str] = field(default_factory=dict)

    def __getitem__(self, state: str) -> float:
        return self.probabilities[state]

    def __iter__(self) -> Iterator[str]:
        return iter(self.probabilities)

    def __len__(self) -> int:
        return len(self.probabilities)

    def __repr__(self) -> str:
        inner = ", ".join(f"{s!r}: {p:.4g}" for s, p in self.probabilities.items())
        return "{" + inner + "}"

    def term(self, state: str) -> str:
        return term_for(self.probabilities[state])

    def most_likely(self) -> str:
        return max(self.probabilities, key=self.probabilities.__getitem__)

    def to_dict(self) -> dict[str, Any]:
        """Plain data, as `scenario query --json` prints it."""
        return {
            "node": self.node,
            "given": dict(self.given),
            "do": dict(self.do),
            "distribution": dict(self.probabilities),
            "terms": {s: term_for(p) for s, p in self.probabilities.items()},
        }

    def to_frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame({
            "state": list(self.probabilities),
            "probability": list(self.probabilities.values()),
            "term": [term_for(p) for p in self.probabilities.values()],
        }).set_index("state")


@dataclass(frozen=True)
class Explanation(RichDisplay):
    """The most probable joint state of every unobserved node, and its probability."""

    states: Mapping[str, str]
    probability: float
    given: Mapping[str, str] = field(default_factory=dict)
    do: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"states": dict(self.states), "probability": self.probability,
                "given": dict(self.given), "do": dict(self.do)}
