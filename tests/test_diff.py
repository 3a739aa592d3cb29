"""What moved between two versions, and why: effects that add up to every move, Shapley
values by hand, node, arc and evidence changes, git revisions, and the briefing's section."""

from __future__ import annotations

import json
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
            continue
        total = sum(c.effect.get(m.key, 0.0) for c in found.changes)
        assert abs(total - m.change) < 1e-12, (m.key, total, m.change)


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
