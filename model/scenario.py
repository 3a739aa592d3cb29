"""A loaded, checked scenario: the object the CLI, the briefing and notebooks query.

Loading reads, parses and checks the file but does not import pgmpy; the network is built
on first use, and queries go to the engine chosen at load time (see `network.engine`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import Problem, QueryError, ScenarioError, did_you_mean
from .language.checks import Checked, check
from .language.loader import Document, parse_document, read_document
from .language.schema import Role, ScenarioFile, Source, WhatIf
from .language.tables import FloatArray, NodeSpec, Param
from .network.engine import Engine, EngineName, engine_name, make_engine
from .network.net import Assignment, Net
from .results import Distribution, Explanation

if TYPE_CHECKING:
    from .network.compiled import CompiledNet


def load(path: str | Path, engine: EngineName = "compiled") -> Scenario:
    """Read, parse and check a scenario file; raise ScenarioError listing every problem.

    `engine` answers queries: "compiled" (default; cached tensor contractions, tested
    equal to pgmpy) or "pgmpy" (its VariableElimination, the reference)."""
    return Scenario(read_document(path), engine)


def loads(text: str, path: str | Path = "<string>", engine: EngineName = "compiled") -> Scenario:
    """The same from text (`path` names it in messages and anchors source paths)."""
    return Scenario(parse_document(text, path), engine)


class Scenario:
    """A checked scenario with exact queries over its Bayesian network."""

    def __init__(self, doc: Document, engine: EngineName = "compiled"):
        self.engine_name: EngineName = engine_name(engine)
        self.document = doc
        self.checked: Checked = check(doc)

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

    def nodes_with_role(self, role: Role) -> list[str]:
        return [n for n, spec in self.nodes.items() if spec.role == role]

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
        """Each node's table (card, *parent_cards), from point values unless `values` given."""
        v = self.point_values() if values is None else values
        return {n: spec.table(v, only_source)[0] for n, spec in self.nodes.items()}

    @cached_property
    def net(self) -> Net:
        return Net({n: s.states for n, s in self.nodes.items()},
                   {n: s.parents for n, s in self.nodes.items()}, self.tables())

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
