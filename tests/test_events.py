"""Events: the parser (precedence, quoting, every syntax error located), the names checked
against a scenario, and event probabilities equal to brute-force enumeration of the joint."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import model
from model.language.events import (
    And,
    Event,
    EventError,
    Is,
    Not,
    Or,
    event_mask,
    event_nodes,
    parse_event,
    quote,
    read_event,
)
from model.language.probability import decimal_percent
from model.network.net import Net
from tests.brute_force import full_joint
from tests.random_networks import random_net

SEED = Path(__file__).resolve().parent.parent / "scenarios" / "russia_iran_2025.yaml"


def yes(node: str) -> Is:
    return Is(node, ("yes",))


# reading ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("a=yes", yes("a")),
    ("a = yes", yes("a")),
    ("a=yes or b=yes", Or((yes("a"), yes("b")))),
    ("a=yes or b=yes and c=yes", Or((yes("a"), And((yes("b"), yes("c")))))),
    ("(a=yes or b=yes) and c=yes", And((Or((yes("a"), yes("b"))), yes("c")))),
    ("not a=yes and b=yes", And((Not(yes("a")), yes("b")))),
    ("not (a=yes and b=yes)", Not(And((yes("a"), yes("b"))))),
    ("not not a=yes", Not(Not(yes("a")))),
    ("a=yes AND b=yes Or NOT c=yes", Or((And((yes("a"), yes("b"))), Not(yes("c"))))),
    ("track in {stalls, collapses}", Is("track", ("stalls", "collapses"))),
    ("track in {stalls,}", Is("track", ("stalls",))),
    ('"BP" = "<7.5"', Is("BP", ("<7.5",))),
    ("'yes, within 3 months'='a=b'", Is("yes, within 3 months", ("a=b",))),
    (r'"say \"no\"" = "back\\slash"', Is('say "no"', ("back\\slash",))),
    ('"and"="or"', Is("and", ("or",))),
    ("v1.2-x=s_0", Is("v1.2-x", ("s_0",))),
])
def test_events_read_with_not_and_or_precedence_and_quoted_names(text: str,
                                                                  expected: Event) -> None:
    event = parse_event(text)
    assert event == expected
    assert parse_event(event.text()) == event  # the canonical text reads back the same


def test_canonical_text_quotes_only_what_must_be_quoted() -> None:
    assert parse_event("(a = yes or b=yes) and not (c=yes)").text() == \
        "(a=yes or b=yes) and not c=yes"
    assert quote("plain_word-1.0") == "plain_word-1.0"
    assert quote("in") == '"in"'
    assert quote("<7.5") == '"<7.5"'
    assert quote('a "b"') == r'"a \"b\""'


@pytest.mark.parametrize(("text", "column", "words"), [
    ("", 1, "the event is empty"),
    ("a=", 3, "expected a state of 'a' after '=', found the end of the event"),
    ("a=yes or", 9, "expected a condition (node=state), 'not' or '(', found the end"),
    ("a=yes b=yes", 7, "unexpected 'b' after a complete condition"),
    ("(a=yes or b=yes", 16, "expected ')' to close the '(' at column 1"),
    ("a=yes)", 6, "this ')' closes no '('"),
    ("a==yes", 2, "'==' is not how an event compares"),
    ("a=yes && b=yes", 7, "unexpected character '&'"),
    ("a != yes", 3, "unexpected character '!'"),
    ("a yes", 3, "expected '=' or 'in' after 'a', found 'yes'"),
    ("a in yes", 6, "expected '{' after 'in'"),
    ("a in {}", 7, "no states of 'a' in the braces"),
    ("a in {x y}", 9, "expected ',' or '}' in the states of 'a', found 'y'"),
    ("BP=<7.5", 4, "unexpected character '<'"),
    ('a="yes', 7, 'the quote " at column 3 is not closed'),
    ("a=''", 3, "an empty name in quotes"),
    ("and=yes", 1, "expected a condition (node=state), 'not' or '(', found 'and'"),
    ("a=not", 3, "expected a state of 'a' after '=', found 'not'"),
    ("(" * 65 + "a=yes" + ")" * 65, 65, "nested more than 64 deep"),
    ("not " * 70 + "a=yes", 257, "nested more than 64 deep"),
])
def test_each_syntax_error_says_what_was_expected_at_which_column(text: str, column: int,
                                                                   words: str) -> None:
    with pytest.raises(EventError) as caught:
        parse_event(text)
    assert caught.value.column == column
    assert words in caught.value.message
    assert str(caught.value).startswith(f"column {column}: ")


@pytest.mark.parametrize(("text", "hint"), [
    ("a=yes && b=yes", "write 'and'"),
    ("a=yes || b=yes", "write 'or'"),
    ("a != yes", "write 'not node=state'"),
    ("BP=<7.5", 'goes in quotes, e.g. "BP" = "<7.5"'),
    ("and=yes", "written in quotes: \"and\""),
    ("a=yes b=yes", "join conditions with 'and' or 'or'"),
])
def test_syntax_errors_say_what_to_write_instead(text: str, hint: str) -> None:
    with pytest.raises(EventError) as caught:
        parse_event(text)
    assert caught.value.hint is not None and hint in caught.value.hint


def test_unknown_names_are_each_reported_with_did_you_mean() -> None:
    states = {"talks": ("yes", "no"), "track": ("deepens", "stalls", "collapses")}
    event, errors = read_event("tlaks=yes or track in {stals, stalls, stalls} or talks=maybe",
                               states)
    assert event is None
    found = [(e.column, e.message, e.hint, e.node) for e in errors]
    assert found == [
        (1, "unknown node 'tlaks'", "did you mean 'talks' or 'track'?", "tlaks"),
        (24, "'stals' is not a state of 'track'", "did you mean 'stalls'?", "track"),
        (39, "state 'stalls' of 'track' is listed twice", "name each state once", "track"),
        (56, "'maybe' is not a state of 'talks'", "known: no, yes", "talks"),
    ]
    ok, none = read_event("talks=yes", states)
    assert ok == yes("talks") and none == []


def test_the_mask_is_the_event_over_the_joint_of_its_nodes() -> None:
    states = {"a": ("yes", "no"), "b": ("x", "y", "z")}
    event = parse_event("a=yes and not b in {x, z} or b=x")
    mask = event_mask(event, states)
    assert event_nodes(event) == ("a", "b")
    for (i, a), (j, b) in itertools.product(enumerate(states["a"]), enumerate(states["b"])):
        assert mask[i, j] == event.holds({"a": a, "b": b})
    assert event_mask(event, states, ["b", "a"]).shape == (3, 2)


# probability ---------------------------------------------------------------------------------


def brute_force(net: Net, event: Event, given: Mapping[str, str] | None = None,
                do: Mapping[str, str] | None = None,
                likelihood: Mapping[str, Mapping[str, float]] | None = None) -> float:
    """P(event | given, do(do)) by enumerating every joint state and testing the event on it."""
    cut = net.intervene(do or {})
    weight = full_joint(cut)
    for node, state in (given or {}).items():
        weight = weight * along(cut, node, {s: float(s == state) for s in cut.states[node]})
    for node, by_state in (likelihood or {}).items():
        weight = weight * along(cut, node, by_state)
    return float((weight * truth(cut, event)).sum() / weight.sum())


def along(net: Net, node: str, value: Mapping[str, float]) -> np.ndarray:
    """A factor over one node's axis of the full joint: each state's weight (1 if left out)."""
    shape = [1] * len(net.nodes)
    shape[net.nodes.index(node)] = -1
    return np.array([value.get(s, 1.0) for s in net.states[node]]).reshape(shape)


def truth(net: Net, event: Event) -> np.ndarray:
    """Whether the event holds in each joint state, asked of `Event.holds` state by state."""
    nodes = net.nodes
    combinations = itertools.product(*(net.states[n] for n in nodes))
    return np.array([event.holds(dict(zip(nodes, states, strict=True)))
                     for states in combinations]).reshape([len(net.states[n]) for n in nodes])


SEED_EVENTS = [
    "israeli_strike=yes or us_strike=yes",
    "nuclear_deal=yes and not (israeli_strike=yes or us_strike=yes)",
    "nuclear_deal=no and not (israeli_strike=yes or us_strike=yes)",
    "russian_mediation=no and russia_military_aid=no",
    "us_russia_track in {stalls, collapses} and not iran_accepts_talks=yes",
    "iran_accepts_talks=yes",
]
QUESTIONS = [({}, {}), ({"iran_accepts_talks": "yes"}, {}), ({}, {"us_course": "use_force"}),
             ({"ultimatum_lapses": "yes"}, {"russian_mediation": "no"}),
             ({"israeli_strike": "yes"}, {})]


@pytest.mark.parametrize("engine", ["compiled", "pgmpy"])
def test_seed_event_probabilities_equal_enumerating_the_joint(engine: str) -> None:
    s = model.load(SEED, engine=engine)  # type: ignore[arg-type]
    # pgmpy answers slowly: two events and three questions are enough to compare engines
    texts = SEED_EVENTS if engine == "compiled" else SEED_EVENTS[:2]
    for text in texts:
        event = parse_event(text)
        for observed, setting in QUESTIONS if engine == "compiled" else QUESTIONS[:3]:
            assert s.probability(text, given=observed, do=setting) == pytest.approx(
                brute_force(s.net, event, observed, setting), abs=1e-9)


def test_an_event_is_not_the_sum_of_its_parts() -> None:
    s = model.load(SEED)
    either = s.probability("israeli_strike=yes or us_strike=yes")
    parts = s.query("israeli_strike")["yes"] + s.query("us_strike")["yes"]
    both = s.probability("israeli_strike=yes and us_strike=yes")
    assert either == pytest.approx(parts - both, abs=1e-12)
    assert both > 0.1  # the strikes go together, so adding marginals would be far off
    assert s.probability("iran_accepts_talks=yes") == pytest.approx(
        s.query("iran_accepts_talks")["yes"], abs=1e-12)


def test_likelihood_evidence_weighs_the_states_as_enumeration_does() -> None:
    s = model.load(SEED)
    report = {"russia_military_aid": {"yes": 1.0, "no": 3.0}, "oman_channel": {"no": 0.5}}
    for text in SEED_EVENTS[:3]:
        got = s.probability(text, given={"iran_accepts_talks": "yes"}, likelihood=report)
        assert got == pytest.approx(brute_force(s.net, parse_event(text),
                                                {"iran_accepts_talks": "yes"}, None, report),
                                    abs=1e-9)
    # certain evidence written as a likelihood is an observation
    assert s.probability("nuclear_deal=yes", likelihood={"us_strike": {"no": 0}}) == \
        pytest.approx(s.probability("nuclear_deal=yes", given={"us_strike": "yes"}), abs=1e-12)


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"event": "isreali_strike=yes"}, "unknown node 'isreali_strike'"),
    ({"event": "us_strike=maybe"}, "'maybe' is not a state of 'us_strike'"),
    ({"event": "us_strike=yes or"}, "column 17: expected a condition"),
    ({"event": "us_strike=yes", "given": {"us_strik": "yes"}}, "unknown node 'us_strik'"),
    ({"event": "us_strike=yes", "given": {"us_strike": "no"}, "do": {"us_strike": "no"}},
     "both observed"),
    ({"event": "us_strike=yes", "likelihood": {"us_strke": {"yes": 1}}},
     "likelihood: unknown node 'us_strke'"),
    ({"event": "us_strike=yes", "likelihood": {"us_strike": {"maybe": 1}}},
     "'maybe' is not a state of 'us_strike'"),
    ({"event": "us_strike=yes", "likelihood": {"us_strike": {"yes": -1}}},
     "is -1, not a finite number of at least 0"),
    ({"event": "us_strike=yes", "likelihood": {"us_strike": {"yes": 0, "no": 0}}},
     "weighs every state 0"),
    ({"event": "us_strike=yes", "given": {"us_strike": "yes"},
      "likelihood": {"us_strike": {"yes": 0}}}, "is impossible in this scenario"),
])
def test_a_bad_event_question_is_refused_with_what_is_wrong(kwargs: dict[str, object],
                                                          words: str) -> None:
    s = model.load(SEED)
    with pytest.raises(model.QueryError, match=words.replace("(", r"\(")) as caught:
        s.probability(**kwargs)  # type: ignore[arg-type]
    assert all(p.file == str(SEED) for p in caught.value.problems)


def test_an_event_too_big_to_enumerate_is_refused_with_a_limit(
        monkeypatch: pytest.MonkeyPatch) -> None:
    s = model.load(SEED)
    monkeypatch.setattr("model.scenario.MAX_QUERY_CELLS", 8)
    with pytest.raises(model.LimitError, match="names 4 nodes, whose joint has 16 combinations"):
        s.probability("israeli_strike=yes and us_strike=yes and nuclear_deal=yes and "
                      "oman_channel=yes")


def test_an_event_object_is_checked_as_text_is() -> None:
    s = model.load(SEED)
    assert s.probability(parse_event("us_strike=yes")) == pytest.approx(
        s.query("us_strike")["yes"], abs=1e-12)
    with pytest.raises(model.QueryError, match="event 'us_strike=maybe', column 1: 'maybe'"):
        s.probability(Is("us_strike", ("maybe",)))


# random networks and random events ------------------------------------------------------------


@cache
def random_scenario(seed: int) -> model.Scenario:
    return scenario_of(random_net(6, seed, max_states=3, zeros=seed % 2 == 1))


def scenario_of(net: Net) -> model.Scenario:
    """A scenario file holding the network's numbers exactly, one table row per column."""
    lines = ["scenario: random", "title: Random", "question: Q?", "as_of: 2025-01-01",
             "horizon: 2025-12-31", "nodes:"]
    for node in net.nodes:
        states, parents = net.states[node], net.parents[node]
        lines += [f"  {node}:", f"    label: {node}", f"    states: [{', '.join(states)}]"]
        table = net.tables[node].reshape(len(states), -1)
        dist = [{s: float(x) for s, x in zip(states, column, strict=True)} for column in table.T]
        if not parents:
            lines += [f"    prior: {json.dumps(dist[0])}",
                      "    because: [{assumption: random}]"]
            continue
        lines += [f"    parents: [{', '.join(parents)}]", "    table:"]
        for c, combination in enumerate(itertools.product(*(net.states[p] for p in parents))):
            when = dict(zip(parents, combination, strict=True))
            lines += [f"      - when: {json.dumps(when)}", f"        p: {json.dumps(dist[c])}",
                      "        because: [{assumption: random}]"]
    return model.loads("\n".join(lines) + "\n")


