"""Analyses kept by what they read (`model.analysis.memo`): every text the key leaves out is
one no analysis reads (editing it leaves the analysis as made afresh), everything else the
analysis reads moves the key, and a kept analysis is the one `analyze` makes."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import model
from model.analysis import analyze
from model.analysis.decisions import draw_worths
from model.analysis.memo import Analyses, analysis_key, analyze_apart
from model.analysis.uncertainty import Draws, Redraw, draw
from model.language.loader import Document
from model.scenario import Scenario
from tests.conftest import ROOT, SEED

FOLLOWUP = ROOT / "scenarios" / "russia_iran_2025_followup.yaml"
WILDCATTER = ROOT / "scenarios" / "oil_wildcatter.yaml"


def edited(s: Scenario, change: Callable[[dict[str, Any]], None],
           case: bool = False) -> Scenario:
    """`s` loaded again from its data with `change` made to the scenario's data (or the
    case's)."""
    document = s.case.document if case and s.case is not None else s.document
    data = copy.deepcopy(document.data)
    change(data)
    changed = Document(document.path, data, dict(document.lines), document.digest)
    if s.case is None:
        return Scenario(changed, s.engine_name)
    if case:
        return Scenario(s.document, s.engine_name, case=changed)
    return Scenario(changed, s.engine_name, case=s.case.document)


def supports(node: dict[str, Any]) -> list[dict[str, Any]]:
    """The citations and assumptions behind a node's numbers, estimates included."""
    found = [*node.get("because", []), *node.get("estimates", [])]
    for row in node.get("table", []):
        found += [*row.get("because", []), *row.get("estimates", [])]
    return [item for item in found if isinstance(item, dict)]


def unread_texts(data: dict[str, Any]) -> None:
    """Every text the key leaves out, rewritten (valid still: leanings stay states)."""
    data["description"] = "Another description."
    data["question"] = "Another question?"
    data["what_ifs"] = data.get("what_ifs", [])[:1]
    for source in data.get("sources", {}).values():
        source["author"] = "someone else"
        source["short"] = "X"
        source.pop("url", None)
    for node in data["nodes"].values():
        node["description"] = "another description"
        states = node.get("states", ["yes", "no"])
        for item in supports(node):
            if "says" in item:
                item["says"] = "Another paraphrase of " + item["says"]
            if "assumption" in item:
                item["assumption"] = "Another reason: " + item["assumption"]
            if "para" in item:
                item["para"] = 99
            if item.get("leans") in states:
                item["leans"] = states[-1] if item["leans"] == states[0] else states[0]


@pytest.mark.parametrize("path", [SEED, FOLLOWUP, WILDCATTER], ids=lambda p: p.stem)
def test_texts_no_analysis_reads_keep_the_key_and_the_analysis(path: Path) -> None:
    s = model.load(path)
    other = edited(s, unread_texts)
    assert analysis_key(other) == analysis_key(s) is not None
    assert analyze(other).to_dict() == analyze(s).to_dict()


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


def _judgement_because(data: dict[str, Any]) -> None:
    data["judgements"][0]["confidence"] = "low"
    data["judgements"][0]["because"] = [{"assumption": "one reason"}]


READ = {
    "a number": _set(("nodes", "oman_channel", "prior"), {"yes": "likely"}),
    "a label": _set(("nodes", "us_course", "label"), "Another label"),
    "a state's label": _set(("nodes", "us_course", "labels", "use_force"), "strike"),
    "a source's title": _set(("sources", "jiss_oped", "title"), "Another title"),
    "a judgement's statement": _set(("judgements", 0, "statement"), "Another statement."),
    "a judgement's event": _set(("judgements", 0, "event"), "us_strike=yes"),
    "a judgement's own reasons": _judgement_because,
    "the as-of date": _set(("as_of",), "2025-03-24"),
    "an estimate's weight": _set(("nodes", "us_russia_track", "estimates", 0, "weight"), 2.0),
    "whose estimate": _set(("nodes", "us_russia_track", "estimates", 0, "source"),
                           "jiss_oped"),
    "an exact mark": _set(("nodes", "oman_channel", "exact"), True),
    "a role": _set(("nodes", "russia_condemns", "role"), "outcome"),
}


@pytest.mark.parametrize("what", READ)
def test_what_the_analysis_reads_moves_the_key(what: str) -> None:
    s = model.load(SEED)
    assert analysis_key(edited(s, READ[what])) != analysis_key(s)


def test_lines_evidence_utilities_engine_and_day_move_the_key() -> None:
    s = model.load(SEED)
    key = analysis_key(s)
    moved = model.loads("\n" + SEED.read_text(), SEED)  # every element a line lower
    assert analysis_key(moved) != key
    assert analysis_key(model.load(SEED, engine="pgmpy")) != key
    case = model.load(FOLLOWUP)
    assert analysis_key(case) != key
    assert analysis_key(case.at(case.file.as_of)) != analysis_key(case)
    first = case.case.document.data["evidence"][0]  # type: ignore[union-attr]
    label = _set(("evidence", 0, "label"), first.get("label", "") + " (edited)")
    assert analysis_key(edited(case, label, case=True)) != analysis_key(case)
    oil = model.load(WILDCATTER)
    worth = _set(("utilities", "wildcatter", 0, "value"), -11)
    assert analysis_key(edited(oil, worth)) != analysis_key(oil)


