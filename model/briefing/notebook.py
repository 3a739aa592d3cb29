"""How the objects of every stage show themselves in a notebook: the briefing's own partials
and styles, through the briefing's one Jinja environment (so escaped alike), with no script.

Importing this module registers the renderers with `model.display` (`import model` does):

- a `Scenario`: its title, question and dates; counts of nodes, numbers, citations and
  assumptions; its key judgements with their exact likelihood; its outcomes as bars with
  their terms; the network diagram;
- a `Distribution` (what a query returns): its question (given, do and likelihood evidence)
  and a bar per state; an estimate by sampling also its standard errors and how it was made;
- an `Explanation`: its question and the most probable joint state;
- an `Analysis`: the key judgements, the outcomes with their 90% ranges, and the briefing's
  sections of tornadoes, signposts, sources, decisions and likely scenarios; the reader's
  decisions solved (best policy, EVPI) as `decide` prints them; a block with nothing in it
  is left out;
- a `Judgement`, and the `Judgements` of `model.judgements(s)`, as the briefing's front;
- a `Strategy`, as `scenario decide` prints it;
- a `Score` (`s.score()`), a `Diff` (`analysis.diff`) and a `Sweep` (`analysis.sweep`): a
  compact table each, and as text what `scenario score`, `diff` and `sweep` print.

A result names nodes and states as the reader sees them (a node's `label:`, a state's
`labels:` entry) when it carries them (`labels`, as the scenario that answered gives them),
else by their names.

Each output is one `<div class="scenario-display">` holding a `<style>` with the briefing's
stylesheet scoped to it (CSS nesting), so nothing leaks into the notebook; front ends that
drop styles (GitHub's viewer) still show the text and numbers. Every renderer also has a
plain-text twin (`_repr_pretty_`), the command line's text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from ..analysis import Analysis
from ..analysis.judgements import Judgement, Judgements
from ..analysis.likely_scenarios import LikelyScenarios
from ..analysis.policy import Strategy
from ..display import register
from ..results import Distribution, Explanation
from ..scenario import Scenario
from .format import counted
from .page import TEMPLATES, environment

if TYPE_CHECKING:
    from ..analysis.diff import Diff, Move
    from ..analysis.sweep import Sweep
    from ..history import Score
    from .context import Facts

PAGE = "display.html.j2"
SCOPE = "scenario-display"
SWEEP_ROWS = 100  # a sweep's variants shown as rows; `to_frame()` has them all


@lru_cache(maxsize=1)
def stylesheet() -> Markup:
    """The briefing's stylesheet nested under the display's class: its `:root` (colours and
    fonts) and `body` (type) rules style the display's own box; page-only rules (`html`,
    `@page`) match nothing there."""
    css = re.sub(r"/\*.*?\*/", "", (TEMPLATES / "briefing.css").read_text(encoding="utf-8"),
                 flags=re.S)
    css = re.sub(r"(?m)^(?::root|body|\.scenario-display) \{", "& {", css)
    css = re.sub(r"\n\s*\n", "\n", css)
    # Our own file, not scenario text; it holds no `</style>`.
    return Markup(f".{SCOPE} {{\n{css}}}\n")


def _render(kind: str, **data: Any) -> str:
    return environment().get_template(PAGE).render(kind=kind, css=stylesheet(), scope=SCOPE,
                                                   **data)


def _facts(s: Scenario, analysis: Analysis | None = None) -> Facts:
    from .context import Facts
    from .graphviz import choose_graphviz

    facts = Facts(s, choose_graphviz(None))
    if analysis is not None:
        facts.analysis = analysis  # shown as it was computed, not redrawn
    return facts


# a scenario ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExactJudgement:
    """A key judgement as the file states it, with its exact probability (the 90% range and
    the confidence need draws: `model.judgements(s)`)."""

    title: str
    statement: str
    text: str  # "45% (unlikely)"
    p: float


def scenario_html(s: Scenario) -> str:
    from .context import header, outcome_summary
    from .diagrams import network_section
    from .evidence import evidence_section
    from .format import pct
    from .front import name_title

    facts = _facts(s)
    evidence = evidence_section(facts).data
    judged = []
    for spec in s.judgement_specs:
        p = s.probability(spec.event)
        shown = pct(p)
        judged.append(ExactJudgement(name_title(spec.name), spec.statement,
                                     f"{shown.text} ({shown.term})", p))
    counts = {"nodes": len(s.nodes), "numbers": len(s.params),
              "citations": evidence.n_citations, "assumptions": evidence.n_assumptions,
              "sources": len(s.sources), "what-ifs": len(s.what_ifs),
              "judgements": len(s.judgement_specs)}
    return _render("scenario", header=header(facts, False), counts=counts,
                   judgements=tuple(judged),
                   outcomes=tuple(outcome_summary(s, o, facts.baseline[o]) for o in s.outcomes),
                   network=network_section(facts).data)


def scenario_text(s: Scenario) -> str:
    from .text import distribution_table

    f = s.file
    lines = [f"{f.title} ({s.id}, {s.digest})", f.question,
             f"as of {f.as_of}, horizon {f.horizon}: {counted(len(s.nodes), 'node')}, "
             f"{counted(len(s.params), 'number')}, {counted(len(s.sources), 'source')}, "
             f"{counted(len(s.what_ifs), 'what-if')}"]
    lines += [distribution_table(s.nodes[o].label, s.query(o)) for o in s.outcomes]
    return "\n".join(lines)


# a query's answer ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Names:
    """How a reader sees a result's nodes and states: the labels it carries (`labels`, as the
    scenario that answered gives them), else the names themselves."""

    nodes: Mapping[str, str]
    states: Mapping[str, Mapping[str, str]]

    def node(self, name: str) -> str:
        return self.nodes.get(name) or name

    def state(self, node: str, state: str) -> str:
        return self.states.get(node, {}).get(state) or state


def _names(found: Distribution | Explanation) -> _Names:
    labels = getattr(found, "labels", None)  # a result made by hand carries none
    return _Names(getattr(labels, "nodes", None) or {}, getattr(labels, "states", None) or {})


@dataclass(frozen=True)
class _Setting:
    """A condition as the briefing's chips show it (see `front.Setting`): an observation, an
    intervention, or likelihood (uncertain) evidence with its weights."""

    kind: str  # "given", "do" or "likelihood"
    label: str
    name: str  # the state, or the likelihood's weights ("yes:1, no:3")


def _settings(names: _Names, given: Mapping[str, str], do: Mapping[str, str],
              likelihood: Mapping[str, Mapping[str, float]]) -> tuple[_Setting, ...]:
    return (*(_Setting("given", names.node(n), names.state(n, st)) for n, st in given.items()),
            *(_Setting("do", names.node(n), names.state(n, st)) for n, st in do.items()),
            *(_Setting("likelihood", names.node(n),
                       ", ".join(f"{names.state(n, st)}:{w:g}" for st, w in weights.items()))
              for n, weights in likelihood.items()))


@dataclass(frozen=True)
class _Error:
    state: str
    name: str
    se: float


@dataclass(frozen=True)
class _Estimate:
    """How an estimated distribution was sampled, in the words the command line prints."""

    sentence: str
    errors: tuple[_Error, ...]  # each state's standard error


def _estimate(d: Distribution, names: _Names) -> _Estimate | None:
    found = d.approximate
    if found is None:
        return None
    return _Estimate(f"Estimated by {found.method} from {found.samples:,} samples (seed "
                     f"{found.seed}), worth {found.effective_samples:,.0f} equally weighted "
                     "ones; not exact.",
                     tuple(_Error(st, names.state(d.node, st), found.standard_error[st])
                           for st in d))


def distribution_html(d: Distribution) -> str:
    from .context import OutcomeSummary, StateLine
    from .format import pcts

    names = _names(d)
    states = list(d)
    lines = tuple(StateLine(d.node, st, p, names.state(d.node, st))
                  for st, p in zip(states, pcts([d[st] for st in states]), strict=True))
    summary = OutcomeSummary(d.node, names.node(d.node), "", "", lines)
    return _render("distribution", d=d, label=names.node(d.node),
                   settings=_settings(names, d.given, d.do, d.likelihood), outcome=summary,
                   estimate=_estimate(d, names))


def distribution_text(d: Distribution) -> str:
    from .text import distribution_table

    return distribution_table(_names(d).node(d.node), d)


@dataclass(frozen=True)
class _Held:
    node: str
    label: str
    state: str
    name: str


def explanation_html(e: Explanation) -> str:
    names = _names(e)
    held = tuple(_Held(n, names.node(n), st, names.state(n, st)) for n, st in e.states.items())
    return _render("explanation", e=e, held=held,
                   settings=_settings(names, e.given, e.do, e.likelihood))


def explanation_text(e: Explanation) -> str:
    from .text import explanation_lines

    return explanation_lines(e)


# analyses and judgements -------------------------------------------------------------------


def analysis_html(a: Analysis) -> str:
    from .analysis import disagreement_section, sensitivity_section, signposts_section
    from .context import interval, outcome_summary
    from .decisions import decisions_section, likely_section
    from .format import headline_states
    from .front import key_judgement

    s = a.analysed
    if s is None:  # made by hand, without its scenario: the command line's text
        return _render("text", text=analysis_text(a))
    facts = _facts(s, a)
    spreads = {u.node: {st.state: st for st in u.states} for u in a.uncertainty}
    outcomes = tuple(outcome_summary(s, o, facts.baseline[o], tuple(
        interval(spreads[o][st]) for st in headline_states(s.nodes[o].states)))
        for o in a.outcomes)
    likely = likely_section(facts)
    built = (sensitivity_section(facts), signposts_section(facts), disagreement_section(facts),
             decisions_section(facts), likely)
    return _render("analysis", a=a, judgements=tuple(key_judgement(j) for j in a.judgements),
                   # stated by their labels: a title from the name would be "Deal=yes"
                   judged_outcomes=tuple(replace(key_judgement(j), title="")
                                         for j in a.outcome_judgements),
                   outcomes=outcomes, sections=tuple(x for x in built if x is not None),
                   strategy=None if a.strategy is None else strategy_text(a.strategy),
                   # the briefing lists them beside the outcomes; a file with none, alone
                   likely=_likely(s, a.likely) if likely is None else None)


@dataclass(frozen=True)
class _LikelyRow:
    rank: int
    names: tuple[str, ...]  # each driver's state as the reader sees it
    p: float
    text: str


@dataclass(frozen=True)
class _Likely:
    drivers: tuple[str, ...]  # as the reader sees them
    rows: tuple[_LikelyRow, ...]
    covered: str


def _likely(s: Scenario, likely: LikelyScenarios) -> _Likely | None:
    """The most likely combinations of the drivers, where the briefing's section (which reads
    them by the outcomes) has none to read them by."""
    from ..language.probability import decimal_percent

    if not likely.top:
        return None
    rows = tuple(_LikelyRow(rank, tuple(s.state_label(d, st) for d, st in j.states.items()),
                            j.probability, decimal_percent(j.probability))
                 for rank, j in enumerate(likely.top, start=1))
    return _Likely(tuple(s.nodes[d].label for d in likely.drivers), rows,
                   decimal_percent(likely.covered))


def analysis_text(a: Analysis) -> str:
    from .text import render

    return render(a)


def judgement_html(j: Judgement) -> str:
    return judgements_html((j,))


def judgements_html(items: tuple[Judgement, ...]) -> str:
    from .front import key_judgement

    return _render("judgements", judgements=tuple(key_judgement(j) for j in items))


def judgements_text(items: tuple[Judgement, ...]) -> str:
    from .text import judgement_lines

    return judgement_lines(items)


def judgement_text(j: Judgement) -> str:
    return judgements_text((j,))


def strategy_text(strategy: Strategy) -> str:
    from .text import strategy_text as text

    return text(strategy)


def strategy_html(strategy: Strategy) -> str:
    """The solved decisions as `scenario decide` prints them, in the notebook's frame."""
    return _render("text", text=strategy_text(strategy))


