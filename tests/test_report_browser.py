"""The briefing in a real browser (Debian's Chromium driven by Playwright): it loads nothing,
logs no error, its what-if panel computes the library's numbers, its scenario text runs no
script, it fits a phone, axe-core finds nothing serious, and it prints on at most 14 A4
pages with page numbers and a running footer, no table wider than the paper (which would
shrink every page) and diagrams large enough to read. Screenshots and PDFs go to
tests/artifacts/ for a human to see.
"""

from __future__ import annotations

import random
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import model
from model.briefing.page import report
from model.language.probability import percents
from tests.report_page import GENERATED, REPORT_SCENARIOS

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
TOLERANCE = 1e-9

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="Debian's chromium is not installed at /usr/bin/chromium "
                                       "(apt-get install chromium)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def briefings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("briefings")
    return {name: report(path, folder / f"{name}.html", generated=GENERATED)
            for name, path in REPORT_SCENARIOS.items()}


@dataclass
class Visit:
    page: Any
    url: str
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def visit(browser: Any, path: Path, width: int = 1280) -> Visit:
    page = browser.new_page(viewport={"width": width, "height": 900})
    found = Visit(page, path.resolve().as_uri())
    page.on("console", lambda m: found.errors.extend([m.text] if m.type in ("error", "warning")
                                                     else []))
    page.on("pageerror", lambda e: found.errors.append(str(e)))
    page.on("request", lambda r: found.requests.append(r.url))
    page.on("requestfailed", lambda r: found.failed.append(r.url))
    page.on("dialog", lambda d: found.errors.append(f"dialog: {d.message}"))
    page.goto(found.url)
    page.wait_for_load_state("load")
    return found


def panel_numbers(page: Any) -> dict[tuple[str, str], float]:
    rows = page.eval_on_selector_all(
        ".panel-pct", "els => els.map(e => [e.dataset.node, e.dataset.state, e.dataset.p, "
                      "e.textContent])")
    return {(node, state): float(p) for node, state, p, _text in rows}


def assert_panel_matches(page: Any, s: model.Scenario, given: dict[str, str],
                         do: dict[str, str],
                         likelihood: dict[str, dict[str, float]] | None = None) -> None:
    shown = panel_numbers(page)
    assert shown
    for (node, state), p in shown.items():
        exact = s.query(node, given=given, do=do, likelihood=likelihood)[state]
        assert p == pytest.approx(exact, abs=TOLERANCE), (node, state, given, do, likelihood)


@pytest.mark.parametrize("name", list(REPORT_SCENARIOS))
def test_page_loads_only_itself_and_logs_no_error(browser: Any, briefings: dict[str, Path],
                                                  name: str) -> None:
    v = visit(browser, briefings[name])
    try:
        assert v.errors == []
        assert v.failed == []
        assert v.requests == [v.url]
        assert v.page.evaluate("document.querySelectorAll('svg g.node').length") > 0
    finally:
        v.page.close()


def test_panel_observation_and_intervention_equal_the_library(
        browser: Any, briefings: dict[str, Path]) -> None:
    s = model.load(REPORT_SCENARIOS["seed"])
    v = visit(browser, briefings["seed"])
    page = v.page
    try:
        assert_panel_matches(page, s, {}, {})
        page.select_option("select[data-node=iran_accepts_talks]", "given:yes")
        assert_panel_matches(page, s, {"iran_accepts_talks": "yes"}, {})
        assert page.inner_text("#panel-status") == (
            "Seen: Iran enters nuclear negotiations with the US (direct or indirect) = yes.")
        page.select_option("select[data-node=iran_accepts_talks]", "do:yes")
        assert_panel_matches(page, s, {}, {"iran_accepts_talks": "yes"})
        assert page.inner_text("#panel-status").startswith("Set: Iran enters")
        page.select_option("select[data-node=us_course]", "given:use_force")
        page.select_option("select[data-node=israeli_strike]", "do:no")
        assert_panel_matches(page, s, {"us_course": "use_force"},
                             {"iran_accepts_talks": "yes", "israeli_strike": "no"})
        text = page.inner_text(".panel-row .pct >> nth=0")
        assert text.endswith("%")
        # a reader's uncertain report: a likelihood of k to 1 for the state it suggests
        page.select_option("select[data-node=israeli_strike]", "report:10:yes")
        page.select_option("select[data-node=oman_channel]", "report:3:no")
        assert_panel_matches(page, s, {"us_course": "use_force"}, {"iran_accepts_talks": "yes"},
                             {"israeli_strike": {"yes": 10}, "oman_channel": {"no": 3}})
        assert page.inner_text("#panel-status").endswith(
            "Reported: Oman is the go-between for US-Iran contacts = no (3 to 1); Israel "
            "strikes Iran's nuclear programme = yes (10 to 1).")  # in the controls' order
        page.click("button.reset")
        assert page.inner_text("#panel-status").startswith("Baseline")
        assert page.eval_on_selector_all("select[data-node]", "els => els.every(e => !e.value)")
        assert_panel_matches(page, s, {}, {})
        assert v.errors == [] and v.requests == [v.url]
    finally:
        page.close()


