"""What moved between two versions, and why: effects that add up to every move, Shapley
values by hand, node, arc and evidence changes, the reader's decisions and utilities, moves
whose question changed (not attributed), git revisions, and the briefing's section."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import model
from model.analysis import diff as diff_module
from model.analysis.diff import diff
from model.cli import main

HERE = Path(__file__).parent / "fixtures" / "timeline"
WEATHER = HERE / "weather.yaml"
CASE = HERE / "weather_case.yaml"
SEED = Path(__file__).resolve().parent.parent / "scenarios" / "russia_iran_2025.yaml"
FOLLOWUP = SEED.parent / "russia_iran_2025_followup.yaml"
WILDCATTER = SEED.parent / "oil_wildcatter.yaml"
SURVEY_COST = ("value: -10, because: [{assumption: cost of the survey}]",
               "value: -30, because: [{assumption: cost of the survey}]")
SOAKING_READS = ("{closed: 0.5, open: 0.4, diffuse: 0.1, none: 0}",
                 "{closed: 0.3, open: 0.3, diffuse: 0.4, none: 0}")


def edited(tmp: Path, name: str, *swaps: tuple[str, str], extra: str = "",
           source: Path = WEATHER) -> Path:
    text = source.read_text()
    for old, new in swaps:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp / name
    path.write_text(text + extra)
    return path


def assert_effects_add_up(found: diff_module.Diff) -> None:
    for m in found.moves:
        if m.change is None:
            assert all(m.key not in c.effect for c in found.changes), m.key
            continue
        total = sum(c.effect[m.key] for c in found.changes)
        assert abs(total - m.change) < 1e-9 * max(1.0, abs(m.old or 0.0)), (m.key, total,
                                                                            m.change)


EVIDENCE = """
evidence:
  - date: 2025-05-01
    observed: {rain: yes}
    because: [{assumption: a wet spring}]