# scores, differences and sweeps -------------------------------------------------------------


def _number(x: float) -> str:
    return "∞" if math.isinf(x) else "n/a" if math.isnan(x) else f"{x:.4f}"


@dataclass(frozen=True)
class _ScoreRow:
    node: str
    state: str
    forecast: str  # the probability given to what happened
    brier: str
    log: str
    averaged: str


def score_html(sc: Score) -> str:
    from ..language.probability import decimal_percent

    rows = tuple(_ScoreRow(n.node, n.state, decimal_percent(n.forecast[n.state]),
                           _number(n.brier), _number(n.log), _number(n.time_averaged_brier))
                 for n in sc.nodes)
    mean = _ScoreRow("mean", "", "", _number(sc.brier), _number(sc.log),
                     _number(sc.time_averaged_brier))
    return _render("score", sc=sc, rows=rows, mean=mean)


def score_text(sc: Score) -> str:
    from .history_text import score_table

    return score_table(sc)


@dataclass(frozen=True)
class _MoveRow:
    key: str
    old: str
    new: str
    move: str
    change: float | None


@dataclass(frozen=True)
class _WhyRow:
    key: str
    move: str
    shares: tuple[str, ...]  # each change's, by its number


def _figure(m: Move, x: float | None) -> str:
    from ..language.probability import decimal_percent
    from .format import signed

    if x is None:
        return "–"
    return decimal_percent(x) if m.probability else signed(x, 2)


