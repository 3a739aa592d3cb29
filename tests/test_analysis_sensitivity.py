"""Sensitivity: every bar against the outcome re-queried with that one number changed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import model
from model.analysis.sensitivity import DEFAULT_SWING, swing_range, tornadoes
from model.analysis.uncertainty import beta_interval, beta_shape, default_shape
from model.language.probability import Prob
from model.language.tables import FloatArray, Param
from model.network.compiled import CompiledNet
from model.network.net import Net
from model.network.pgmpy_engine import PgmpyEngine
from model.scenario import Scenario

FIXTURE = Path(__file__).parent / "fixtures" / "analysis_decision.yaml"


def number_set(s: Scenario, param: int, value: float) -> FloatArray:
    """The point values with number `param` set to `value`, by hand: the other numbers of
    its distribution scaled to fill what it leaves of 1; a state left for the remainder
    takes what is left first, the others scaled down only if they would pass it."""
    row = s.point_values()
    row[0, param] = value
    spec = s.nodes[s.params[param].node]
    for block in spec.blocks:
        for estimate in block.estimates:
            ids = [p.id for p in estimate.dist.entries.values()]
            if param not in ids:
                continue
            others = [i for i in ids if i != param]
            left, total = 1 - value, sum(float(row[0, i]) for i in others)
            if len(ids) < spec.card and total <= left:
                return row
            for i in others:
                row[0, i] = row[0, i] * left / total if total > 0 else left / len(others)
    return row


def requery(s: Scenario, param: Param, value: float, outcome: str) -> float:
    """P(outcome's first state) by pgmpy with one written number replaced (`number_set`)."""
    row = number_set(s, param.id, value)
    net = Net({n: spec.states for n, spec in s.nodes.items()},
              {n: spec.parents for n, spec in s.nodes.items()},
              {n: spec.table(row)[0] for n, spec in s.nodes.items()})
    return float(PgmpyEngine(net).joint([outcome], {}, {})[0])


def test_every_bar_equals_requerying_with_that_number_swung() -> None:
    s = model.load(FIXTURE)
    for tornado in tornadoes(s, CompiledNet(s.net), s.outcomes, top=len(s.params)):
        assert tornado.base == pytest.approx(s.query(tornado.node)["yes"], abs=1e-12)
        for bar in tornado.bars:
            param = s.params[bar.param]
            assert bar.at_low == pytest.approx(requery(s, param, bar.input_low, tornado.node),
                                               abs=1e-9)
            assert bar.at_high == pytest.approx(
                requery(s, param, bar.input_high, tornado.node), abs=1e-9)


def test_a_bar_equals_the_file_edited_to_the_ends_of_the_range(tiny_path: Path) -> None:
    s = model.load(tiny_path)
    [tornado] = tornadoes(s, CompiledNet(s.net), ["wet"])
    rain = next(b for b in tornado.bars if b.place.node == "rain")
    assert (rain.input_low, rain.input_high) == (0.55, 0.80)  # "likely"
    text = tiny_path.read_text()
    for value, expected in ((0.55, rain.at_low), (0.80, rain.at_high)):
        edited = model.loads(text.replace("prior: {yes: likely}", f"prior: {{yes: {value}}}"),
                             tiny_path)
        assert edited.query("wet")["yes"] == pytest.approx(expected, abs=1e-12)


def test_exact_numbers_swing_across_their_default_spread() -> None:
    def param(value: float) -> Param:
        return Param(0, Prob.exact(value), "n", "yes", "prior", None)

    for value in (0.05, 0.5, 0.98):
        low, high, assumed = swing_range(param(value))
        assert (low, high) == pytest.approx(beta_interval(default_shape(value)))
        assert low < value < high and assumed
    assert swing_range(param(0.5))[:2] == pytest.approx((0.5 - DEFAULT_SWING,
                                                         0.5 + DEFAULT_SWING), abs=1e-3)
    # marked exact, or impossible or certain: not swung, so never a bar
    assert swing_range(param(0.3), exact=True) == (0.3, 0.3, False)
    assert swing_range(param(0.0)) == (0.0, 0.0, False)
    assert swing_range(param(1.0)) == (1.0, 1.0, False)
    ranged = Param(0, Prob(0.4, 0.3, 0.5, "[0.3, 0.5]", "range"), "n", "yes", "prior", None)
    assert swing_range(ranged) == (0.3, 0.5, False)
    assert swing_range(ranged, exact=True) == (0.3, 0.5, False)


def test_bars_are_ranked_capped_and_only_inputs_that_move_the_outcome() -> None:
    s = model.load(FIXTURE)
    [tornado] = tornadoes(s, CompiledNet(s.net), ["settlement"], top=5)
    swings = [b.swing for b in tornado.bars]
    assert len(swings) == 5
    assert swings == sorted(swings, reverse=True)
    [everything] = tornadoes(s, CompiledNet(s.net), ["settlement"], top=100)
    assert all(b.swing > 0 for b in everything.bars)
    # clash and insurance are not upstream of the settlement: their numbers cannot move it
    assert not {b.place.node for b in everything.bars} & {"clash", "insurance"}
    assert everything.inputs == len(s.params)


def test_a_bar_says_where_its_number_was_written() -> None:
    s = model.load(FIXTURE)
    [tornado] = tornadoes(s, CompiledNet(s.net), ["settlement"])
    top = tornado.bars[0]
    assert top.place.node == "settlement"
    assert top.place.condition == "talks=yes, tension=mid|high"
    assert top.place.label == ("A settlement is signed: P(yes | talks=yes, tension=mid|high) = "
                               f"[0.2, 0.5] (table row 2, line {top.place.line})")
    assert top.place.line is not None
    assert "[0.2, 0.5]" in FIXTURE.read_text().splitlines()[top.place.line - 1]
    sourced = next(b for b in tornado.bars if b.place.source == "ledger")
    assert "by ledger = " in sourced.place.short
    assert sourced.assumed_swing
    data = top.to_dict()
    assert data["swing"] == pytest.approx(abs(data["at_high"] - data["at_low"]))
    assert np.isclose(data["input_low"], 0.2)


# A swung number is held at its end: the rest of its distribution fills what it leaves.
ROWS = """\
scenario: rows
title: Rows held
question: Are the numbers swung held?
as_of: 2025-01-01
horizon: 2025-12-31
nodes:
  t: {role: outcome, prior: {yes: 0.3, no: 0.7}, because: [{assumption: t}]}
  k: {role: outcome, states: [high, mid, low], prior: {high: 0.2, mid: 0.3, low: 0.5},
      because: [{assumption: k}]}
  r: {role: driver, states: [dry, wet, soaking], prior: {dry: [0.4, 0.8], wet: 0.3},
      because: [{assumption: r}]}
  w: {role: outcome, parents: [r], rows: [[0, 1], [1, 0], [0, 1]], exact: true,
      because: [{assumption: w is r=wet}]}
  c:
    role: outcome
    states: [a, b, c]
    parents: [t]
    table:
      - {when: {t: yes}, p: {a: 0.2, b: 0.3, c: 0.5}, because: [{assumption: c}]}
      - {when: {t: no}, p: {a: 0.6, b: 0.3, c: 0.1}, because: [{assumption: c}]}
"""


def bars_of(s: Scenario, node: str) -> dict[str, tuple[float, float, float, float]]:
    [tornado] = tornadoes(s, CompiledNet(s.net), [node], top=len(s.params))
    return {b.place.name: (b.input_low, b.input_high, b.at_low, b.at_high)
            for b in tornado.bars}


def test_a_swung_number_is_held_at_its_ends_and_the_rest_of_its_row_scaled() -> None:
    """P(high) swung across its default spread moves P(high) across exactly that (the row
    was renormalised with it: 12.5-28.5% swung gave 13.5-26.3%), for two states and three,
    a remainder state and a conditional table's row, by hand."""
    s = model.loads(ROWS, path="rows.yaml")
    # the outcome's own number: the outcome is its value
    for node, name in (("t", "t: P(yes)"), ("k", "k: P(high)")):
        low, high, at_low, at_high = bars_of(s, node)[name]
        assert (at_low, at_high) == pytest.approx((low, high), abs=1e-12)
    # another number of the row: the outcome's share of what it leaves, as it was (2:5)
    low, high, at_low, at_high = bars_of(s, "k")["k: P(low)"]
    assert (at_low, at_high) == pytest.approx((0.2 / 0.5 * (1 - low), 0.2 / 0.5 * (1 - high)),
                                              abs=1e-12)
    low, high, at_low, at_high = bars_of(s, "t")["t: P(no)"]
    assert (at_low, at_high) == pytest.approx((1 - low, 1 - high), abs=1e-12)
    # the remainder takes what is left, until dry and wet pass 1: wet is then scaled to fit
    low, high, at_low, at_high = bars_of(s, "w")["r: P(dry)"]
    assert (low, high) == (0.4, 0.8)
    assert (at_low, at_high) == pytest.approx((0.3, 0.2), abs=1e-12)
    # a conditional row: P(c=a) = 0.3 P(a | t=yes) + 0.7 * 0.6, a scaled with b set
    low, high, at_low, at_high = bars_of(s, "c")["c: P(b | t=yes)"]
    assert (at_low, at_high) == pytest.approx(
        (0.3 * 0.2 * (1 - low) / 0.7 + 0.42, 0.3 * 0.2 * (1 - high) / 0.7 + 0.42), abs=1e-12)
    # each equals the outcome re-queried by pgmpy with the number set (`number_set`)
    for node in ("t", "k", "w", "c"):
        [tornado] = tornadoes(s, CompiledNet(s.net), [node], top=len(s.params))
        for bar in tornado.bars:
            param = s.params[bar.param]
            assert (bar.at_low, bar.at_high) == pytest.approx(
                (requery(s, param, bar.input_low, node),
                 requery(s, param, bar.input_high, node)), abs=1e-9)


# the draws hold a number of a fully written distribution as the tornado swings it ------------

DRAWN = """\
scenario: drawn
title: Rows drawn
question: Do the draws hold what the tornado swings?
as_of: 2025-01-01
horizon: 2025-12-31
nodes:
  t: {role: outcome, prior: {yes: 0.3, no: 0.7}, because: [{assumption: t}]}
  wide: {role: outcome, prior: {yes: [0.2, 0.4], no: 0.7}, because: [{assumption: w}]}
  k: {role: outcome, states: [low, mid, high], prior: {low: 0.5, mid: 0.3, high: [0.1, 0.3]},
      exact: true, because: [{assumption: k}]}
  z: {role: outcome, states: [a, b], prior: {a: [0.9, 1.0], b: 0}, because: [{assumption: z}]}
"""


def test_the_draws_hold_the_widest_number_of_a_written_distribution() -> None:
    from model.analysis import analyze
    from model.analysis.uncertainty import draw

    s = model.loads(DRAWN, path="drawn.yaml")
    found = draw(s, 4000, 11)
    ids = {p.node + ":" + str(p.state): p.id for p in s.params}
    v = found.values
    # two states, both drawn with the same spread: the first held, the other the rest
    assert v[:, ids["t:no"]] == pytest.approx(1 - v[:, ids["t:yes"]], abs=1e-15)
    assert found.tables["t"][:, 0] == pytest.approx(v[:, ids["t:yes"]], abs=1e-15)
    # the range is the wider: it is held, and the number written exactly is the rest
    assert v[:, ids["wide:no"]] == pytest.approx(1 - v[:, ids["wide:yes"]], abs=1e-15)
    wide = s.params[ids["wide:yes"]].prob
    assert np.percentile(v[:, ids["wide:yes"]], [5, 95]) == pytest.approx(
        beta_interval(beta_shape(wide)), abs=0.005)
    # the one range of a row held exact is drawn as drawn alone; the others keep their 5:3
    high = found.tables["k"][:, 2]
    assert high == pytest.approx(v[:, ids["k:high"]], abs=1e-15)
    assert np.percentile(high, [5, 95]) == pytest.approx(
        beta_interval(beta_shape(s.params[ids["k:high"]].prob)), abs=0.005)
    assert found.tables["k"][:, 0] / found.tables["k"][:, 1] == pytest.approx(5 / 3)
    # impossible stays impossible
    assert (found.tables["z"][:, 1] == 0).all() and (found.tables["z"][:, 0] == 1).all()
    # so the outcome's range is no narrower than its tornado's bars (half a point: the
    # page's), which it was for a number written exactly in a two-state row (22.8-36.8%
    # against the bar's 21.2-39.5%)
    a = analyze(s)
    [u] = [u for u in a.uncertainty if u.node == "t"]
    [t] = [t for t in a.sensitivity if t.node == "t"]
    assert len(t.bars) == 2
    for state in u.states[:1]:
        for bar in t.bars:
            assert state.p5 <= min(bar.at_low, bar.at_high) + 0.005, (u.node, bar.place.name)
            assert state.p95 >= max(bar.at_low, bar.at_high) - 0.005, (u.node, bar.place.name)


def test_a_redraw_after_an_edit_in_a_written_distribution_is_the_draw_made_afresh() -> None:
    from model.analysis.uncertainty import Redraw, draw

    kept = Redraw()
    before = model.loads(DRAWN, path="drawn.yaml")
    kept.draw(before, 500, 7)
    for old, new in (("{yes: 0.3, no: 0.7}", "{yes: 0.4, no: 0.6}"),
                     ("high: [0.1, 0.3]}", "high: [0.1, 0.25]}"),
                     ("mid: 0.3,", "mid: 0.25,")):
        after = model.loads(DRAWN.replace(old, new), path="drawn.yaml")
        again, fresh = kept.draw(after, 500, 7), draw(after, 500, 7)
        assert np.array_equal(again.values, fresh.values), new
        for node, table in fresh.tables.items():
            assert np.array_equal(again.tables[node], table), (new, node)
