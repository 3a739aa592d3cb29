"""The evidence log as a file states it: dated entries (observed, likelihood, believe) and
resolutions, checked against the scenario's nodes, states and dates.

What can be checked without the network is checked here, each problem at its line: unknown
nodes and states, dates not after `as_of` or past the horizon, weights and beliefs that are
not numbers of the right kind, citations of undeclared sources, a node observed twice as
different states, a resolution that contradicts an observation. Whether the evidence as a
whole is possible needs the network: `Scenario` checks that entry by entry (`model.history`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from ..errors import Problem, did_you_mean
from .citations import paragraph_problem
from .findings import Findings
from .loader import Loc
from .probability import SUM_TOLERANCE, percent
from .schema import (
    Assumption,
    EvidenceEntry,
    EvidenceKind,
    Node,
    Report,
    Resolution,
    Source,
    published_from,
)

Support = Report | Assumption


def today() -> dt.date:
    """The day the log is checked on, for entries dated after it (tests set it)."""
    return dt.date.today()


@dataclass(frozen=True)
class EntrySpec:
    """One checked evidence entry. `likelihood` and `believe` map each node to a weight or
    probability per state; `believe` holds the point values of what was written."""

    date: dt.date
    kind: EvidenceKind
    label: str
    observed: Mapping[str, str] = field(default_factory=dict)
    likelihood: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    believe: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    because: tuple[Support, ...] = ()
    file: str = ""
    line: int | None = None

    @property
    def nodes(self) -> tuple[str, ...]:
        return tuple({"observed": self.observed, "likelihood": self.likelihood,
                      "believe": self.believe}[self.kind])

    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def key(self) -> tuple[object, ...]:
        """What the entry says, to tell two versions of a log apart (not where it is)."""
        def frozen(m: Mapping[str, Mapping[str, float]]) -> tuple[object, ...]:
            return tuple(sorted((n, tuple(sorted(v.items()))) for n, v in m.items()))
        return (self.date, self.kind, tuple(sorted(self.observed.items())),
                frozen(self.likelihood), frozen(self.believe))

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"date": self.date.isoformat(), "label": self.label,
                                  "kind": self.kind}
        out[self.kind] = {"observed": dict(self.observed),
                          "likelihood": {n: dict(v) for n, v in self.likelihood.items()},
                          "believe": {n: dict(v) for n, v in self.believe.items()}}[self.kind]
        return out


@dataclass(frozen=True)
class ResolutionSpec:
    """What happened to a node, when it was settled, and on what the analyst says so."""

    node: str
    state: str
    date: dt.date
    because: tuple[Support, ...] = ()
    file: str = ""
    line: int | None = None


@dataclass(frozen=True)
class Log:
    """A scenario's evidence (by date; entries of one date in the order written) and its
    resolutions, from the scenario file and from a case file if one is loaded."""

    entries: tuple[EntrySpec, ...] = ()
    resolutions: tuple[ResolutionSpec, ...] = ()

    def until(self, day: dt.date | None) -> tuple[EntrySpec, ...]:
        """The entries dated up to and including `day` (all of them for None)."""
        return self.entries if day is None else tuple(e for e in self.entries
                                                      if e.date <= day)

    @property
    def dates(self) -> tuple[dt.date, ...]:
        return tuple(dict.fromkeys(e.date for e in self.entries))

    def __bool__(self) -> bool:
        return bool(self.entries or self.resolutions)


class LogChecker:
    """The checks of one file's `evidence` and `resolutions` against the scenario's nodes
    (`broken`: nodes that failed their own checks, not blamed again) and dates."""

    def __init__(self, findings: Findings, nodes: Mapping[str, Node], broken: Collection[str],
                 as_of: dt.date, horizon: dt.date, sources: Mapping[str, Source],
                 paragraphs: Mapping[str, Sequence[str]], on: dt.date | None = None):
        self.findings = findings
        self.nodes = nodes
        self.broken = broken
        self.as_of = as_of
        self.horizon = horizon
        self.sources = sources
        self.paragraphs = paragraphs
        self.today = on or today()  # the day of the check: entries after it are warned of

    def fail(self, loc: Loc, message: str, node: str | None = None,
             hint: str | None = None) -> None:
        self.findings.fail(loc, message, node, hint)

    def entries(self, entries: Sequence[EvidenceEntry]) -> list[EntrySpec]:
        out = []
        for i, entry in enumerate(entries):
            spec = self.entry(entry, ("evidence", i))
            if spec is not None:
                out.append(spec)
        return out

    def resolutions(self, resolutions: Sequence[Resolution]) -> list[ResolutionSpec]:
        out = []
        for i, r in enumerate(resolutions):
            loc: Loc = ("resolutions", i)
            ok = self.date(r.date, (*loc, "date"), "a resolution")
            ok = self.state(r.node, r.state, (*loc, "node"), (*loc, "state"),
                            "resolution") and ok
            self.citations(r.because, (*loc, "because"), r.date, "a resolution")
            if ok:
                out.append(ResolutionSpec(r.node, r.state, r.date, tuple(r.because),
                                          self.findings.doc.name,
                                          self.findings.doc.line_of(loc)))
        return out

    # one entry ---------------------------------------------------------------------------

    def entry(self, entry: EvidenceEntry, loc: Loc) -> EntrySpec | None:
        ok = self.date(entry.date, (*loc, "date"), "evidence")
        self.citations(entry.because, (*loc, "because"), entry.date, "evidence")
        kind = entry.kind
        where: Loc = (*loc, kind)
        observed: dict[str, str] = {}
        likelihood: dict[str, dict[str, float]] = {}
        believe: dict[str, dict[str, float]] = {}
        if entry.observed is not None:
            for node, state in entry.observed.items():
                if self.state(node, state, (*where, node), (*where, node), "observed"):
                    observed[node] = state
                else:
                    ok = False
        elif entry.likelihood is not None:
            for node, weights in entry.likelihood.items():
                if self.weights(node, weights, (*where, node)):
                    likelihood[node] = dict(weights)
                else:
                    ok = False
        elif entry.believe is not None:
            for node, probs in entry.believe.items():
                points = {s: p.point for s, p in probs.items()}
                if self.belief(node, points, (*where, node)):
                    believe[node] = points
                else:
                    ok = False
        if not ok:
            return None
        label = entry.label or self.default_label(kind, observed, likelihood, believe)
        return EntrySpec(entry.date, kind, label, observed, likelihood, believe,
                         tuple(entry.because), self.findings.doc.name,
                         self.findings.doc.line_of(loc))

    def date(self, day: dt.date, loc: Loc, what: str) -> bool:
        if day <= self.as_of:
            self.fail(loc, f"{what} dated {day} is not after as_of ({self.as_of}): the "
                           "scenario's numbers already stand for what was known then",
                      hint="date it after as_of, or write what was known into the numbers")
            return False
        if day > self.horizon:
            self.fail(loc, f"{what} dated {day} is after the horizon ({self.horizon}): every "
                           "node means 'by the horizon', so nothing later bears on it",
                      hint="drop it, or extend the horizon")
            return False
        if day > self.today:  # loaded still: the briefing would say "up to" that day
            self.findings.warn(loc, f"{what} of {day} is dated in the future (today is "
                                    f"{self.today}): a typo?",
                               hint="date it the day it was reported or settled")
        return True

    def node(self, node: str, loc: Loc, what: str) -> bool:
        if node in self.broken:
            return False
        if node not in self.nodes:
            self.fail(loc, f"{what}: unknown node '{node}'", None,
                      did_you_mean(node, [*self.nodes, *self.broken]))
            return False
        return True

    def state(self, node: str, state: str, node_loc: Loc, state_loc: Loc, what: str) -> bool:
        if not self.node(node, node_loc, what):
            return False
        states = self.nodes[node].states
        if state not in states:
            self.fail(state_loc, f"{what}: '{state}' is not a state of '{node}'", node,
                      did_you_mean(state, states))
            return False
        return True

    def weights(self, node: str, weights: Mapping[str, float], loc: Loc) -> bool:
        if not self.node(node, loc, "likelihood"):
            return False
        states = self.nodes[node].states
        ok = True
        for state in weights:
            if state not in states:
                self.fail((*loc, state), f"likelihood: '{state}' is not a state of '{node}'",
                          node, did_you_mean(state, states))
                ok = False
        if ok and all(weights.get(s, 1.0) == 0 for s in states):
            self.fail(loc, "likelihood: every state has weight 0, so no state could have "
                           "produced the report", node,
                      "give the states the report is possible under a weight above 0 "
                      "(states left out weigh 1)")
            ok = False
        if ok and len(set(weights.get(s, 1.0) for s in states)) == 1:
            self.findings.warn(loc, "likelihood: every state has the same weight, so the "
                                    "report moves nothing", node,
                               "weigh the states by how probable the report is under each")
        return ok

    def belief(self, node: str, probs: Mapping[str, float], loc: Loc) -> bool:
        if not self.node(node, loc, "believe"):
            return False
        states = self.nodes[node].states
        unknown = [s for s in probs if s not in states]
        for state in unknown:
            self.fail((*loc, state), f"believe: '{state}' is not a state of '{node}'", node,
                      did_you_mean(state, states))
        if unknown:
            return False
        total = sum(probs.values())
        named_all = len(probs) == len(states)
        if total > 1 + SUM_TOLERANCE or (named_all and not math.isclose(
                total, 1.0, abs_tol=SUM_TOLERANCE)):
            self.fail(loc, f"believe: the probabilities of '{node}' add up to "
                           f"{percent(total)}", node,
                      "over all states they add up to 100%; over some, to at most 100% "
                      "(the states left out share the rest)")
            return False
        return True

    def citations(self, because: Sequence[Support], loc: Loc, day: dt.date,
                  what: str) -> None:
        for i, item in enumerate(because):
            if isinstance(item, Report):
                self.report(item, (*loc, i), day, what)

    def report(self, r: Report, loc: Loc, day: dt.date, what: str) -> None:
        if r.source not in self.sources:
            self.fail((*loc, "source"), f"source '{r.source}' is not declared under 'sources'",
                      None, did_you_mean(r.source, self.sources))
            return
        published = self.sources[r.source].published
        first = published_from(published)
        if first is not None and first > day:
            self.findings.warn((*loc, "source"), f"{what} dated {day} cites source "
                               f"'{r.source}', which came out later ({published})",
                               hint="date it when the report came out, or fix the source's "
                                    "'published'")
        paras = self.paragraphs.get(r.source)
        if paras is None:
            return
        problem = paragraph_problem(r.source, paras, r.paras, r.quote)
        if problem is not None:
            field, message, hint = problem
            self.fail((*loc, field), message, None, hint)

    def default_label(self, kind: EvidenceKind, observed: Mapping[str, str],
                      likelihood: Mapping[str, Mapping[str, float]],
                      believe: Mapping[str, Mapping[str, float]]) -> str:
        """What the entry says, in the nodes' labels: the timeline's step label."""
        def label(node: str) -> str:
            return self.nodes[node].label or node
        if kind == "observed":
            return "; ".join(f"{label(n)}: {s}" for n, s in observed.items())
        if kind == "likelihood":
            return "; ".join(f"report on {label(n)} ("
                             + ", ".join(f"{s} {w:g}" for s, w in ws.items()) + ")"
                             for n, ws in likelihood.items())
        return "; ".join(f"{label(n)}: " + ", ".join(f"{s} {percent(p)}" for s, p in ps.items())
                         for n, ps in believe.items())


def combine(parts: Sequence[tuple[Sequence[EntrySpec], Sequence[ResolutionSpec]]]
            ) -> tuple[Log, list[Problem], list[Problem]]:
    """One log from the scenario's own and a case's entries (by date, stable), with what
    only the whole log shows: a node observed twice, a belief or likelihood about a node
    already observed, a node resolved twice, a resolution against an observation. Returns
    (log, problems, warnings)."""
    entries = sorted((e for part in parts for e in part[0]), key=lambda e: e.date)
    resolutions = [r for part in parts for r in part[1]]
    problems: list[Problem] = []
    warnings: list[Problem] = []
    seen: dict[str, tuple[str, EntrySpec]] = {}
    for e in entries:
        for node in e.nodes:
            if node not in seen:
                if e.kind == "observed":
                    seen[node] = (e.observed[node], e)
                continue
            state, first = seen[node]
            if e.kind == "observed" and e.observed[node] == state:
                warnings.append(Problem(
                    f"evidence of {e.date}: '{node}' was already observed as '{state}' on "
                    f"{first.date} ({first.where()})", e.file, e.line, node,
                    "one observation is enough; drop this one"))
            elif e.kind == "observed":
                problems.append(Problem(
                    f"evidence of {e.date}: '{node}' is observed as '{e.observed[node]}', but "
                    f"it was observed as '{state}' on {first.date} ({first.where()})",
                    e.file, e.line, node, "a node is in one state by the horizon: correct "
                                          "one of the two entries"))
            else:
                problems.append(Problem(
                    f"evidence of {e.date}: a {e.kind} about '{node}', which was observed as "
                    f"'{state}' on {first.date} ({first.where()})", e.file, e.line, node,
                    "nothing is uncertain about an observed node: drop this entry, or date "
                    "it before the observation"))
    resolved: dict[str, ResolutionSpec] = {}
    for r in resolutions:
        if r.node in resolved:
            first_r = resolved[r.node]
            problems.append(Problem(
                f"'{r.node}' is resolved twice (first at {first_r.file}:{first_r.line})",
                r.file, r.line, r.node, "keep one resolution per node"))
            continue
        resolved[r.node] = r
        if r.node in seen and seen[r.node][0] != r.state:
            state, first = seen[r.node]
            problems.append(Problem(
                f"resolved as '{r.state}', but the evidence of {first.date} ({first.where()}) "
                f"observed '{state}'", r.file, r.line, r.node,
                "correct the resolution or the observation"))
    return Log(tuple(entries), tuple(resolutions)), problems, warnings
