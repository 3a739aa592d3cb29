"""What the `scenario` command prints: distributions, explanations and analyses as
plain-text tables. Every text from the file goes through `shown`, so a control character in a
label or a name (an ANSI or OSC escape) is printed escaped, never acted on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..analysis import Analysis
from ..analysis.batch import FolderAnalysis
from ..analysis.decisions import Decision
from ..analysis.disagreement import FLAG_SPREAD, Disagreement
from ..analysis.judgements import Judgement
from ..analysis.likely_scenarios import LikelyScenarios
from ..analysis.policy import Strategy
from ..analysis.sensitivity import DEFAULT_SWING, Tornado
from ..analysis.signposts import Signposts
from ..analysis.sweep import Sweep
from ..analysis.uncertainty import OutcomeUncertainty
from ..errors import shown
from ..language.probability import MINUS, decimal_percent, percent, percents, term_for
from ..network.net import describe_question
from ..results import Distribution, Explanation
from .format import counted, headline_states, signed

BAR_WIDTH = 24


def render(analysis: Analysis) -> str:
    head = (f"{shown(analysis.title)} ({analysis.scenario}, {analysis.digest}): "
            f"{analysis.samples:,} draws, seed {analysis.seed}"
            + (f"\nnote: {analysis.note}" if analysis.note else ""))
    sections = [
        head,
        judgement_lines(analysis.judgements),
        judgement_lines(analysis.outcome_judgements, "THE OUTCOMES AS JUDGEMENTS (the file "
                        "states no key judgements): likelihood and analytic confidence"),
        uncertainty_table(analysis.uncertainty),
        *(tornado_table(t) for t in analysis.sensitivity),
        *(signpost_lines(s) for s in analysis.signposts),
        sources_table(analysis.disagreement),
        *(decision_table(d) for d in analysis.decisions),
        strategy_text(analysis.strategy) if analysis.strategy is not None else "",
        scenarios_lines(analysis.likely),
    ]
    return "\n\n".join(s for s in sections if s)


def table(rows: Sequence[Sequence[str]], align: str) -> str:
    """Columns padded to their widest cell, each aligned by its letter in `align` (l or r)."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) if a == "l" else c.rjust(w)
                               for c, w, a in zip(r, widths, align, strict=True)).rstrip()
                     for r in rows)


def bar(p: float, width: int = BAR_WIDTH) -> str:
    """A probability as a bar of `width` cells."""
    full = round(p * width)
    return "█" * full + "·" * (width - full)


def question_suffix(given: Mapping[str, str], do: Mapping[str, str],
                    likelihood: Mapping[str, Mapping[str, float]] | None = None) -> str:
    """" | a=x, do(b=y), likelihood(c=yes:1,no:3)", or "" for a question with no
    conditions."""
    conditions = shown(describe_question(given, do, likelihood))
    return f" | {conditions}" if conditions else ""


def distribution_table(label: str, dist: Distribution) -> str:
    """A query's answer: each state's probability, percent, term and bar; an estimate by
    sampling also shows each state's standard error and how it was sampled."""
    width = max(len(shown(s)) for s in dist) + 2
    estimate = dist.approximate
    spread = f"{'± s.e.':>9}" if estimate is not None else ""
    lines = [f"{shown(label)} ({shown(dist.node)})"
             f"{question_suffix(dist.given, dist.do, dist.likelihood)}",
             f"{'state':<{width}}{'probability':>12}{spread}{'percent':>9}  {'term':<20} "]
    for state, p in dist.items():
        se = f"{estimate.standard_error[state]:>9.4f}" if estimate is not None else ""
        lines.append(f"{shown(state):<{width}}{p:>12.4f}{se}{p * 100:>8.1f}%  "
                     f"{term_for(p):<20} {bar(p)}")
    if estimate is not None:
        lines.append(f"estimated by {estimate.method} from {estimate.samples:,} samples "
                     f"(seed {estimate.seed}), worth {estimate.effective_samples:,.0f} "
                     "equally weighted ones; not exact")
    return "\n".join(lines)