def test_panel_multiplies_a_reader_s_report_with_the_log_s_on_the_same_node(
        browser: Any, briefings: dict[str, Path]) -> None:
    """A case's page starts from its log (its observations preselected, its likelihoods
    applied); a report the reader adds on a node the log weighs multiplies the two, as
    `query(likelihood=...)` does on top of the log."""
    s = model.load(REPORT_SCENARIOS["russia_iran_2025_followup"])
    assert "russian_mediation" in s.background.likelihood
    v = visit(browser, briefings["russia_iran_2025_followup"])
    page = v.page
    try:
        assert_panel_matches(page, s, {}, {})
        page.select_option("select[data-node=russian_mediation]", "report:3:yes")
        assert_panel_matches(page, s, {}, {}, {"russian_mediation": {"yes": 3}})
        # cleared, the whole log goes, its reports too: the figures are the original
        # forecast's, the status says so, and every move shown against the page's figures
        # (which answer with the log) has its number
        page.click("button.reset")
        assert page.inner_text("#panel-status").startswith(
            "Nothing observed or set, and the evidence log cleared: the forecast of "
            "25 Mar 2025.")
        assert_panel_matches(page, s.at(s.file.as_of), {}, {})
        moves = page.eval_on_selector_all(
            ".panel-delta", "els => els.map(e => [e.className, e.textContent])")
        assert moves and all(text for cls, text in moves if "delta-flat" not in cls), moves
        assert any(text for _, text in moves)  # the strikes the log observed are undone
        # a question asked then is asked of the original forecast
        page.select_option("select[data-node=us_course]", "given:use_force")
        assert_panel_matches(page, s.at(s.file.as_of), {"us_course": "use_force"}, {})
        assert page.inner_text("#panel-status").endswith(
            "Evidence log cleared: the forecast of 25 Mar 2025.")
        # and the log comes back whole
        page.click("button.restore")
        assert_panel_matches(page, s, {}, {})
        assert page.inner_text("#panel-status").startswith("As on the page, with the evidence log")
        assert v.errors == []
    finally:
        page.close()


def test_panel_status_names_the_log_s_reports_as_well_as_its_observations(
        browser: Any, briefings: dict[str, Path]) -> None:
    """The log's likelihoods and beliefs are applied with its observations, so the status
    names them; a node the reader observes drops the log's report on it, and the status."""
    v = visit(browser, briefings["russia_iran_2025_followup"])
    page = v.page
    try:
        status = page.inner_text("#panel-status")
        assert status.startswith("As on the page, with the evidence log. Seen: ")
        assert "Israel strikes Iran's nuclear programme = yes" in status
        assert status.endswith(
            "The evidence log's reports: Russia acts as a mediator in US-Iran nuclear talks "
            "(report of 23 May 2025); Russia gives Iran decisive military help or intervenes "
            "to protect it (report of 24 Jun 2025); A new US-Iran nuclear agreement is signed "
            "(belief of 28 Sep 2025: 3% yes).")
        page.select_option("select[data-node=russian_mediation]", "given:no")
        status = page.inner_text("#panel-status")
        assert "Seen: " in status and "(report of 23 May 2025)" not in status
        assert "(report of 24 Jun 2025)" in status
        assert not status.startswith("As on the page")
        assert v.errors == []
    finally:
        page.close()


