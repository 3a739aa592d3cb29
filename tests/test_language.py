"""The scenario language: how analysts write states, probabilities, rows and citations."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import numpy as np
import pytest

import model
from model import ScenarioError, parse_prob, term_for
from model.language.probability import ESTIMATIVE_TERMS, shown_term

HEAD = """\
scenario: lang
title: Language features
question: Does the language read as analysts write?
as_of: 2025-03-25
horizon: 2025-12-31
sources:
  a: {title: Source A}
  b: {title: Source B}
"""


def scenario(body: str, tmp_path: Path | None = None) -> model.Scenario:
    text = HEAD + textwrap.dedent(body)
    if tmp_path is None:
        return model.loads(text, "lang.yaml")
    path = tmp_path / "lang.yaml"
    path.write_text(text)
    return model.load(path)


def table(s: model.Scenario, node: str) -> np.ndarray:
    return s.tables()[node]


def test_yes_no_on_off_are_state_names_not_booleans() -> None:
    s = scenario("""
        nodes:
          switch:
            label: A switch
            states: [on, off]
            prior: {on: 0.25}
            because: [{assumption: a guess}]
          talks:
            label: Talks
            states: [yes, no]
            parents: [switch]
            table:
              - when: {switch: on}
                p: {yes: 0.9}
                because: [{assumption: a guess}]
              - when: {switch: off}
                p: {no: 0.6}
                because: [{assumption: a guess}]
    """)
    assert s.nodes["switch"].states == ("on", "off")
    assert s.query("switch") == {"on": 0.25, "off": 0.75}
    assert table(s, "talks")[:, 1] == pytest.approx([0.4, 0.6])


@pytest.mark.parametrize(("written", "point", "low", "high"), [
    (0.3, 0.3, 0.3, 0.3),
    ("30%", 0.3, 0.3, 0.3),
    ("7.5 %", 0.075, 0.075, 0.075),
    ([0.2, 0.4], 0.3, 0.2, 0.4),
    (["20%", "40%"], 0.3, 0.2, 0.4),
    ("likely", 0.675, 0.55, 0.80),
    ("Probable", 0.675, 0.55, 0.80),
    ("roughly  even odds", 0.5, 0.45, 0.55),
    ("remote", 0.03, 0.01, 0.05),
    ("nearly certain", 0.97, 0.95, 0.99),
])
def test_probabilities_as_numbers_percents_ranges_and_terms(
        written: object, point: float, low: float, high: float) -> None:
    prob = parse_prob(written)
    assert (prob.point, prob.low, prob.high) == pytest.approx((point, low, high))


def test_every_icd203_word_main_and_alternative_is_known() -> None:
    for main, alt, low, high in ESTIMATIVE_TERMS:
        for word in (main, alt):
            assert (parse_prob(word).low, parse_prob(word).high) == (low, high)
        assert term_for((low + high) / 2) == main


def test_term_for_band_edges() -> None:
    assert term_for(0.0) == "almost no chance"
    assert term_for(0.05) == "very unlikely"
    assert term_for(0.45) == "roughly even chance"
    assert term_for(0.5499) == "roughly even chance"
    assert term_for(1.0) == "almost certain"


@pytest.mark.parametrize("bad", ["130%", -0.1, [0.5, 0.2], [0.1], "fairly likely", True, None])
def test_bad_probabilities_are_refused(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_prob(bad)


def test_multi_state_node_with_remainder_and_partial_when() -> None:
    s = scenario("""
        nodes:
          tension:
            label: Tension
            states: [low, medium, high]
            prior: {low: 20%, medium: 0.5}
            because: [{source: a, para: 1, says: tension is moderate, leans: medium}]
          war:
            label: War
            parents: [tension, talks]
            table:
              - when: {tension: high}
                p: {yes: likely}
                because: [{assumption: high tension is dangerous}]
              - when: {tension: low, talks: yes}
                p: {yes: 0.01}
                because: [{assumption: calm and talking}]
              - when: otherwise
                p: {yes: 0.1}
                because: [{assumption: everything else}]
          talks:
            label: Talks
            prior: {yes: 0.5}
            because: [{assumption: even odds}]
    """)
    assert s.query("tension") == pytest.approx({"low": 0.2, "medium": 0.5, "high": 0.3})
    war = table(s, "war")  # (war, tension, talks)
    assert war.shape == (2, 3, 2)
    assert war[0, 2, :] == pytest.approx([0.675, 0.675])
    assert war[0, 0, :] == pytest.approx([0.01, 0.1])
    assert war[0, 1, :] == pytest.approx([0.1, 0.1])
    assert list(s.nodes) .index("talks") < list(s.nodes).index("war")


def test_full_distribution_of_terms_is_normalised() -> None:
    s = scenario("""
        nodes:
          regime:
            label: Regime
            states: [stable, shaken, falls]
            prior: {stable: likely, shaken: unlikely, falls: remote}
            because: [{assumption: a guess}]
    """)
    expected = np.array([0.675, 0.325, 0.03]) / 1.03
    assert list(s.query("regime").values()) == pytest.approx(expected.tolist())


def test_ranges_that_cannot_sum_to_one_are_refused() -> None:
    with pytest.raises(ScenarioError, match="no distribution fits these ranges"):
        scenario("""
            nodes:
              regime:
                label: Regime
                states: [stable, shaken, falls]
                prior: {stable: likely, shaken: likely, falls: likely}
                because: [{assumption: a guess}]
        """)


def test_noisy_or() -> None:
    s = scenario("""
        nodes:
          a: {label: A, prior: {yes: 0.5}, because: [{assumption: x}]}
          b: {label: B, prior: {yes: 0.5}, because: [{assumption: x}]}
          c:
            label: C
            parents: [a, b]
            noisy_or: {leak: 0.1, a: 0.5, b: 0.2}
            because: [{assumption: independent causes}]
    """)
    c = table(s, "c")
    assert c[0, 0, 0] == pytest.approx(1 - 0.9 * 0.5 * 0.8)
    assert c[0, 0, 1] == pytest.approx(1 - 0.9 * 0.5)
    assert c[0, 1, 0] == pytest.approx(1 - 0.9 * 0.8)
    assert c[0, 1, 1] == pytest.approx(0.1)
    assert c.sum(axis=0) == pytest.approx(np.ones((2, 2)))


def test_several_sources_are_pooled_and_kept() -> None:
    s = scenario("""
        nodes:
          deal:
            label: Deal
            estimates:
              - {p: {yes: 0.2}, source: a, para: 3, says: a deal is far off, leans: no}
              - {p: {yes: 0.5}, source: b, para: 9, says: Moscow can broker it, weight: 3}
    """)
    assert s.query("deal")["yes"] == pytest.approx((0.2 + 3 * 0.5) / 4)
    block = s.nodes["deal"].blocks[0]
    assert block.sources == ("a", "b")
    assert [e.weight for e in block.estimates] == [1.0, 3.0]
    assert s.tables(only_source="a")["deal"][0] == pytest.approx(0.2)
    assert s.tables(only_source="b")["deal"][0] == pytest.approx(0.5)


def test_a_row_answers_one_row_of_numbers_from_what_it_kept_and_only_for_its_own() -> None:
    s = scenario("""
        nodes:
          talks:
            label: Talks
            prior: {yes: 0.6}
            because: [{assumption: a guess}]
          deal:
            label: Deal
            estimates:
              - {p: {yes: 0.2}, source: a, para: 3, says: a deal is far off, leans: no}
              - {p: {yes: 0.5}, source: b, para: 9, says: Moscow can broker it, weight: 3}
    """)
    block = s.nodes["deal"].blocks[0]
    point = s.point_values()
    first = block.values(point)
    assert block.values(s.point_values()) is first  # the same numbers in a new array
    assert not first.flags.writeable  # shared, so read-only
    assert block.values(point, only_source="a") is not first
    assert block.values(point, only_source="a")[0] == pytest.approx([0.2, 0.8])
    other = point.copy()
    other[0, s.nodes["talks"].blocks[0].param_ids] = 0.1  # not this row's number
    assert block.values(other) is first
    mine = point.copy()
    mine[0, block.param_ids[0]] = 0.4
    np.testing.assert_array_equal(block.values(mine), block._values(mine, None))
    assert block.values(mine)[0, 0] == pytest.approx((0.4 + 3 * 0.5) / 4)
    # a batch is made afresh each time, and writeable
    batch = np.repeat(point, 3, axis=0)
    assert block.values(batch).flags.writeable
    np.testing.assert_array_equal(block.values(batch), np.repeat(first, 3, axis=0))


def test_logarithmic_pool() -> None:
    s = scenario("""
        nodes:
          deal:
            label: Deal
            pool: logarithmic
            estimates:
              - {p: {yes: 0.2}, assumption: pessimist}
              - {p: {yes: 0.8}, assumption: optimist}
    """)
    assert s.query("deal")["yes"] == pytest.approx(0.5)


def test_quote_is_checked_case_and_whitespace_insensitively(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Opening line.\n\nTehran  REFUSES to talk\nunder threat.\n")
    body = """
        nodes:
          talks:
            label: Talks
            prior: {yes: 0.3}
            because:
              - {source: a, para: 2, says: Iran will not talk under threat,
                 quote: "tehran refuses to talk", leans: no}
    """
    text = HEAD.replace("a: {title: Source A}", "a: {title: Source A, path: a.txt}")
    path = tmp_path / "ok.yaml"
    path.write_text(text + textwrap.dedent(body))
    assert model.load(path).query("talks")["yes"] == pytest.approx(0.3)
    path.write_text(text + textwrap.dedent(body).replace("para: 2", "para: 3"))
    with pytest.raises(ScenarioError,
                       match=r"quote not found in paragraph 3.*it is in paragraph 2"):
        model.load(path)


def test_source_path_cannot_leave_the_scenario_folder(tmp_path: Path) -> None:
    text = HEAD.replace("a: {title: Source A}", "a: {title: Source A, path: ../secret.txt}")
    path = tmp_path / "leak.yaml"
    path.write_text(text + "nodes:\n  x: {label: X, prior: {yes: 0.5}, because: "
                           "[{assumption: y}]}\n")
    with pytest.raises(ScenarioError, match="leaves the scenario's folder"):
        model.load(path)


def test_leans_must_be_a_state() -> None:
    with pytest.raises(ScenarioError, match="leans 'maybe' is not a state"):
        scenario("""
            nodes:
              x:
                label: X
                prior: {yes: 0.5}
                because: [{source: a, para: 1, says: unclear, leans: maybe}]
        """)


def test_unknown_key_suggests_the_right_one() -> None:
    with pytest.raises(ScenarioError, match=r"unknown key 'parent'.*did you mean 'parents'"):
        scenario("""
            nodes:
              x: {label: X, parent: [y], prior: {yes: 0.5}, because: [{assumption: y}]}
        """)


def test_prior_on_a_child_and_table_on_a_root_are_refused() -> None:
    with pytest.raises(ScenarioError) as caught:
        scenario("""
            nodes:
              x:
                label: X
                table: [{when: otherwise, p: {yes: 0.5}, because: [{assumption: y}]}]
              y:
                label: Y
                parents: [x]
                prior: {yes: 0.5}
                because: [{assumption: y}]
        """)
    text = str(caught.value)
    assert "has no parents but a table" in text
    assert "has parents but a prior" in text


def test_what_if_cannot_observe_and_set_the_same_node() -> None:
    with pytest.raises(ScenarioError, match="both observes and sets 'x'"):
        scenario("""
            nodes:
              x: {label: X, prior: {yes: 0.5}, because: [{assumption: y}]}
            what_ifs:
              - {name: both, given: {x: yes}, do: {x: no}}
        """)


TRACK = """
    nodes:
      track:
        label: Track
        states: [deepens, stalls, collapses]
        prior: {deepens: 0.2, stalls: 0.5}
        because: [{assumption: a guess}]
      deal:
        label: Deal
        parents: [track]
        table:
