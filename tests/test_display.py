"""Rich display: every object shows itself with the briefing's partials and scoped styles,
escapes what it takes from the file, runs no script, and has a plain-text twin; the example
notebook in docs/ runs and shows what it says."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from IPython.lib.pretty import pretty

import model
from model.analysis import analyze
from model.briefing.notebook import SCOPE, stylesheet
from model.briefing.text import distribution_table, judgement_lines
from model.display import html_of, register, text_of

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED = ROOT / "scenarios" / "russia_iran_2025.yaml"


class Tags(HTMLParser):
    """Every element and attribute name of a fragment, as a browser would parse it."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.attributes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.add(tag)
        self.attributes.update(name for name, _ in attrs)


def shown(html: str | None) -> str:
    assert html is not None
    assert html.startswith(f'<div class="{SCOPE}">')
    assert "<script" not in html.lower()
    return html


def test_a_scenario_shows_its_counts_judgements_bars_and_diagram() -> None:
    s = model.load(SEED)
    html = shown(s._repr_html_())
    assert "Russia, Iran and the US-Israeli pressure campaign" in html
    for count in ("<b>14</b> nodes", "<b>57</b> numbers", "<b>46</b> citations",
                  "<b>15</b> assumptions", "<b>6</b> judgements"):
        assert count in html
    p = s.probability("israeli_strike=yes or us_strike=yes")
    shown_v = [float(v) for v in re.findall(r'class="judged" data-v="([0-9.e-]+)"', html)]
    assert shown_v[0] == pytest.approx(p, abs=1e-12)  # the judgement's exact likelihood
    for o in s.outcomes:
        assert s.nodes[o].label.replace("'", "&#39;") in html
    assert html.count('class="bar-row') == len(s.outcomes)
    assert "<svg" in html and 'class="figure network"' in html
    assert 'id="network-diagram"' not in html  # the briefing's full-size frame is its own


def test_a_query_shows_given_and_do_apart_with_a_bar_per_state() -> None:
    s = model.load(SEED)
    d = s.query("us_russia_track", given={"iran_accepts_talks": "yes"},
                do={"israeli_strike": "yes"})
    html = shown(d._repr_html_())
    assert 'class="chip chip-given"' in html and 'class="chip chip-do"' in html
    assert html.count('class="bar-row') == 3
    for state, p in d.items():
        assert f'data-state="{state}" data-p="' in html
        assert d.term(state) in html
        assert p == pytest.approx(float(re.search(
            rf'data-state="{state}" data-p="([0-9.e-]+)"', html).group(1)), abs=1e-3)
    assert pretty(d) == distribution_table(d.node, d)


def test_an_analysis_shows_the_briefings_sections() -> None:
    s = model.load(SEED)
    a = analyze(s, samples=1000)
    html = shown(a._repr_html_())
    for section in ("sensitivity", "signposts", "disagreement", "decisions", "likely"):
        assert f'class="section section-{section}"' in html
    assert html.count("data-judgement=") == len(a.judgements)
    assert "90% range" in html


def test_judgements_show_as_the_front_states_them() -> None:
    s = model.load(SEED)
    found = model.judgements(s, samples=1000)
    assert isinstance(found, tuple)
    html = shown(found._repr_html_())
    assert html.count("data-judgement=") == len(found)
    assert "confidence" in html
    assert shown(found[0]._repr_html_()).count("data-judgement=") == 1
    assert pretty(found) == judgement_lines(found)


def test_the_reader_s_decisions_solved_show_as_decide_prints_them() -> None:
    from model.analysis import decide
    from model.briefing.text import strategy_text

    strategy = decide(model.load(SEED.parent / "oil_wildcatter.yaml"), samples=300)
    assert pretty(strategy) == strategy_text(strategy)
    html = shown(strategy._repr_html_())
    assert "BEST POLICY for wildcatter" in html and "VALUE OF INFORMATION" in html


def test_what_the_file_says_is_escaped_and_runs_nothing() -> None:
    s = model.load(FIXTURES / "report_xss.yaml")
    for html in (s._repr_html_(), s.query("b")._repr_html_(), analyze(s, samples=200)
                 ._repr_html_(), s.most_probable()._repr_html_()):
        tags = Tags()
        tags.feed(shown(html))
        assert not {"script", "img", "iframe"} & tags.names
        assert not [a for a in tags.attributes if a.startswith("on")]
    assert "&lt;script&gt;window.__xss = &#39;title&#39;&lt;/script&gt;" in s._repr_html_()


def test_the_styles_are_the_briefings_scoped_to_the_display() -> None:
    css = str(stylesheet())
    source = (ROOT / "templates" / "briefing.css").read_text()
    assert css.startswith(f".{SCOPE} {{")
    assert ":root" not in css and "\nbody {" not in css
    assert "--navy: #1f3a5f;" in css and "--navy: #1f3a5f;" in source
    assert css.count("{") == css.count("}")


def test_a_type_without_a_renderer_falls_back_to_its_repr() -> None:
    from model.display import RichDisplay

    class Plain(RichDisplay):
        def __repr__(self) -> str:
            return "<plain>"

    assert Plain()._repr_html_() is None
    assert pretty(Plain()) == "<plain>"
    register(Plain, text=lambda _: "drawn")
    assert text_of(Plain()) == "drawn" and html_of(Plain()) is None
    assert pretty(Plain()) == "drawn"


@pytest.mark.slow  # seconds: runs with the slow tests (CI runs both)
def test_the_example_notebook_runs_and_shows_each_object() -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(ROOT / "docs" / "workbench.ipynb", as_version=4)
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT / "docs")}}).execute()
    outputs = [c.outputs for c in notebook.cells if c.cell_type == "code"]
    html = [o["data"]["text/html"] for out in outputs for o in out
            if o.get("output_type") == "execute_result" and "text/html" in o.get("data", {})]
    ours = [h for h in html if h.startswith(f'<div class="{SCOPE}">')]
    assert len(ours) == 5  # scenario, two queries, judgements, analysis
    assert "57</b> numbers" in ours[0] and "<svg" in ours[0]
    assert "chip chip-given" in ours[1] and "chip chip-do" in ours[1]
    assert ours[3].count("data-judgement=") == 6
    assert "section-sensitivity" in ours[4]
    assert all("<script" not in h for h in ours)
    assert any("nuclear_deal=yes" in h for h in html if h not in ours)  # the sweep's frame
    printed = "".join(o.get("text", "") for o in outputs[-1])
    assert printed.startswith("nuclear_deal (nuclear_deal)") and "term" in printed