def _share(m: Move, x: float, plus: bool = False) -> str:
    """A move or a change's share of it: points to one decimal, or utility to two."""
    from .format import signed

    text = signed(100 * x, 1) if m.probability else signed(x, 2)
    return ("+" if plus and x > 0 and text.strip("0.") else "") + text


def _moved(m: Move) -> str:
    from ..language.probability import points

    change = m.change
    if change is None:
        return "" if m.attributed else "not compared"
    return points(change) + " pts" if m.probability else _share(m, change, plus=True)


def diff_html(found: Diff) -> str:
    moves = tuple(_MoveRow(m.key, _figure(m, m.old), _figure(m, m.new), _moved(m), m.change)
                  for m in found.moves)
    shown = found.top_moves() if found.changes else ()
    why = tuple(_WhyRow(m.key, _share(m, m.change or 0.0, plus=True),
                        tuple(_share(m, c.effect.get(m.key, 0.0)) for c in found.changes))
                for m in shown)
    return _render("diff", found=found, moves=moves, why=why, apart=found.unattributed(),
                   utility=any(not m.probability for m in shown))


def diff_text(found: Diff) -> str:
    from .history_text import diff_text as text

    return text(found)


@dataclass(frozen=True)
class _SweepRow:
    index: int
    reading: str
    values: tuple[str, ...]  # each varied number's
    cells: tuple[tuple[float, str, str], ...]  # each figure's probability, percent, 90% range
    worth: str  # the decider's maximum expected utility, with decisions of the reader's own
    best: tuple[str, ...]  # the best option of each decision taken knowing nothing