def log_line(log: Mapping[str, Any] | None) -> str:
    """Under a query's answer: the evidence log it answers with, and what the question's
    own given or do replaces ("" without a log)."""
    if not log:
        return ""
    n = log["entries"]
    days = log["from"] if log["from"] == log["to"] else f"{log['from']} to {log['to']}"
    line = f"with the file's evidence log: {n} entr{'y' if n == 1 else 'ies'}, {days}"
    if log["replaced"]:
        line += (" (this question's --given/--do replaces what it reports on "
                 + ", ".join(shown(node) for node in log["replaced"]) + ")")
    return line


def event_line(event: str, p: float, given: Mapping[str, str], do: Mapping[str, str],
               likelihood: Mapping[str, Mapping[str, float]] | None = None) -> str:
    """An event's probability: "P(a=x or b=y | c=z) = 0.4475 (44.8%, unlikely)"."""
    return (f"P({shown(event)}{question_suffix(given, do, likelihood)}) = {p:.4f} "
            f"({decimal_percent(p)}, {term_for(p)})")


def explanation_lines(found: Explanation) -> str:
    """The most probable explanation: each free node's state."""
    lines = [f"Most probable joint state"
             f"{question_suffix(found.given, found.do, found.likelihood)} "
             f"(probability {found.probability:.4f}):"]
    width = max((len(shown(n)) for n in found.states), default=0) + 2
    lines += [f"  {shown(node):<{width}}{shown(state)}" for node, state in found.states.items()]
    return "\n".join(lines)


def judgement_lines(judgements: Sequence[Judgement], title: str = "KEY JUDGEMENTS: likelihood "
                    "(probability, 90% range, term) and analytic confidence") -> str:
    """Each key judgement: its statement, likelihood (probability, 90% range, term), event,
    and confidence with the reason."""
    if not judgements:
        return ""
    lines = [title]
    for i, j in enumerate(judgements, 1):
        lines += [f"  {i}. {shown(j.statement)}",
                  # the term is the band of the figure as the briefing shows it
                  f"     {percent(j.probability)}, {j.term} ({decimal_percent(j.probability)}; "
                  f"90% range {decimal_percent(j.low)} - {decimal_percent(j.high)}); "
                  f"{j.confidence} confidence",
                  f"     event ({shown(j.name)}): {shown(j.event)}",
                  f"     why: {shown(j.confidence_reason)}"]
    return "\n".join(lines)


def uncertainty_table(results: Sequence[OutcomeUncertainty]) -> str:
    if not results:
        return ""
    rows = [["outcome", "state", "written", "mean", "median", "90% interval"]]
    for r in results:
        for s in r.states:
            rows.append([shown(r.node), shown(s.state),
                         *map(decimal_percent, (s.point, s.mean, s.median)),
                         f"{decimal_percent(s.p5)} - {decimal_percent(s.p95)}"])
    return ("UNCERTAINTY: each outcome as written, and over draws of every number and of "
            "which source to believe\n"
            + table(rows, "llrrrr"))


def tornado_bar(low: float, high: float, base: float, left: float, right: float) -> str:
    """The span low..high on a scale from `left` to `right`, with `|` at the base value."""
    def at(p: float) -> int:
        return round((p - left) / (right - left) * (BAR_WIDTH - 1)) if right > left else 0

    a, b = sorted((at(low), at(high)))
    cells = ["█" if a <= i <= b else "·" for i in range(BAR_WIDTH)]
    cells[at(base)] = "|"
    return "".join(cells)


def tornado_table(t: Tornado) -> str:
    title = (f"TORNADO: what moves P({shown(t.node)} = {shown(t.state)}) = "
             f"{decimal_percent(t.base)} most "
             f"({len(t.bars)} of {t.inputs} inputs; * = written exactly, swung across its "
             f"default spread, +/-{DEFAULT_SWING * 100:.0f} points at 50%)")
    if not t.bars:
        return title + "\n  (no input moves it)"
    ends = [p for b in t.bars for p in (b.at_low, b.at_high)] + [t.base]
    left, right = min(ends), max(ends)
    rows = [["swing", "low -> high", "", "input"]]
    for b in t.bars:
        moves = f"{decimal_percent(b.at_low)} -> {decimal_percent(b.at_high)}"
        rows.append([f"{b.swing * 100:.1f} pts", moves,
                     tornado_bar(b.at_low, b.at_high, t.base, left, right),
                     ("* " if b.assumed_swing else "") + shown(b.place.short)])
    return title + "\n" + table(rows, "rrll")


