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


def test_a_query_shows_its_likelihood_evidence_as_the_text_does() -> None:
    s = model.load(SEED)
    report = {"russia_military_aid": {"yes": 1, "no": 3}}
    d = s.query("nuclear_deal", given={"iran_accepts_talks": "yes"}, likelihood=report)
    assert "likelihood(russia_military_aid=yes:1,no:3)" in pretty(d)
    html = shown(d._repr_html_())
    assert 'class="chip chip-given"' in html
    assert html.count('class="chip chip-likelihood"') == 1
    chip = html[html.index('class="chip chip-likelihood"'):]
    # the node by its label, as the briefing names it
    label = s.nodes["russia_military_aid"].label
    assert label in chip[:500] and "<b>yes:1, no:3</b>" in chip[:500]
    found = s.most_probable(likelihood=report)
    assert "likelihood(russia_military_aid=yes:1,no:3)" in pretty(found)
    html = shown(found._repr_html_())
    assert 'class="chip chip-likelihood"' in html and "<b>yes:1, no:3</b>" in html


def test_an_estimate_shows_its_standard_errors_and_how_it_was_sampled() -> None:
    s = model.load(SEED)
    d = s.query("nuclear_deal", approximate=10000)
    assert d.approximate is not None
    text = pretty(d)
    html = shown(d._repr_html_())
    how = text.splitlines()[-1]
    assert how.startswith("estimated by likelihood weighting from 10,000 samples")
    assert how[0].upper() + how[1:] + "." in html
    for state, se in d.approximate.standard_error.items():
        assert f"{se:.4f}" in text and f"±{se:.4f}" in html
        assert float(re.search(rf'data-state="{state}" data-se="([0-9.e-]+)"',
                               html).group(1)) == pytest.approx(se, rel=1e-12)
    assert 'class="note estimate"' not in shown(s.query("nuclear_deal")._repr_html_())


def test_a_result_made_by_hand_is_named_by_its_nodes_and_states() -> None:
    from model.results import Distribution, Explanation

    d = Distribution("n", {"a": 0.25, "b": 0.75}, likelihood={"m": {"x": 2.0, "y": 1.0}})
    assert pretty(d) == distribution_table(d.node, d)
    html = shown(d._repr_html_())
    assert '<span class="outcome-name">n</span>' in html and "<b>x:2, y:1</b>" in html
    e = Explanation({"n": "a"}, 0.5, do={"m": "x"})
    assert '<span class="mono">n</span></th><td>a</td>' in shown(e._repr_html_())


def test_a_result_that_carries_labels_is_shown_by_them() -> None:
    """What the scenario's labels look like on a result (`labels`: `nodes`, `states`): the
    node's label and the states' stand where the names would."""
    from dataclasses import dataclass, field
    from types import SimpleNamespace
    from typing import Any

    from model.results import Distribution, Explanation

    labels = SimpleNamespace(nodes={"n": "The <n> node", "m": "Em"},
                             states={"n": {"a": "Ay", "b": "Bee"}, "m": {"x": "Ex"}})

    @dataclass(frozen=True, eq=False)
    class Labelled(Distribution):
        labels: Any = field(default=None, compare=False)

    @dataclass(frozen=True)
    class Found(Explanation):
        labels: Any = field(default=None, compare=False)

    d = Labelled("n", {"a": 0.25, "b": 0.75}, given={"m": "x"}, labels=labels)
    html = shown(d._repr_html_())
    assert '<span class="outcome-name">The &lt;n&gt; node</span>' in html
    assert '<span class="state-name">Ay</span>' in html and "Em = <b>Ex</b>" in html
    assert 'data-state="a"' in html  # the data keep the names
    assert pretty(d) == distribution_table("The <n> node", d)
    html = shown(Found({"n": "b"}, 0.5, labels=labels)._repr_html_())
    assert 'The &lt;n&gt; node <span class="sub mono">n</span></th><td>Bee</td>' in html