@st.composite
def events(draw: st.DrawFn, states: Mapping[str, tuple[str, ...]], depth: int = 3) -> Event:
    kind = draw(st.sampled_from(["is", "is", "not", "and", "or"] if depth else ["is"]))
    if kind == "is":
        node = draw(st.sampled_from(sorted(states)))
        chosen = draw(st.lists(st.sampled_from(states[node]), min_size=1, unique=True))
        return Is(node, tuple(chosen))
    if kind == "not":
        return Not(draw(events(states, depth - 1)))
    items = tuple(draw(st.lists(events(states, depth - 1), min_size=2, max_size=3)))
    return And(items) if kind == "and" else Or(items)


@pytest.mark.parametrize("seed", range(4))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_events_on_random_networks_equal_enumeration(seed: int,
                                                            data: st.DataObject) -> None:
    s = random_scenario(seed)
    net = s.net
    event = data.draw(events(net.states))
    nodes = sorted(net.states)
    observed = {n: data.draw(st.sampled_from(net.states[n]))
                for n in data.draw(st.lists(st.sampled_from(nodes), max_size=2, unique=True))}
    setting = {n: data.draw(st.sampled_from(net.states[n]))
               for n in data.draw(st.lists(st.sampled_from([n for n in nodes
                                                            if n not in observed]),
                                           max_size=1, unique=True))}
    try:
        got = s.probability(event.text(), given=observed, do=setting)
    except model.QueryError as exc:  # observations the network makes impossible
        assert "impossible" in str(exc)
        assert full_joint_given(s.net, observed, setting) == 0
        return
    assert got == pytest.approx(brute_force(s.net, event, observed, setting), abs=1e-9)