def signpost_lines(s: Signposts) -> str:
    lines = [f"SIGNPOSTS for {shown(s.node)} = {shown(s.state)} ({decimal_percent(s.base)}), "
             "by what they tell (mutual information)"]
    lines += [f"  - {shown(sentence)}" for sentence in s.sentences] or ["  (none)"]
    return "\n".join(lines)


def sources_table(results: Sequence[Disagreement]) -> str:
    if not results or not results[0].sources:
        return ""
    names = [f.source for f in results[0].sources]
    rows = [["outcome", "state", "pooled", *names, "spread", ""]]
    for d in results:
        state = next(iter(d.pooled))
        rows.append([shown(d.node), shown(state), decimal_percent(d.pooled[state]),
                     *(decimal_percent(f.distribution[state]) for f in d.sources),
                     f"{d.spread * 100:.1f} pts", "DISAGREE" if d.flagged else ""])
    return (f"SOURCES: each outcome by each source's estimates alone (flagged above "
            f"{FLAG_SPREAD * 100:.0f} points)\n" + table(rows, "ll" + "r" * (len(names) + 2) + "l"))


def decision_table(d: Decision) -> str:
    title = (f"DECISION {shown(d.node)} ({shown(d.label)}): expected utility of do(option) "
             "per actor, "
             "[90% interval], share of draws where it is best")
    if not d.actors:
        return title + "\n  (no utilities in the file)"
    rows = [["option", *map(shown, d.actors)]]
    best = {a: percents([o.chance_best[a] for o in d.options]) for a in d.actors}
    for i, o in enumerate(d.options):
        rows.append([shown(o.option), *(f"{worth(o.expected[a])} [{worth(o.interval[a][0])}, "
                                        f"{worth(o.interval[a][1])}] {best[a][i]}"
                                        for a in d.actors)])
    rows.append(["as written", *(worth(d.as_written[a]) for a in d.actors)])
    rows.append(["best", *(shown(d.best[a]) for a in d.actors)])
    return title + "\n" + table(rows, "l" + "r" * len(d.actors))


def worth(x: float) -> str:
    """A utility as the tables print it: one decimal, rounded as the briefing rounds it
    (half away from zero, so -8.15 is -8.2 in both), no "-0.0"."""
    return signed(x).replace(MINUS, "-")


def strategy_text(strategy: Strategy) -> str:
    """The reader's decisions solved: each policy, each option's worth, the EVPI."""
    lines = [f"BEST POLICY for {strategy.actor}: maximum expected utility "
             f"{worth(strategy.expected)} (90% range {worth(strategy.low)} to "
             f"{worth(strategy.high)} over {strategy.samples:,} draws, seed {strategy.seed})"]
    for d in strategy.decisions:
        knows = ", ".join(d.knows) if d.knows else "nothing"
        options = [o.option for o in d.situations[0].options]
        rows = [["when known", "chance", "best",
                 *(f"{o}: expected [90% range] best in" for o in options)]]
        for sit in d.situations:
            when = describe_question(sit.known, {}) or "(always)"
            chance = decimal_percent(sit.probability) if sit.probability > 0 else "off policy"
            best = percents([o.chance_best for o in sit.options])
            rows.append([when, chance, sit.best, *(
                f"{worth(o.expected)} [{worth(o.low)}, {worth(o.high)}] {won}"
                for o, won in zip(sit.options, best, strict=True))])
        lines.append("")
        lines.append(f"DECISION {d.node} ({d.label}), taken knowing {knows}")
        lines.append(table(rows, "lrl" + "r" * len(options)))
    lines.append("")
    if not strategy.information:
        lines.append("VALUE OF INFORMATION: none to weigh: every chance node comes after "
                     "every decision")
    else:
        lines.append("VALUE OF INFORMATION: how much the maximum expected utility rises if a "
                     "node's state is known before deciding (EVPI, in utility units)")
        rows = [["node", "EVPI", "90% range", "known before"]]
        for i in strategy.information:
            rows.append([i.node, worth(i.value), f"{worth(i.low)} to {worth(i.high)}",
                         f"{i.before} (known already)" if i.known_already else i.before])
        lines.append(table(rows, "lrrl"))
    if strategy.after_every_decision:
        lines.append("  no decision could know: " + ", ".join(strategy.after_every_decision)
                     + " (they come after every decision)")
    return "\n".join(lines)


