"""A loaded, checked scenario: the object the CLI, the briefing and notebooks query.

Loading reads, parses and checks the file but does not import pgmpy; the network is built
on first use, and queries go to the engine chosen at load time (see `network.engine`).
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from .display import RichDisplay
from .errors import LimitError, Problem, QueryError, ScenarioError, did_you_mean
from .history import Background, as_day, background, evidence_compiled, evidence_engine
from .language.cases import CheckedCase, check_case, is_case, scenario_path
from .language.checks import Checked, check
from .language.events import Event, event_mask, event_nodes, event_problems, read_event
from .language.evidence_log import EntrySpec, Log, ResolutionSpec, combine
from .language.formats import is_network, load_network
from .language.judgements import JudgementSpec
from .language.loader import Document, parse_document, read_document
from .language.schema import Role, ScenarioFile, Source, WhatIf
from .language.tables import FloatArray, NodeSpec, Param
from .language.utilities import UtilitySpec
from .limits import MAX_QUERY_CELLS, MEMORY_BUDGET_BYTES
from .network.engine import Engine, EngineName, engine_name, make_engine
from .network.influence import Diagram, Solution, solve
from .network.net import Assignment, Likelihood, Net, as_assignment, as_likelihood, as_names
from .results import Approximation, Distribution, Explanation, Labels

SAMPLING_SEED = 2025  # approximate queries are seeded, so a rerun prints the same estimate
KEPT_EVENTS = 256  # events read, kept by their text

# What `at` recomputes for its day: the evidence in effect and the engines that apply it;
# with decisions of the reader's own, also their policies (solved with the evidence) and the
# network that holds them.
_AS_AT = ("background", "engine", "compiled")
_DECIDED = ("solver", "net", "_engine", "_compiled", "network")
# What `fresh` makes anew: the engines, with the caches of what they answered.
_ENGINES = ("engine", "compiled", "_engine", "_compiled", "solver", "_diagram_engine")

if TYPE_CHECKING:
    import pandas as pd

    from .analysis.judgements import Judgements
    from .history import Score
    from .network.compiled import CompiledNet

# Analyses of a later stage that a scenario offers as its own methods (`s.judgements()`):
# the analysis stage registers each as it is imported, which `import model` always does, as
# the briefing stage registers how objects show in notebooks (`display`).
_OFFERED: dict[str, Callable[..., Any]] = {}


def offer(name: str, analysis: Callable[..., Any]) -> None:
    """Make `analysis(scenario, **options)` the scenario's method `name`."""
    _OFFERED[name] = analysis


def words(name: str) -> str:
    """An identifier as words: underscores become spaces."""
    return name.replace("_", " ")


def load(path: str | Path, engine: EngineName = "compiled",
         case: str | Path | None = None) -> Scenario:
    """Read, parse and check a scenario file; raise ScenarioError listing every problem.

    `path` may be a case file (`case:` and `scenario:`, see `language.cases`): its scenario
    is loaded with the case's evidence and resolutions; or name the case with `case=`.
    A network file of another tool (`.bif`, `.xmlbif`, `.net`, `.xdsl`, `.uai`, gzipped or
    not) or one of pgmpy's bundled networks by name (`pgmpy:alarm`) loads as it is, every
    number marked as an uncited import (see `language.formats`); a case may name one as its
    scenario.

    `engine` answers queries: "compiled" (default; cached tensor contractions, tested
    equal to pgmpy) or "pgmpy" (its VariableElimination, the reference)."""
    _check_path(path, "path")
    if case is not None:
        _check_path(case, "case")
    doc = _read(path)
    if is_case(doc):
        if case is not None:
            raise ScenarioError(Problem("this is a case file, and a case was given too",
                                        file=doc.name, hint="load the case file alone"))
        model = _read(scenario_path(doc))
        if is_case(model):
            raise ScenarioError(doc.problem(("scenario",), f"the case's scenario "
                                            f"'{doc.data['scenario']}' is a case file itself",
                                            hint="name the scenario that case names (a case "
                                                 "applies to a scenario, not to another case)"))
        return Scenario(model, engine, case=doc)
    return Scenario(doc, engine, None if case is None else read_document(case))


def _check_path(path: object, what: str) -> None:
    """A file's path: a str or a path-like object (pathlib.Path), else a QueryError."""
    if not isinstance(path, str | os.PathLike):
        raise QueryError(Problem(f"load: {what} is a file's path (a str or a pathlib.Path), "
                                 f"got {'None' if path is None else type(path).__name__}",
                                 hint="e.g. model.load('scenarios/x.yaml'); for a file's "
                                      "text, model.loads(text)"))


