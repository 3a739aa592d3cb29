"""The briefing's decision annexes say what they rest on: the utilities as written with their
basis, the tree's numbers in a table that prints, each range said for what it is, and notes
that point only at annexes the page has."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

import model
from model.analysis import analyze
from model.analysis.decision_tree import TreeNode, predicted_tree, reader_tree
from model.briefing.page import render
from tests.report_page import GENERATED, assert_shown_to_precision, read_page, visible_text

ROOT = Path(__file__).resolve().parent.parent
WILDCATTER = ROOT / "scenarios" / "oil_wildcatter.yaml"
SEED = ROOT / "scenarios" / "russia_iran_2025.yaml"
TREATMENT = Path(__file__).parent / "fixtures" / "decisions" / "treatment.yaml"
EXACT = 1e-9
MINUS = "\u2212"


@cache
def load(path: Path) -> model.Scenario:
    return model.load(path)


@cache
def html(path: Path) -> str:
    return render(load(path), generated=GENERATED)


def section(path: Path, sid: str) -> str:
    found = re.search(rf'<section id="{sid}".*?</section>', html(path), re.DOTALL)
    assert found is not None, sid
    return found.group(0)


def annex_letter(path: Path, sid: str) -> str:
    found = re.search(rf'<h2 id="h-{sid}"><span class="num">Annex ([A-Z])</span>', html(path))
    assert found is not None, sid
    return found.group(1)


def ends(node: TreeNode) -> list[TreeNode]:
    return node.ends()


# the utilities, as written, with what they rest on -------------------------------------------


def test_the_wildcatter_s_utilities_are_listed_with_their_assumptions() -> None:
    s = load(WILDCATTER)
    tree = section(WILDCATTER, "decision_tree")
    table = re.search(r'<table class="data utilities".*?</table>', tree, re.DOTALL)
    assert table is not None, "no table of the utilities beside the tree"
    rows = re.findall(r'<tr data-when="([^"]*)">(.*?)</tr>', table.group(0), re.DOTALL)
    lines = s.utilities["wildcatter"].lines
    assert len(rows) == len(lines) == 4
    for (when, row), line in zip(rows, lines, strict=True):
        # the condition in words, the value as written, its assumption, its line for tools
        assert when == ";".join(f"{s.nodes[n].label}={s.state_label(n, st)}"
                                for n, states in line.when for st in states)
        [value] = re.findall(r'data-kind="worth-written">([^<]*)<', row)
        assert value == line.param.text.replace("-", MINUS)
        assert f'data-line="{line.param.line}"' in row
        [because] = line.because
        assert f"</span> {because.assumption}</div>" in row  # type: ignore[union-attr]
    assert [v for *_, v in [re.findall(r'worth-written">([^<]*)<', r) for _w, r in rows]] == \
        [f"{MINUS}10", f"{MINUS}70", "50", "200"]
    # file lines stay out of the reader's text, as everywhere outside the analyst's annex
    assert not re.search(r"\bline \d+", visible_text(html(WILDCATTER))["decision_tree"])


def test_the_count_of_assumptions_behind_the_worths_is_kept_apart() -> None:
    seen = visible_text(html(WILDCATTER))
    evidence = annex_letter(WILDCATTER, "evidence")
    # the drivers annex counts the probabilities' assumptions; the worths' four are said
    # apart, as not among those
    assert "5 stated assumptions" in seen["evidence"]
    assert (f"They rest on 4 stated assumptions of their own, not among those Annex "
            f"{evidence} counts behind the probabilities.") in seen["decision_tree"]


def test_the_seed_lists_every_actor_s_utilities_once_after_the_decisions() -> None:
    s = load(SEED)
    decisions = section(SEED, "decisions")
    # after the decision cards, once for the page, not inside each decision's card
    assert decisions.count('class="data utilities"') == 1
    cards = re.findall(r'<article class="decision-card" id="decision-.*?</article>', decisions,
                       re.DOTALL)
    assert cards and all("utilities" not in c for c in cards)
    table = decisions[decisions.index('class="data utilities"'):]
    for actor, spec in s.utilities.items():
        for line in spec.lines:
            if line.param.point:
                assert f'data-actor="{actor}" data-line="{line.param.line}"' in table
    text = visible_text(html(SEED))["decisions"]
    assert "without a citation or a stated assumption" in text  # the by-node form has none
    assert "line 6" not in text


# the two ranges of the best strategy's worth --------------------------------------------------


def test_the_two_ranges_of_the_wildcatter_s_worth_are_told_apart() -> None:
    strategy = analyze(load(WILDCATTER)).strategy
    assert strategy is not None
    [start] = strategy.decisions[0].situations
    held = next(o for o in start.options if o.option == start.best)
    text = visible_text(html(WILDCATTER))["decision_tree"]
    lead = text[:text.index("Close")]

    def shown(x: float) -> str:
        return f"{x:.1f}".replace("-", MINUS)

    assert f"90% range {shown(strategy.low)} to {shown(strategy.high)}" in lead
    assert held.high != pytest.approx(strategy.high)
    assert ("That range takes, in each redraw, whichever strategy is best there; the ranges in "
            "the tables below hold each option fixed (later decisions still taken at their "
            f"best), so test = yes ranges over {shown(held.low)} to {shown(held.high)}.") in lead
    assert f"range {shown(held.low)} to {shown(held.high)}" in text[text.index("Close"):]


# the EVPI note names the signposts only where the page has them ------------------------------


def test_the_evpi_note_names_the_signposts_only_where_they_are() -> None:
    oil = visible_text(html(WILDCATTER))
    assert 'id="signposts"' not in html(WILDCATTER)
    assert "signposts" not in oil["decision_tree"]
    assert "It ranks the uncertain nodes by what knowing them would be worth." in \
        oil["decision_tree"]
    letter = annex_letter(TREATMENT, "signposts")
    assert f"The signposts (Annex {letter}) are ranked by" in \
        visible_text(html(TREATMENT))["decision_tree"]


# the tree's numbers in a table that prints ---------------------------------------------------


def end_rows(path: Path) -> list[str]:
    table = re.search(r'<table class="data decision-ends".*?</table>', section(path,
                                                                              "decision_tree"),
                      re.DOTALL)
    assert table is not None, "no table of the tree's ends"
    return re.findall(r'<tr data-end="\d+".*?</tr>', table.group(0), re.DOTALL)


def test_the_wildcatter_s_tree_ends_are_a_table_with_every_number_drawn() -> None:
    s = load(WILDCATTER)
    tree = reader_tree(s)
    rows = end_rows(WILDCATTER)
    found = tree.ends
    assert len(rows) == len(found) == 16
    reached = []
    for row, end in zip(rows, found, strict=True):
        [worth] = read_page(row).values[-1:]
        assert worth.attrs["data-kind"] == "end-worth"
        assert worth.v == pytest.approx(end.values[0], abs=EXACT)
        assert_shown_to_precision(worth.text, end.values[0])
        reach = [v for v in read_page(row).values if v.attrs["data-kind"] == "end-reach"]
        assert bool(reach) == (end.reach > 0)
        if reach:
            assert reach[0].v == pytest.approx(end.reach, abs=EXACT)
            reached.append(int(reach[0].text.rstrip("%")))
    assert sum(reached) == 100
    # every branch chance the drawing shows, in the same order and rounding
    drawn = re.findall(r'data-chance="([^"]+)"[^>]*>.*?<tspan[^>]*> ([^<]+)</tspan>',
                       section(WILDCATTER, "decision_tree"))
    listed = re.findall(r'data-kind="branch-chance" data-v="([^"]+)">([^<]+)<', "".join(rows))
    assert {(float(p), t) for p, t in drawn} == {(float(p), t) for p, t in listed}
    # the best strategy's options in bold, the one reading that stops drilling among them
    assert "<td><b>no</b></td>" in rows[11]


def test_the_tables_of_the_tree_are_not_screen_only_and_the_print_note_is_true() -> None:
    for path in (WILDCATTER, SEED):
        part = section(path, "decision_tree")
        start = part.index('class="data decision-ends"')
        hidden = [m.start() for m in re.finditer(r'class="screen-only"', part)]
        assert all(h > start for h in hidden), path  # the ends table is outside any
        assert "{#" not in part
    seed = section(SEED, "decision_tree")
    letter = annex_letter(SEED, "decisions")
    note = re.search(r'<p class="note print-only">(.*?)</p>', seed)
    assert note is not None
    assert f"are in Annex {letter}" in note.group(1)
    assert note.start() < seed.index('class="screen-only"')
    # what the note says is there: each option's predicted chance and every branch's
    s = load(SEED)
    tree = predicted_tree(s, "us_course")
    rows = end_rows(SEED)
    assert len(rows) == len(tree.ends)
    prior = s.query("us_course")
    chances = re.findall(r'data-kind="branch-chance" data-v="([^"]+)"', rows[0])
    assert float(chances[0]) == pytest.approx(prior[s.nodes["us_course"].states[0]], abs=EXACT)
    for row, end in zip(rows, tree.ends, strict=True):
        worth = [v for v in read_page(row).values if v.attrs["data-kind"] == "end-worth"]
        assert [w.v for w in worth] == pytest.approx(list(end.values), abs=EXACT)
