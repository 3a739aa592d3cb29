"""The briefing's size is estimated before anything is rendered, and a page that would pass
the memory budget is refused with what to do (issue 14: a description aliased into many
nodes made a 180 MB page from a 904 KB file)."""

from __future__ import annotations

import shutil
from functools import cache
from pathlib import Path

import pytest

import model
from model.briefing.page import render
from model.briefing.size import MEMORY_PER_PAGE_BYTE, estimated_bytes
from model.cli import main
from model.errors import LimitError
from model.limits import MEMORY_BUDGET_BYTES
from tests.report_page import GENERATED, REPORT_SCENARIOS


def aliased(nodes: int, chars: int) -> str:
    """A chain of `nodes` nodes sharing one long label and description through YAML aliases,
    every tenth an outcome: small on disk, large wherever the page repeats them."""
    lines = ["scenario: aliased", "title: Aliased", "question: Does it grow?",
             "as_of: 2025-01-01", "horizon: 2025-12-31", "nodes:"]
    for i in range(nodes):
        lines.append(f"  n{i}:")
        if i == 0:
            lines += [f"    label: &l {'L' * chars}", f"    description: &d {'d' * chars}"]
        else:
            lines += ["    label: *l", "    description: *d"]
        lines.append("    role: outcome" if i % 10 == 0 else "    role: event")
        if i:
            lines += [f"    parents: [n{i - 1}]", "    table:",
                      f"      - when: {{n{i - 1}: yes}}", "        p: {yes: 0.6}",
                      "        because: [{assumption: x}]", "      - when: otherwise",
                      "        p: {yes: 0.3}", "        because: [{assumption: x}]"]
        else:
            lines += ["    prior: {yes: 0.5}", "    because: [{assumption: x}]"]
    return "\n".join(lines) + "\n"


@cache
def real_size(name: str) -> tuple[int, int]:
    s = model.load(REPORT_SCENARIOS[name])
    return estimated_bytes(s), len(render(s, generated=GENERATED).encode())


@pytest.mark.parametrize("name", list(REPORT_SCENARIOS))
def test_the_estimate_is_above_the_real_size_and_within_a_small_factor(name: str) -> None:
    estimate, real = real_size(name)
    assert real <= estimate <= 3 * real, (estimate, real)


def test_the_estimate_holds_for_text_aliased_into_many_nodes(tmp_path: Path) -> None:
    path = tmp_path / "aliased.yaml"
    path.write_text(aliased(20, 19_000), encoding="utf-8")
    s = model.load(path)
    assert path.stat().st_size < 50_000
    real = len(render(s, generated=GENERATED).encode())
    assert real > 4_000_000  # the page multiplies the file's text (a hundredfold)
    assert real <= estimated_bytes(s) <= 3 * real


def test_a_briefing_past_the_memory_budget_is_refused_before_any_drawing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "aliased.yaml"
    path.write_text(aliased(400, 19_000), encoding="utf-8")
    with pytest.raises(LimitError, match="aliases repeat more than"):
        model.load(path)  # the loader's alias budget refuses this file first ...
    monkeypatch.setattr("model.language.loader.MAX_ALIAS_BYTES", 10**9)
    s = model.load(path)  # ... so the briefing's own budget is tested past it
    assert estimated_bytes(s) * MEMORY_PER_PAGE_BYTE > MEMORY_BUDGET_BYTES

    def no_drawing(*args: object, **kwargs: object) -> str:
        raise AssertionError("nothing may be drawn for a page that is refused")

    monkeypatch.setattr("model.briefing.diagrams.render_svg", no_drawing)
    monkeypatch.setattr("model.briefing.diagrams.draw_svg_ahead", no_drawing)
    with pytest.raises(LimitError, match=r"aliased\.yaml: the briefing would be about [\d,]+ "
                                         r"MB, and building it would take about [\d.]+ GB of "
                                         r"memory, over the memory budget of 1\.5 GB") as caught:
        render(s)
    assert "shorten the labels and descriptions that many nodes repeat" in str(caught.value)
    out = tmp_path / "b.html"
    assert main(["report", str(path), "-o", str(out)]) == 2
    assert "over the memory budget" in capsys.readouterr().err
    assert not out.exists()


def test_the_budget_is_the_one_in_the_limits_module(monkeypatch: pytest.MonkeyPatch) -> None:
    s = model.load(REPORT_SCENARIOS["tiny"])
    monkeypatch.setattr("model.limits.MEMORY_BUDGET_BYTES", 1_000_000)
    with pytest.raises(LimitError, match=r"of memory, over the memory budget of 1 MB"):
        render(s)


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs the system Graphviz dot")
def test_a_label_of_any_allowed_length_is_drawn_by_dot_in_its_first_lines(
        tmp_path: Path) -> None:
    """A label near the 20,000-character limit made a node taller than `dot` lays out
    (an edge past 65,535 points): a diagram draws its first lines, the tables all of it."""
    long = " ".join(["a long label word"] * 1_100)  # 19,799 characters
    text = aliased(3, 10).replace("L" * 10, long, 1)
    path = tmp_path / "long.yaml"
    path.write_text(text, encoding="utf-8")
    page = render(model.load(path), graphviz="dot", generated=GENERATED)
    assert long in page  # whole in the tables (and in the diagrams' hover titles)
    import re

    drawn = re.findall(r"<text[^>]*>([^<]*)</text>", page)
    lines = [line for line in drawn if "label" in line]
    assert lines and max(map(len, lines)) < 40  # the label's first lines, each short
    assert any(line.endswith("…") for line in lines)
