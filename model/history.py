"""The evidence log at work: the evidence in effect as one question, the forecast's history,
and its scores against what happened.

Every query of a scenario answers with the evidence in effect (all of the log, or the
entries up to `Scenario.at`'s day): `WithEvidence` wraps the engine so that each question
adds the log's observations to its own. A question's own `given` or `do` on a node replaces
what the log says of that node, so a what-if can still ask "suppose instead".

Scores (`score`): for a node resolved in state r, with forecast p over its states,

    Brier = sum over states s of (p(s) - [s = r])^2 / 2      ((1 - p(r))^2 for two states)
    log   = -ln p(r)                                          (infinite when p(r) = 0)

both 0 for a perfect forecast. The time-averaged Brier score counts each day's forecast
until the next entry, from `as_of` to the day the node was settled (its resolution's date),
as forecasting tournaments do: sum of Brier(forecast on d_i) x days(d_i, d_i+1) / days(as_of,
settled).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt

from .display import RichDisplay
from .errors import Problem, QueryError, ScenarioError
from .language.evidence_log import EntrySpec
from .language.probability import ESTIMATIVE_TERMS, term_for
from .language.schema import ISO_DAY
from .network.engine import Engine
from .network.net import Assignment, Likelihood, each_marginal

if TYPE_CHECKING:
    import pandas as pd

    from .language.tables import FloatArray
    from .network.compiled import CompiledNet
    from .scenario import Scenario


def as_day(value: dt.date | str) -> dt.date:
    """A date, or an ISO date written as text ("2025-06-13")."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        text = str(value).strip()
        if not ISO_DAY.fullmatch(text):  # as the files write them: no 20250613, no week dates
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise QueryError(Problem(f"'{value}' is not a date", hint="write it as YYYY-MM-DD, "
                                                                  "e.g. 2025-06-13")) from None


# the evidence in effect -----------------------------------------------------------------


@dataclass(frozen=True)
class Background:
    """The evidence in effect as a question: the nodes observed so far, and the likelihood
    of every uncertain report (beliefs turned into likelihoods by Jeffrey's rule as they
    came), multiplied together per node."""

    given: Mapping[str, str] = field(default_factory=dict)
    likelihood: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    entries: tuple[EntrySpec, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.given or self.likelihood)

    def merged(self, given: Assignment | None, do: Assignment | None,
               likelihood: Likelihood | None = None, without: Collection[str] = ()
               ) -> tuple[dict[str, str], dict[str, dict[str, float]] | None]:
        """A question's own evidence with the log's: a node the question observes or sets
        drops out of the log's evidence (a node in `without` keeps the log's reports on it,
        its observation alone replaced); likelihoods of one node multiply."""
        named = {*(given or {}), *(do or {})}
        observed = {**{n: s for n, s in self.given.items() if n not in named and
                       n not in without}, **(given or {})}
        weights = {n: dict(ws) for n, ws in self.likelihood.items()
                   if n not in named or n in without}
        for node, ws in (likelihood or {}).items():
            weights[node] = _times(weights.get(node, {}), ws)
        return observed, weights or None


def _times(a: Mapping[str, float], b: Mapping[str, float]) -> dict[str, float]:
    """Two likelihoods of one node multiplied (a state left out weighs 1)."""
    return {s: a.get(s, 1.0) * b.get(s, 1.0) for s in {*a, *b}}


def _relative(states: Sequence[str] | None, ws: Mapping[str, float]) -> dict[str, float]:
    """A node's weights over all its `states` (those left out weigh 1), divided by the
    largest; as written where the node is unknown or every weight is 0 (refused later)."""
    if states is None:
        return dict(ws)
    full = {s: float(ws.get(s, 1.0)) for s in states}
    top = max(full.values(), default=0.0)
    if not top > 0 or not math.isfinite(top):
        return dict(ws)
    return {s: w / top for s, w in full.items()}


def background(engine: Engine, entries: Sequence[EntrySpec]) -> Background:
    """The entries' evidence, in date order, each checked possible given the ones before
    it: an entry that makes the evidence impossible is a problem at its line. A belief is
    turned into the likelihood that gives its node the believed probability after the
    entries before it (`network.beliefs`), and stays that likelihood afterwards."""
    from .network.beliefs import believe

    given: dict[str, str] = {}
    weights: dict[str, dict[str, float]] = {}
    states = engine.net.states
    for entry in entries:
        given.update(entry.observed)
        try:
            for node, ws in entry.likelihood.items():
                # only a report's ratios mean anything: each is taken to a largest weight of
                # 1, and so is their product, so that reports of 1e-300 multiplied together
                # are not read as impossible
                weights[node] = _relative(states.get(node), _times(
                    weights.get(node, {}), _relative(states.get(node), ws)))
            if entry.believe:
                weights = believe(engine, entry.believe, given, None, weights or None)
            possible = engine.evidence_probability(given, likelihood=weights or None) > 0
        except QueryError as exc:
            raise ScenarioError([Problem(f"evidence of {entry.date}: {p.message}", entry.file,
                                         entry.line, p.node, p.hint)
                                 for p in exc.problems]) from None
        if not possible:
            shown = (", ".join(f"{n}={s}" for n, s in entry.observed.items())
                     if entry.observed else entry.label)
            raise ScenarioError(Problem(
                f"evidence of {entry.date} ({shown}) is impossible given the scenario "
                "and the entries before it (probability 0)", entry.file, entry.line,
                entry.nodes[0] if entry.nodes else None,
                "check the entry's states and weights, or the numbers that rule it out"))
    return Background(given, weights, tuple(entries))