def full_joint_given(net: Net, given: Mapping[str, str], do: Mapping[str, str]) -> float:
    cut = net.intervene(do)
    joint = full_joint(cut)
    index = tuple(cut.states[n].index(given[n]) if n in given else slice(None)
                  for n in cut.nodes)
    return float(np.sum(joint[index]))


# the command line ------------------------------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "model.cli", *args], capture_output=True,
                          text=True, check=False)


def test_query_event_prints_json_with_the_event_and_its_probability() -> None:
    done = run("query", str(SEED), "--event", "israeli_strike=yes or us_strike=yes",
               "--given", "iran_accepts_talks=yes", "--do", "us_course=use_force", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    s = model.load(SEED)
    assert data["event"] == "israeli_strike=yes or us_strike=yes"
    assert data["probability"] == pytest.approx(s.probability(
        data["event"], given={"iran_accepts_talks": "yes"}, do={"us_course": "use_force"}),
        abs=1e-12)
    assert data["given"] == {"iran_accepts_talks": "yes"}
    assert data["do"] == {"us_course": "use_force"}
    assert data["term"] == model.term_for(data["probability"])


def test_query_event_prints_a_line_of_text() -> None:
    done = run("query", str(SEED), "--event", "nuclear_deal=yes and not us_strike=yes",
               "--what-if", "Tehran refuses to talk")
    assert done.returncode == 0, done.stderr
    p = model.load(SEED).probability("nuclear_deal=yes and not us_strike=yes",
                                     given={"iran_accepts_talks": "no"})
    assert done.stdout.strip() == (
        f"P(nuclear_deal=yes and not us_strike=yes | iran_accepts_talks=no) = {p:.4f} "
        f"({decimal_percent(p)}, {model.term_for(p)})")


def test_query_event_errors_exit_2_with_the_column() -> None:
    done = run("query", str(SEED), "--event", "israeli_strike=yes or us_strik=yes")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"error: {SEED}: event 'israeli_strike=yes or us_strik=yes', column 23: unknown node "
        "'us_strik' (did you mean 'us_strike' or 'israeli_strike' or 'us_russia_track'?)")
    assert "Traceback" not in done.stderr


