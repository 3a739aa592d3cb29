"""Many events from one joint (`analysis.marginals`): each figure is the one
`Scenario.probability` gives for it alone, with the evidence log, past the group size too."""

from __future__ import annotations

import math

import numpy as np
import pytest

import model
from model.analysis import marginals
from model.analysis.marginals import event_probabilities, events_given_each
from model.errors import QueryError
from tests.conftest import ROOT, SEED

FOLLOWUP = ROOT / "scenarios" / "russia_iran_2025_followup.yaml"
EXACT = 1e-12


@pytest.fixture(params=["one joint", "one each"])
def grouped(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    if request.param == "one each":
        monkeypatch.setattr(marginals, "MAX_GROUP_CELLS", 2)
    return bool(request.param == "one joint")


@pytest.mark.parametrize("path", [SEED, FOLLOWUP], ids=["seed", "with a log"])
def test_events_under_each_what_if_are_each_events_probability(path: object,
                                                               grouped: bool) -> None:
    s = model.load(path)  # type: ignore[arg-type]
    events = [j.event for j in s.judgement_specs]
    for w in s.what_ifs:
        try:
            found = event_probabilities(s, events, w.given, w.do)
        except QueryError:
            with pytest.raises(QueryError):
                for e in events:
                    s.probability(e, w.given, w.do)
            continue
        expected = [s.probability(e, w.given, w.do) for e in events]
        np.testing.assert_allclose(found, expected, atol=EXACT, err_msg=w.name)
    assert event_probabilities(s, []) == []


@pytest.mark.parametrize("path", [SEED, FOLLOWUP], ids=["seed", "with a log"])
def test_events_given_each_state_are_each_events_conditional(path: object,
                                                             grouped: bool) -> None:
    s = model.load(path)  # type: ignore[arg-type]
    events = [j.event for j in s.judgement_specs]
    for node, spec in s.nodes.items():
        found = events_given_each(s, events, node)
        if not grouped:
            assert found is None
            continue
        assert found is not None and found.shape == (len(events), len(spec.states))
        chance = s.query(node)
        for i, state in enumerate(spec.states):
            if chance[state] <= 0:
                assert np.isnan(found[:, i]).all()
                continue
            expected = [s.probability(e, given={node: state}) for e in events]
            np.testing.assert_allclose(found[:, i], expected, atol=EXACT,
                                       err_msg=f"{node}={state}")
    assert math.isfinite(event_probabilities(s, events[:1])[0])


def test_a_small_joint_whose_contraction_is_large_is_asked_node_by_node() -> None:
    """Two outcomes of the same eight parents: each one's posterior under 50 draws fits in
    50 x 256 cells, their joint (4 cells a draw) does not. Under a limit between the two,
    the draws' marginals are asked one node at a time, not refused."""
    from model.analysis.uncertainty import draw, marginal_draws
    from model.network.compiled import CompiledNet

    parents = [f"r{i}" for i in range(8)]
    text = ("scenario: t\ntitle: T\nquestion: q\nas_of: 2025-01-01\nhorizon: 2025-12-31\n"
            "nodes:\n" + "".join(f"  {p}: {{prior: {{yes: [0.2, 0.4]}}, because: "
                                 "[{assumption: x}]}\n" for p in parents)
            + "".join(f"  {o}:\n    role: outcome\n    parents: [{', '.join(parents)}]\n"
                      f"    noisy_or: {{leak: 0.01, {', '.join(f'{p}: 0.{k + 1}' for k, p in enumerate(parents))}}}\n"  # noqa: E501
                      "    because: [{assumption: x}]\n" for o in ("a", "b")))
    s = model.loads(text)
    small = CompiledNet(s.net, max_cells=50 * 300)
    draws = draw(s, 50, 1)
    with pytest.raises(model.LimitError):
        draws.posteriors(small, ["a", "b"])
    got = marginal_draws(small, draws, ["a", "b"])
    want = marginal_draws(s.compiled, draws, ["a", "b"])  # the joint, under the usual limit
    for mine, theirs in zip(got, want, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-12)
