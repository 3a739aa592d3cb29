"""A loaded, checked scenario: the object the CLI, the briefing and notebooks query.

Loading reads, parses and checks the file but does not import pgmpy; the network is built
on first use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from .errors import Problem, QueryError
from .language.checks import Checked, check
from .language.loader import Document, parse_document, read_document
from .language.schema import ScenarioFile, Source, WhatIf
from .language.tables import FloatArray, NodeSpec, Param
from .network.net import Assignment, Net
from .network.pgmpy_engine import PgmpyEngine, impossible
from .results import Distribution, Explanation

if TYPE_CHECKING:
    from .network.compiled import CompiledNet


Engine = Literal["compiled", "pgmpy"]


def load(path: str | Path, engine: Engine = "compiled") -> Scenario:
    """Read, parse and check a scenario file; raise ScenarioError listing every problem.

    `engine` answers queries: "compiled" (default; cached tensor contractions, tested
    equal to pgmpy) or "pgmpy" (its VariableElimination, the reference)."""
    return Scenario(read_document(path), engine)


def loads(text: str, path: str | Path = "<string>", engine: Engine = "compiled") -> Scenario:
    """The same from text (`path` names it in messages and anchors source paths)."""
    return Scenario(parse_document(text, path), engine)


class Scenario:
    """A checked scenario with exact queries over its Bayesian network."""

    def __init__(self, doc: Document, engine: Engine = "compiled"):
        if engine not in ("compiled", "pgmpy"):
            raise QueryError(Problem(f"unknown engine '{engine}'", hint="compiled or pgmpy"))
        self.document = doc
        self.checked: Checked = check(doc)
        self.engine: Engine = engine

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
        return [n for n, spec in self.nodes.items() if spec.role == "outcome"]

    def nodes_with_role(self, role: str) -> list[str]:
        return [n for n, spec in self.nodes.items() if spec.role == role]

    @property
    def digest(self) -> str:
        """Short hash of the file's text, to tell two printed briefings apart."""
        return self.document.digest

    # the network ---------------------------------------------------------------------------

    def point_values(self) -> FloatArray:
        """(1, n_params): each written probability's point value."""
        return np.array([[p.prob.point for p in self.params]], dtype=np.float64)

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
    def _pgmpy(self) -> PgmpyEngine:
        return PgmpyEngine(self.net)

    @cached_property
    def compiled(self) -> CompiledNet:
        """The compiled exact engine (batched tables: see `CompiledNet.posterior`)."""
        from .network.compiled import CompiledNet  # not needed by `validate`, which must start fast

        return CompiledNet(self.net)

    @property
    def network(self) -> Any:
        """The pgmpy DiscreteBayesianNetwork (built, and pgmpy imported, on first use)."""
        return self._pgmpy.network()

    def _joint(self, targets: Sequence[str], given: dict[str, str],
               do: dict[str, str]) -> FloatArray:
        if self.engine == "pgmpy":
            return self._pgmpy.joint(targets, given, do)
        return self.compiled.joint(targets, given, do)

    def evidence_probability(self, given: Assignment | None = None,
                             do: Assignment | None = None) -> float:
        """P(given | do(do)): how likely the observations are."""
        given, do = self._question(given, do)
        if self.engine == "pgmpy":
            return self._pgmpy.evidence_probability(given, do)
        return float(self.compiled.evidence_probability(given, do))

    # queries -------------------------------------------------------------------------------

    def query(self, target: str, given: Assignment | None = None,
              do: Assignment | None = None) -> Distribution:
        """P(target | given, do(do)): observations in `given`, interventions in `do`."""
        given, do = self._question(given, do)
        values = self._joint([self.net.check_node(target, self.document.name)], given, do)
        return Distribution(target, dict(zip(self.net.states[target], values.tolist(),
                                             strict=True)), given, do)

    def joint(self, targets: Sequence[str], given: Assignment | None = None,
              do: Assignment | None = None) -> dict[tuple[str, ...], float]:
        """P(targets jointly | given, do(do)) as {(state, state, ...): probability}."""
        given, do = self._question(given, do)
        targets = [self.net.check_node(t, self.document.name) for t in targets]
        if len(set(targets)) != len(targets):
            raise QueryError(Problem("a node is named twice in the joint's targets"))
        values = self._joint(targets, given, do)
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
        given, do = self._question(given, do)
        evidence = self.evidence_probability(given, do)
        if evidence <= 0:
            raise impossible(given)
        states = self._pgmpy.most_probable(given, do)
        full = {**states, **given, **do}
        net = self.net.intervene(do)
        joint = 1.0
        for node, table in net.tables.items():
            index = (net.states[node].index(full[node]),
                     *(net.states[p].index(full[p]) for p in net.parents[node]))
            joint *= float(table[index])
        return Explanation(states, joint / evidence, given, do)

    def query_all(self, given: Assignment | None = None,
                  do: Assignment | None = None) -> dict[str, Distribution]:
        return {n: self.query(n, given, do) for n in self.nodes}

    def what_if(self, name: str) -> dict[str, Distribution]:
        """Each outcome's distribution under the named what-if."""
        for w in self.what_ifs:
            if w.name == name:
                return {o: self.query(o, w.given, w.do) for o in self.outcomes}
        from .errors import did_you_mean

        raise QueryError(Problem(f"no what-if named '{name}'",
                                 hint=did_you_mean(name, [w.name for w in self.what_ifs])))

    def to_frame(self, given: Assignment | None = None, do: Assignment | None = None) -> Any:
        """Every node's distribution as one long DataFrame (node, state, probability, term)."""
        import pandas as pd

        frames = [d.to_frame().reset_index().assign(node=n)
                  for n, d in self.query_all(given, do).items()]
        return pd.concat(frames, ignore_index=True)[["node", "state", "probability", "term"]]

    def report(self, path: str | Path | None = None, *, graphviz: str | None = None,
               generated: dt.datetime | None = None) -> Path:
        """Write the HTML briefing (default reports/<id>.html); see `model.report.report`."""
        from .briefing.page import report

        return report(self, path, graphviz=graphviz, generated=generated)

    def _question(self, given: Assignment | None,
                  do: Assignment | None) -> tuple[dict[str, str], dict[str, str]]:
        try:
            given = self.net.check_assignment(given, "given")
            do = self.net.check_assignment(do, "do")
        except QueryError as exc:
            raise QueryError([replace(p, file=self.document.name) for p in exc.problems]) \
                from None
        both = sorted(set(given) & set(do))
        if both:
            raise QueryError(Problem(f"'{both[0]}' is both observed (given) and set (do)",
                                     file=self.document.name, node=both[0],
                                     hint="keep it in one of the two"))
        return given, do

    def __repr__(self) -> str:
        return f"<Scenario {self.id!r}: {len(self.nodes)} nodes, {len(self.params)} numbers>"