def sweep_html(found: Sweep) -> str:
    from ..language.probability import decimal_percent, percent
    from .text import sweep_columns

    shown = sweep_columns(found)
    low, high = found.low, found.high
    rows = []
    for i, v in enumerate(found.variants[:SWEEP_ROWS]):
        cells = []
        for j in shown:
            p = float(found.probabilities[i, j])
            spread = ("" if low is None or high is None else
                      f"{percent(float(low[i, j])).removesuffix('%')}–"
                      f"{percent(float(high[i, j]))}")
            cells.append((p, decimal_percent(p), spread))
        worth = "" if found.expected is None else f"{float(found.expected[i]):,.4g}"
        rows.append(_SweepRow(v.index, v.reading, tuple(decimal_percent(x) for x in v.values),
                              tuple(cells), worth,
                              tuple(options[i] for options in found.best.values())))
    return _render("sweep", found=found, columns=tuple(found.columns[j] for j in shown),
                   rows=tuple(rows), several=len(found.readings) > 1)


def sweep_text(found: Sweep) -> str:
    from .text import sweep_table

    return sweep_table(found)


register(Scenario, html=scenario_html, text=scenario_text)
register(Distribution, html=distribution_html, text=distribution_text)
register(Explanation, html=explanation_html, text=explanation_text)
register(Analysis, html=analysis_html, text=analysis_text)
register(Judgement, html=judgement_html, text=judgement_text)
register(Judgements, html=judgements_html, text=judgements_text)
register(Strategy, html=strategy_html, text=strategy_text)
# by name: their modules are imported by whoever makes one, not by `import model`
register("model.history.Score", html=score_html, text=score_text)
register("model.analysis.diff.Diff", html=diff_html, text=diff_text)
register("model.analysis.sweep.Sweep", html=sweep_html, text=sweep_text)
