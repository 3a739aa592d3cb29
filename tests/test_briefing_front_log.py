"""The briefing of a case with a dated evidence log: what the log settles is said as a record,
not an estimate; likelihood and confidence are two sentences; what-ifs that replace what the
log observed stay off the front and are marked in the annex; the dates say the figures carry
evidence past as_of; the skip link names the front's own heading. The seed, which has no
log, keeps its wording."""

from __future__ import annotations

import re
import shutil
from functools import cache
from html import unescape
from pathlib import Path

import model
from model.briefing.context import Facts
from model.briefing.front import front_section, what_ifs_section
from model.briefing.page import render
from tests.report_page import GENERATED, REPORT_SCENARIOS, visible_text

CASE = "russia_iran_2025_followup"
STRIKE = "Israel strikes Iran's nuclear and military sites, 13 Jun 2025"


@cache
def scenario(name: str) -> model.Scenario:
    return model.load(REPORT_SCENARIOS[name])


@cache
def html(name: str) -> str:
    return render(scenario(name), generated=GENERATED)


def judgement_items(text: str) -> dict[str, str]:
    """Each key judgement's list item, by name, as markup."""
    return dict(re.findall(r'<li data-judgement="([a-z_]+)">(.*?)</li>', text, re.S))


def words(markup: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", "", markup)).split())


# 1. settled judgements and outcomes ------------------------------------------------------


def test_what_the_log_settles_is_a_record_with_no_term_or_confidence() -> None:
    items = judgement_items(html(CASE))
    strike = words(items["any_strike"])
    assert f"This has happened (evidence log: {STRIKE})." in strike
    assert "almost certain" not in strike and "confidence" not in strike.lower()
    for name in ("deal_and_no_strike", "neither_deal_nor_strike"):
        text = words(items[name])
        assert f"This is ruled out by the evidence log ({STRIKE})." in text
        assert "no chance" not in text and "confidence" not in text.lower()
    # an estimate keeps its term and its confidence
    assert "We judge this very likely (91%" in words(items["russia_stays_out"])
    assert "High confidence:" in words(items["russia_stays_out"])
    # the bars: the strikes the log observed have happened; the rest keep their terms
    section = front_section(Facts(scenario(CASE)))
    assert section is not None
    terms = {o.node: o.term(0) for o in section.data.outcomes}
    assert terms["israeli_strike"] == terms["us_strike"] == "happened"
    assert terms["nuclear_deal"] == "almost no chance"
    front = visible_text(html(CASE))["front"]
    assert "100% happened" in front and "almost certain" not in front


def test_the_seed_without_a_log_keeps_its_estimates() -> None:
    text = html("seed")
    assert "happened (evidence log" not in text and "ruled out by the evidence log" not in text
    assert 'class="term term-settled"' not in text and "data-settled" not in text
    assert all("We judge this" in words(item) for item in judgement_items(text).values())


def test_an_outcome_the_log_settles_says_so_in_a_file_without_judgements(
        tmp_path: Path) -> None:
    tiny = REPORT_SCENARIOS["tiny"]
    shutil.copy(tiny.with_name("almanac.txt"), tmp_path / "almanac.txt")
    text = tiny.read_text().replace("sources:\n", (
        "sources:\n  diary:\n    title: A diary\n    published: 2025-04-02\n"), 1)
    (tmp_path / "tiny.yaml").write_text(text + (
        "evidence:\n  - date: 2025-04-02\n    label: The lawn is soaked\n"
        "    observed: {wet: yes}\n    because: [{source: diary, says: the lawn is soaked}]\n"))
    s = model.load(tmp_path / "tiny.yaml")
    assert not s.judgement_specs
    section = front_section(Facts(s))
    assert section is not None
    (wet,) = section.data.outcomes
    assert wet.sentence == ("Grass is wet: has happened (evidence log: The lawn is soaked, "
                            "2 Apr 2025).")
    assert wet.term(0) == "happened" and wet.confidence == ""


# 2. likelihood, then confidence, in two sentences ----------------------------------------


def test_likelihood_and_confidence_are_two_sentences() -> None:
    for name in ("seed", CASE):
        for item in judgement_items(html(name)).values():
            judged = words(re.search(r'class="judged"[^>]*>(.*?)</span>', item, re.S)[1])
            assert judged.endswith(")."), judged
            assert "confidence" not in judged, judged
    seed = words(judgement_items(html("seed"))["any_strike"])
    assert re.search(r"We judge this a roughly even chance \(45%; 90% range \d+–\d+%\)\. "
                     r"Moderate confidence: ", seed), seed


# 3. what-ifs that replace what the log observed ------------------------------------------


def test_what_ifs_that_replace_the_log_s_observations_stay_off_the_front() -> None:
    s = scenario(CASE)
    facts = Facts(s)
    front = front_section(facts)
    assert front is not None
    shown = {w.name for w in front.data.what_ifs}
    assert "Tehran refuses to talk" not in shown and "Israel strikes regardless" not in shown
    assert set(front.data.off_log) == {"Tehran refuses to talk", "Israel strikes regardless"}
    annex = what_ifs_section(facts)
    assert annex is not None
    rows = {r.name: r for r in annex.data.rows}
    assert rows["Tehran refuses to talk"].replaces == (
        "Replaces the evidence log's observation of 12 Apr 2025: Iran enters nuclear "
        "negotiations with the US (direct or indirect) = yes.",)
    assert rows["Israel strikes regardless"].replaces == (
        "Replaces the evidence log's observation of 13 Jun 2025: Israel strikes Iran's "
        "nuclear programme = yes.",)
    # an uncertain report replaced is marked too; observing what the log observed is not
    assert rows["Talks open through Moscow"].replaces == (
        "Replaces the evidence log's report of 23 May 2025 on Russia acts as a mediator in "
        "US-Iran nuclear talks.",)
    assert rows["Israel seen striking"].replaces == ()
    assert rows["US-Russia deal covers Iran"].replaces == ()
    text = html(CASE)
    row = re.search(r'<tr data-what-if="Tehran refuses to talk" class="replaces-log">(.*?)</tr>',
                    text, re.S)
    assert row and "Replaces the evidence log's observation of 12 Apr 2025" in words(row[1])
    # the seed has no log to replace
    assert "replaces-log" not in html("seed")
    seed_front = front_section(Facts(scenario("seed")))
    assert seed_front is not None and seed_front.data.off_log == ()


# 4. the dates: a forecast of as_of, with evidence to the last entry ----------------------


def test_the_case_page_dates_its_figures_with_the_evidence() -> None:
    text = html(CASE)
    assert ("<dt>Forecast of</dt><dd>25 Mar 2025, with evidence to 28 Sep 2025</dd>"
            in text)
    assert "<dt>As of</dt>" not in text
    footer = re.search(r'@bottom-left \{ content: "([^"]*)"', text)
    assert footer and "forecast\\20 of\\20 25\\20 Mar\\20 2025\\2c \\20 evidence\\20 to\\20 28" \
        "\\20 Sep\\20 2025" in footer[1]
    seed = html("seed")
    assert "<dt>As of</dt><dd>25 Mar 2025</dd>" in seed and "Forecast of" not in seed
    assert "as\\20 of\\20 25\\20 Mar\\20 2025" in seed
    # the scenario tree's root likewise (it said "As of 25 Mar 2025" on the case page)
    assert "As of 25 Mar 2025</text>" not in text
    assert "Forecast of 25 Mar 2025</text>" in text and "evidence to 28 Sep 2025</text>" in text
    assert "As of 25 Mar 2025</text>" in seed


# 7. the skip link -------------------------------------------------------------------------


def test_the_skip_link_names_the_front_s_heading() -> None:
    assert '<a class="skip" href="#main">Skip to the best course</a>' in html("oil_wildcatter")
    assert "The best course" in html("oil_wildcatter")
    assert '<a class="skip" href="#main">Skip to the key judgements</a>' in html("seed")
