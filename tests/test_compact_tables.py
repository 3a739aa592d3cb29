"""Compact tables (`rows:`): one row of probabilities per parent combination, first parent
slowest, `because` once; the same network as the long form, checked row by row, and cheap
for tables of hundreds of thousands of numbers."""

from __future__ import annotations

import itertools
import textwrap

import numpy as np
import pytest

import model
from model import ScenarioError
from model.analysis import analyze
from model.language.tables import Params, RowTable
from tests.brute_force import posterior

HEAD = """\
scenario: rows
title: Compact tables
question: Do compact tables read as the long form does?
as_of: 2025-01-01
horizon: 2025-12-31
"""


def scenario(body: str) -> model.Scenario:
    return model.loads(HEAD + textwrap.dedent(body), "rows.yaml")


LONG = """
nodes:
  a:
    label: A
    states: [x, y, z]
    prior: {x: 0.2, y: 0.3, z: 0.5}
    because: [{assumption: a guess}]
  b:
    label: B
    prior: {yes: 0.6}
    because: [{assumption: a guess}]
  c:
    label: C
    role: outcome
    states: [lo, hi]
    parents: [a, b]
    table:
      - {when: {a: x, b: yes}, p: {lo: 0.1, hi: 0.9}, because: [{assumption: g}]}
      - {when: {a: x, b: no}, p: {lo: 0.2, hi: 0.8}, because: [{assumption: g}]}
      - {when: {a: y, b: yes}, p: {lo: 0.3, hi: 0.7}, because: [{assumption: g}]}
      - {when: {a: y, b: no}, p: {lo: 0.4, hi: 0.6}, because: [{assumption: g}]}
      - {when: {a: z, b: yes}, p: {lo: 0.5, hi: 0.5}, because: [{assumption: g}]}
      - {when: {a: z, b: no}, p: {lo: 0.6, hi: 0.4}, because: [{assumption: g}]}
"""
COMPACT = """
nodes:
  a:
    label: A
    states: [x, y, z]
    rows: [[0.2, 0.3, 0.5]]
    because: [{assumption: a guess}]
  b:
    label: B
    prior: {yes: 0.6}
    because: [{assumption: a guess}]
  c:
    label: C
    role: outcome
    states: [lo, hi]
    parents: [a, b]
    rows:                 # a = x, y, z (slowest); b = yes, no
      - [0.1, 0.9]
      - [0.2, 0.8]
      - [0.3, 0.7]
      - [0.4, 0.6]
      - [0.5, 0.5]
      - [0.6, 0.4]
    because: [{assumption: g}]
"""


def test_rows_make_the_same_tables_and_answers_as_the_long_form() -> None:
    long, compact = scenario(LONG), scenario(COMPACT)
    for node in ("a", "b", "c"):
        np.testing.assert_array_equal(compact.tables()[node], long.tables()[node])
    for given in ({}, {"b": "no"}, {"c": "hi"}):
        assert compact.query("a", given=given) == pytest.approx(long.query("a", given=given),
                                                                abs=1e-12)
    assert list(compact.query("c").values()) == pytest.approx(
        posterior(compact.net, ["c"]).tolist(), abs=1e-12)


def test_a_compact_tables_numbers_are_params_in_row_order_with_their_lines() -> None:
    s = scenario(COMPACT)
    assert len(s.params) == 3 + 1 + 12
    c = s.nodes["c"]
    assert isinstance(c.rows, RowTable)
    assert [p.state for p in c.params[:4]] == ["lo", "hi", "lo", "hi"]
    third = c.params[5]  # row 3, state hi
    assert (third.where, third.prob.point, third.node) == ("table row 3", 0.7, "c")
    assert third.line == s.document.line_of(("nodes", "c", "rows", 2))
    assert s.params[third.id] == third
    assert s.nodes["a"].params[0].where == "prior"
    np.testing.assert_array_equal(s.point_values()[0], [p.prob.point for p in s.params])


