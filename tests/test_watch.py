"""Watch mode: a save rebuilds the briefing, a problem keeps the last good one and is served
as a page of problems, the served page (and only it) carries a reload script allowed by its
hash, the server answers for 127.0.0.1 alone, and an open tab reloads by itself."""

from __future__ import annotations

import datetime as dt
import http.client
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import model
from model.briefing.page import render
from model.briefing.watch import Build, Session, live_page, script_hash
from tests.conftest import SEED

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    shutil.copy(FIXTURES / "tiny.yaml", tmp_path / "tiny.yaml")
    shutil.copy(FIXTURES / "almanac.txt", tmp_path / "almanac.txt")
    return tmp_path / "tiny.yaml"


class Running:
    """A session's `run` in a thread, its builds collected."""

    def __init__(self, session: Session):
        self.session = session
        self.builds: list[Build] = []
        self.arrived = threading.Condition()
        self.thread = threading.Thread(target=session.run, args=(self.record,), daemon=True)

    def record(self, build: Build) -> None:
        with self.arrived:
            self.builds.append(build)
            self.arrived.notify_all()

    def wait_for(self, count: int, timeout: float = 60) -> Build:
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.builds) >= count, timeout), \
                f"no build {count} within {timeout} s"
            return self.builds[count - 1]


@pytest.fixture
def running(scenario: Path, tmp_path: Path) -> Iterator[Running]:
    with Session(scenario, tmp_path / "out" / "tiny.html", port=0) as session:
        watching = Running(session)
        watching.thread.start()
        watching.wait_for(1)
        time.sleep(0.3)  # the watcher is up once the first build is out
        yield watching
        session.stop()
        watching.thread.join(10)


def get(session: Session, path: str = "/", host: str | None = None) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", session.port, timeout=10)
    connection.request("GET", path, headers={"Host": host or f"127.0.0.1:{session.port}"})
    answer = connection.getresponse()
    body = answer.read().decode()
    connection.close()
    return answer.status, body


def save(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def policy(page: str) -> str:
    found = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page)
    assert found
    return found.group(1).replace("&#x27;", "'").replace("&#39;", "'")


def test_a_save_rebuilds_and_the_file_on_disk_stays_static(running: Running,
                                                           tmp_path: Path) -> None:
    first = running.builds[0]
    assert first.written == tmp_path / "out" / "tiny.html" and not first.problems
    save(running.session.file, "noisy_or: {leak: 0.01", "noisy_or: {leak: 0.02")
    second = running.wait_for(2)
    assert second.changed == (running.session.file.resolve(),)
    on_disk = (tmp_path / "out" / "tiny.html").read_text()
    assert "EventSource" not in on_disk and "connect-src" not in policy(on_disk)
    status, served = get(running.session)
    assert status == 200 and "EventSource" in served
    # the served page is the file's page plus the script, and its policy allows exactly it
    script = re.search(r"<script>(\(\(\) => \{.*?\}\)\(\);)</script>", served, re.S)
    assert script and "const shown = 2;" in script.group(1)
    assert f"'sha256-{script_hash(script.group(1))}'" in policy(served)
    assert "connect-src 'self'" in policy(served)
    assert policy(on_disk).split("script-src ")[1].split(";")[0] in policy(served)


def test_a_cited_text_is_watched_too(running: Running) -> None:
    text = running.session.file.parent / "almanac.txt"
    text.write_text(text.read_text() + "\n")
    assert running.wait_for(2).changed == (text.resolve(),)


def test_a_problem_keeps_the_last_briefing_and_is_served(running: Running,
                                                        tmp_path: Path) -> None:
    before = (tmp_path / "out" / "tiny.html").read_text()
    save(running.session.file, "parents: [rain, sprinkler]", "parents: [rain, sprinklr]")
    broken = running.wait_for(2)
    assert broken.written is None
    assert any("unknown parent 'sprinklr'" in p.message for p in broken.problems)
    assert (tmp_path / "out" / "tiny.html").read_text() == before
    status, served = get(running.session)
    assert status == 200 and "has 1 problem" in served and "sprinklr" in served
    save(running.session.file, "parents: [rain, sprinklr]", "parents: [rain, sprinkler]")
    assert running.wait_for(3).written is not None


def test_the_event_stream_announces_each_build(running: Running) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", running.session.port, timeout=30)
    connection.request("GET", "/events", headers={"Host": f"localhost:{running.session.port}"})
    stream = connection.getresponse()
    assert stream.getheader("Content-Type") == "text/event-stream"
    assert stream.readline() == b"event: build\n" and stream.readline() == b"data: 1\n"
    stream.readline()
    save(running.session.file, "noisy_or: {leak: 0.01", "noisy_or: {leak: 0.03")
    assert stream.readline() == b"event: build\n" and stream.readline() == b"data: 2\n"
    connection.close()