def possible_rows(engine: Any, tables: Mapping[str, FloatArray]) -> npt.NDArray[np.bool_] | None:
    """Whether the evidence in effect can happen under each row of batched `tables` (the
    uncertainty draws, a tornado's swung numbers); None where no evidence is in effect or
    nothing is batched (every row can)."""
    if not isinstance(engine, WithEvidence) or not tables:
        return None
    observed, weights = engine.evidence.merged(None, None)
    if not observed and not weights:
        return None
    found = engine.inner.evidence_probability(observed, None, tables, likelihood=weights)
    return np.asarray(np.asarray(found) > 0)


class WithEvidence:
    """An engine whose every question also holds the log's evidence; everything else is
    the wrapped engine's. The question's own `given` and `do` come first: a node they name
    drops out of the log's evidence (`Background.merged`)."""

    def __init__(self, inner: Any, evidence: Background):
        self.inner = inner
        self.evidence = evidence

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("inner", "evidence"):
            # not the engine's: pickle asks for these before `inner` is set (a scenario with
            # evidence is sent to worker processes in folder runs)
            raise AttributeError(name)
        return getattr(self.inner, name)

    def posterior(self, target: str, given: Assignment | None = None,
                  do: Assignment | None = None, tables: Mapping[str, FloatArray] | None = None,
                  *, likelihood: Likelihood | None = None) -> FloatArray:
        return self.joint((target,), given, do, tables, likelihood=likelihood)

    def joint(self, targets: Sequence[str], given: Assignment | None = None,
              do: Assignment | None = None, tables: Mapping[str, FloatArray] | None = None,
              *, likelihood: Likelihood | None = None) -> FloatArray:
        observed, weights = self.evidence.merged(given, do, likelihood)
        if tables is None:  # the pgmpy engine takes no batched tables
            return cast("FloatArray", self.inner.joint(targets, observed, do,
                                                       likelihood=weights))
        return cast("FloatArray", self.inner.joint(targets, observed, do, tables,
                                                   likelihood=weights))

    def posteriors(self, targets: Sequence[str], given: Assignment | None = None,
                   do: Assignment | None = None, tables: Mapping[str, FloatArray] | None = None,
                   *, likelihood: Likelihood | None = None) -> list[FloatArray]:
        if tables is None:  # the pgmpy engine has no `posteriors`: from the joint
            return each_marginal(self.joint(targets, given, do, likelihood=likelihood))
        observed, weights = self.evidence.merged(given, do, likelihood)
        return cast("list[FloatArray]", self.inner.posteriors(targets, observed, do, tables,
                                                              likelihood=weights))

    def evidence_probability(self, given: Assignment | None = None,
                             do: Assignment | None = None, *args: Any,
                             likelihood: Likelihood | None = None) -> Any:
        """P(given, report | the log's evidence, do(do)): how likely the observations (and
        a likelihood's report) are now. An observation in `given` replaces the log's
        observation of that node, on both sides, and the log's uncertain reports on it stay
        (so P(z=a) here is `query("z")["a"]`, and the states of a node add up to 1)."""
        named = tuple(given or ())
        observed, weights = self.evidence.merged(given, do, likelihood, without=named)
        base_observed, base_weights = self.evidence.merged(None, do, without=named)
        both = self.inner.evidence_probability(observed, do, *args, likelihood=weights)
        prior = self.inner.evidence_probability(base_observed, do, *args,
                                                likelihood=base_weights)
        return both / prior

    def most_probable(self, given: Assignment | None = None, do: Assignment | None = None,
                      *, likelihood: Likelihood | None = None) -> tuple[dict[str, str], float]:
        observed, weights = self.evidence.merged(given, do, likelihood)
        states, p = self.inner.most_probable(observed, do, likelihood=weights)
        return {n: s for n, s in states.items() if n not in self.evidence.given}, float(p)

    def marginals(self, given: Assignment | None = None, do: Assignment | None = None, *,
                  likelihood: Likelihood | None = None) -> dict[str, FloatArray]:
        observed, weights = self.evidence.merged(given, do, likelihood)
        return cast("dict[str, FloatArray]", self.inner.marginals(observed, do,
                                                                  likelihood=weights))

    def derivatives(self, given: Assignment | None = None, do: Assignment | None = None, *,
                    likelihood: Likelihood | None = None,
                    prune: bool = True) -> tuple[float, dict[str, FloatArray]]:
        """Z and its derivatives with the log's evidence, both divided by the probability of
        the log's evidence: Z is then P(given | the log's evidence), and the sum over a
        node's parents of (T * dZ/dT)[x] is P(node = x, given | the log's evidence). The
        analyses ask this of every state of a node, so `given` here adds to the log's
        evidence rather than replacing it: a state the log rules out has Z = 0."""
        base_observed, base_weights = self.evidence.merged(None, do)
        observed = {**base_observed, **(given or {})}
        if any(base_observed.get(n, s) != s for n, s in (given or {}).items()):
            observed = dict(base_observed)  # the log rules the state out: all of Z is 0
            _, grads = self.inner.derivatives(observed, do, likelihood=base_weights,
                                              prune=prune)
            return 0.0, {n: np.zeros_like(g) for n, g in grads.items()}
        weights = dict(base_weights or {})
        for node, ws in (likelihood or {}).items():
            weights[node] = _times(weights.get(node, {}), ws)
        prior = float(self.inner.evidence_probability(base_observed, do,
                                                      likelihood=base_weights))
        z, grads = self.inner.derivatives(observed, do, likelihood=weights or None,
                                          prune=prune)
        return float(z) / prior, {n: g / prior for n, g in grads.items()}


