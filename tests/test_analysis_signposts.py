"""Signposts: mutual information by brute force, shifts by conditional queries, sentences."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import model
from model.analysis.signposts import mutual_information, signposts_for
from model.language.probability import percent
from model.network.compiled import CompiledNet
from tests.brute_force import full_joint

FIXTURE = Path(__file__).parent / "fixtures" / "analysis_decision.yaml"


def brute_mutual_information(s: model.Scenario, a: str, b: str) -> float:
    """I(a; b) in bits from the full joint, by the textbook double sum."""
    joint = full_joint(s.net)
    nodes = s.net.nodes
    pair = joint.sum(axis=tuple(i for i, n in enumerate(nodes) if n not in (a, b)))
    if nodes.index(a) > nodes.index(b):
        pair = pair.T
    total = 0.0
    for i in range(pair.shape[0]):
        for j in range(pair.shape[1]):
            if pair[i, j] > 0:
                total += pair[i, j] * math.log2(
                    pair[i, j] / (pair[i, :].sum() * pair[:, j].sum()))
    return total


@pytest.mark.parametrize("outcome", ["settlement", "clash"])
def test_information_equals_brute_force_and_shifts_equal_queries(outcome: str) -> None:
    s = model.load(FIXTURE)
    found = signposts_for(s, CompiledNet(s.net), outcome)
    assert found.base == pytest.approx(s.query(outcome)["yes"], abs=1e-12)
    assert {p.node for p in found.ranked} == set(s.nodes) - {outcome}
    for post in found.ranked:
        assert post.information == pytest.approx(
            brute_mutual_information(s, outcome, post.node), abs=1e-12)
        for seen in post.observations:
            assert seen.chance == pytest.approx(s.query(post.node)[seen.state], abs=1e-12)
            expected = s.query(outcome, given={post.node: seen.state})["yes"]
            assert seen.posterior == pytest.approx(expected, abs=1e-12)
            assert seen.shift == pytest.approx(expected - found.base, abs=1e-12)
    information = [p.information for p in found.ranked]
    assert information == sorted(information, reverse=True)
    assert found.by_shift[0].largest_shift == max(p.largest_shift for p in found.ranked)


def test_mutual_information_is_zero_for_independent_nodes() -> None:
    assert mutual_information(np.outer([0.3, 0.7], [0.2, 0.5, 0.3])) == pytest.approx(0,
                                                                                    abs=1e-15)
    assert mutual_information(np.array([[0.5, 0.0], [0.0, 0.5]])) == pytest.approx(1.0)


def test_consequences_are_ranked_but_not_put_as_signposts() -> None:
    s = model.load(FIXTURE)
    found = signposts_for(s, CompiledNet(s.net), "clash")
    insurance = next(p for p in found.ranked if p.node == "insurance")
    assert not insurance.leading
    assert insurance.information > 0
    assert not any("Insurers" in line for line in found.sentences)
    assert all(p.leading for p in found.ranked if p.node != "insurance")


def test_sentences_name_the_state_the_term_and_both_figures(tiny_path: Path) -> None:
    s = model.load(tiny_path)
    found = signposts_for(s, CompiledNet(s.net), "wet")
    base = s.query("wet")["yes"]
    dry = s.query("wet", given={"rain": "no"})["yes"]
    on = s.query("wet", given={"sprinkler": "yes"})["yes"]
    assert found.sentences == [
        f"Unless it rains, “Grass is wet” falls to {percent(dry)} from {percent(base)} "
        f"({model.term_for(base)} to {model.term_for(dry)}).",
        f"If Sprinkler on, “Grass is wet” rises to {percent(on)} from {percent(base)} "
        f"({model.term_for(base)} to {model.term_for(on)}).",
    ]


def test_a_rise_within_one_band_says_rises_and_still() -> None:
    from model.analysis.signposts import Observation, sentence

    s = model.load(FIXTURE)
    spec = s.nodes["clash"]
    cause = s.nodes["tension"]
    up = sentence(cause, Observation("high", 0.3, 0.21, 0.14), spec, "yes", 0.07)
    assert up.endswith("rises to 21% from 7% (very unlikely to unlikely).")
    same = sentence(cause, Observation("high", 0.3, 0.30, 0.05), spec, "yes", 0.25)
    assert same.endswith("rises to 30% from 25% (still unlikely).")
    flat = sentence(cause, Observation("high", 0.3, 0.251, 0.001), spec, "yes", 0.25)
    assert flat.endswith("barely moves (25%, unlikely).")


def test_states_other_than_yes_and_no_are_named() -> None:
    s = model.load(FIXTURE)
    found = signposts_for(s, CompiledNet(s.net), "clash")
    tension = next(p for p in found.ranked if p.node == "tension")
    assert tension.sentence.startswith("If Tension on the water is “high”, “The navies clash”")
    assert found.to_dict()["ranked"][0]["sentence"] == found.ranked[0].sentence
