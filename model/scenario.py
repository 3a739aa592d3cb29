"""A loaded, checked scenario: the object the CLI, the briefing and notebooks query.

Loading reads, parses and checks the file but does not import pgmpy; the network is built
on first use, and queries go to the engine chosen at load time (see `network.engine`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .display import RichDisplay
from .errors import LimitError, Problem, QueryError, ScenarioError, did_you_mean
from .language.checks import Checked, check
from .language.events import Event, event_mask, event_nodes, event_problems, read_event
from .language.formats import is_network, load_network
from .language.judgements import JudgementSpec
from .language.loader import Document, parse_document, read_document
from .language.schema import Role, ScenarioFile, Source, WhatIf
from .language.tables import FloatArray, NodeSpec, Param
from .language.utilities import UtilitySpec
from .limits import MAX_QUERY_CELLS
from .network.engine import Engine, EngineName, engine_name, make_engine
from .network.influence import Diagram, Solution, solve
from .network.net import Assignment, Net
from .results import Distribution, Explanation

if TYPE_CHECKING:
    from .network.compiled import CompiledNet


def words(name: str) -> str:
    """An identifier as words: underscores become spaces."""
    return name.replace("_", " ")


def load(path: str | Path, engine: EngineName = "compiled") -> Scenario:
    """Read, parse and check a scenario file; raise ScenarioError listing every problem.

    A network file of another tool (`.bif`, `.xmlbif`, `.net`, `.xdsl`, `.uai`, gzipped or
    not) or one of pgmpy's bundled networks by name (`pgmpy:alarm`) loads as it is, every
    number marked as an uncited import (see `language.formats`).

    `engine` answers queries: "compiled" (default; cached tensor contractions, tested
    equal to pgmpy) or "pgmpy" (its VariableElimination, the reference)."""
    doc = load_network(path) if is_network(path) else read_document(path)
    return Scenario(doc, engine)


def loads(text: str, path: str | Path = "<string>", engine: EngineName = "compiled") -> Scenario:
    """The same from text (`path` names it in messages and anchors source paths)."""
    return Scenario(parse_document(text, path), engine)


class Scenario(RichDisplay):
    """A checked scenario with exact queries over its Bayesian network."""

    def __init__(self, doc: Document, engine: EngineName = "compiled"):
        self.engine_name: EngineName = engine_name(engine)
        self.document = doc
        self.checked: Checked = check(doc)
        self._solutions: dict[str, Solution] = {}

    # what the file says ------------------------------------------------------------------

    @property
    def path(self) -> Path:
        return self.document.path

    @property
    def file(self) -> ScenarioFile:
        return self.checked.file

    @property
    def id(self) -> str:
        return self.file.scenario

    @property
    def title(self) -> str:
        return self.file.title

    @property
    def nodes(self) -> Mapping[str, NodeSpec]:
        """Checked nodes in topological order (parents before children)."""
        return self.checked.nodes

    @property
    def params(self) -> Sequence[Param]:
        """Every probability written in the file, in file order."""
        return self.checked.params

    @property
    def sources(self) -> Mapping[str, Source]:
        return self.file.sources

    @property
    def what_ifs(self) -> Sequence[WhatIf]:
        return self.file.what_ifs

    @property
    def judgement_specs(self) -> Sequence[JudgementSpec]:
        """The key judgements as the file states them; `model.analysis.judgements(s)`
        assesses them (probability, range, term, confidence)."""
        return self.checked.judgements

    @property
    def exact(self) -> frozenset[int]:
        """Ids of the params marked `exact: true`, which uncertainty analysis holds fixed."""
        return self.checked.exact

    @property
    def warnings(self) -> Sequence[Problem]:
        return self.checked.warnings

    @property
    def outcomes(self) -> list[str]:
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
        found = self.file.sources.get(source)
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
        """Short hash of the file's text, to tell two printed briefings apart."""
        return self.document.digest

    # the network ---------------------------------------------------------------------------

    def point_values(self) -> FloatArray:
        """(1, n_params): each written probability's point value."""
        return self.checked.params.points[None, :].copy()

    def tables(self, values: FloatArray | None = None,
               only_source: str | None = None) -> dict[str, FloatArray]:
        """Each table (card, *parent_cards) of probabilities, from point values unless
        `values` given: every node but the reader's decisions, which have policies."""
        v = self.point_values() if values is None else values
        return {n: spec.table(v, only_source)[0] for n, spec in self.nodes.items()
                if not spec.reader_decision}

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
    def solver(self) -> CompiledNet:
        """The compiled engine over `diagram.net`, which solves the reader's decisions."""
        from .network.compiled import CompiledNet

        return CompiledNet(self.diagram.net)

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
        """The engine that answers this scenario's queries (chosen by `load(engine=...)`)."""
        if self.engine_name == "compiled":
            return self.compiled  # one compiled engine serves queries and analyses alike
        return make_engine(self.engine_name, self.net)

    @cached_property
    def compiled(self) -> CompiledNet:
        """The compiled exact engine, which also takes batched tables (see
        `CompiledNet.posterior`); the analyses use it whatever `engine` is."""
        from .network.compiled import CompiledNet  # not needed by `validate`, which must start fast

        return CompiledNet(self.net)

    @cached_property
    def network(self) -> Any:
        """The pgmpy DiscreteBayesianNetwork (built, and pgmpy imported, on first use)."""
        from .network.pgmpy_engine import build_network

        return build_network(self.net.states, self.net.parents, self.net.tables)

    @contextmanager
    def _located(self) -> Iterator[None]:
        """Problems found while answering name this scenario's file."""
        try:
            yield
        except ScenarioError as exc:
            problems = [p if p.file else replace(p, file=self.document.name)
                        for p in exc.problems]
            raise type(exc)(problems) from None

    def evidence_probability(self, given: Assignment | None = None,
                             do: Assignment | None = None) -> float:
        """P(given | do(do)): how likely the observations are."""
        with self._located():
            return self.engine.evidence_probability(given, do)

    # queries -------------------------------------------------------------------------------

    def query(self, target: str, given: Assignment | None = None,
              do: Assignment | None = None) -> Distribution:
        """P(target | given, do(do)): observations in `given`, interventions in `do`."""
        with self._located():
            given, do = self.net.question(given, do)
            values = self.engine.joint([target], given, do)
        return Distribution(target, dict(zip(self.net.states[target], values.tolist(),
                                             strict=True)), given, do)

    def joint(self, targets: Sequence[str], given: Assignment | None = None,
              do: Assignment | None = None) -> dict[tuple[str, ...], float]:
        """P(targets jointly | given, do(do)) as {(state, state, ...): probability}."""
        with self._located():
            values = self.engine.joint(targets, given, do)
        labels = [self.net.states[t] for t in targets]
        out: dict[tuple[str, ...], float] = {}
        for index in np.ndindex(values.shape):
            out[tuple(labels[a][i] for a, i in enumerate(index))] = float(values[index])
        return out

    def joint_frame(self, targets: Sequence[str], given: Assignment | None = None,
                    do: Assignment | None = None) -> Any:
        """The joint as a pandas DataFrame: one column per target, then `probability`."""
        import pandas as pd

        rows = [(*states, p) for states, p in self.joint(targets, given, do).items()]
        return pd.DataFrame(rows, columns=[*targets, "probability"])

    def most_probable(self, given: Assignment | None = None,
                      do: Assignment | None = None) -> Explanation:
        """The most probable explanation: the likeliest joint state of all other nodes."""
        with self._located():
            given, do = self.net.question(given, do)
            states, probability = self.engine.most_probable(given, do)
        return Explanation(states, probability, given, do)

    def event(self, event: str | Event) -> Event:
        """An event read and checked against this scenario's nodes and states; a QueryError
        names each unknown name (with "did you mean") or the column of a syntax error."""
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
        return found

    def probability(self, event: str | Event, given: Assignment | None = None,
                    do: Assignment | None = None,
                    likelihood: Mapping[str, Mapping[str, float]] | None = None) -> float:
        """P(event | given, do(do)), exact: the joint of the event's nodes, summed over the
        combinations where the event holds (never a sum of marginals, which double-counts).

        `likelihood` is uncertain evidence: for a node, the relative weight of each state
        (how probable the report is if the node is in that state); non-negative, not all
        zero, states left out weigh 1."""
        with self._located():
            found = self.event(event)
            given, do = self.net.question(given, do)
            weights = self._likelihood(likelihood or {})
            named = event_nodes(found)
            nodes = [*named, *(n for n in weights if n not in named)]
            cells = math.prod(len(self.net.states[n]) for n in nodes)
            if cells > MAX_QUERY_CELLS:
                what = "the event and its likelihoods name" if weights else "the event names"
                raise LimitError(Problem(
                    f"{what} {len(nodes)} nodes, whose joint has {cells:,} combinations "
                    f"(limit {MAX_QUERY_CELLS:,})",
                    hint="split it into smaller events, e.g. one judgement per part"))
            joint = self.engine.joint(nodes, given, do)
            for axis, node in enumerate(nodes):
                if node in weights:
                    shape = [1] * len(nodes)
                    shape[axis] = -1
                    joint = joint * weights[node].reshape(shape)
            total = float(joint.sum())
            if not total > 0:
                raise QueryError(Problem(
                    "the likelihoods give no weight to any state the observations allow "
                    "(probability 0)", hint="give some weight to a possible state"))
            mask = event_mask(found, self.net.states, nodes)
            return min(max(float((joint * mask).sum()) / total, 0.0), 1.0)

    def _likelihood(self, likelihood: Mapping[str, Mapping[str, float]]
                    ) -> dict[str, FloatArray]:
        """Each node's likelihood as a vector over its states, checked."""
        problems: list[Problem] = []
        out: dict[str, FloatArray] = {}
        for node, by_state in likelihood.items():
            if node not in self.net.states:
                problems.append(Problem(f"likelihood: unknown node '{node}'",
                                        hint=did_you_mean(node, self.net.states)))
                continue
            states = self.net.states[node]
            vector = np.ones(len(states))
            for state, weight in by_state.items():
                if state not in states:
                    problems.append(Problem(f"likelihood: '{state}' is not a state of '{node}'",
                                            node=node, hint=did_you_mean(state, states)))
                elif not (isinstance(weight, int | float) and math.isfinite(weight)
                          and weight >= 0):
                    problems.append(Problem(f"likelihood of {node}={state}: {weight!r} is not "
                                            "a non-negative number", node=node,
                                            hint="weights are relative, e.g. yes:1,no:3"))
                else:
                    vector[states.index(state)] = float(weight)
            if not vector.any():
                problems.append(Problem(f"likelihood of '{node}' gives every state weight 0",
                                        node=node, hint="give at least one state weight"))
            out[node] = vector
        if problems:
            raise QueryError(problems)
        return out

    def query_all(self, given: Assignment | None = None,
                  do: Assignment | None = None) -> dict[str, Distribution]:
        return {n: self.query(n, given, do) for n in self.nodes}

    def named_what_if(self, name: str) -> WhatIf:
        """The what-if of that name, or a QueryError suggesting the closest names."""
        for w in self.what_ifs:
            if w.name == name:
                return w
        raise QueryError(Problem(f"no what-if named '{name}'", file=self.document.name,
                                 hint=did_you_mean(name, [w.name for w in self.what_ifs])))

    def what_if(self, name: str) -> dict[str, Distribution]:
        """Each outcome's distribution under the named what-if."""
        w = self.named_what_if(name)
        return {o: self.query(o, w.given, w.do) for o in self.outcomes}

    def to_frame(self, given: Assignment | None = None, do: Assignment | None = None) -> Any:
        """Every node's distribution as one long DataFrame (node, state, probability, term)."""
        import pandas as pd

        frames = [d.to_frame().reset_index().assign(node=n)
                  for n, d in self.query_all(given, do).items()]
        return pd.concat(frames, ignore_index=True)[["node", "state", "probability", "term"]]

    def __repr__(self) -> str:
        return f"<Scenario {self.id!r}: {len(self.nodes)} nodes, {len(self.params)} numbers>"