def test_only_requests_for_this_machine_are_answered(running: Running) -> None:
    assert get(running.session, host="attacker.example")[0] == 403
    assert get(running.session, host=f"attacker.example:{running.session.port}")[0] == 403
    assert get(running.session, "/../tiny.yaml")[0] == 404
    assert running.session.server.server_address[0] == "127.0.0.1"


def test_live_page_refuses_what_is_not_a_briefing() -> None:
    with pytest.raises(ValueError, match="not a page of this briefing"):
        live_page("<html><body></body></html>", 1)


def test_a_busy_port_says_what_to_do(scenario: Path) -> None:
    with Session(scenario, port=0) as first, pytest.raises(Exception, match="--port 0"):
        Session(scenario, port=first.port)


@pytest.mark.slow
def test_an_open_tab_reloads_itself_on_save(running: Running) -> None:
    from tests.test_report_browser import ARGS, CHROMIUM

    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page()
        violations: list[str] = []
        page.on("console", lambda m: violations.append(m.text) if m.type == "error" else None)
        page.goto(running.session.url)
        assert page.locator("h1").inner_text() == "A tiny scenario"
        page.wait_for_timeout(500)  # the event stream is open
        save(running.session.file, "title: A tiny scenario", "title: A tiny scenario, saved")
        deadline = time.monotonic() + 30
        while "saved" not in page.locator("h1").inner_text():  # the page allows no eval
            assert time.monotonic() < deadline, "the tab did not reload"
            page.wait_for_timeout(100)
        browser.close()
    assert not violations, violations


# a rebuilt page is the page made afresh ----------------------------------------------------


def generated(page: str) -> dt.datetime:
    """The time a page says it was generated (to the second, as it shows it)."""
    found = re.search(r'<time datetime="([^"]+)"', page)
    assert found
    return dt.datetime.fromisoformat(found.group(1))


SEED_EDITS = [  # (what, old, new) in turn, each on the file as the one before left it
    ("a paraphrase", "says:", "says: (edited)"),
    ("the paraphrase again", "says: (edited)", "says: (edited twice)"),
    ("a number", "prior: {yes: very likely}", "prior: {yes: likely}"),
    ("a paraphrase after it", "says: (edited twice)", "says: (edited thrice)"),
    ("a label", "label: US course on Iran", "label: The US course on Iran"),
    ("a what-if", "name: Tehran refuses to talk", "name: Tehran will not talk"),
    ("a description", "description: Iran negotiates", "description: Tehran negotiates"),
    ("a paragraph", "para: 13", "para: 14"),
]