def with_evidence(engine: Any, evidence: Background) -> Any:
    """`engine` itself when there is no evidence in effect, else wrapped."""
    return WithEvidence(engine, evidence) if evidence else engine


def evidence_compiled(engine: CompiledNet, evidence: Background) -> CompiledNet:
    """The compiled engine with the evidence (the analyses take it as a CompiledNet)."""
    return cast("CompiledNet", with_evidence(engine, evidence))


def evidence_engine(engine: Engine, evidence: Background) -> Engine:
    return cast(Engine, with_evidence(engine, evidence))


# the forecast's history ---------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One date of the history: the entries dated that day (none for as_of)."""

    date: dt.date
    entries: tuple[EntrySpec, ...]

    @property
    def label(self) -> str:
        return "; ".join(e.label for e in self.entries) if self.entries else "original forecast"


def steps(s: Scenario) -> list[Step]:
    """as_of, then each date of the log's entries, with that date's entries."""
    out = [Step(s.file.as_of, ())]
    for day in s.log.dates:
        out.append(Step(day, tuple(e for e in s.log.entries if e.date == day)))
    return out


TIMELINE_COLUMNS = ["date", "kind", "node", "state", "probability", "term", "evidence"]


def history_rows(s: Scenario) -> list[dict[str, Any]]:
    """The timeline's rows as plain data (see `timeline`)."""
    rows: list[dict[str, Any]] = []
    followed = [(n, "outcome") for n in s.outcomes] + [
        (r.node, "resolved") for r in s.resolutions if r.node not in s.outcomes]
    for step in steps(s):
        then = s.at(step.date)
        for node, kind in followed:
            dist = then.query(node)
            for state in s.nodes[node].states:
                rows.append({"date": step.date, "kind": kind, "node": node, "state": state,
                             "probability": dist[state], "term": term_for(dist[state]),
                             "evidence": step.label})
        for j in s.judgement_specs:
            p = then.probability(j.event)
            rows.append({"date": step.date, "kind": "judgement", "node": j.name, "state": None,
                         "probability": p, "term": term_for(p), "evidence": step.label})
    return rows


def timeline(s: Scenario) -> pd.DataFrame:
    """One row per date (as_of, then each evidence date), node and state, for every outcome
    (kind "outcome"), every resolved node that is not one (kind "resolved") and every key
    judgement (kind "judgement", node its name, state None): the probability as it stood
    that day, its estimative term, and the evidence of the day. Its
    `attrs["time_averaged_brier"]` holds each resolved node's time-averaged Brier score."""
    import pandas as pd

    frame = pd.DataFrame(history_rows(s), columns=TIMELINE_COLUMNS)
    frame.attrs["time_averaged_brier"] = {n.node: n.time_averaged_brier
                                          for n in score(s).nodes}
    return frame