def test_a_query_shows_the_scenario_s_labels() -> None:
    s = model.load(SEED)
    d = s.query("us_course", given={"iran_accepts_talks": "yes"})
    assert pretty(d) == distribution_table(s.nodes["us_course"].label, d)
    html = shown(d._repr_html_())
    assert f'<span class="outcome-name">{s.nodes["us_course"].label}</span>' in html
    assert f'<span class="state-name">{s.state_label("us_course", "use_force")}</span>' in html
    assert s.nodes["iran_accepts_talks"].label in html


def test_an_analysis_shows_the_briefings_sections() -> None:
    s = model.load(SEED)
    a = analyze(s, samples=1000)
    html = shown(a._repr_html_())
    for section in ("sensitivity", "signposts", "disagreement", "decisions", "likely"):
        assert f'class="section section-{section}"' in html
    assert html.count("data-judgement=") == len(a.judgements)
    assert "90% range" in html
    assert html.count('class="section section-likely"') == 1


def test_an_analysis_of_the_reader_s_decisions_shows_the_policy_and_leaves_out_empty_blocks(
        ) -> None:
    from model.briefing.text import scenarios_lines, strategy_text

    a = analyze(model.load(SEED.parent / "oil_wildcatter.yaml"), samples=1000)
    assert a.strategy is not None and not a.outcomes
    html = shown(a._repr_html_())
    assert "BEST POLICY for wildcatter" in html and "VALUE OF INFORMATION" in html
    assert strategy_text(a.strategy).replace("'", "&#39;").replace(">", "&gt;").replace(
        "<", "&lt;") in html  # as decide prints it, and as the Strategy shows itself
    assert "Outcomes" not in html and 'class="bars"' not in html and 'class="bluf"' not in html
    assert 'class="section section-likely"' in html
    for j in a.likely.top:
        assert f'data-kind="joint" data-v="{j.probability}"' in html
    assert scenarios_lines(a.likely) in pretty(a)


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


def test_a_score_shows_as_a_table_and_prints_as_scenario_score() -> None:
    from model.briefing.history_text import score_table
    from model.history import score

    c = model.load(SEED.parent / "russia_iran_2025_followup.yaml")
    found = score(c)
    assert pretty(found) == score_table(found)
    html = shown(found._repr_html_())
    assert html.count("<tr>") == len(found.nodes) + 2  # the heading, a row each, the mean
    for n in found.nodes:
        assert f'<th scope="row" class="mono">{n.node}</th><td>{n.state}</td>' in html
        assert f"{n.brier:.4f}" in html and f"{n.time_averaged_brier:.4f}" in html
    assert "Nothing to score" in shown(html_of(score(model.load(SEED))))


def test_a_diff_shows_itself_in_a_notebook() -> None:
    from model.analysis.diff import Diff
    from model.display import RichDisplay

    assert issubclass(Diff, RichDisplay)


def test_a_diff_shows_each_move_and_each_change_s_share() -> None:
    from model.analysis.diff import diff
    from model.briefing.history_text import diff_text

    found = diff(model.load(SEED), model.load(SEED.parent / "russia_iran_2025_followup.yaml"))
    assert text_of(found) == diff_text(found)
    html = shown(html_of(found))
    moves = html[html.index('class="data moves"'):html.index("</table>")]
    assert moves.count("<tr>") == len(found.moves) + 1
    for m in found.moves:
        assert f'<th scope="row" class="mono">{m.key}</th>' in moves
    assert html.count("<li>") == len(found.changes)
    why = html[html.index('class="data why"'):]
    assert why[:why.index("</table>")].count("<tr>") == len(found.top_moves()) + 1
    assert found.method in html


