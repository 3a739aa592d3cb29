"""Query results: mappings from state to probability that also know their question.

Results are values: frozen dataclasses whose mappings are read-only (`Frozen`), so a result
kept, shared or used as a key cannot be changed after the fact. Each pickles, deep-copies
and compares as plain data, and `to_dict()` gives plain dicts for JSON.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from .display import RichDisplay
from .language.probability import term_for


class Frozen(dict[Any, Any]):
    """A read-only dict: every way of changing it raises TypeError. It is still a dict (so
    `json.dumps` and `isinstance(x, dict)` take it), hashable when its values are, and
    pickles and deep-copies as one."""

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("a result's mappings are read-only: copy it with dict(...) to change it")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def __reduce__(self) -> tuple[type[Frozen], tuple[dict[Any, Any]]]:
        return type(self), (dict(self),)

    def __copy__(self) -> Frozen:
        return self

    def __repr__(self) -> str:
        return dict.__repr__(self)


def frozen(mapping: Mapping[Any, Any] | Iterable[tuple[Any, Any]] | None,
           depth: int = 1) -> Frozen:
    """`mapping` as a `Frozen` dict; with `depth` 2, its values too (a likelihood, labels)."""
    if mapping.__class__ is Frozen:  # made here, so frozen to every depth already
        return mapping
    if not mapping:
        return EMPTY
    if depth > 1:
        return Frozen({k: frozen(v, depth - 1) for k, v in dict(mapping).items()})
    return Frozen(mapping)


EMPTY = Frozen()


@dataclass(frozen=True)
class Approximation:
    """How an estimated distribution was sampled: likelihood weighting (importance sampling
    from the network's own tables, each sample weighed by the evidence's probability)."""

    samples: int
    seed: int | None
    standard_error: Mapping[str, float]  # of each state's estimate
    effective_samples: float  # (sum of weights)^2 / sum of squared weights
    method: str = "likelihood weighting"

    def __post_init__(self) -> None:
        object.__setattr__(self, "standard_error", frozen(self.standard_error))

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

    def __post_init__(self) -> None:
        object.__setattr__(self, "nodes", frozen(self.nodes))
        object.__setattr__(self, "states", frozen(self.states, 2))


@dataclass(frozen=True, eq=False)
class Distribution(RichDisplay, Mapping[str, float]):
    """P(node | given, report, do(do)) as a mapping from state name to probability; it
    compares equal to a dict with the same items (and hashes by them). `likelihood` holds
    the likelihood evidence as given; `approximate`, for an estimate by sampling, how it was
    made (None: exact). Read-only, as every mapping in it.

    It is a Mapping but not a dict: for JSON, `json.dumps(d.to_dict())` (or `dict(d)` for
    the probabilities alone); for a table, `d.to_frame()`, and `s.to_frame()` for every
    node at once."""

    node: str
    probabilities: Mapping[str, float]
    given: Mapping[str, str] = field(default_factory=dict)
    do: Mapping[str, str] = field(default_factory=dict)
    likelihood: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    approximate: Approximation | None = None
    labels: Labels = field(default_factory=Labels, compare=False, repr=False)

    def __post_init__(self) -> None:
        _set = object.__setattr__
        _set(self, "probabilities", frozen(self.probabilities))
        _set(self, "given", frozen(self.given))
        _set(self, "do", frozen(self.do))
        _set(self, "likelihood", frozen(self.likelihood, 2))

    def __hash__(self) -> int:  # as the dict of its items, which it compares equal to
        return hash(self.probabilities)

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
        """The ICD 203 estimative term of `state`'s probability ("likely", "roughly even
        chance", ...; `language.probability.term_for`)."""
        return term_for(self.probabilities[state])

    def most_likely(self) -> str:
        """The state of highest probability (the first in declared order on a tie)."""
        return max(self.probabilities, key=self.probabilities.__getitem__)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (dicts and lists, for `json.dumps`): node, given, do, likelihood,
        distribution and terms, and `approximate` for an estimate. `scenario query --json`
        prints these keys and two of its own: `scenario` (the id) and `evidence_log`
        (`Scenario.log_in_effect`)."""
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

    def __post_init__(self) -> None:
        _set = object.__setattr__
        _set(self, "states", frozen(self.states))
        _set(self, "given", frozen(self.given))
        _set(self, "do", frozen(self.do))
        _set(self, "likelihood", frozen(self.likelihood, 2))

    def to_dict(self) -> dict[str, Any]:
        """Plain data: states, probability, given, do and likelihood."""
        return {"states": dict(self.states), "probability": self.probability,
                "given": dict(self.given), "do": dict(self.do),
                "likelihood": {n: dict(w) for n, w in self.likelihood.items()}}