"""


def test_when_may_list_several_states_of_a_parent() -> None:
    s = scenario(TRACK + """
          - when: {track: [deepens, stalls]}
            p: {yes: 0.3}
            note: any working channel helps
            because: [{assumption: a guess}]
          - when: {track: collapses}
            p: {yes: 0.05}
            because: [{assumption: a guess}]
    """)
    assert table(s, "deal")[0].tolist() == pytest.approx([0.3, 0.3, 0.05])
    with pytest.raises(ScenarioError, match=r"row 2 \(track=stalls\|collapses\) repeats"):
        scenario(TRACK + """
          - {when: {track: [deepens, stalls]}, p: {yes: 0.3}, because: [{assumption: x}]}
          - {when: {track: [stalls, collapses]}, p: {yes: 0.1}, because: [{assumption: x}]}
        """)


def test_a_number_written_as_text_out_of_range_says_so() -> None:
    with pytest.raises(ValueError, match=r'outside \[0, 1\]; did you mean "30%"'):
        parse_prob("30")
    assert parse_prob(" 1e-2 ").point == pytest.approx(0.01)


@pytest.mark.parametrize(("p", "term"), [(0.448, "roughly even chance"), (0.4449, "unlikely"),
                                         (0.795, "very likely"), (0.004, "almost no chance"),
                                         (0.996, "almost certain"), (0.55, "likely")])
def test_a_shown_figure_takes_the_term_of_the_percent_the_reader_sees(p: float,
                                                                       term: str) -> None:
    assert shown_term(p) == term


# dates --------------------------------------------------------------------------------------

DATED = """\
scenario: dates
title: Dates
question: Are dates read as written?
as_of: {as_of}
horizon: {horizon}
sources:
  a: {{title: Source A, published: {published}}}