def test_a_compact_tables_rows_read_as_blocks_for_the_briefing_and_analyses() -> None:
    s = scenario(COMPACT)
    blocks = s.nodes["c"].blocks
    assert [b.when for b in blocks[:3]] == [{"a": "x", "b": "yes"}, {"a": "x", "b": "no"},
                                            {"a": "y", "b": "yes"}]
    assert blocks[1].line == s.document.line_of(("nodes", "c", "rows", 1))
    found = analyze(s, outcome="c", samples=200, seed=1)
    assert found.sensitivity[0].bars  # each number has its place in the tornado
    labels = [b.place.label for b in found.sensitivity[0].bars]
    assert "C: P(lo | a=z, b=no) = 0.6 (table row 6, line 28)" in labels


def test_rows_take_terms_percents_and_ranges_scaled_like_any_row() -> None:
    s = scenario("""
        nodes:
          a:
            label: A
            rows: [[likely, unlikely]]
            because: [{assumption: a guess}]
          b:
            label: B
            parents: [a]
            rows: [["30%", 0.7], [[0.2, 0.4], [0.6, 0.8]]]
            because: [{assumption: a guess}]
    """)
    assert s.tables()["a"] == pytest.approx([0.675 / 1.0, 0.325 / 1.0])
    assert s.tables()["b"][:, 0] == pytest.approx([0.3, 0.7])
    ranged = s.nodes["b"].params[2]
    assert (ranged.prob.low, ranged.prob.high, ranged.prob.uncertain) == (0.2, 0.4, True)
    assert s.checked.params.lows[ranged.id] == 0.2


@pytest.mark.parametrize(("rows", "words", "row"), [
    (["[0.1, 0.9]", "[0.2, 0.8]"], "rows: 2 rows where the table needs 3", None),
    (["[0.1, 0.9]", "[0.2, 0.8]", "[0.3]"], "row 3 has 1 probabilities for the 2 states", 3),
    (["[0.1, 0.9]", "[0.2, 0.8]", "[0.3, 0.700002]"], "row 3 sums to 1.000002, not 1", 3),
    (["[0.1, 0.9]", "[1.5, -0.5]", "[0.3, 0.7]"],
     "row 2, yes: probability 1.5 is outside [0, 1]", 2),
    (["[0.1, 0.9]", "[true, 0]", "[0.3, 0.7]"], "row 2, yes: expected a probability, got True",
     2),
    (["[0.1, 0.9]", "[quite likely, 0.5]", "[0.3, 0.7]"], "unknown estimative term", 2),
    (["[0.1, 0.9]", "[[0.1, 0.2], [0.1, 0.2]]", "[0.3, 0.7]"], "row 2: no distribution fits",
     2),
])
def test_bad_rows_are_located_at_their_row(rows: list[str], words: str,
                                           row: int | None) -> None:
    written = "".join(f"      - {r}\n" for r in rows)
    text = HEAD + textwrap.dedent("""\
        nodes:
          a:
            label: A
            states: [x, y, z]
            prior: {x: 0.2, y: 0.3}
            because: [{assumption: g}]
          b:
            label: B
            parents: [a]
            rows:
        """) + written + "    because: [{assumption: g}]\n"
    with pytest.raises(ScenarioError) as caught:
        model.loads(text, "rows.yaml")
    problem = caught.value.problems[0]
    assert problem.node == "b"
    assert words in problem.message, problem
    rows_line = text.splitlines().index("    rows:") + 1
    assert problem.line == (rows_line + row if row else rows_line)


def test_a_root_gets_one_row_and_the_hint_says_the_order() -> None:
    with pytest.raises(ScenarioError, match="rows: 2 rows where the table needs 1 "
                                            r"\(give one row per parent-state combination: "
                                            "one row"):
        scenario("""
            nodes:
              a: {label: A, rows: [[0.5, 0.5], [0.5, 0.5]], because: [{assumption: g}]}
        """)
    with pytest.raises(ScenarioError, match="the 4 combinations of a, b"):
        scenario("""
            nodes:
              a: {label: A, prior: {yes: 0.5}, because: [{assumption: g}]}
              b: {label: B, prior: {yes: 0.5}, because: [{assumption: g}]}
              c: {label: C, parents: [a, b], rows: [[0.5, 0.5]], because: [{assumption: g}]}
        """)