# scores --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeScore:
    """One resolved node: the forecast in effect, what happened, its scores."""

    node: str
    state: str  # the state that happened
    settled: dt.date
    forecast: Mapping[str, float]
    brier: float
    log: float  # inf when the forecast gave the state that happened probability 0
    time_averaged_brier: float

    def to_dict(self) -> dict[str, Any]:
        return {"node": self.node, "state": self.state, "settled": self.settled.isoformat(),
                "forecast": dict(self.forecast), "brier": self.brier,
                "log": None if math.isinf(self.log) else self.log,
                "time_averaged_brier": self.time_averaged_brier}


@dataclass(frozen=True)
class Score(RichDisplay):
    """A scenario's forecast (as it stood on `as_at`) scored against its resolutions."""

    scenario: str
    as_at: dt.date
    nodes: tuple[NodeScore, ...]

    @property
    def brier(self) -> float:
        """The mean Brier score over the resolved nodes (nan when none is resolved)."""
        return _mean([n.brier for n in self.nodes])

    @property
    def log(self) -> float:
        return _mean([n.log for n in self.nodes])

    @property
    def time_averaged_brier(self) -> float:
        return _mean([n.time_averaged_brier for n in self.nodes])

    def __getitem__(self, node: str) -> NodeScore:
        for n in self.nodes:
            if n.node == node:
                return n
        raise KeyError(node)

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "as_at": self.as_at.isoformat(),
                "nodes": [n.to_dict() for n in self.nodes], "brier": _plain(self.brier),
                "log": _plain(self.log), "time_averaged_brier": _plain(self.time_averaged_brier)}


def brier(forecast: Mapping[str, float], happened: str) -> float:
    """Sum over states of (p - outcome)^2 / 2: 0 when sure and right, 1 when sure and wrong."""
    return sum((p - (state == happened)) ** 2 for state, p in forecast.items()) / 2


def log_score(forecast: Mapping[str, float], happened: str) -> float:
    """-ln p of the state that happened (infinite when it was given probability 0)."""
    p = forecast[happened]
    return 0.0 - math.log(p) if p > 0 else math.inf  # 0.0 where p is 1, not -0.0


def score(s: Scenario) -> Score:
    """The forecast in effect (`s`, or `s.at(day)`) scored over the resolved nodes."""
    as_at = s.as_at or max([s.file.as_of, *s.log.dates])
    forecasts = {r.node: dict(s.query(r.node)) for r in s.resolutions}
    history = steps(s)
    stood = {step.date: s.at(step.date) for step in history}
    out = []
    for r in s.resolutions:
        forecast = forecasts[r.node]
        days = [(step.date, brier(dict(stood[step.date].query(r.node)), r.state))
                for step in history if step.date < r.date]
        out.append(NodeScore(r.node, r.state, r.date, forecast, brier(forecast, r.state),
                             log_score(forecast, r.state),
                             time_averaged(days, r.date)))
    return Score(s.id, as_at, tuple(out))


def time_averaged(days: Sequence[tuple[dt.date, float]], settled: dt.date) -> float:
    """Each (date, Brier) counted from its date until the next one, or until `settled`."""
    total = (settled - days[0][0]).days
    weighted = sum(b * ((days[i + 1][0] if i + 1 < len(days) else settled) - d).days
                   for i, (d, b) in enumerate(days))
    return weighted / total


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else math.nan


def _plain(x: float) -> float | None:
    return None if math.isnan(x) or math.isinf(x) else x


# calibration over many scenarios ----------------------------------------------------------


@dataclass(frozen=True)
class Band:
    """The forecasts whose probability fell in one ICD 203 band, and how often their
    events happened."""

    term: str
    low: float
    high: float
    forecasts: int
    happened: int
    mean_forecast: float  # nan when empty

    @property
    def frequency(self) -> float:
        return self.happened / self.forecasts if self.forecasts else math.nan

    def to_dict(self) -> dict[str, Any]:
        return {"term": self.term, "low": self.low, "high": self.high,
                "forecasts": self.forecasts, "happened": self.happened,
                "mean_forecast": _plain(self.mean_forecast), "frequency": _plain(self.frequency)}


def calibration(scores: Sequence[Score]) -> tuple[Band, ...]:
    """Every state of every resolved node is one forecast (its probability, and whether it
    was the state that happened), grouped by the ICD 203 band its probability falls in
    (`term_for`: the outermost bands take everything beyond them)."""
    grouped: dict[str, list[tuple[float, bool]]] = {t[0]: [] for t in ESTIMATIVE_TERMS}
    for sc in scores:
        for n in sc.nodes:
            for state, p in n.forecast.items():
                grouped[term_for(p)].append((p, state == n.state))
    out = []
    for main, _alt, low, high in ESTIMATIVE_TERMS:
        items = grouped[main]
        out.append(Band(main, low, high, len(items), sum(h for _, h in items),
                        _mean([p for p, _ in items])))
    return tuple(out)