ANY_TEXT = """
scenario: names
title: Names of any text
question: Q?
as_of: 2025-01-01
horizon: 2025-12-31
nodes:
  BP:
    label: Blood pressure
    states: ['<7.5', '>=7.5']
    prior: {'<7.5': 0.3}
    because: [{assumption: x}]
  'High (>100)':
    label: High
    role: outcome
    states: [yes, 'no, not "high"', 'and']
    parents: [BP]
    table:
      - {when: {BP: '<7.5'}, p: {yes: 0.6, 'no, not "high"': 0.3}, because: [{assumption: y}]}
      - {when: otherwise, p: {yes: 0.1, 'and': 0.2}, because: [{assumption: z}]}
judgements:
  - name: low_or_high
    statement: Low pressure, or high
    event: '"BP" = "<7.5" or "High (>100)" in {yes, "and"}'
"""


def test_names_of_any_text_are_written_in_quotes_in_events() -> None:
    s = model.loads(ANY_TEXT)
    [spec] = s.judgement_specs
    expected = 0.3 + 0.7 * (0.1 + 0.2)
    assert s.probability(spec.event) == pytest.approx(expected, abs=1e-12)
    assert s.probability(r'"High (>100)" = "no, not \"high\""') == pytest.approx(
        0.3 * 0.3 + 0.7 * 0.7, abs=1e-12)
    assert parse_event(spec.event.text()) == spec.event
    [j] = model.judgements(s, samples=200)
    assert j.probability == pytest.approx(expected, abs=1e-12)
    with pytest.raises(model.QueryError, match=r"'<7' is not a state of 'BP'.*did you mean "
                                               r"'<7.5'"):
        s.probability('BP="<7"')