def scenarios_lines(likely: LikelyScenarios) -> str:
    if not likely.top:
        return f"MOST LIKELY SCENARIOS: none listed ({likely.note})" if likely.note else ""
    lines = [f"MOST LIKELY SCENARIOS of {shown(', '.join(likely.drivers))} (the first is the MAP; "
             f"these {len(likely.top)} hold {decimal_percent(likely.covered)})"]
    for i, s in enumerate(likely.top, 1):
        states = shown(describe_question(s.states, {}))
        lines.append(f"  {i}. {decimal_percent(s.probability):>6}  {states}")
        leads = shown(", ".join(f"{o} {next(iter(d))} {d[next(iter(d))]:.0%}"
                                for o, d in s.outcomes.items()))
        if leads:
            lines.append(f"     -> {leads}")
    return "\n".join(lines)


def sweep_columns(found: Sweep) -> list[int]:
    """The columns of a sweep a reader is shown: each outcome's headline states (the yes of
    a yes/no outcome) and every key judgement."""
    states: dict[str, list[str]] = {}
    for c in found.columns:
        if c.kind == "outcome":
            states.setdefault(c.node, []).append(c.state)
    return [j for j, c in enumerate(found.columns) if c.kind == "judgement"
            or c.state in headline_states(tuple(states[c.node]))]


def sweep_table(found: Sweep) -> str:
    """A sweep's variants as rows: the varied numbers (named in a legend above), then each
    outcome's headline states and each key judgement, in percent (90% interval)."""
    spread = (f"; 90% intervals over {found.samples:,} draws, seed {found.seed}"
              if found.samples else "; exact")
    lines = [f"{found.title} ({found.scenario}, {found.digest}): "
             + counted(len(found.variants), "variant") + spread]
    lines += [f"  [{i}] {v.name}  ({v.place.label})" for i, v in enumerate(found.inputs, 1)]
    if found.expected is not None:
        lines.append(f"  the reader's decisions solved anew in each variant, for "
                     f"{found.decider}: 'EU' is its maximum expected utility"
                     + (", 'best' the option to take first" if found.best else ""))
    shown = sweep_columns(found)
    several = len(found.readings) > 1
    rows = [["variant", *(["reading"] if several else []),
             *(f"[{i}]" for i in range(1, len(found.inputs) + 1)),
             *(found.columns[j].name for j in shown),
             *(["EU"] if found.expected is not None else []),
             *(f"best {d}" for d in found.best)]]
    for i, v in enumerate(found.variants):
        cells = [decimal_percent(float(found.probabilities[i, j])) for j in shown]
        if found.low is not None and found.high is not None:
            cells = [f"{cell} ({percent(float(found.low[i, j])).removesuffix('%')}-"
                     f"{percent(float(found.high[i, j]))})" for cell, j in zip(cells, shown,
                                                                           strict=True)]
        worth = [] if found.expected is None else [f"{float(found.expected[i]):,.4g}"]
        rows.append([str(v.index), *([v.reading] if several else []),
                     *(decimal_percent(x) for x in v.values), *cells, *worth,
                     *(options[i] for options in found.best.values())])
    align = ("r" + ("l" if several else "") + "r" * (len(found.inputs) + len(shown)
                                                     + (found.expected is not None))
             + "l" * len(found.best))
    return "\n".join(lines) + "\n" + table(rows, align)


def folder_analyses(run: FolderAnalysis) -> str:
    """Each analysis of a folder run, one after the other, under a rule naming its file."""
    return "\n\n".join(f"{'=' * 8} {shown(a.scenario)}\n{render(a)}" for a in run.analyses)
