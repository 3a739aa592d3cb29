"""Approximate inference by likelihood weighting, for questions too large to answer exactly.

Asked for explicitly (`Scenario.query(..., approximate=N)`, `scenario query --approximate N`),
never instead of an exact answer. Each sample draws the nodes that matter (the ancestors of
the targets and of the evidence) in topological order from their own tables, with observed
and set nodes held at their states; a sample's weight is the probability of the observations
given its parents, times the likelihood weights of its states. A state's estimate is the
weighted share of samples in it, and its standard error that of a ratio of means:

    p = sum(w * [state]) / sum(w)
    se(p) = sqrt(sum(w^2 * ([state] - p)^2)) / sum(w)

A state no sample fell in (or every sample fell in) would have a standard error of 0 by
that formula, which reads as certainty; it is given 1 / (n + 1) instead, n the effective
number of samples (`unseen_error`: the Wilson score bound at one standard error).

Weights are kept as logarithms and rescaled per chunk of samples, so long chains of small
probabilities do not underflow. The estimate is exact in the limit of many samples;
`effective_samples` ((sum w)^2 / sum w^2) says how many equally weighted samples it is worth:
few when the evidence is unlikely.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..errors import LimitError, Problem, QueryError
from ..language.tables import FloatArray
from ..limits import MAX_INFERENCE_SAMPLES, MEMORY_BUDGET_BYTES
from .net import Assignment, Net, describe_question

DEFAULT_SEED = 2025
# Samples drawn together hold about this many numbers (node states and gathered columns).
CHUNK_NUMBERS = 1 << 23


@dataclass(frozen=True)
class Estimate:
    """The estimated joint of the targets (one axis per target), its standard errors, and
    how many equally weighted samples it is worth."""

    values: FloatArray
    standard_error: FloatArray
    effective_samples: float
    samples: int
    seed: int | None


def likelihood_weighting(net: Net, targets: Sequence[str], given: Assignment,
                         do: Assignment, weights: Mapping[str, FloatArray], samples: int,
                         seed: int | None = DEFAULT_SEED) -> Estimate:
    """P(targets | given, report, do(do)) estimated from `samples` weighted samples.
    `given` and `do` must be checked (`Net.question`), `weights` made by `Net.weights`."""
    if isinstance(samples, bool) or not isinstance(samples, int) or \
            not 1 <= samples <= MAX_INFERENCE_SAMPLES:
        raise LimitError(Problem(
            f"approximate inference takes between 1 and {MAX_INFERENCE_SAMPLES:,} samples, "
            f"got {samples!r}", hint="e.g. approximate=100_000"))
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise QueryError(Problem(f"the seed must be a whole number of at least 0, got {seed!r}",
                                 hint="e.g. seed=2025"))
    net = net.intervene(do)
    order = _needed(net, [*targets, *given, *weights])
    cards = tuple(len(net.states[t]) for t in targets)
    cells = math.prod(cards)
    if cells * 4 * 8 > MEMORY_BUDGET_BYTES // 4:
        raise LimitError(Problem(
            f"the estimate of the joint of {len(targets)} targets has {cells:,} cells, too "
            "many to count samples in", hint="ask about fewer targets at once"))
    rng = np.random.default_rng(seed)
    chunk = max(1, min(samples, CHUNK_NUMBERS // max(1, len(order))))
    tables = {n: net.tables[n].reshape(len(net.states[n]), -1) for n in order}
    strides = {n: _strides([len(net.states[p]) for p in net.parents[n]]) for n in order}
    fixed = {n: net.states[n].index(s) for n, s in {**given, **do}.items()}
    with np.errstate(divide="ignore"):  # a weight of 0 rules its state out: log 0 = -inf
        logs = {n: np.log(w) for n, w in weights.items()}
    last_use = _last_use(net, order, targets)
    hit = np.zeros(cells)  # sum of w over samples in each cell
    hit2 = np.zeros(cells)  # sum of w^2
    total = total2 = 0.0
    scale = -math.inf  # accumulators are in units of exp(scale)
    with np.errstate(divide="ignore"):
        for start in range(0, samples, chunk):
            m = min(chunk, samples - start)
            drawn: dict[str, npt.NDArray[np.intp]] = {}
            log_w = np.zeros(m)
            for k, node in enumerate(order):
                column = np.zeros(m, dtype=np.intp)
                for parent, stride in zip(net.parents[node], strides[node], strict=True):
                    column += drawn[parent] * stride
                table = tables[node]
                if node in fixed:
                    state = np.full(m, fixed[node], dtype=np.intp)
                    if node in given:
                        log_w += np.log(table[fixed[node], column])
                else:
                    cumulative = np.cumsum(table[:, column], axis=0)
                    u = rng.random(m) * cumulative[-1]
                    state = np.minimum((u > cumulative).sum(axis=0), table.shape[0] - 1)
                if node in logs:
                    log_w += logs[node][state]
                drawn[node] = state
                for done in last_use.get(k, ()):
                    del drawn[done]
            cell = np.zeros(m, dtype=np.intp)
            for t, stride in zip(targets, _strides(list(cards)), strict=True):
                cell += drawn[t] * stride
            top = float(log_w.max())
            if top == -math.inf:
                continue
            if top > scale:  # rescale what is counted so far to the new largest weight
                shrink = math.exp(scale - top) if scale > -math.inf else 0.0
                hit *= shrink
                hit2 *= shrink * shrink
                total *= shrink
                total2 *= shrink * shrink
                scale = top
            w = np.exp(log_w - scale)
            hit += np.bincount(cell, weights=w, minlength=cells)
            hit2 += np.bincount(cell, weights=w * w, minlength=cells)
            total += float(w.sum())
            total2 += float((w * w).sum())
    if not total > 0:
        raise QueryError(Problem(
            f"no sample of {samples:,} agreed with the evidence "
            f"({describe_question(given, do) or 'none'}): it is impossible or very unlikely",
            hint="check the evidence, or take more samples"))
    p = hit / total
    variance = (hit2 * (1 - 2 * p) + p * p * total2) / (total * total)
    error = np.sqrt(np.clip(variance, 0.0, None))
    effective = total * total / total2
    # a cell no sample fell in (or every sample) has a ratio error of 0, which would read
    # as certainty: it gets the Wilson score bound at one standard error instead
    seen = hit > 0
    edge = ~seen | (seen & (np.count_nonzero(seen) == 1))
    error[edge] = np.maximum(error[edge], unseen_error(effective))
    return Estimate(p.reshape(cards), error.reshape(cards), effective, samples, seed)


def unseen_error(effective: float) -> float:
    """The standard error given a share estimated as 0 (or 1) from `effective` equally
    weighted samples: 1 / (n + 1), the upper end of the Wilson score interval at one
    standard error (z = 1) when none of n samples fell in it. It shrinks as samples grow,
    as the rule of three's 3 / n (the 95% bound) does, but is never 0."""
    return 1.0 / (effective + 1.0)


def _needed(net: Net, start: Sequence[str]) -> list[str]:
    """`start` and their ancestors, in the net's (topological) order."""
    seen = set(start)
    stack = list(seen)
    while stack:
        for parent in net.parents[stack.pop()]:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return [n for n in net.nodes if n in seen]


def _last_use(net: Net, order: Sequence[str], keep: Sequence[str]) -> dict[int, list[str]]:
    """For each position in `order`, the nodes whose drawn states are needed no more after
    it (neither a target nor the parent of a node still to come): let them go."""
    position = {n: k for k, n in enumerate(order)}
    last: dict[str, int] = {}
    for n in order:
        last[n] = position[n]
        for p in net.parents[n]:
            last[p] = max(last.get(p, 0), position[n])
    out: dict[int, list[str]] = {}
    for n, k in last.items():
        if n not in keep:
            out.setdefault(k, []).append(n)
    return out


def _strides(cards: Sequence[int]) -> list[int]:
    """Flat-index strides of axes with these sizes, the first slowest."""
    return [math.prod(cards[i + 1:]) for i in range(len(cards))]