def test_a_kept_analysis_is_the_analysis_made_afresh_with_the_new_digest() -> None:
    s = model.load(SEED)
    paraphrased = model.loads(SEED.read_text().replace("says:", "says: (edited)", 1), SEED)
    assert paraphrased.digest != s.digest
    analyses = Analyses()
    first = analyses.of(s)
    kept = analyses.of(paraphrased)
    assert kept.digest == paraphrased.digest and kept.analysed is paraphrased
    assert kept.judgements is first.judgements  # not computed again
    assert kept == analyze_apart(paraphrased) == analyze(paraphrased)
    assert all(a.analysed is None for a in analyses._kept.values())  # no engine kept alive


def test_analyses_kept_are_bounded() -> None:
    analyses = Analyses(size=2)
    text = SEED.read_text()
    for term in ("likely", "roughly even chance", "unlikely"):
        analyses.of(model.loads(text.replace("prior: {yes: very likely}",
                                             f"prior: {{yes: {term}}}"), SEED))
    assert len(analyses._kept) == 2


def test_the_analysis_apart_leaves_the_scenarios_engine_as_it_was() -> None:
    s = model.load(SEED)
    engine = s.compiled
    analyze_apart(s)
    assert s.compiled is engine and not engine._shapes.shapes  # asked nothing


@pytest.mark.parametrize("path", [FOLLOWUP, WILDCATTER], ids=lambda p: p.stem)
def test_a_fresh_scenario_shares_the_network_and_evidence_but_not_the_engines(
        path: Path) -> None:
    s = model.load(path)
    twin = s.fresh()
    assert twin.net is s.net and twin.background is s.background
    assert twin.compiled is not s.compiled and twin._compiled is not s._compiled
    if s.reader_decisions:
        assert twin.solver is not s.solver
        assert twin._diagram_engine is not s._diagram_engine
        assert twin.solve().meu == pytest.approx(s.solve().meu, abs=1e-12)
    for node in s.nodes:
        assert twin.query(node) == pytest.approx(s.query(node), abs=1e-12)


# draws kept between loads (`uncertainty.Redraw`) -------------------------------------------

NUMBER_EDITS = {  # in turn, each on the data as the one before left it
    "a term to a number": _set(("nodes", "oman_channel", "prior"), {"yes": 0.8}),
    "the number again": _set(("nodes", "oman_channel", "prior"), {"yes": 0.805}),
    "a range": _set(("nodes", "us_course", "prior"), {"use_force": [0.25, 0.45]}),
    "an estimate's weight": _set(("nodes", "us_russia_track", "estimates", 0, "weight"), 2.0),
    "an exact mark (fewer numbers drawn)": _set(("nodes", "oman_channel", "exact"), True),
    "the mark taken off": lambda data: data["nodes"]["oman_channel"].pop("exact"),
}


def same_draws(a: Draws, b: Draws) -> bool:
    assert a.sources is not None and b.sources is not None
    return (np.array_equal(a.values, b.values) and np.array_equal(a.sources, b.sources)
            and a.tables.keys() == b.tables.keys()
            and all(np.array_equal(a.tables[n], b.tables[n]) for n in a.tables))


def test_draws_kept_between_edits_are_the_draws_made_afresh() -> None:
    s = model.load(SEED)
    redraw = Redraw()
    assert same_draws(redraw.draw(s, 2000, 7), draw(s, 2000, 7))
    for what, change in NUMBER_EDITS.items():
        s = edited(s, change)
        assert same_draws(redraw.draw(s, 2000, 7), draw(s, 2000, 7)), what
    # another seed or another number of draws: the uniform numbers are drawn again
    assert same_draws(redraw.draw(s, 2000, 8), draw(s, 2000, 8))
    assert same_draws(redraw.draw(s, 1500, 8), draw(s, 1500, 8))


def test_after_a_number_edit_only_its_numbers_are_drawn_and_its_table_made_again() -> None:
    s = edited(model.load(SEED), NUMBER_EDITS["a term to a number"])
    redraw = Redraw()
    before = redraw.draw(s, 2000, 7)
    after = redraw.draw(edited(s, NUMBER_EDITS["the number again"]), 2000, 7)
    oman = s.nodes["oman_channel"].params[0].id
    unchanged = [i for i in range(len(s.params)) if i != oman]
    assert np.array_equal(after.values[:, unchanged], before.values[:, unchanged])
    assert not np.array_equal(after.values[:, oman], before.values[:, oman])
    remade = {n for n in after.tables if after.tables[n] is not before.tables[n]}
    assert remade == {"oman_channel"}  # its children's tables do not read its number
    assert not after.values.flags.writeable and not after.tables["oman_channel"].flags.writeable


def test_an_analysis_with_kept_draws_is_the_analysis_made_afresh() -> None:
    s = model.load(SEED)
    analyses = Analyses()
    for change in (NUMBER_EDITS["a term to a number"], NUMBER_EDITS["the number again"]):
        s = edited(s, change)
        assert analyses.of(s).to_dict() == analyze(s).to_dict()


def test_worth_tables_are_kept_while_the_worths_are_the_same() -> None:
    s = model.load(SEED)
    redraw = Redraw()
    worths = draw_worths(s, 500, 7)
    first = redraw.worths.tables(s.utilities, worths)
    again = redraw.worths.tables(s.utilities, draw_worths(s, 500, 7))
    assert all(again[a] is first[a] for a in s.utilities)
    other = edited(s, _set(("utilities", "us", "nuclear_deal", "yes"), 70))
    changed = redraw.worths.tables(other.utilities, draw_worths(other, 500, 7))
    fresh = {a: spec.tables(draw_worths(other, 500, 7)[a]) for a, spec in other.utilities.items()}
    assert changed["us"] is not first["us"] and changed["iran"] is first["iran"]
    for actor, tables in fresh.items():
        assert [scope for scope, _ in changed[actor]] == [scope for scope, _ in tables]
        assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(changed[actor], tables,
                                                                  strict=True))