@pytest.mark.slow  # seconds: runs with the slow tests (CI runs both)
def test_a_page_rebuilt_after_each_kind_of_edit_is_the_page_made_afresh(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from model.analysis import memo

    file = tmp_path / SEED.name
    shutil.copy(SEED, file)
    out = tmp_path / "seed.html"
    with Session(file, out, port=0) as session:
        # the analyses the session makes, told from a fresh page's by the session's draws
        # (`render` of a fresh page may or may not reach this spy, as its module was
        # imported before it or after)
        analysed: list[object] = []
        apart = memo.analyze_apart
        monkeypatch.setattr(memo, "analyze_apart", lambda s, redraw=None, drawn=None: (
            analysed.append(s) if redraw is session.analyses.redraw else None)
            or apart(s, redraw, drawn))
        assert not session.build().problems
        for what, old, new in [("nothing", "", ""), *SEED_EDITS]:
            save(file, old, new)
            before = len(analysed)
            assert not session.build().problems, what
            page = out.read_text()
            assert page == render(model.load(file), generated=generated(page)), what
            kept = what in ("a paraphrase", "the paraphrase again", "a paraphrase after it",
                            "a what-if", "a description", "a paragraph", "nothing")
            assert (len(analysed) == before) == kept, what
        session.stop()
    # and the page a fresh process writes
    script = ("import sys, datetime as dt, model\n"
              "from model.briefing.page import render\n"
              "sys.stdout.write(render(model.load(sys.argv[1]), "
              "generated=dt.datetime.fromisoformat(sys.argv[2])))\n")
    fresh = subprocess.run([sys.executable, "-c", script, str(file),
                            generated(page).isoformat()], capture_output=True, check=True,
                           text=True, cwd=tmp_path).stdout
    assert fresh == page


@pytest.mark.slow  # seconds: runs with the slow tests (CI runs both)
def test_a_page_rebuilt_after_number_edits_is_the_report_of_the_saved_file(
        tmp_path: Path) -> None:
    """The edits `benchmarks/bench_watch.py` times: a number changed again and again, each
    time redrawing only it (`uncertainty.Redraw`), then a range and an exact mark; the
    page written is the page `scenario report` writes of the file, and the page served is
    that page with the reload script alone added."""
    file = tmp_path / SEED.name
    shutil.copy(SEED, file)
    out = tmp_path / "seed.html"
    edits = [("prior: {yes: very likely}", "prior: {yes: 0.800}"),
             ("prior: {yes: 0.800}", "prior: {yes: 0.805}"),
             ("prior: {yes: 0.805}", "prior: {yes: 0.810}"),
             ("prior: {use_force: [0.25, 0.40]}", "prior: {use_force: [0.25, 0.45]}"),
             ("prior: {yes: 0.810}", "prior: {yes: 0.810}\n    exact: true")]
    with Session(file, out, port=0) as session:
        session.warm()  # the worker that makes the drawn parts (`analysis.apart`), as `run`
        assert not session.build().problems
        apart = session.analyses.apart
        waited = time.monotonic() + 60
        while not apart.ready and time.monotonic() < waited:
            time.sleep(0.01)
        assert apart.ready
        for old, new in edits:
            save(file, old, new)
            build = session.build()
            assert not build.problems, new
            page = out.read_text()
            assert page == render(model.load(file), generated=generated(page)), new
            assert session.shown.page.decode() == live_page(page, build.version), new
        # every edit changed numbers, and each one's drawn parts came from the worker
        assert apart.taken == len(edits)
        session.stop()


def test_the_worker_makes_the_drawn_parts_a_fresh_analysis_makes(scenario: Path) -> None:
    """`analysis.apart`: the drawn parts handed back for a file are the ones `analyze`
    makes of it here, for the file this process loaded only; after the worker ends, they
    are made here."""
    from model.analysis import analyze
    from model.analysis.apart import Apart
    from model.analysis.memo import Analyses, analysis_key

    file = scenario
    apart = Apart()
    try:
        apart.warm(file)
        waited = time.monotonic() + 60
        while not apart.ready and time.monotonic() < waited:
            time.sleep(0.01)
        assert apart.ready
        analyses = Analyses(apart=apart)
        save(file, "noisy_or: {leak: 0.01", "noisy_or: {leak: 0.02")
        analyses.expect(file)
        s = model.load(file)
        assert analyses.of(s).to_dict() == analyze(model.load(file)).to_dict()
        assert apart.taken == 1
        # a file saved again between the two loads: the worker's parts are not used
        apart.expect(file)
        assert apart.take(analysis_key(model.load(file)) + "?") is None
        apart.close()
        save(file, "noisy_or: {leak: 0.02", "noisy_or: {leak: 0.03")
        analyses.expect(file)
        s = model.load(file)
        assert analyses.of(s).to_dict() == analyze(model.load(file)).to_dict()
        assert apart.taken == 1
    finally:
        apart.close()


def test_a_case_file_watches_its_scenario_and_every_cited_text(tmp_path: Path) -> None:
    """A case's scenario (another folder) and the texts each file cites, each read relative
    to the file that cites it, are watched with the case file."""
    timeline = FIXTURES / "timeline"
    (tmp_path / "model").mkdir()
    (tmp_path / "cases").mkdir()
    scenario = tmp_path / "model" / "weather.yaml"
    scenario.write_text((timeline / "weather.yaml").read_text().replace(
        "    url: https://example.org/radio\n",
        "    url: https://example.org/radio\n    path: radio.txt\n", 1))
    (tmp_path / "model" / "radio.txt").write_text("The harvest came in middling.\n")
    case = tmp_path / "cases" / "weather_case.yaml"
    case.write_text((timeline / "weather_case.yaml").read_text()
                    .replace("scenario: weather", "scenario: ../model/weather")
                    .replace("    url: https://example.org/paper\n",
                             "    url: https://example.org/paper\n    path: paper.txt\n"))
    (tmp_path / "cases" / "paper.txt").write_text("April was the wettest in years.\n")
    with Session(case, tmp_path / "out.html", port=0) as session:
        build = session.build()
        assert not build.problems, build.problems
        assert session.watched == {p.resolve() for p in (
            case, scenario, tmp_path / "model" / "radio.txt", tmp_path / "cases" / "paper.txt")}


# while a file has problems, the file that fixes them is watched ----------------------------


def test_a_text_that_fails_the_first_load_is_watched(scenario: Path, tmp_path: Path) -> None:
    """A quote the text does not hold: the load fails, and the fix is in the text."""
    save(scenario, 'quote: "wet grass"', 'quote: "soaked lawn"')
    text = tmp_path / "almanac.txt"
    with Session(scenario, tmp_path / "out.html", port=0) as session:
        broken = session.build()
        assert any("quote not found" in p.message for p in broken.problems)
        assert session.watched == {scenario.resolve(), text.resolve()}
        assert session._wanted(None, str(text))
        save(text, "wet grass", "soaked lawn")
        assert session._moved() == (text.resolve(),)  # seen, however the watch started
        assert not session.build((text.resolve(),)).problems


def test_a_case_files_broken_scenario_is_watched(tmp_path: Path) -> None:
    """The case file loads; the scenario it names (another folder) does not parse."""
    timeline = FIXTURES / "timeline"
    (tmp_path / "model").mkdir()
    (tmp_path / "cases").mkdir()
    scenario = tmp_path / "model" / "weather.yaml"
    good = (timeline / "weather.yaml").read_text()
    scenario.write_text(good + "nodes: [\n")
    case = tmp_path / "cases" / "weather_case.yaml"
    case.write_text((timeline / "weather_case.yaml").read_text()
                    .replace("scenario: weather", "scenario: ../model/weather"))
    with Session(case, tmp_path / "out.html", port=0) as session:
        assert session.build().problems
        assert scenario.resolve() in session.watched
        assert tmp_path / "model" in session.folders()
        scenario.write_text(good)
        assert not session.build((scenario.resolve(),)).problems


def test_a_text_named_anew_in_a_folder_not_made_yet_is_watched(scenario: Path,
                                                               tmp_path: Path) -> None:
    """`path:` changed to a text that is not there, in a folder that is not there: both the
    old text (the last good build read it) and the new are watched, from the nearest folder
    that exists, which lets the new folder's making through."""
    new = tmp_path / "texts" / "almanac2.txt"
    with Session(scenario, tmp_path / "out.html", port=0) as session:
        assert not session.build().problems
        save(scenario, "path: almanac.txt", "path: texts/almanac2.txt")
        broken = session.build((scenario.resolve(),))
        assert any("cannot read the source text" in p.message for p in broken.problems)
        assert session.watched == {p.resolve() for p in (scenario, tmp_path / "almanac.txt",
                                                         new)}
        assert session.folders() == [tmp_path.resolve()]
        assert session._wanted(None, str(tmp_path / "texts"))
        new.parent.mkdir()
        shutil.copy(tmp_path / "almanac.txt", new)
        assert session.folders() == [tmp_path.resolve(), new.parent.resolve()]
        assert session._moved() == (new.resolve(),)
        assert not session.build((new.parent.resolve(),)).problems
        assert session.watched == {scenario.resolve(), new.resolve()}


def test_a_text_made_in_a_new_folder_while_watching_rebuilds(running: Running,
                                                             tmp_path: Path) -> None:
    """The same, with the watcher running: the folder's making and the text's are seen."""
    save(running.session.file, "path: almanac.txt", "path: texts/almanac2.txt")
    assert running.wait_for(2).problems
    (tmp_path / "texts").mkdir()
    shutil.copy(tmp_path / "almanac.txt", tmp_path / "texts" / "almanac2.txt")
    with running.arrived:
        assert running.arrived.wait_for(
            lambda: running.builds[-1].written is not None and len(running.builds) > 2, 60)


def test_a_first_build_with_problems_says_no_briefing_was_written(scenario: Path,
                                                                  tmp_path: Path) -> None:
    save(scenario, "parents: [rain, sprinkler]", "parents: [rain, sprinklr]")
    with Session(scenario, tmp_path / "out.html", port=0) as session:
        first = session.build()
        assert first.written is None and first.kept is None
        assert first.summary().startswith("no briefing written yet: 1 problem, listed on the "
                                          "served page")
        served = session.shown.page.decode()
        assert "No briefing has been written yet" in served and "on disk" not in served
        save(scenario, "parents: [rain, sprinklr]", "parents: [rain, sprinkler]")
        good = session.build()
        assert good.summary().startswith(f"wrote {tmp_path / 'out.html'} in ")
        save(scenario, "parents: [rain, sprinkler]", "parents: [rain, sprinklr]")
        again = session.build()
        assert again.kept == tmp_path / "out.html"
        assert again.summary() == (f"kept the last briefing ({tmp_path / 'out.html'}): 1 "
                                   "problem (watching for the next save)")
        assert "The briefing on disk (" in session.shown.page.decode()
    # a briefing a session before wrote is on disk, and kept
    with Session(scenario, tmp_path / "out.html", port=0) as session:
        assert session.build().kept == tmp_path / "out.html"
