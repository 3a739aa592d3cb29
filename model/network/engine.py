"""The one interface every exact engine implements, and the engines by name.

`given` observes nodes (evidence about their causes and effects); `do` sets them by
intervention (graph surgery: a set node loses its causes); `likelihood` weighs each state of
a node by how probable a report is under it (virtual evidence, see `net.py`). Both engines
answer every question exactly: the compiled engine (`compiled.CompiledNet`, the default)
and pgmpy's VariableElimination (`pgmpy_engine.PgmpyEngine`, the reference).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol, get_args

from ..errors import Problem, QueryError
from ..language.tables import FloatArray
from .net import Assignment, Likelihood, Net

EngineName = Literal["compiled", "pgmpy"]
ENGINE_NAMES: tuple[EngineName, ...] = get_args(EngineName)


class Engine(Protocol):
    """Exact answers over a `Net`; every method raises QueryError for unknown names and
    for observations that are impossible (probability 0)."""

    @property
    def net(self) -> Net: ...

    def joint(self, targets: Sequence[str], given: Assignment | None = None,
              do: Assignment | None = None, *,
              likelihood: Likelihood | None = None) -> FloatArray:
        """P(targets | given, report, do(do)): one axis per target, states in declared
        order."""
        ...

    def evidence_probability(self, given: Assignment | None = None,
                             do: Assignment | None = None, *,
                             likelihood: Likelihood | None = None) -> float:
        """P(given, report | do(do)), the likelihood's weights taken as P(report | state);
        0 for impossible evidence."""
        ...

    def most_probable(self, given: Assignment | None = None,
                      do: Assignment | None = None, *,
                      likelihood: Likelihood | None = None) -> tuple[dict[str, str], float]:
        """The most probable explanation: the likeliest joint state of every node neither
        observed nor set, and its probability given the evidence."""
        ...


def engine_name(name: str) -> EngineName:
    """`name`, checked to be an engine's."""
    for known in ENGINE_NAMES:
        if name == known:
            return known
    raise QueryError(Problem(f"unknown engine '{name}'", hint=" or ".join(ENGINE_NAMES)))


def make_engine(name: str, net: Net) -> Engine:
    """The engine called `name` over `net`."""
    if engine_name(name) == "compiled":
        from .compiled import CompiledNet

        return CompiledNet(net)
    from .pgmpy_engine import PgmpyEngine

    return PgmpyEngine(net)