def test_panel_says_when_observations_cannot_happen_together_and_what_to_drop(
        browser: Any, briefings: dict[str, Path]) -> None:
    v = visit(browser, briefings["four_states"])
    page = v.page
    try:
        page.select_option("select[data-node=incident]", "given:no")
        page.select_option("select[data-node=escalation]", "given:war")
        status = page.inner_text("#panel-status")
        assert "cannot happen together" in status and "Drop one of these" in status
        assert page.evaluate("document.querySelector('.results').classList"
                             ".contains('is-impossible')")
        # no stale numbers under the message
        texts = page.eval_on_selector_all(".panel-pct", "els => els.map(e => e.textContent)")
        assert set(texts) == {"\u2014"}
        assert page.eval_on_selector_all(".panel-pct", "els => els.every(e => !e.dataset.p)")
        drops = page.eval_on_selector_all("#panel-drop button",
                                          "els => els.map(e => e.textContent)")
        assert sorted(drops) == ["Drop: A deadly border incident = no",
                                 "Drop: Highest level the dispute reaches = war"]
        page.click("#panel-drop button >> text=Highest level")
        assert page.eval_on_selector("select[data-node=escalation]", "e => e.value") == ""
        assert_panel_matches(page, model.load(REPORT_SCENARIOS["four_states"]),
                             {"incident": "no"}, {})
        assert page.is_hidden("#panel-drop")
        page.select_option("select[data-node=escalation]", "do:war")
        assert_panel_matches(page, model.load(REPORT_SCENARIOS["four_states"]),
                             {"incident": "no"}, {"escalation": "war"})
    finally:
        page.close()


@pytest.mark.parametrize("name", ["thirty_nodes", "five_parents", "four_states", "seed"])
def test_page_inference_equals_the_library_on_random_questions(
        browser: Any, briefings: dict[str, Path], name: str) -> None:
    s = model.load(REPORT_SCENARIOS[name])
    rng = random.Random(name)
    nodes = list(s.nodes)
    questions = []
    for _ in range(40):
        picked = rng.sample(nodes, rng.randint(0, 4))
        given: dict[str, str] = {}
        do: dict[str, str] = {}
        for n in picked:
            (given if rng.random() < 0.6 else do)[n] = rng.choice(s.nodes[n].states)
        questions.append((rng.choice(nodes), given, do))
    v = visit(browser, briefings[name])
    try:
        answers = v.page.evaluate(
            "qs => qs.map(([t, g, d]) => window.scenarioBriefing.query(t, g, d))", questions)
        for (target, given, do), answer in zip(questions, answers, strict=True):
            try:
                expected = s.query(target, given=given, do=do)
            except model.QueryError:
                assert answer is None, (target, given, do)
                continue
            assert answer is not None, (target, given, do)
            assert answer == pytest.approx(list(expected.values()), abs=TOLERANCE), \
                (target, given, do)
    finally:
        v.page.close()


def test_page_rounds_distributions_as_the_library_does(
        browser: Any, briefings: dict[str, Path]) -> None:
    rng = random.Random(7)
    cases = []
    for _ in range(300):
        raw = [rng.random() ** 3 for _ in range(rng.randint(2, 5))]
        cases.append([x / sum(raw) for x in raw])
    cases += [[0.525, 0.475], [0.125, 0.125, 0.75], [0.004, 0.996], [0.0, 1.0],
              [0.4749999999999999, 0.5250000000000001]]
    v = visit(browser, briefings["tiny"])
    try:
        got = v.page.evaluate("cs => cs.map(c => window.scenarioBriefing.percents(c))", cases)
        assert got == [percents(c) for c in cases]
    finally:
        v.page.close()


