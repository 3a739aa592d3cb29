"""The briefing of a case: how the forecast moved (one chart and table per outcome, its
numbers the API's), how the March forecast scored, with either Graphviz renderer, and what
changed since an older version (every move a column; a changed question not compared)."""

from __future__ import annotations

import re
import shutil
from functools import cache
from pathlib import Path

import pytest

import model
from model.briefing.format import day
from model.briefing.page import render
from model.language.probability import percent
from tests.report_page import GENERATED

ROOT = Path(__file__).resolve().parent.parent
FOLLOWUP = ROOT / "scenarios" / "russia_iran_2025_followup.yaml"
SEED = ROOT / "scenarios" / "russia_iran_2025.yaml"
WEATHER = ROOT / "tests" / "fixtures" / "timeline" / "weather.yaml"


@cache
def case() -> model.Scenario:
    return model.load(FOLLOWUP)


@cache
def page() -> str:
    return render(case(), generated=GENERATED)


def section(html: str, sid: str) -> str:
    start = html.index(f'<section id="{sid}"')
    return html[start:html.index("</section>", start)]


def test_a_case_briefing_shows_the_history_and_the_march_score_near_the_top() -> None:
    html = page()
    assert html.index('id="history"') < html.index('id="scores"') < html.index('id="network"')
    assert "Russia, Iran and the US-Israeli pressure campaign, as 2025 unfolded" in html
    assert 'id="changes"' not in html  # only with --since


def test_each_outcome_has_a_chart_with_a_marker_per_entry_and_its_table() -> None:
    s, history = case(), section(page(), "history")
    assert history.count("<svg") == len(s.outcomes)
    assert history.count('<table class="data history-steps">') == len(s.outcomes)
    assert history.count("<table") == len(s.outcomes) + 2  # and the log, the resolutions
    entries = s.log.entries
    for i, entry in enumerate(entries, 1):
        assert f"<title>{i}. {day(entry.date)}: " in history.replace("&#x27;", "'")
    for o in s.outcomes:
        label = s.nodes[o].label.replace("'", "&#39;")
        assert label in history
        for entry in entries:  # each row's percent is the API's on that day
            assert f"<td class=\"num\">{percent(s.at(entry.date).query(o)['yes'])}<" \
                in history


def test_the_score_table_is_the_apis_score_of_the_original_forecast() -> None:
    scores = section(page(), "scores")
    sc = case().at("2025-03-25").score()
    assert f"{sc.brier:.3f}" in scores and f"{sc.log:.3f}" in scores
    assert f"{sc.time_averaged_brier:.3f}" in scores
    assert len(re.findall(r"<tr[^>]*><th scope=\"row\">", scores)) == len(sc.nodes) + 1


def test_a_scenario_without_a_log_has_neither_section() -> None:
    html = render(model.load(SEED), generated=GENERATED)
    assert 'id="history"' not in html and 'id="scores"' not in html


@pytest.mark.parametrize("graphviz", ["dot", "wasm"])
def test_the_charts_draw_with_either_renderer(graphviz: str) -> None:
    if graphviz == "dot" and shutil.which("dot") is None:
        pytest.skip("the system Graphviz `dot` is not installed")
    html = render(case(), graphviz=graphviz, generated=GENERATED)
    history = section(html, "history")
    assert history.count("<svg") == len(case().outcomes)
    assert "<script" not in history


def test_the_panel_starts_from_the_logs_evidence() -> None:
    from model.briefing.front import page_model

    s = case()
    assert set(page_model(s)["likelihood"]) == set(s.background.likelihood)
    panel = section(page(), "panel")
    for node, state in s.background.given.items():
        assert f'value="given:{state}" selected' in panel, node


def test_what_changed_since_has_a_column_for_every_move_that_moved() -> None:
    from model.analysis.diff import diff

    s = case()
    changes = section(render(s, generated=GENERATED, since=str(SEED)), "changes")
    shown = diff(model.load(SEED), s).top_moves()
    why = changes[changes.index('class="data changes-why"'):]
    head = why[:why.index("</thead>")]
    assert head.count('<th scope="col" class="num">') == len(shown) > 6
    deal = next(j.statement for j in s.judgement_specs if j.name == "deal_and_no_strike")
    assert s.nodes["nuclear_deal"].label in head and deal in head
    assert "Each column adds up to its move" in changes and "not compared" not in changes
    moved = changes[:changes.index('class="data changes-why"')]
    assert moved.count('<tr><th scope="row">') == len(shown)


def test_what_changed_since_lists_a_changed_question_without_a_column(tmp_path: Path) -> None:
    text = WEATHER.read_text().replace("states: [poor, fair, good]", "states: [poor, good]")
    text = text.replace("p: {poor: 0.1, fair: 0.3, good: 0.6}", "p: {poor: 0.2, good: 0.8}")
    text = text.replace("p: {poor: 0.5, fair: 0.3, good: 0.2}", "p: {poor: 0.6, good: 0.4}")
    new = tmp_path / "weather.yaml"
    new.write_text(text)
    changes = section(render(model.load(new), generated=GENERATED, since=str(WEATHER)),
                      "changes")
    assert "not compared: its states changed (poor, fair, good -&gt; poor, good)" in changes
    assert "not compared: the states of its nodes changed" in changes
    why = changes[changes.index('class="data changes-why"'):]
    head = why[:why.index("</thead>")]
    assert head.count('<th scope="col" class="num">') == 1 and "Prices rise" in head
    assert "a question that changed is listed above but not compared" in changes


def test_the_changes_annex_names_nodes_by_their_labels() -> None:
    from model.briefing.history import _in_words

    s = model.load(Path(__file__).resolve().parent.parent / "scenarios" / "russia_iran_2025.yaml")
    label = s.nodes["us_course"].label
    assert _in_words(s, "'us_course': numbers edited (1 of its 3 table cells)") == \
        f"“{label}”: numbers edited (1 of its 3 table cells)"
    # a node the scenario no longer has keeps its name as written
    assert _in_words(s, "node 'gone' removed") == "node 'gone' removed"