def test_a_diff_of_the_reader_s_decisions_shows_utility_in_its_units(tmp_path: Path) -> None:
    from model.analysis.diff import diff
    from model.briefing.history_text import diff_text

    source = (ROOT / "scenarios" / "oil_wildcatter.yaml").read_text()
    swaps = (("value: -10, because: [{assumption: cost of the survey}]",
              "value: -30, because: [{assumption: cost of the survey}]"),
             ("drill: {role: decision, states: [yes, no], parents: [test, seismic]}",
              "drill: {role: decision, states: [yes, no], parents: [test, seismic], table: "
              "[{when: otherwise, p: {yes: 0.5}, because: [{assumption: a coin}]}]}"))
    for old, new in swaps:
        assert old in source
        source = source.replace(old, new, 1)
    (tmp_path / "new.yaml").write_text(source)
    found = diff(model.load(ROOT / "scenarios" / "oil_wildcatter.yaml"),
                 model.load(tmp_path / "new.yaml"))
    assert text_of(found) == diff_text(found)
    html = shown(html_of(found))
    worth = next(m for m in found.moves if m.kind == "utility")
    assert worth.change is not None
    row = html[html.index(f'<th scope="row" class="mono">{worth.key}</th>'):]
    assert row[:row.index("</tr>")].count(" pts") == 0  # in the utilities' units
    assert "an expected utility in its own units" in html
    assert [m for m in found.moves if not m.attributed]
    assert "not compared" in html and "Not compared, and not attributed" in html
    assert "drill</span> (not the reader&#39;s own decision in both)" in html


def test_a_sweep_shows_a_row_per_variant_and_prints_as_scenario_sweep() -> None:
    from model.analysis.sweep import sweep
    from model.briefing.notebook import SWEEP_ROWS
    from model.briefing.text import sweep_table

    s = model.load(SEED)
    found = sweep(s, vary=["us_course: P(use_force)=0.1:0.6:6"], each="source",
                  outcome=["nuclear_deal"])
    assert pretty(found) == sweep_table(found)
    html = shown(found._repr_html_())
    body = html[html.index("<tbody>"):]
    assert body.count("<tr>") == len(found.variants) <= SWEEP_ROWS
    assert '<th scope="col">Reading</th>' in html  # a reading per source
    j = [c.name for c in found.columns].index("nuclear_deal=yes")
    assert f'data-p="{float(found.probabilities[0, j])}"' in html
    assert '"num mono">nuclear_deal=no<' not in html  # a yes/no outcome by its first state
    many = sweep(s, vary=["us_course: P(use_force)=0.1:0.6:60", "oman_channel=50%:95%:2"])
    html = shown(many._repr_html_())
    assert html[html.index("<tbody>"):].count("<tr>") == SWEEP_ROWS
    assert f"The first {SWEEP_ROWS} are shown" in html


def test_a_sweep_with_the_reader_s_decisions_shows_the_expected_utility() -> None:
    from model.analysis.sweep import sweep
    from model.briefing.text import sweep_table

    found = sweep(model.load(SEED.parent / "oil_wildcatter.yaml"), vary=["oil: P(dry)=0.3:0.7:3"],
                  outcome=["drill"])
    assert found.expected is not None
    assert pretty(found) == sweep_table(found)
    html = shown(found._repr_html_())
    assert "Expected utility (wildcatter)</th>" in html
    for x, best in zip(found.expected, found.best["test"], strict=True):
        assert f'<td class="num">{float(x):,.4g}</td><td>{best}</td></tr>' in html


def test_what_the_file_says_is_escaped_and_runs_nothing() -> None:
    import datetime as dt

    from model.analysis.diff import diff
    from model.analysis.sweep import sweep
    from model.history import NodeScore, Score

    s = model.load(FIXTURES / "report_xss.yaml")
    bad = "<script>window.__xss = 'name'</script>"
    day = dt.date(2025, 1, 1)
    score = Score(bad, day, (NodeScore(bad, bad, day, {bad: 0.5}, 0.25, 0.69, 0.25),))
    for html in (s._repr_html_(), s.query("b")._repr_html_(), analyze(s, samples=200)
                 ._repr_html_(), s.most_probable()._repr_html_(),
                 s.query("b", likelihood={"a": {"yes": 2, "no": 1}})._repr_html_(),
                 s.most_probable(likelihood={"a": {"yes": 2, "no": 1}})._repr_html_(),
                 html_of(score), html_of(diff(s, s, bad, bad)),
                 sweep(s, vary=["a=10%:50%:3"])._repr_html_()):
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
    assert printed.splitlines()[0].endswith("(nuclear_deal)") and "term" in printed