nodes:
  x: {{prior: {{yes: 0.5}}, because: [{{assumption: even}}]}}
evidence:
  - date: {evidence}
    observed: {{x: yes}}
    because: [{{assumption: seen}}]
resolutions:
  - {{node: x, state: yes, date: {resolution}, because: [{{assumption: seen}}]}}
"""
GOOD_DATES = {"as_of": "2025-03-25", "horizon": "2025-12-31", "published": "2025-03-01",
              "evidence": "2025-06-13", "resolution": "2025-07-01"}
DATE_LINES = {"as_of": 4, "horizon": 5, "published": 7, "evidence": 11, "resolution": 15}


BAD_DATES = [
    ("20250613", "the number 20250613 is not a date"),
    ("2025-6-3", "'2025-6-3' is not a date in the form YYYY-MM-DD"),
    ("2025-06-13 12:00:00+02:00", "has a time of day"),
    ("2025-06-13T00:00:00Z", "has a time of day"),
    ("2025-13-01", "'2025-13-01' is not a date (month must be in 1..12)"),
]


# a source's `published` may be text too ('June 2025'): only a number there is not a date
@pytest.mark.parametrize(("field", "written", "words"), [
    *((field, *bad) for field in sorted(DATE_LINES) if field != "published"
      for bad in BAD_DATES), ("published", *BAD_DATES[0])])
def test_a_date_not_written_yyyy_mm_dd_is_refused_with_how_to_write_one(
        field: str, written: str, words: str) -> None:
    """Any date of a file: a day alone, as `--at` takes it; a number, a short form or a
    time of day is refused with the same hint."""
    text = DATED.format(**{**GOOD_DATES, field: written})
    with pytest.raises(ScenarioError) as caught:
        model.loads(text, "dates.yaml")
    [problem] = [p for p in caught.value.problems if p.line == DATE_LINES[field]]
    assert words in problem.message, problem
    assert problem.hint == ("write the date as YYYY-MM-DD, e.g. 2025-06-13" if field != "published"
                            else "write the day as YYYY-MM-DD (2025-06-13), the month as "
                                 "YYYY-MM (2025-06), the year alone, or words ('June 2025')")
    assert "Datetimes provided" not in str(caught.value)
    assert "input is too short" not in str(caught.value)


def test_dates_written_yyyy_mm_dd_load_as_days() -> None:
    s = model.loads(DATED.format(**GOOD_DATES), "dates.yaml")
    assert s.file.as_of.isoformat() == "2025-03-25" and s.evidence[0].date.day == 13


@pytest.mark.parametrize(("entry", "line", "hint"), [
    ("- date: 2025-06-13\n    observe: {x: yes}\n    because: [{assumption: seen}]", 12,
     "did you mean 'observed'?"),
    ("- date: 2025-06-13\n    observed: {x: yes}\n    because: [{asumption: seen}]", 13,
     "did you mean 'assumption'?"),
])
def test_a_misspelt_key_of_an_evidence_entry_says_which_it_means(
        entry: str, line: int, hint: str) -> None:
    head = DATED.format(**GOOD_DATES).partition("evidence:")[0]
    with pytest.raises(ScenarioError) as caught:
        model.loads(f"{head}evidence:\n  {entry}\n", "dates.yaml")
    [unknown] = [p for p in caught.value.problems if "unknown key" in p.message]
    assert (unknown.line, unknown.hint) == (line, hint)


def test_a_misspelt_key_of_a_resolution_says_which_it_means() -> None:
    head = DATED.format(**GOOD_DATES).partition("resolutions:")[0]
    with pytest.raises(ScenarioError) as caught:
        model.loads(head + "resolutions:\n  - {node: x, state: yes, dated: 2025-07-01, "
                           "because: [{assumption: seen}]}\n", "dates.yaml")
    found = {p.message: p.hint for p in caught.value.problems}
    assert found == {"resolution 1: 'date' is missing": None,
                     "resolution 1, dated: unknown key 'dated'": "did you mean 'date' or "
                                                                 "'state'?"}


@pytest.mark.parametrize(("written", "kept"), [
    ("2025", "2025"), ("2025-03", "2025-03"), ("'2025-3'", "2025-3"), ("June 2025", "June 2025"),
    ("2025-03 (online)", "2025-03 (online)"), ("2025-03-14", dt.date(2025, 3, 14))])
def test_a_source_is_published_on_a_day_in_a_month_a_year_or_in_words(
        written: str, kept: object) -> None:
    text = DATED.format(**{**GOOD_DATES, "published": written})
    assert model.loads(text, "dates.yaml").file.sources["a"].published == kept


@pytest.mark.parametrize(("written", "words"), [
    ("2025-13", "'2025-13' is not a month (month must be in 1..12)"),
    ("2025-02-30", "'2025-02-30' is not a date (day is out of range for month)"),
    ("2025-6-3", "'2025-6-3' is not a date in the form YYYY-MM-DD"),
    ("20250613", "the number 20250613 is not a date")])
def test_a_published_that_looks_like_a_date_must_be_one(written: str, words: str) -> None:
    text = DATED.format(**{**GOOD_DATES, "published": written})
    with pytest.raises(ScenarioError) as caught:
        model.loads(text, "dates.yaml")
    [problem] = caught.value.problems
    assert problem.line == DATE_LINES["published"] and words in problem.message, problem
    assert problem.hint is not None and "YYYY-MM (2025-06)" in problem.hint


LATE_SOURCE = """\
scenario: late
title: Late
question: Are late sources noticed?
as_of: 2025-03-25
horizon: 2025-12-31
sources:
  early: {title: Early, published: 2025-03}
  late: {title: Late, published: PUBLISHED}