def test_panel_rounds_a_four_state_outcome_to_100(browser: Any,
                                                  briefings: dict[str, Path]) -> None:
    s = model.load(REPORT_SCENARIOS["four_states"])
    v = visit(browser, briefings["four_states"])
    page = v.page
    try:
        for given in ({}, {"incident": "yes"}, {"incident": "no"}):
            for node, state in given.items():
                page.select_option(f"select[data-node={node}]", f"given:{state}")
            texts = page.eval_on_selector_all(
                ".panel-pct[data-node=escalation]", "els => els.map(e => e.textContent)")
            dist = s.query("escalation", given=given)
            assert texts == percents(list(dist.values()))
        assert v.errors == []
    finally:
        page.close()


def test_scenario_text_runs_no_script(browser: Any, briefings: dict[str, Path]) -> None:
    v = visit(browser, briefings["xss"])
    page = v.page
    try:
        page.hover("svg g#net-b")
        page.select_option("select[data-node=a]", "given:yes")
        page.hover("#sources")
        assert page.evaluate("typeof window.__xss") == "undefined"
        assert page.evaluate("document.querySelectorAll('img, iframe, object, embed').length") \
            == 0
        assert page.evaluate("document.scripts.length") == 2
        assert page.inner_text("h1") == "<script>window.__xss = 'title'</script> Title"
        assert "<script>window.__xss = 'label'</script>" in page.inner_text("#panel-status")
        assert v.errors == [] and v.requests == [v.url]
    finally:
        page.close()


# By default the page of a scenario with sources that disagree and a decision (seven A4
# pages); the seed's fourteen and the rest with the slow tests.
@pytest.mark.parametrize("name", ["decision", *(pytest.param(n, marks=pytest.mark.slow)
                                                for n in ("seed", "tiny", "four_states",
                                                          "thirty_nodes"))])
def test_screenshot_and_a4_pdf(browser: Any, briefings: dict[str, Path], name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    v = visit(browser, briefings[name])
    try:
        v.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        pdf = v.page.pdf(path=str(ARTIFACTS / f"{name}.pdf"), format="A4",
                         print_background=True)
        assert pdf.startswith(b"%PDF")
        sizes = {tuple(round(float(x)) for x in box.split()[2:])
                 for box in re.findall(rb"/MediaBox \[([^\]]*)\]", pdf)}
        assert sizes == {(596, 843)}  # A4, 210 x 297 mm, in points
        assert v.errors == [] and v.requests == [v.url]
    finally:
        v.page.close()


# phones, accessibility, paper --------------------------------------------------------------


@pytest.mark.parametrize("name", [n if n in ("seed", "xss", "four_states") else
                                  pytest.param(n, marks=pytest.mark.slow)
                                  for n in REPORT_SCENARIOS])
def test_at_phone_width_the_page_is_no_wider_than_the_screen(
        browser: Any, briefings: dict[str, Path], name: str) -> None:
    v = visit(browser, briefings[name], width=390)
    try:
        widths = v.page.evaluate("[document.documentElement.scrollWidth, "
                                 "document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], widths
        # wide tables scroll inside boxes a keyboard can reach
        boxes = v.page.eval_on_selector_all(
            ".table-scroll", "els => els.map(e => [e.tabIndex, e.getAttribute('role'), "
                             "e.getAttribute('aria-label')])")
        assert all(t == 0 and role == "region" and label for t, role, label in boxes)
    finally:
        v.page.close()


def test_the_panel_s_results_stay_in_view_on_a_phone(browser: Any,
                                                     briefings: dict[str, Path]) -> None:
    v = visit(browser, briefings["seed"], width=390)
    page = v.page
    try:
        last = page.locator("select[data-node]").last
        last.scroll_into_view_if_needed()
        last.select_option(index=1)
        top = page.evaluate("document.querySelector('.results').getBoundingClientRect().top")
        assert 0 <= top < 5  # stuck to the top of the screen while the controls scroll
        assert page.evaluate("document.querySelector('.results').getBoundingClientRect()"
                             ".bottom") < 900
    finally:
        page.close()


@pytest.mark.parametrize("height", [844, 667])
def test_every_outcome_row_of_the_panel_shows_on_a_phone(
        browser: Any, briefings: dict[str, Path], height: int) -> None:
    """On a case's page the status line is long (the log's observations and reports); the
    outcome rows come before it in the stuck results box, so all of them are in view."""
    v = visit(browser, briefings["russia_iran_2025_followup"], width=390)
    page = v.page
    try:
        page.set_viewport_size({"width": 390, "height": height})
        page.locator("select[data-node]").nth(4).scroll_into_view_if_needed()
        box = page.evaluate("(() => { const r = document.querySelector('.results')"
                            ".getBoundingClientRect(); return [r.top, r.bottom]; })()")
        assert 0 <= box[0] < 5
        rows = page.eval_on_selector_all(
            ".panel-row", "els => els.map(e => { const r = e.getBoundingClientRect(); "
                          "return [r.top, r.bottom]; })")
        assert len(rows) == 5
        assert all(box[0] <= top and bottom <= box[1] + 0.5 for top, bottom in rows), (box, rows)
        status = page.evaluate("document.getElementById('panel-status')"
                               ".getBoundingClientRect().top")
        assert status >= max(bottom for _, bottom in rows)  # the status line after them
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"case-panel-390x{height}.png"))
    finally:
        page.close()


