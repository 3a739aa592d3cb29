"""Query results: mappings from state to probability that also know their question."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .display import RichDisplay
from .language.probability import term_for


@dataclass(frozen=True)
class Approximation:
    """How an estimated distribution was sampled: likelihood weighting (importance sampling
    from the network's own tables, each sample weighed by the evidence's probability)."""

    samples: int
    seed: int | None
    standard_error: Mapping[str, float]  # of each state's estimate
    effective_samples: float  # (sum of weights)^2 / sum of squared weights
    method: str = "likelihood weighting"

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "samples": self.samples, "seed": self.seed,
                "effective_samples": self.effective_samples,
                "standard_error": dict(self.standard_error)}


@dataclass(frozen=True)
class Labels:
    """How a reader sees a result's nodes and states (the scenario's `label` and `labels:`,
    underscores as spaces where none is written): for displays, not for comparison."""

    nodes: Mapping[str, str] = field(default_factory=dict)
    states: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Distribution(RichDisplay, Mapping[str, float]):
    """P(node | given, report, do(do)) as a mapping from state name to probability; it
    compares equal to a dict with the same items. `likelihood` holds the likelihood evidence
    as given; `approximate`, for an estimate by sampling, how it was made (None: exact)."""

    node: str
    probabilities: Mapping[str, float]
    given: Mapping[str, str] = field(default_factory=dict)
    do: Mapping[str, str] = field(default_factory=dict)
    likelihood: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    approximate: Approximation | None = None
    labels: Labels = field(default_factory=Labels, compare=False, repr=False)

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
        out = {
            "node": self.node,
            "given": dict(self.given),
            "do": dict(self.do),
            "likelihood": {n: dict(w) for n, w in self.likelihood.items()},
            "distribution": dict(self.probabilities),
            "terms": {s: term_for(p) for s, p in self.probabilities.items()},
        }
        if self.approximate is not None:
            out["approximate"] = self.approximate.to_dict()
        return out

    def to_frame(self) -> Any:
        """state -> probability and term (and standard error, for an estimate)."""
        import pandas as pd

        columns: dict[str, list[Any]] = {
            "state": list(self.probabilities),
            "probability": list(self.probabilities.values()),
            "term": [term_for(p) for p in self.probabilities.values()],
        }
        if self.approximate is not None:
            columns["standard_error"] = [self.approximate.standard_error[s]
                                         for s in self.probabilities]
        return pd.DataFrame(columns).set_index("state")


@dataclass(frozen=True)
class Explanation(RichDisplay):
    """The most probable joint state of every unobserved node, and its probability."""

    states: Mapping[str, str]
    probability: float
    given: Mapping[str, str] = field(default_factory=dict)
    do: Mapping[str, str] = field(default_factory=dict)
    likelihood: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    labels: Labels = field(default_factory=Labels, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"states": dict(self.states), "probability": self.probability,
                "given": dict(self.given), "do": dict(self.do),
                "likelihood": {n: dict(w) for n, w in self.likelihood.items()}}