"""


def test_two_changes_share_the_move_as_shapley_values_by_hand(tmp_path: Path) -> None:
    new = edited(tmp_path, "new.yaml", ("prior: {yes: 0.3}", "prior: {yes: 0.5}"),
                 ("p: {yes: 0.9}", "p: {yes: 0.6}"))
    found = diff(model.load(WEATHER), model.load(new))
    assert [c.what for c in found.changes] == ["numbers edited", "numbers edited"]
    assert [c.node for c in found.changes] == ["rain", "market"]

    def market(rain: float, poor_yes: float) -> float:
        poor = rain * 0.1 + (1 - rain) * 0.5
        return poor * poor_yes + (1 - poor) * 0.2

    f0, fa, fb, fab = market(0.3, 0.9), market(0.5, 0.9), market(0.3, 0.6), market(0.5, 0.6)
    rain, price = found.changes
    assert abs(rain.effect["market=yes"] - ((fa - f0) + (fab - fb)) / 2) < 1e-12
    assert abs(price.effect["market=yes"] - ((fb - f0) + (fab - fa)) / 2) < 1e-12
    assert_effects_add_up(found)


def test_nodes_arcs_and_evidence_added_or_removed_add_up_exactly(tmp_path: Path) -> None:
    new = edited(tmp_path, "new.yaml",
                 ("  market:\n    label: Prices rise\n    role: outcome\n    parents: [crop]\n",
                  "  market:\n    label: Prices rise\n    role: outcome\n"
                  "    parents: [crop, imports]\n"),
                 ("      - when: otherwise\n        p: {yes: 0.2}",
                  "      - when: {crop: [fair, good], imports: yes}\n        p: {yes: 0.1}\n"
                  "        because: [{assumption: imports calm prices}]\n"
                  "      - when: otherwise\n        p: {yes: 0.2}"),
                 ("nodes:\n", "nodes:\n  imports:\n    label: Imports open\n"
                              "    prior: {yes: 0.4}\n    because: [{assumption: trade}]\n"),
                 extra=EVIDENCE)
    found = diff(model.load(WEATHER), model.load(new))
    kinds = {c.what for c in found.changes}
    assert kinds == {"node added", "parents changed", "evidence added"}
    assert "arc from 'imports' added" in next(c.detail for c in found.changes
                                              if c.what == "parents changed")
    assert_effects_add_up(found)
    back = diff(model.load(new), model.load(WEATHER))
    assert {c.what for c in back.changes} == {"node removed", "parents changed",
                                              "evidence removed"}
    assert_effects_add_up(back)


def test_a_change_that_moves_one_outcome_alone_gets_all_of_that_move(tmp_path: Path) -> None:
    new = edited(tmp_path, "new.yaml", ("p: {yes: 0.9}", "p: {yes: 0.7}"), extra=EVIDENCE)
    found = diff(model.load(WEATHER), model.load(new))
    price = next(c for c in found.changes if c.node == "market")
    evidence = next(c for c in found.changes if c.what == "evidence added")
    crop_move = next(m for m in found.moves if m.key == "crop=poor").change
    assert price.effect["crop=poor"] == 0.0
    assert abs(evidence.effect["crop=poor"] - (crop_move or 0.0)) < 1e-12


def test_many_changes_are_sampled_and_still_add_up(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    new = edited(tmp_path, "new.yaml", ("prior: {yes: 0.3}", "prior: {yes: 0.5}"),
                 ("p: {yes: 0.9}", "p: {yes: 0.6}"), extra=EVIDENCE)
    monkeypatch.setattr(diff_module, "EXACT_CHANGES", 1)
    monkeypatch.setattr(diff_module, "SAMPLED_ORDERS", 30)
    found = diff(model.load(WEATHER), model.load(new))
    assert "sampled" in found.method
    assert_effects_add_up(found)


def test_the_seed_against_its_follow_up_case_is_the_evidence_alone() -> None:
    old = model.load(SEED)
    new = model.load(SEED.parent / "russia_iran_2025_followup.yaml")
    found = diff(old, new)
    assert {c.what for c in found.changes} == {"evidence added"}
    assert len(found.changes) == len(new.log.entries)
    assert_effects_add_up(found)
    deal = next(m for m in found.moves if m.key == "nuclear_deal=yes")
    assert deal.old == pytest.approx(old.query("nuclear_deal")["yes"])
    assert deal.new == pytest.approx(new.query("nuclear_deal")["yes"])


def test_diff_command_json_has_moves_and_changes(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    new = edited(tmp_path, "new.yaml", ("prior: {yes: 0.3}", "prior: {yes: 0.5}"))
    assert main(["diff", str(WEATHER), str(new), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"node", "state", "old", "new"} <= set(data["moves"][0])
    assert data["changes"][0]["what"] == "numbers edited"
    assert data["changes"][0]["node"] == "rain"
    assert set(data["changes"][0]["effect"]) >= {"market=yes", "dear_bread"}
    assert main(["diff", str(WEATHER), str(new)]) == 0
    assert "Why, in points" in capsys.readouterr().out
    assert main(["diff", str(WEATHER)]) == 2


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    (repo / "cases").mkdir(parents=True)
    shutil.copy(WEATHER, repo / "cases" / "weather.yaml")

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo,
                       check=True, capture_output=True)

    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "first")
    path = repo / "cases" / "weather.yaml"
    path.write_text(path.read_text().replace("prior: {yes: 0.3}", "prior: {yes: 0.6}"))
    return path


def test_since_a_git_revision(repository: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(repository), "--since", "HEAD", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["old"].endswith("at HEAD")
    assert [c["node"] for c in data["changes"]] == ["rain"]
    assert main(["diff", str(repository), "--since", "no-such-revision"]) == 2
    assert "git cannot read" in capsys.readouterr().err


def test_report_since_adds_what_changed_near_the_top(repository: Path, tmp_path: Path) -> None:
    out = tmp_path / "b.html"
    assert main(["report", str(repository), "--since", "HEAD", "-o", str(out)]) == 0
    page = out.read_text()
    assert "What changed since HEAD" in page
    assert page.index("What changed since HEAD") < page.index('id="network"')
    assert "numbers edited" in page


# the reader's own decisions --------------------------------------------------------------


def test_a_scenario_with_the_readers_decisions_diffs_against_itself() -> None:
    s = model.load(WILDCATTER)
    found = diff(s, model.load(WILDCATTER))
    assert found.changes == ()
    assert {m.kind for m in found.moves} == {"decision", "utility"}
    assert all(m.attributed and m.change == 0 for m in found.moves)
    worth = next(m for m in found.moves if m.kind == "utility")
    assert (worth.node, worth.key) == ("wildcatter", "wildcatter:expected_utility")
    assert worth.old == pytest.approx(float(s.solve().meu[0]), abs=1e-12)
    drill = next(m for m in found.moves if m.key == "drill=yes")
    assert drill.old == pytest.approx(s.query("drill")["yes"], abs=1e-12)


def test_decisions_are_solved_afresh_in_each_mix_so_shares_are_shapley_by_hand(
        tmp_path: Path) -> None:
    """Two changes of the wildcatter: the survey's cost (a utility) and what the survey reads
    over a soaking site (a table). Each share is the Shapley value of the four versions,
    every one loaded and solved as a file of its own."""
    cost = edited(tmp_path, "cost.yaml", SURVEY_COST, source=WILDCATTER)
    reads = edited(tmp_path, "reads.yaml", SOAKING_READS, source=WILDCATTER)
    both = edited(tmp_path, "both.yaml", SURVEY_COST, SOAKING_READS, source=WILDCATTER)
    o, c, r, b = (model.load(p) for p in (WILDCATTER, cost, reads, both))
    found = diff(o, b)
    assert [(ch.what, ch.node) for ch in found.changes] == [("numbers edited", "seismic"),
                                                            ("utilities edited", None)]
    table, utility = found.changes
    assert utility.detail == "utilities of 'wildcatter': test=yes: -10 -> -30"
    assert "solved afresh in each mix" in found.method

    def values(s: model.Scenario) -> dict[str, float]:
        return {"test=yes": s.query("test")["yes"], "drill=yes": s.query("drill")["yes"],
                "wildcatter:expected_utility": float(s.solve().meu[0])}

    vo, vc, vr, vb = (values(s) for s in (o, c, r, b))
    for key in vo:
        assert abs(utility.effect[key] - ((vc[key] - vo[key]) + (vb[key] - vr[key])) / 2) \
            < 1e-9, key
        assert abs(table.effect[key] - ((vr[key] - vo[key]) + (vb[key] - vc[key])) / 2) \
            < 1e-9, key
    assert vb["test=yes"] == 0 and vo["test=yes"] == 1  # the dearer survey is not worth it
    assert_effects_add_up(found)


def test_a_decision_given_probabilities_is_listed_and_its_question_not_compared(
        tmp_path: Path) -> None:
    new = edited(tmp_path, "new.yaml", ("drill: {role: decision, states: [yes, no], parents: "
                                        "[test, seismic]}",
                                        "drill: {role: decision, states: [yes, no], parents: "
                                        "[test, seismic], table: [{when: otherwise, p: {yes: "
                                        "0.5}, because: [{assumption: a coin}]}]}"),
                 source=WILDCATTER)
    found = diff(model.load(WILDCATTER), model.load(new))
    assert [c.detail for c in found.changes] == [
        "'drill': probabilities given: now a predicted choice, not the reader's decision"]
    drill = [m for m in found.moves if m.node == "drill"]
    assert drill and all(not m.attributed and m.change is None for m in drill)
    assert drill[0].note == "not the reader's own decision in both"
    assert_effects_add_up(found)


def test_an_idle_actors_utilities_are_listed_with_no_effect(tmp_path: Path) -> None:
    new = edited(tmp_path, "new.yaml", ("nuclear_deal: {yes: 60, no: 0}",
                                        "nuclear_deal: {yes: 70, no: 0}"), source=SEED)
    found = diff(model.load(SEED), model.load(new))
    assert [c.what for c in found.changes] == ["utilities edited"]
    change = found.changes[0]
    assert change.detail.startswith("utilities of 'us': nuclear_deal=yes: 60 -> 70")
    assert "moves no probability" in change.detail
    assert set(change.effect.values()) == {0.0}


@pytest.fixture
def wildcatter_repository(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(WILDCATTER, repo / "oil.yaml")
    for args in (("init", "-q"), ("add", "."), ("commit", "-qm", "first")):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo,
                       check=True, capture_output=True)
    return repo / "oil.yaml"


def test_diff_and_report_since_head_of_the_wildcatter(
        wildcatter_repository: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = wildcatter_repository
    assert main(["diff", str(path), "--since", "HEAD"]) == 0  # the file against itself
    assert "No change that moves a probability" in capsys.readouterr().out
    path.write_text(path.read_text().replace(*SURVEY_COST))
    assert main(["diff", str(path), "--since", "HEAD"]) == 0
    text = capsys.readouterr().out
    assert "utilities of 'wildcatter': test=yes: -10 -> -30" in text
    assert "wildcatter:expected_utility" in text and "−100.0" in text
    assert main(["diff", str(path), "--since", "HEAD", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["changes"][0]["what"] == "utilities edited"
    assert data["changes"][0]["effect"]["test=yes"] == pytest.approx(-1.0, abs=1e-12)
    out = tmp_path / "b.html"
    assert main(["report", str(path), "--since", "HEAD", "-o", str(out)]) == 0
    page = out.read_text()
    assert "What changed since HEAD" in page and "Expected utility to wildcatter" in page


# moves whose question changed ----------------------------------------------------------------


def test_an_outcome_whose_states_changed_is_listed_not_compared_nor_attributed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = edited(tmp_path, "new.yaml", ("states: [poor, fair, good]", "states: [poor, good]"),
                 ("p: {poor: 0.1, fair: 0.3, good: 0.6}", "p: {poor: 0.2, good: 0.8}"),
                 ("p: {poor: 0.5, fair: 0.3, good: 0.2}", "p: {poor: 0.6, good: 0.4}"))
    found = diff(model.load(WEATHER), model.load(new))
    crop = [m for m in found.moves if m.node == "crop"]
    assert [m.state for m in crop] == ["poor", "good", "fair"]
    assert all(not m.attributed and m.change is None for m in crop)
    assert crop[0].note == "its states changed (poor, fair, good -> poor, good)"
    assert crop[0].old == pytest.approx(0.38) and crop[0].new == pytest.approx(0.48)
    assert crop[2].new is None
    bread = next(m for m in found.moves if m.node == "dear_bread")
    assert not bread.attributed and bread.note == "the states of its nodes changed"
    market = next(m for m in found.moves if m.key == "market=yes")
    assert market.attributed and market.change is not None
    assert [m.key for m in found.top_moves()] == ["market=yes"]
    assert_effects_add_up(found)

    assert main(["diff", str(WEATHER), str(new)]) == 0
    text = capsys.readouterr().out
    moved, why = text.split("Why, in points")
    assert re.search(r"^crop=poor +38\.0% +48\.0% +not compared$", moved, re.M)
    assert re.search(r"^market=yes +46\.6% +53\.6% +\+7 pts$", moved, re.M)
    assert "Not compared and not attributed" in moved and "crop (its states changed" in moved
    assert "crop=" not in why and "market=yes" in why and "dear_bread" not in why
    assert main(["diff", str(WEATHER), str(new), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    by_key = {(m["node"], m["state"]): m for m in data["moves"]}
    assert by_key[("crop", "poor")]["attributed"] is False
    assert by_key[("market", "yes")]["attributed"] is True
    assert all("crop=poor" not in c["effect"] for c in data["changes"])


def test_a_judgement_whose_event_was_edited_is_not_attributed(tmp_path: Path) -> None:
    new = edited(tmp_path, "new.yaml", ("event: market=yes and crop=poor",
                                        "event: market=yes and crop=fair"),
                 ("prior: {yes: 0.3}", "prior: {yes: 0.5}"))
    found = diff(model.load(WEATHER), model.load(new))
    bread = next(m for m in found.moves if m.node == "dear_bread")
    assert not bread.attributed and bread.change is None
    assert bread.note == "its event was edited"
    assert "dear_bread" not in [m.key for m in found.top_moves()]
    assert_effects_add_up(found)


# every move shown -------------------------------------------------------------------------------


def test_the_text_attributes_every_move_that_moved(capsys: pytest.CaptureFixture[str]) -> None:
    """The follow-up moves eleven outcomes and judgements; the deal, the central question,
    is not among the five largest and is shown all the same."""
    assert main(["diff", str(SEED), str(FOLLOWUP)]) == 0
    text = capsys.readouterr().out
    why = text[text.index("Why, in points"):]
    found = diff(model.load(SEED), model.load(FOLLOWUP))
    shown = found.top_moves()
    assert len(shown) > 6 and "nuclear_deal=yes" in [m.key for m in shown]
    rows = why.splitlines()[3:]
    assert [r.split()[0] for r in rows] == [m.key for m in shown]
    assert "Every move that is the same question in both versions and moved" in why
    deal = next(r for r in rows if r.startswith("nuclear_deal=yes"))
    shares = [float(x.replace("−", "-")) for x in deal.split()[2:]]
    assert len(shares) == len(found.changes)


def test_an_outcome_in_one_version_only_is_still_the_same_question(tmp_path: Path) -> None:
    new = edited(tmp_path, "new.yaml", ("label: Prices rise\n    role: outcome",
                                        "label: Prices rise\n    role: event"),
                 ("prior: {yes: 0.3}", "prior: {yes: 0.5}"))
    for found in (diff(model.load(WEATHER), model.load(new)),
                  diff(model.load(new), model.load(WEATHER))):
        market = next(m for m in found.moves if m.key == "market=yes")
        assert market.attributed and market.change is not None and abs(market.change) > 0.01
        assert_effects_add_up(found)


def test_since_a_revision_outside_git_says_to_give_an_older_copy(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "oil.yaml"
    path.write_text((SEED.parent / "oil_wildcatter.yaml").read_text())
    assert main(["diff", str(path), "--since", "HEAD~1"]) == 2
    err = capsys.readouterr().err
    assert "not a git repository" in err
    assert "give --since an older copy of the file instead (a path)" in err


def test_since_is_never_read_as_an_option_of_git(repository: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """`--since=--output=FILE` had git write (truncate) FILE before it failed."""
    precious = tmp_path / "precious.txt"
    precious.write_text("precious")
    for since in (f"--output={precious}", "-p", " "):
        assert main(["diff", str(repository), "--since", since]) == 2
        assert "is not a revision" in capsys.readouterr().err
    assert precious.read_text() == "precious"


def test_since_reads_the_file_its_case_s_scenario_and_their_sources_alone(
        repository: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from model.analysis.revisions import _needed

    repo = repository.parent.parent
    (repo / "cases" / "notes.txt").write_text("One.\nTwo.\n")
    (repo / "cases" / "big.bin").write_bytes(b"\0" * 1_000_000)  # nothing it reads
    text = repository.read_text()
    repository.write_text(text.replace("sources:", "sources:\n  notes: {title: Notes, path: "
                                       "notes.txt}", 1) if "sources:" in text else
                          text.replace("nodes:", "sources:\n  notes: {title: Notes, path: "
                                       "notes.txt}\nnodes:", 1))
    (repo / "cases" / "case.yaml").write_text(
        "case: weather_case\nscenario: weather.yaml\n")
    for args in (["add", "."], ["commit", "-qm", "second"]):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
                       cwd=repo, check=True, capture_output=True)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, check=True,
                            capture_output=True, text=True).stdout.strip()
    assert _needed(repo, commit, repo / "cases" / "case.yaml", "case") == [
        "cases/case.yaml", "cases/weather.yaml", "cases/notes.txt"]
    assert main(["diff", str(repo / "cases" / "case.yaml"), "--since", "HEAD"]) == 0, \
        capsys.readouterr().err


def test_since_on_a_case_whose_scenario_is_outside_the_repository_is_refused(
        repository: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.copy(WEATHER, outside / "weather.yaml")
    repo = repository.parent.parent
    (repo / "cases" / "far.yaml").write_text(
        f"case: far\nscenario: {outside / 'weather.yaml'}\n")
    for args in (["add", "."], ["commit", "-qm", "far"]):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
                       cwd=repo, check=True, capture_output=True)
    assert main(["diff", str(repo / "cases" / "far.yaml"), "--since", "HEAD"]) == 2
    err = capsys.readouterr().err
    assert "is outside the git repository" in err and "internal error" not in err