def axe_violations(page: Any) -> list[tuple[str, str, int]]:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [(x["id"], x["impact"], len(x["nodes"])) for x in found]


@pytest.mark.parametrize(("name", "width"), [
    # by default the phone (the narrower page has more to get wrong) and a page with
    # decisions; the audit takes seconds a page (ten on the seed's), so the rest run with
    # the slow tests
    ("decision", 390),
    *(pytest.param(n, w, marks=pytest.mark.slow)
      for n, w in [("decision", 1280),
                   *((n, w) for n in ("seed", "four_states", "xss",
                                      "russia_iran_2025_followup") for w in (1280, 390))])])
def test_axe_finds_no_serious_or_critical_violation(
        browser: Any, briefings: dict[str, Path], name: str, width: int) -> None:
    v = visit(browser, briefings[name], width=width)
    try:
        found = axe_violations(v.page)
        assert [x for x in found if x[1] in ("serious", "critical")] == [], found
    finally:
        v.page.close()


def test_diagrams_have_a_text_alternative_and_open_full_size(
        browser: Any, briefings: dict[str, Path]) -> None:
    v = visit(browser, briefings["seed"], width=390)
    page = v.page
    try:
        labels = page.eval_on_selector_all(
            ".svg-frame > svg", "els => els.map(e => [e.getAttribute('role'), "
                                "e.getAttribute('aria-label')])")
        assert len(labels) == 3  # the network, the scenario tree, the decision tree
        assert all(role == "img" and label.startswith(("Diagram of the network", "Tree of",
                                                       "Decision tree of"))
                   for role, label in labels)
        page.click("a.fullsize[href='#tree-diagram']")
        frame = page.evaluate("(() => { const r = document.getElementById('tree-diagram')"
                              ".getBoundingClientRect(); return [r.left, r.top, r.width, "
                              "r.height]; })()")
        assert frame == [0, 0, 390, 900]
        svg_width = page.evaluate("document.querySelector('#tree-diagram svg')"
                                  ".getBoundingClientRect().width")
        assert svg_width > 390  # at its own size, scrolling inside the frame
        page.click("#tree-diagram a.close")
        assert page.evaluate("document.getElementById('tree-diagram')"
                             ".getBoundingClientRect().width") < 390
    finally:
        page.close()