def _read(path: str | Path) -> Document:
    """A scenario file, or another tool's network file as the same data."""
    return load_network(path) if is_network(path) else read_document(path)


def loads(text: str, path: str | Path = "<string>", engine: EngineName = "compiled",
          case: str | None = None) -> Scenario:
    """The same from text (`path` names it in messages and anchors source paths); `case` is
    a case file's text, anchored beside `path`."""
    for what, value in (("text", text), ("case", case)):
        if value is not None and not isinstance(value, str):
            raise QueryError(Problem(
                f"loads: {what} is a scenario's text (a str), got {type(value).__name__}",
                hint="for a file, model.load(path)" if isinstance(value, os.PathLike)
                else "decode bytes first: model.loads(data.decode('utf-8'))"
                if isinstance(value, bytes) else "e.g. model.loads(yaml_text)"))
    _check_path(path, "path")
    doc = parse_document(text, path)
    return Scenario(doc, engine, None if case is None else
                    parse_document(case, Path(path).with_suffix(".case.yaml")))


class Scenario(RichDisplay):
    """A checked scenario with exact queries over its Bayesian network. Its evidence log
    (the file's `evidence`, and a case's) conditions every query; `at(date)` is the
    scenario as it stood on a day."""

    def __init__(self, doc: Document, engine: EngineName = "compiled",
                 case: Document | None = None):
        self.engine_name: EngineName = engine_name(engine)
        self.document = doc
        self.checked: Checked = check(doc)
        self._solutions: dict[str, Solution] = {}
        self._events: dict[str, Event] = {}  # events read, by their text
        self.case: CheckedCase | None = None if case is None else check_case(case, self.checked)
        self.log: Log = self.checked.log
        self._log_warnings: list[Problem] = []
        if self.case is not None:
            own = self.checked.log
            self.log, problems, self._log_warnings = combine([
                (own.entries, own.resolutions), (self.case.entries, self.case.resolutions)])
            if problems:
                raise ScenarioError(problems)
        self.as_at: dt.date | None = None  # None: with every entry of the log

    # what the file says ------------------------------------------------------------------

    @property
    def path(self) -> Path:
        """The file loaded: the case file when there is one, else the scenario file."""
        return self.case.document.path if self.case else self.document.path

    @property
    def model_path(self) -> Path:
        """The scenario file (the model), whether or not a case was loaded with it."""
        return self.document.path

    @property
    def file(self) -> ScenarioFile:
        """The scenario file as checked (`language.schema.ScenarioFile`): `as_of`, `nodes`,
        `sources`, `what_ifs`, ... as written."""
        return self.checked.file

    @property
    def id(self) -> str:
        """The scenario's id, or the case's: it names the briefing's file."""
        return self.case.file.case if self.case else self.file.scenario

    @property
    def title(self) -> str:
        """The title: the case's, when a case is loaded and has one, else the scenario's."""
        return self.case.file.title or self.file.title if self.case else self.file.title

    @property
    def description(self) -> str:
        """The description: the case's, when a case is loaded and has one, else the
        scenario's."""
        return self.case.file.description or self.file.description if self.case \
            else self.file.description

    @property
    def nodes(self) -> Mapping[str, NodeSpec]:
        """Checked nodes in topological order (parents before children), read-only."""
        return MappingProxyType(self.checked.nodes)

    @property
    def params(self) -> Sequence[Param]:
        """Every probability written in the file, in file order."""
        return self.checked.params

    @property
    def sources(self) -> Mapping[str, Source]:
        """The scenario's sources, and the case's."""
        return {**self.file.sources, **self.case.sources} if self.case else self.file.sources

    @property
    def what_ifs(self) -> Sequence[WhatIf]:
        """The file's named what-ifs (each a `given` and a `do`), for `what_if(name)`."""
        return self.file.what_ifs

    @property
    def judgement_specs(self) -> Sequence[JudgementSpec]:
        """The key judgements as the file states them; `model.judgements(s)` (or
        `s.judgements()`) assesses them (probability, range, term, confidence)."""
        return self.checked.judgements

    @property
    def exact(self) -> frozenset[int]:
        """Ids of the params marked `exact: true`, which uncertainty analysis holds fixed."""
        return self.checked.exact

    @property
    def warnings(self) -> Sequence[Problem]:
        """What the checks found that does not stop the file (a date in the future, say):
        the scenario's, the case's and its evidence log's."""
        return [*self.checked.warnings, *(self.case.warnings if self.case else ()),
                *self._log_warnings]

    @property
    def outcomes(self) -> list[str]:
        """The nodes with role outcome, in topological order: what `analyze`, `what_if`
        and the briefing report on."""
        return self.nodes_with_role("outcome")

    @property
    def drivers(self) -> list[str]:
        """What the futures branch on: the nodes with role driver, or, in a file without
        any, the root nodes that are neither decisions nor outcomes."""
        return self.nodes_with_role("driver") or [
            n for n, spec in self.nodes.items()
            if not spec.parents and spec.role not in ("decision", "outcome")]

    def state_label(self, node: str, state: str) -> str:
        """How a reader sees a state: its `labels:` entry, else its name with underscores
        as spaces."""
        return self.file.nodes[node].labels.get(state) or words(state)

    def source_name(self, source: str) -> str:
        """How a reader sees a source: its `short:` name, else its id with underscores as
        spaces."""
        found = self.sources.get(source)
        return (found.short if found is not None and found.short else None) or words(source)

    def nodes_with_role(self, role: Role) -> list[str]:
        return [n for n, spec in self.nodes.items() if spec.role == role]

    @property
    def utilities(self) -> Mapping[str, UtilitySpec]:
        """Each actor's utility, as checked (`language.utilities`)."""
        return self.checked.utilities

    @property
    def reader_decisions(self) -> tuple[str, ...]:
        """The reader's own decisions (decision nodes without probabilities), in the order
        they are taken; the other decision nodes are predicted choices of other actors."""
        return self.checked.plan.order

    @property
    def decider(self) -> str | None:
        """Whose the reader's decisions are: every query that does not set one by `do`
        answers under this actor's optimal policy (None without reader's decisions)."""
        return self.checked.plan.actor

    @property
    def digest(self) -> str:
        """Short hash of the file's text (the scenario's, then the case's), to tell two
        printed briefings apart."""
        return self.document.digest + (f"+{self.case.document.digest}" if self.case else "")

    # the evidence log ----------------------------------------------------------------------

    @property
    def evidence(self) -> Sequence[EntrySpec]:
        """The evidence entries in effect: all of them, or those up to `at`'s day."""
        return self.log.until(self.as_at)

    @property
    def resolutions(self) -> Sequence[ResolutionSpec]:
        """How nodes turned out (the file's and the case's `resolutions`), which `score`
        measures the forecast against."""
        return self.log.resolutions

    @cached_property
    def background(self) -> Background:
        """The evidence in effect as one question (observations, and likelihoods), each
        entry checked possible given those before it (problems at the entry's line)."""
        if self.reader_decisions:  # the policies are solved with the evidence, so it is
            # checked on the diagram (the same answers on what comes before the decisions)
            self._check_before_decisions()
            return background(self._diagram_engine, self.evidence)
        return background(self._engine, self.evidence)

    def _check_before_decisions(self) -> None:
        """The evidence log may report only what the reader's decisions cannot change: the
        decisions are solved with it, as knowledge in hand before the first is taken."""
        below = self.diagram.influenced()
        for entry in self.evidence:
            for node in entry.nodes:
                if node in below:
                    raise ScenarioError(Problem(
                        f"evidence of {entry.date} reports '{node}', which the reader's "
                        f"decision '{below[node]}' can change: the decisions are solved with "
                        "the evidence log, as what is known before they are taken",
                        entry.file, entry.line, node,
                        "report only what comes before the decisions, or record what was "
                        "decided and what followed in another scenario"))

    def log_in_effect(self, given: Assignment | None = None,
                      do: Assignment | None = None) -> dict[str, Any] | None:
        """What of the evidence log a question answers with (None without one): how many
        entries, from and to which day, and the nodes whose logged observation or belief the
        question's own `given` or `do` replaces for this question."""
        entries = self.evidence
        if not entries:
            return None
        held = {n for e in entries if e.kind in ("observed", "believe") for n in e.nodes}
        asked = {*(given or {}), *(do or {})}
        return {"entries": len(entries), "from": entries[0].date.isoformat(),
                "to": entries[-1].date.isoformat(),
                "replaced": sorted(held & asked)}

    def check_evidence(self) -> None:
        """Raise a located ScenarioError if the evidence in effect is impossible."""
        self.background  # noqa: B018 (computing it is the check)

    def at(self, date: dt.date | str) -> Scenario:
        """The scenario as it stood on `date`: with the evidence entries dated up to and
        including it. `s.at(s.file.as_of)` is the original forecast."""
        day = as_day(date)
        if day < self.file.as_of:
            raise QueryError(Problem(f"{day} is before the scenario's as_of ({self.file.as_of})",
                                     file=self.document.name,
                                     hint="ask about a day on or after as_of"))
        out = copy.copy(self)
        dropped = (*_AS_AT, *_DECIDED) if self.reader_decisions else _AS_AT
        out.__dict__ = {k: v for k, v in self.__dict__.items() if k not in dropped}
        out._solutions = {}
        out.as_at = day
        return out

    def fresh(self) -> Scenario:
        """The scenario with engines of its own that have answered nothing yet (sharing
        the network, its plans and the evidence in effect): what is asked of one leaves
        the other's caches as they were, so neither's answers depend on what the other
        was asked first. The briefing analyses on one and asks its sections' questions of
        the other, so a page whose analysis is kept (watch mode) is the page made afresh."""
        self.compiled  # noqa: B018 (the network and the evidence in effect, made once)
        out = copy.copy(self)
        out.__dict__ = {k: v for k, v in self.__dict__.items() if k not in _ENGINES}
        out._solutions = {}
        return out

    def judgements(self, **options: Any) -> Judgements:
        """The key judgements, each with its likelihood (probability, 90% range, term) and
        its confidence with the reason: `model.judgements(s, samples=10_000, seed=2025)`,
        the same numbers as `scenario analyze` and the briefing's front."""
        return _OFFERED["judgements"](self, **options)  # type: ignore[no-any-return]

    def timeline(self) -> pd.DataFrame:
        """The forecast's history: one row per date (as_of, then each evidence date), node
        and state, for every outcome, key judgement and resolved node (`history.timeline`)."""
        from .history import timeline

        return timeline(self)

    def score(self) -> Score:
        """Brier and log scores of the forecast in effect against the resolutions, per node
        and as means, with the time-averaged Brier score (`history.score`)."""
        from .history import score

        return score(self)

    # the network ---------------------------------------------------------------------------

    def point_values(self) -> FloatArray:
        """(1, n_params): each written probability's point value."""
        return self.checked.params.points[None, :].copy()

    def tables(self, values: FloatArray | None = None,
               only_source: str | None = None) -> dict[str, FloatArray]:
        """Each table (card, *parent_cards) of probabilities, from point values unless
        `values` given: every node but the reader's decisions, which have policies. Their
        size together is estimated first, and refused past the memory budget."""
        self._check_table_budget()
        v = self.point_values() if values is None else values
        return {n: spec.table(v, only_source)[0] for n, spec in self.nodes.items()
                if not spec.reader_decision}

    def _check_table_budget(self) -> None:
        """The network's tables together, estimated before any is built."""
        cells = sum(spec.card * spec.n_columns for spec in self.nodes.values())
        if cells * 8 > MEMORY_BUDGET_BYTES:
            largest = max(self.nodes.values(), key=lambda spec: spec.card * spec.n_columns)
            raise LimitError(Problem(
                f"the network's tables hold {cells:,} numbers ({cells * 8 / 1e9:,.1f} GB), "
                f"past the memory budget of {MEMORY_BUDGET_BYTES / 1e9:,.1f} GB "
                "(limits.MEMORY_BUDGET_BYTES)", file=self.document.name, node=largest.name,
                line=largest.line,
                hint=f"make the tables smaller: fewer states or parents per node (the "
                     f"largest, '{largest.name}', has "
                     f"{largest.card * largest.n_columns:,} cells)"))

    @cached_property
    def net(self) -> Net:
        """The network queries answer from. Each of the reader's decisions is its optimal
        policy for `decider` at the written numbers: its parents are everything it knows,
        its table a 0 or 1 per option."""
        parents = {n: s.parents for n, s in self.nodes.items()}
        tables = self.tables()
        if self.reader_decisions:
            solved = self.solve()
            for d in self.reader_decisions:
                parents[d] = self.diagram.knows[d]
                tables[d] = solved.policy_table(d)
        return Net({n: s.states for n, s in self.nodes.items()}, parents,
                   {n: tables[n] for n in self.nodes})

    @cached_property
    def diagram(self) -> Diagram:
        """The influence diagram of the reader's decisions: the chance nodes' tables, each
        decision a root (what it knows is in `Diagram.knows`)."""
        plan = self.checked.plan
        return Diagram.of({n: s.states for n, s in self.nodes.items()},
                          {n: s.parents for n, s in self.nodes.items()}, self.tables(),
                          plan.order, plan.knows)

    @cached_property
    def _diagram_engine(self) -> CompiledNet:
        from .network.compiled import CompiledNet

        return CompiledNet(self.diagram.net)

    @cached_property
    def solver(self) -> CompiledNet:
        """The compiled engine over `diagram.net`, with the evidence in effect, which solves
        the reader's decisions (their expected utilities are given the evidence)."""
        return evidence_compiled(self._diagram_engine, self.background)

    def solve(self, actor: str | None = None) -> Solution:
        """The reader's decisions solved for `actor` (default `decider`) at the written
        numbers and utilities; see `model.analysis.decide` for the full answer."""
        chosen = self.decider if actor is None else self.actor(actor)
        if chosen is None or not self.reader_decisions:
            raise QueryError(Problem(
                "the scenario has no decision of the reader's own: every decision node has "
                "probabilities, so each is another actor's predicted choice",
                file=self.document.name,
                hint="remove the prior or table of the decision you take, so that its "
                     "policy is solved; `analyze` shows what each option is worth per actor"))
        if chosen not in self._solutions:
            self._solutions[chosen] = solve(self.solver, self.diagram,
                                            self.utilities[chosen].tables())
        return self._solutions[chosen]

    def actor(self, name: str) -> str:
        """`name`, checked to be an actor with utilities."""
        if name not in self.utilities:
            raise QueryError(Problem(f"no actor '{name}' has utilities",
                                     file=self.document.name,
                                     hint=did_you_mean(name, self.utilities)))
        return name

    @cached_property
    def engine(self) -> Engine:
        """The engine that answers this scenario's queries (chosen by `load(engine=...)`),
        with the evidence in effect."""
        if self.engine_name == "compiled":
            return self.compiled  # one compiled engine serves queries and analyses alike
        return evidence_engine(self._engine, self.background)

    @cached_property
    def compiled(self) -> CompiledNet:
        """The compiled exact engine, which also takes batched tables (see
        `CompiledNet.posterior`), with the evidence in effect; the analyses use it whatever
        `engine` is."""
        return evidence_compiled(self._compiled, self.background)

    @cached_property
    def _engine(self) -> Engine:
        """The chosen engine on the network alone, without the evidence log."""
        if self.engine_name == "compiled":
            return self._compiled
        return make_engine(self.engine_name, self.net)

    @cached_property
    def _compiled(self) -> CompiledNet:
        from .network.compiled import CompiledNet  # not needed by `validate`, which must start fast

        return CompiledNet(self.net)

    @cached_property
    def network(self) -> Any:
        """The pgmpy DiscreteBayesianNetwork (built, and pgmpy imported, on first use)."""
        from .network.pgmpy_engine import build_network

        return build_network(self.net.states, self.net.parents, self.net.tables)

    def _locate(self, exc: ScenarioError) -> ScenarioError:
        """The same error with every problem naming this scenario's file."""
        problems = [p if p.file else replace(p, file=self.document.name) for p in exc.problems]
        return type(exc)(problems)

    @contextmanager
    def located(self) -> Iterator[None]:
        """Problems found while answering name this scenario's file."""
        try:
            yield
        except ScenarioError as exc:
            raise self._locate(exc) from None

    def _asked(self, given: Assignment | None, do: Assignment | None,
               likelihood: Likelihood | None
               ) -> tuple[dict[str, str], dict[str, str], dict[str, Any] | None]:
        """`asked`, its problems naming this scenario's file."""
        try:  # not `located()`: a warm query takes microseconds, and this is on its way
            return asked(given, do, likelihood)
        except ScenarioError as exc:
            raise self._locate(exc) from None

    def evidence_probability(self, given: Assignment | None = None,
                             do: Assignment | None = None,
                             likelihood: Likelihood | None = None) -> float:
        """P(given | do(do)): how likely the observations are. With a likelihood, its
        weights count as written, as the report's probability under each state."""
        given, do, likelihood = self._asked(given, do, likelihood)
        with self.located():
            return self.engine.evidence_probability(given, do, likelihood=likelihood)

    # queries -------------------------------------------------------------------------------

    def query(self, target: str, given: Assignment | None = None,
              do: Assignment | None = None, likelihood: Likelihood | None = None, *,
              approximate: int | None = None,
              seed: int | None = SAMPLING_SEED) -> Distribution:
        """P(target | given, report, do(do)): observations in `given`, interventions in
        `do`, likelihood (virtual) evidence in `likelihood` ({node: {state: weight}}).

        Exact unless `approximate` is a number of samples: then estimated by likelihood
        weighting (seeded by `seed`), with each state's standard error in the result's
        `approximate` (for questions too large to answer exactly). Where no sample (or
        every sample) falls in a state, its standard error is not 0 but 1 / (n + 1), n the
        effective number of samples (`network.sampling`): a share that small could well
        have gone unseen.

        `target` is one node's name (a str; several together: `joint`); `given` and `do`
        map node names to state names (a dict, or a pandas Series; None: none); anything
        else is a QueryError naming the argument."""
        if target.__class__ is not str:
            with self.located():
                self.net.check_node(target, "target")  # refuses what is not a name
        given, do, likelihood = self._asked(given, do, likelihood)
        try:
            if approximate is not None:
                return self._estimate(target, given, do, likelihood, approximate, seed)
            values = self.engine.joint((target,), given, do, likelihood=likelihood)
        except ScenarioError as exc:
            raise self._locate(exc) from None
        return Distribution(target, dict(zip(self.net.states[target], values.tolist(),
                                             strict=True)),
                            dict(given) if given else {}, dict(do) if do else {},
                            _plain(likelihood),
                            labels=self.labels_of(target, given, do, likelihood))

    def _estimate(self, target: str, given: Assignment | None, do: Assignment | None,
                  likelihood: Likelihood | None, samples: int,
                  seed: int | None) -> Distribution:
        from .network.sampling import likelihood_weighting

        net = self.net
        net.check_node(target)
        observed, setting = net.question(given, do)
        # the sampler reads the network itself, so the log's evidence joins the question here
        held, weights = self.background.merged(observed, setting, likelihood)
        found = likelihood_weighting(net, [target], held, setting, net.weights(weights),
                                     samples, seed)
        states = net.states[target]
        return Distribution(
            target, dict(zip(states, found.values.tolist(), strict=True)), observed, setting,
            _plain(likelihood),
            Approximation(samples, seed, dict(zip(states, found.standard_error.tolist(),
                                                  strict=True)), found.effective_samples),
            labels=self.labels_of(target, observed, setting, likelihood))

    def joint(self, targets: Sequence[str] | str, given: Assignment | None = None,
              do: Assignment | None = None,
              likelihood: Likelihood | None = None) -> dict[tuple[str, ...], float]:
        """P(targets jointly | given, report, do(do)) as {(state, state, ...): probability}.
        `targets` is a list of node names; one name alone (a str) is a list of one, its
        keys then tuples of one state. Always exact (no `approximate=`: `query` estimates
        one node's distribution by sampling)."""
        targets = as_names(targets, "targets")
        given, do, likelihood = self._asked(given, do, likelihood)
        with self.located(), exact_only():
            values = self.engine.joint(targets, given, do, likelihood=likelihood)
        labels = [self.net.states[t] for t in targets]
        return {tuple(labels[a][i] for a, i in enumerate(index)): p
                for index, p in zip(np.ndindex(values.shape), values.ravel().tolist(),
                                    strict=True)}

    def joint_frame(self, targets: Sequence[str] | str, given: Assignment | None = None,
                    do: Assignment | None = None,
                    likelihood: Likelihood | None = None) -> Any:
        """The joint as a pandas DataFrame: one column per target, then `probability`."""
        import pandas as pd

        targets = as_names(targets, "targets")
        rows = [(*states, p) for states, p in self.joint(targets, given, do,
                                                         likelihood).items()]
        return pd.DataFrame(rows, columns=[*targets, "probability"])

    def labels_of(self, *nodes: str | Mapping[str, Any] | None) -> Labels:
        """How a reader sees `nodes` (names, or the keys of a given, do or likelihood) and
        their states, for a result's display."""
        specs = self.checked.nodes
        names = [n for item in nodes if item for n in ([item] if isinstance(item, str)
                                                      else item) if n in specs]
        names = list(dict.fromkeys(names))
        return Labels({n: specs[n].label for n in names},
                      {n: {st: self.state_label(n, st) for st in specs[n].states}
                       for n in names})

    def most_probable(self, given: Assignment | None = None,
                      do: Assignment | None = None,
                      likelihood: Likelihood | None = None) -> Explanation:
        """The most probable explanation: the likeliest joint state of all other nodes."""
        given, do, likelihood = self._asked(given, do, likelihood)
        with self.located():
            given, do = self.net.question(given, do)
            states, probability = self.engine.most_probable(given, do, likelihood=likelihood)
        return Explanation(states, probability, given, do, _plain(likelihood),
                           labels=self.labels_of(*states, given, do, likelihood))

    def event(self, event: str | Event) -> Event:
        """An event read and checked against this scenario's nodes and states; a QueryError
        names each unknown name (with "did you mean") or the column of a syntax error."""
        if isinstance(event, str) and event in self._events:
            return self._events[event]
        if not isinstance(event, str | Event):
            raise QueryError(Problem(
                f"an event is a str such as 'a=x or b=y', got "
                f"{'None' if event is None else type(event).__name__}",
                file=self.document.name, hint="e.g. probability('israeli_strike=yes')"))
        states = {n: spec.states for n, spec in self.nodes.items()}
        if isinstance(event, str):
            found, errors = read_event(event, states)
            text = event
        else:
            found, errors, text = event, event_problems(event, states), event.text()
        if errors or found is None:
            raise QueryError([Problem(f"event '{text}', column {e.column}: {e.message}",
                                      file=self.document.name,
                                      node=e.node if e.node in states else None, hint=e.hint)
                              for e in errors])
        if isinstance(event, str):  # the judgements' events are asked for again and again
            if len(self._events) >= KEPT_EVENTS:
                self._events.pop(next(iter(self._events)), None)
            self._events[event] = found
        return found

    def probability(self, event: str | Event, given: Assignment | None = None,
                    do: Assignment | None = None,
                    likelihood: Likelihood | None = None) -> float:
        """P(event | given, report, do(do)), exact: the joint of the event's nodes, summed
        over the combinations where the event holds (never a sum of marginals, which
        double-counts). `likelihood` is likelihood (virtual) evidence, as in `query`."""
        given, do, likelihood = self._asked(given, do, likelihood)
        with self.located(), exact_only():
            found = self.event(event)
            nodes = event_nodes(found)
            cells = math.prod(len(self.net.states[n]) for n in nodes)
            if cells > MAX_QUERY_CELLS:
                raise LimitError(Problem(
                    f"the event names {len(nodes)} nodes, whose joint has {cells:,} "
                    f"combinations (limit {MAX_QUERY_CELLS:,})",
                    hint="split it into smaller events, e.g. one judgement per part"))
            joint = self.engine.joint(nodes, given, do, likelihood=likelihood)
            mask = event_mask(found, self.net.states, nodes)
            return min(max(float((joint * mask).sum()), 0.0), 1.0)

    def query_all(self, given: Assignment | None = None, do: Assignment | None = None,
                  likelihood: Likelihood | None = None) -> dict[str, Distribution]:
        """Every node's distribution, as {node: Distribution}; on the compiled engine from
        one pass over the network (`CompiledNet.marginals`), not one query per node. For a
        table, `to_frame()` (one long DataFrame) rather than `pd.DataFrame` of this; for
        JSON, each distribution's `to_dict()`."""
        given, do, likelihood = self._asked(given, do, likelihood)
        if self.engine_name != "compiled":
            return {n: self.query(n, given, do, likelihood) for n in self.nodes}
        try:
            with self.located():
                every = self.compiled.marginals(given, do, likelihood=likelihood)
        except LimitError:  # one pass over the whole network is too large: one per node
            return {n: self.query(n, given, do, likelihood) for n in self.nodes}
        shown = (dict(given) if given else {}, dict(do) if do else {}, _plain(likelihood))
        return {n: Distribution(n, dict(zip(self.net.states[n], p.tolist(), strict=True)),
                                *shown, labels=self.labels_of(n, given, do, likelihood))
                for n, p in every.items()}

    def believe(self, beliefs: Mapping[str, Mapping[str, float | str]],
                given: Assignment | None = None, do: Assignment | None = None,
                likelihood: Likelihood | None = None) -> dict[str, dict[str, float]]:
        """Jeffrey's rule: the likelihood to query with so that each believed node has the
        probability the analyst now holds, everything else in `given`, `do` and
        `likelihood` taken into account; `likelihood` comes back with the believed nodes'
        weights multiplied in. `{"talks": {"yes": 0.7}}` reads "after this report I am 70%
        sure talks open". Unlike a likelihood, a belief depends on what came before (see
        `network.beliefs`)."""
        from .network.beliefs import believe

        with self.located():
            found = as_likelihood(beliefs, "beliefs", "{'node': {'yes': 0.7}}")
        if not found:
            raise QueryError(Problem("believe: no belief given", file=self.document.name,
                                     hint="e.g. believe({'node': {'yes': 0.7}})"))
        given, do, likelihood = self._asked(given, do, likelihood)
        with self.located():
            return believe(self.engine, found, given, do, likelihood)

    def named_what_if(self, name: str) -> WhatIf:
        """The what-if of that name, or a QueryError suggesting the closest names."""
        if not isinstance(name, str):
            raise QueryError(Problem(f"a what-if is named by a str, got {type(name).__name__}",
                                     file=self.document.name,
                                     hint=did_you_mean("", [w.name for w in self.what_ifs])))
        for w in self.what_ifs:
            if w.name == name:
                return w
        raise QueryError(Problem(f"no what-if named '{name}'", file=self.document.name,
                                 hint=did_you_mean(name, [w.name for w in self.what_ifs])))

    def what_if(self, name: str,
                likelihood: Likelihood | None = None) -> dict[str, Distribution]:
        """Each outcome's distribution under the named what-if (and a likelihood, if given).
        A problem of the what-if is located at its line in the file; one of `likelihood`,
        the call's own argument, names the file alone."""
        w = self.named_what_if(name)
        with self.located():
            self.net.weights(likelihood)  # the caller's own argument, checked first
        with self.asking_what_if(name):
            return {o: self.query(o, w.given, w.do, likelihood) for o in self.outcomes}

    @contextmanager
    def asking_what_if(self, name: str) -> Iterator[None]:
        """A question that fails under the named what-if (its observations impossible, say,
        under the reader's policy) is located at the what-if and names it."""
        try:
            yield
        except QueryError as exc:
            index = next(i for i, w in enumerate(self.what_ifs) if w.name == name)
            line = self.document.line_of(("what_ifs", index))
            raise QueryError([replace(p, message=f"what-if '{name}': {p.message}",
                                      file=self.document.name, line=line)
                              for p in exc.problems]) from None

    def to_frame(self, given: Assignment | None = None, do: Assignment | None = None,
                 likelihood: Likelihood | None = None) -> Any:
        """Every node's distribution as one long DataFrame (node, state, probability, term):
        what `pd.DataFrame(s.query_all())` would be, were a distribution a plain dict."""
        import pandas as pd

        frames = [d.to_frame().reset_index().assign(node=n)
                  for n, d in self.query_all(given, do, likelihood).items()]
        return pd.concat(frames, ignore_index=True)[["node", "state", "probability", "term"]]

    def __repr__(self) -> str:
        return f"<Scenario {self.id!r}: {len(self.nodes)} nodes, {len(self.params)} numbers>"


