"""How the objects of every stage show themselves in a notebook: the briefing's own partials
and styles, through the briefing's one Jinja environment (so escaped alike), with no script.

Importing this module registers the renderers with `model.display` (`import model` does):

- a `Scenario`: its title, question and dates; counts of nodes, numbers, citations and
  assumptions; its key judgements with their exact likelihood; its outcomes as bars with
  their terms; the network diagram;
- a `Distribution` (what a query returns): its question (given and do) and a bar per state;
- an `Explanation`: the most probable joint state;
- an `Analysis`: the key judgements, the outcomes with their 90% ranges, and the briefing's
  sections of tornadoes, signposts, sources, decisions and likely scenarios;
- a `Judgement`, and the `Judgements` of `model.judgements(s)`, as the briefing's front.

Each output is one `<div class="scenario-display">` holding a `<style>` with the briefing's
stylesheet scoped to it (CSS nesting), so nothing leaks into the notebook; front ends that
drop styles (GitHub's viewer) still show the text and numbers. Every renderer also has a
plain-text twin (`_repr_pretty_`), the command line's text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from ..analysis import Analysis
from ..analysis.judgements import Judgement, Judgements
from ..analysis.policy import Strategy
from ..display import register
from ..results import Distribution, Explanation
from ..scenario import Scenario
from .page import TEMPLATES, environment

if TYPE_CHECKING:
    from .context import Facts

PAGE = "display.html.j2"
SCOPE = "scenario-display"


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
             f"as of {f.as_of}, horizon {f.horizon}: {len(s.nodes)} nodes, {len(s.params)} "
             f"numbers, {len(s.sources)} sources, {len(s.what_ifs)} what-ifs"]
    lines += [distribution_table(s.nodes[o].label, s.query(o)) for o in s.outcomes]
    return "\n".join(lines)


# a query's answer ---------------------------------------------------------------------------


def distribution_html(d: Distribution) -> str:
    from .context import OutcomeSummary, StateLine
    from .format import pcts

    states = list(d)
    lines = tuple(StateLine(d.node, st, p, st)
                  for st, p in zip(states, pcts([d[st] for st in states]), strict=True))
    summary = OutcomeSummary(d.node, d.node, "", "", lines)
    return _render("distribution", d=d, settings=_settings(d.given, d.do), outcome=summary)


@dataclass(frozen=True)
class _Setting:
    """A condition as the briefing's chips show it (see `front.Setting`)."""

    kind: str  # "given" or "do"
    label: str
    name: str


def _settings(given: Mapping[str, str], do: Mapping[str, str]) -> tuple[_Setting, ...]:
    return (*(_Setting("given", n, st) for n, st in given.items()),
            *(_Setting("do", n, st) for n, st in do.items()))


def distribution_text(d: Distribution) -> str:
    from .text import distribution_table

    return distribution_table(d.node, d)


def explanation_html(e: Explanation) -> str:
    return _render("explanation", e=e, settings=_settings(e.given, e.do))


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
    built = (sensitivity_section(facts), signposts_section(facts), disagreement_section(facts),
             decisions_section(facts), likely_section(facts))
    return _render("analysis", a=a, judgements=tuple(key_judgement(j) for j in a.judgements),
                   outcomes=outcomes, sections=tuple(x for x in built if x is not None))


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


register(Scenario, html=scenario_html, text=scenario_text)
register(Distribution, html=distribution_html, text=distribution_text)
register(Explanation, html=explanation_html, text=explanation_text)
register(Analysis, html=analysis_html, text=analysis_text)
register(Judgement, html=judgement_html, text=judgement_text)
register(Judgements, html=judgements_html, text=judgements_text)
register(Strategy, html=strategy_html, text=strategy_text)