RENDERERS = [pytest.param("dot", marks=pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is not installed")), "wasm"]


@pytest.mark.parametrize("renderer", RENDERERS)
def test_diagram_text_stays_inside_its_boxes(browser: Any, tmp_path: Path,
                                             renderer: str) -> None:
    path = report(REPORT_SCENARIOS["seed"], tmp_path / "seed.html", graphviz=renderer,
                  generated=GENERATED)
    v = visit(browser, path)
    try:
        worst = v.page.evaluate("""() => [...document.querySelectorAll(
              '#tree g.tree-leaf, #tree g.tree-branch, #network g.node')].map(g => {
            const box = g.querySelector('path, polygon, ellipse').getBBox();
            return [g.id, Math.max(...[...g.querySelectorAll('text')].map(t => {
              const b = t.getBBox();
              return Math.max(box.x - b.x, b.x + b.width - box.x - box.width); }))]; })""")
        assert len(worst) > 20
        assert [w for w in worst if w[1] > 0] == []
    finally:
        v.page.close()


def test_a_script_slipped_into_the_page_does_not_run(browser: Any, briefings: dict[str, Path],
                                                     tmp_path: Path) -> None:
    text = briefings["xss"].read_text(encoding="utf-8")
    tampered = tmp_path / "tampered.html"
    tampered.write_text(text.replace("</footer>", "</footer><script>window.__injected = 1;"
                                     "</script>"), encoding="utf-8")
    v = visit(browser, tampered)
    try:
        assert v.page.evaluate("typeof window.__injected") == "undefined"
        assert any("Content Security Policy" in e for e in v.errors)
        assert v.page.evaluate("typeof window.scenarioBriefing") == "object"  # ours runs
    finally:
        v.page.close()


def printed(browser: Any, path: Path) -> Any:
    from pypdf import PdfReader

    v = visit(browser, path)
    try:
        out = path.with_suffix(".pdf")
        v.page.pdf(path=str(out), prefer_css_page_size=True, print_background=True)
    finally:
        v.page.close()
    return PdfReader(out)


def body_extent(page: Any) -> tuple[float, float]:
    """How far down the page's text reaches, as a share of the area inside the margins,
    and the page's height; the running footer in the bottom margin is left out."""
    height = float(page.mediabox.height)
    bottom, top = 15 * 72 / 25.4, height - 14 * 72 / 25.4
    ys: list[float] = []

    def seen(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            ys.append(tm[5] * cm[3] + cm[5])

    page.extract_text(visitor_text=seen)
    lowest = min((y for y in ys if y > bottom + 2), default=top)
    return (top - lowest) / (top - bottom), height


@pytest.mark.slow  # prints the seed to PDF and reads every page (seconds)
def test_the_seed_prints_on_at_most_14_a4_pages_numbered_with_a_running_footer(
        browser: Any, briefings: dict[str, Path]) -> None:
    s = model.load(REPORT_SCENARIOS["seed"])
    pdf = printed(browser, briefings["seed"])
    pages = [p.extract_text() for p in pdf.pages]
    assert len(pages) <= 14
    for i, text in enumerate(pages, start=1):
        assert f"Page {i} of {len(pages)}" in text
        assert f"{s.title} · as of 25 Mar 2025 · {s.digest}" in text
    # the front: at most two pages, then the annexes, lettered
    first = next(i for i, text in enumerate(pages) if "Annex A What-ifs" in text)
    assert first <= 1
    front = "".join(pages[:first + 1]).split("Annex A What-ifs")[0]
    assert "Key judgements" in pages[0]
    for part in ("The what-ifs that move the judgements most", "What would change our mind",
                 "Annexes"):
        assert part.lower() in front.lower()
    # no page more than a third empty, except the last page of a section
    for i, page in enumerate(pdf.pages[:-1]):
        filled, _ = body_extent(page)
        if filled < 2 / 3:
            next_heading = pages[i + 1].split("\n", 2)[1]
            assert next_heading.startswith("Annex "), (i + 1, filled, next_heading)
    assert body_extent(pdf.pages[0])[0] > 2 / 3  # the front fills its first page
    assert {(round(float(p.mediabox.width)), round(float(p.mediabox.height)))
            for p in pdf.pages} == {(595, 842)}  # A4, 210 x 297 mm, in points


@pytest.mark.slow  # prints the seed to PDF (seconds)
def test_past_its_horizon_the_seed_prints_on_at_most_15_pages_the_warning_first(
        browser: Any, tmp_path: Path) -> None:
    import datetime as dt

    late = report(REPORT_SCENARIOS["seed"], tmp_path / "late.html",
                  generated=dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC))
    pages = [p.extract_text() for p in printed(browser, late).pages]
    assert len(pages) <= 15
    assert "Past its horizon." in pages[0]
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]


def test_the_running_footer_prints_a_hostile_title_as_written(
        browser: Any, briefings: dict[str, Path]) -> None:
    s = model.load(REPORT_SCENARIOS["xss"])
    pdf = printed(browser, briefings["xss"])
    for i, page in enumerate(pdf.pages, start=1):
        assert f"{s.title} · as of 1 Jan 2025 · {s.digest}" in page.extract_text()
        assert f"Page {i} of {len(pdf.pages)}" in page.extract_text()


# paper: nothing wider than the page, diagrams drawn large enough to read ------------------

# A scenario whose tables are wide (an outcome of twelve states, one named at length) and
# whose title is long: on paper no table may be wider than the page, or Chromium shrinks
# every page to fit the widest.
WIDE = """\
scenario: wide_probe
title: "A very long title that goes on and on to see whether the header wraps correctly on a small phone screen and in the printed footer"
question: "Who wins the vote?"
as_of: 2026-11-01
horizon: 2027-06-30
sources:
  src_a: {title: "Analyse détaillée", published: 2026-10}
  src_b: {title: Second source, short: B-Quelle}
nodes:
  turnout:
    label: "Turnout in the capital region"
    role: driver
    states: [low, medium_low, medium, medium_high, high]
    estimates:
      - {source: src_a, para: 1, says: mostly low, p: {low: 0.5, medium_low: 0.2, medium: 0.1, medium_high: 0.1, high: 0.1}}
      - {source: src_b, para: 2, says: mostly high, p: {low: 0.1, medium_low: 0.1, medium: 0.1, medium_high: 0.2, high: 0.5}}
  winner:
    label: "Winner of the vote"
    role: outcome
    parents: [turnout]
    states: [party_a, party_b, party_c, party_d, party_e, party_f, party_g, party_h, party_i, party_j, party_k, party_l]
    labels: {party_l: "A party whose name is extraordinarily long and will certainly need wrapping in every table and in the diagrams"}
    table:
      - when: {turnout: low}
        p: {party_a: 0.3, party_b: 0.2, party_c: 0.1, party_d: 0.05, party_e: 0.05, party_f: 0.05, party_g: 0.05, party_h: 0.05, party_i: 0.05, party_j: 0.04, party_k: 0.03, party_l: 0.03}
        because: [{assumption: polls}]
      - when: otherwise
        p: {party_b: 0.0833, party_c: 0.0833, party_d: 0.0833, party_e: 0.0833, party_f: 0.0833, party_g: 0.0833, party_h: 0.0833, party_i: 0.0833, party_j: 0.0833, party_k: 0.0833, party_l: 0.0833}
        because: [{source: src_b, para: 3, says: flat}]
"""  # noqa: E501


def printed_sizes(page: Any, needle: str) -> list[float]:
    """The sizes, in points on paper, at which a PDF page prints the text pieces holding
    `needle` (the font's size times the scale of the matrices it is drawn with)."""
    sizes: list[float] = []

    def seen(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if needle in text:
            sizes.append(abs(size * tm[3] * cm[3]))

    page.extract_text(visitor_text=seen)
    return sizes


@pytest.fixture(scope="module")
def wide(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wide")
    (folder / "wide.yaml").write_text(WIDE, encoding="utf-8")
    return report(folder / "wide.yaml", folder / "wide.html", generated=GENERATED)


def test_a_page_of_wide_tables_prints_at_the_size_of_any_other(
        browser: Any, briefings: dict[str, Path], wide: Path) -> None:
    """Chromium shrinks every printed page to fit the widest thing on any: the tables of a
    twelve-state outcome must fit A4's width, so the page prints at the same size as a small
    one, and so must its page layout (print media, the page's width of 184 mm)."""
    kicker = "SCENARIO BRIEFING"
    small = printed_sizes(printed(browser, briefings["tiny"]).pages[0], kicker)
    pdf = printed(browser, wide)
    assert small and printed_sizes(pdf.pages[0], kicker) == pytest.approx(small, rel=0.01)
    text = "".join(p.extract_text() for p in pdf.pages)
    assert "Most likely scenarios" in text and "The scenario tree" in text
    v = visit(browser, wide, width=794)  # A4's width: print media sees the whole page
    try:
        v.page.emulate_media(media="print")
        v.page.add_style_tag(content="body { width: 184mm; }")  # inside the margins
        widths = v.page.evaluate("""() => [document.body.getBoundingClientRect().right,
            ...[...document.querySelectorAll('table, svg')].filter(t => t.getClientRects().length)
               .map(t => t.getBoundingClientRect().right)]""")
        body, *tables = widths
        assert len(tables) > 3 and max(tables) <= body + 0.5, widths
    finally:
        v.page.close()


def test_a_long_title_leaves_the_page_number_on_one_line(browser: Any, wide: Path) -> None:
    from model.briefing.context import RUNNING_TITLE

    pdf = printed(browser, wide)
    s = model.load(wide.with_name("wide.yaml"))
    shown = s.title[:RUNNING_TITLE - 1].rstrip() + "…"  # cut to one line of the footer
    for i, page in enumerate(pdf.pages, start=1):
        text = page.extract_text()
        assert f"Page {i} of {len(pdf.pages)}" in text
        footer = next(line for line in text.splitlines() if "· as of" in line)
        assert f"{shown} · as of 1 Nov 2026 · {s.digest}" in footer


@pytest.mark.slow  # prints the seed to PDF (seconds)
def test_the_seed_s_diagrams_print_large_enough_to_read(
        browser: Any, briefings: dict[str, Path]) -> None:
    """On A4 the scenario tree and the network take the page's width: their words print at
    6pt or more (they printed at 3 to 4pt in a diagram a half page wide), and the tree's
    table of paths prints with them."""
    pdf = printed(browser, briefings["seed"])
    leaf = [s for page in pdf.pages for s in printed_sizes(page, "Path 1 · 44%")]
    node = [s for page in pdf.pages for s in printed_sizes(page, "88% yes")]
    assert leaf and min(leaf) >= 6, leaf
    assert node and min(node) >= 6, node
    tree_page = next(p.extract_text() for p in pdf.pages if printed_sizes(p, "Path 1 · 44%"))
    assert "Path" in tree_page and "collapsing" in tree_page


PROTO = """\
scenario: proto
title: Names a script knows
question: Do names that JavaScript objects already hold work in the panel?
as_of: 2025-03-25
horizon: 2025-12-31
nodes:
  constructor: {role: driver, prior: {yes: 0.3}, because: [{assumption: a}]}
  __proto__:
    {role: driver, states: [toString, valueOf], prior: {toString: 0.6}, because: [{assumption: a}]}
  hasOwnProperty:
    role: outcome
    parents: [constructor, __proto__]
    rows: [[0.9, 0.1], [0.7, 0.3], [0.2, 0.8], [0.4, 0.6]]
    because: [{assumption: a}]
"""


def test_panel_answers_for_names_that_objects_already_hold(browser: Any, tmp_path: Path) -> None:
    """`id in given` was true of "constructor" for every question: the panel said the
    observations could not happen, and "__proto__" broke it with a script error."""
    source = tmp_path / "proto.yaml"
    source.write_text(PROTO)
    s = model.load(source)
    found = visit(browser, report(source, tmp_path / "proto.html", generated=GENERATED))
    page = found.page
    try:
        assert_panel_matches(page, s, {}, {})
        page.select_option('select[data-node="constructor"]', "given:yes")
        assert_panel_matches(page, s, {"constructor": "yes"}, {})
        page.select_option('select[data-node="__proto__"]', "do:valueOf")
        assert_panel_matches(page, s, {"constructor": "yes"}, {"__proto__": "valueOf"})
        assert not found.errors
    finally:
        page.close()