def test_rows_need_because_and_exclude_the_other_forms() -> None:
    with pytest.raises(ScenarioError, match="'because' is missing for the rows"):
        scenario("nodes:\n  a: {label: A, rows: [[0.5, 0.5]]}\n")
    with pytest.raises(ScenarioError, match="give only one of prior / rows"):
        scenario("nodes:\n  a: {label: A, prior: {yes: 0.5}, rows: [[0.5, 0.5]], "
                 "because: [{assumption: g}]}\n")


def test_many_bad_rows_are_counted_after_the_first_twenty() -> None:
    rows = "\n".join("      - [0.5, 0.6]" for _ in range(64))
    parents = "".join(f"  p{i}: {{label: P, prior: {{yes: 0.5}}, because: [{{assumption: g}}]}}\n"
                      for i in range(6))
    text = (HEAD + "nodes:\n" + parents + "  c:\n    label: C\n    parents: ["
            + ", ".join(f"p{i}" for i in range(6)) + "]\n    rows:\n" + rows
            + "\n    because: [{assumption: g}]\n")
    with pytest.raises(ScenarioError) as caught:
        model.loads(text, "rows.yaml")
    messages = [p.message for p in caught.value.problems]
    assert len(messages) == 21
    assert messages[-1] == "rows: 44 more problems in 64 rows in all"
    assert caught.value.problems[-1].line == caught.value.problems[-2].line + 1


def big_table_text(parents: int, states: int) -> str:
    """A chain of `parents` roots of `states` states into one child: states ** parents rows."""
    lines = [HEAD.rstrip(), "nodes:"]
    names = [f"p{i}" for i in range(parents)]
    state_list = ", ".join(f"s{j}" for j in range(states))
    row = "[" + ", ".join([repr(1 / states)] * states) + "]"
    for name in names:
        lines += [f"  {name}:", f"    label: {name}", f"    states: [{state_list}]",
                  f"    rows: [{row}]", "    because: [{assumption: imported}]"]
    lines += ["  child:", "    label: child", f"    states: [{state_list}]",
              f"    parents: [{', '.join(names)}]", "    rows:"]
    rng = np.random.default_rng(7)
    for _ in itertools.product(range(states), repeat=parents):
        values = rng.dirichlet(np.ones(states))
        values[-1] = 1 - values[:-1].sum()
        lines.append("      - [" + ", ".join(repr(float(v)) for v in values) + "]")
    lines.append("    because: [{assumption: imported}]")
    return "\n".join(lines) + "\n"


def test_a_table_of_a_hundred_thousand_numbers_is_arrays_not_objects() -> None:
    s = model.loads(big_table_text(parents=4, states=10), "big.yaml")  # 10,000 rows
    child = s.nodes["child"]
    assert len(s.params) == 4 * 10 + 100_000
    params = s.checked.params
    assert isinstance(params, Params)
    assert not any(isinstance(chunk, list) and len(chunk) > 100
                   for chunk in params._chunks)  # no list of a Param per number
    assert "blocks" not in child.__dict__  # rows become blocks only when asked for
    table = s.tables()["child"]
    assert table.shape == (10, 10, 10, 10, 10)
    np.testing.assert_allclose(table.sum(axis=0), 1, atol=1e-12)
    assert list(s.query("child", given={"p0": "s3"}).values()) == pytest.approx(
        table[:, 3].mean(axis=(1, 2, 3)).tolist(), abs=1e-12)
    batch = np.repeat(s.point_values(), 3, axis=0)
    batch[1, child.params.ids] = 0.1  # each row then uniform
    batched = child.table(batch)
    assert batched.shape == (3, 10, 10, 10, 10, 10)
    np.testing.assert_allclose(batched[1], 0.1)
    np.testing.assert_array_equal(batched[2], table)