def asked(given: Assignment | None, do: Assignment | None, likelihood: Likelihood | None
          ) -> tuple[dict[str, str], dict[str, str], dict[str, Any] | None]:
    """A question's `given`, `do` and `likelihood` checked for type and made plain dicts
    (a pandas Series converts; None is none), before the evidence log is merged in: a
    list, a str or a state of None is a QueryError naming the argument. Whether the names
    are known is the engines' check (`Net.question`, `Net.weights`)."""
    return as_assignment(given, "given"), as_assignment(do, "do"), as_likelihood(likelihood)


@contextmanager
def exact_only() -> Iterator[None]:
    """A joint or an event too large to answer exactly says what can be done instead: the
    engine's hint names sampling, which `joint` and `probability` do not take."""
    try:
        yield
    except LimitError as exc:
        from .network.compiled import SAMPLING_HINT

        if not any(p.hint and SAMPLING_HINT in p.hint for p in exc.problems):
            raise
        hint = ("ask about fewer targets jointly, or observe fewer nodes; joint and "
                "probability are exact only, but query(node, approximate=100_000) estimates "
                "one node's distribution by sampling")
        raise LimitError([replace(p, hint=hint) if p.hint and SAMPLING_HINT in p.hint else p
                          for p in exc.problems]) from None


def _plain(likelihood: Likelihood | None) -> dict[str, dict[str, float]]:
    """A likelihood as plain dicts, for results (checked already by the engine)."""
    if not likelihood:
        return {}
    return {n: {state: float(w) for state, w in ws.items()} for n, ws in likelihood.items()}