nodes:
  x:
    role: outcome
    prior: {yes: 0.5}
    because: [{source: CITED, para: 1, says: even}]
evidence:
  - date: 2025-06-13
    observed: {x: yes}
    because: [{source: late, para: 1, says: seen}]
"""


@pytest.mark.parametrize(("cited", "published", "warned"), [
    ("early", "2025-06-13", []),        # evidence on the day its report came out
    ("early", "2025-06", []),           # June: the first day it may have come out is not later
    ("early", "June 2025", []),         # words: nothing to compare
    ("early", "2025-06-14", [(17, "evidence dated 2025-06-13 cites source 'late', which "
                                  "came out later (2025-06-14)")]),
    ("late", "2025-04", [(8, "source 'late' came out after as_of (2025-04 is later than "
                             "2025-03-25), yet the forecast's numbers or judgements cite it")]),
])
def test_a_source_cited_before_it_came_out_is_warned_about(
        cited: str, published: str, warned: list[tuple[int, str]]) -> None:
    """The numbers stand for what was known on as_of, an entry for what was reported on its
    date: a source that came out later cannot be either's ground (a warning: the date may be
    the slip)."""
    text = LATE_SOURCE.replace("CITED", cited).replace("PUBLISHED", published)
    s = model.loads(text, "late.yaml")
    assert [(w.line, w.message) for w in s.warnings] == warned
