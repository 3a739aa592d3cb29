"""The briefing's front as plain data: the key judgements with their bars, the what-ifs that
move them most and what would change our mind; then the named what-ifs beside the baseline
(an annex), and the in-page what-if panel with the network it computes on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from ..analysis.judgements import SETTLED, Judgement
from ..analysis.marginals import events_given_each
from ..analysis.policy import Strategy
from ..analysis.signposts import condition, descendants, strongest
from ..errors import shown_on_page
from ..language.events import event_nodes
from ..language.probability import percent, shown_term
from ..language.schema import WhatIf
from ..language.tables import FloatArray
from ..scenario import Scenario, words
from .context import (
    ROLE_GROUPS,
    ROLE_ORDER,
    Facts,
    Interval,
    OutcomeColumns,
    OutcomeSummary,
    Section,
    Settled,
    StateLine,
    interval,
    interval_of,
    outcome_columns,
    outcome_summary,
    state_lines,
)
from .decisions import actor_name
from .format import Direction, Pct, change, day, headline_states, pct, signed

if TYPE_CHECKING:
    from ..language.evidence_log import EntrySpec

# the front: bottom line up front ---------------------------------------------------------

FRONT_WHAT_IFS = 3  # the named what-ifs that move the outcomes most
FRONT_MOVES = 2  # outcomes named per what-if, largest moves first
MIN_MOVE = 0.05  # smaller moves are not put on the front


@dataclass(frozen=True)
class Move:
    """One outcome under a what-if: "rises to 59% from 38%"."""

    node: str
    state: str
    label: str
    before: str
    after: str
    change: float
    direction: Direction


@dataclass(frozen=True)
class FrontWhatIf:
    name: str
    settings: tuple[Setting, ...]
    moves: tuple[Move, ...]


@dataclass(frozen=True)
class MindChanger:
    """An observable development that would move an outcome most: a signpost sentence."""

    outcome: str  # the outcome's label
    node: str
    sentence: str
    shift: float
    shift_text: str
    direction: Direction


@dataclass(frozen=True)
class KeyJudgement:
    """One of the file's key judgements as the front states it (ICD 203: likelihood, then
    confidence, apart)."""

    name: str
    title: str  # the judgement's name in words: "Any strike"
    statement: str
    pct: Pct
    range: Interval
    judged: str  # "We judge this unlikely (45%; 90% range 34–58%)."; the confidence apart
    confidence: str
    reason: str  # why that confidence, in one line
    overridden: bool  # the analyst set the confidence in the file
    # where the evidence log settles it: "This has happened (evidence log: ...)." in `judged`,
    # and no estimative term or confidence shown
    settled: Settled | None = None


@dataclass(frozen=True)
class Front:
    outcomes: tuple[OutcomeSummary, ...]
    horizon: str
    samples: str  # how many draws the ranges come from, "10,000"
    ranged: bool  # whether any figure has a range (not when every number is written exact)
    judgements: tuple[KeyJudgement, ...]  # the file's key judgements; the outcomes' if none
    what_ifs: tuple[FrontWhatIf, ...]
    mind: tuple[MindChanger, ...]
    given: str = "with nothing observed or set"  # or the evidence log's entries
    course: tuple[str, ...] = ()  # the reader's best course, one sentence per decision
    worth: str = ""  # what the course is worth, and the most valuable information
    # the named what-ifs left off the front because they replace what the log observed
    off_log: tuple[str, ...] = ()

    @property
    def lead(self) -> str:
        """What the front opens with, as the page's skip link names it."""
        return "the best course" if self.course else "the key judgements"


def front_section(facts: Facts) -> Section | None:
    s = facts.scenario
    strategy = facts.analysis.strategy
    course, worth = _course(facts, strategy) if strategy is not None else ((), "")
    if not s.outcomes:
        # a file of the reader's own decisions: the front is the course and the judgements
        if not course and not facts.analysis.judgements:
            return None
        judged = _key_judgements(facts)
        return Section("front", "Bottom line up front", Front(
            (), day(s.file.horizon), f"{facts.analysis.samples:,}", False, judged,
            _front_what_ifs(facts, judged) if judged else (),
            _mind_changers(facts, judged) if judged else (), facts.given, course, worth,
            _off_log(facts) if judged else ()), part="front")
    spreads = {u.node: {st.state: st for st in u.states} for u in facts.analysis.uncertainty}
    summaries = tuple(_settle(facts, _confident(s, outcome_summary(
        s, o, facts.baseline[o], tuple(interval(spreads[o][st])
                                       for st in headline_states(s.nodes[o].states))),
        facts.analysis.outcome_judgements)) for o in s.outcomes)
    ranged = any(r.text for o in summaries for r in o.ranges)
    judged = _key_judgements(facts)
    return Section("front", "Bottom line up front", Front(
        summaries, day(s.file.horizon), f"{facts.analysis.samples:,}", ranged, judged,
        _front_what_ifs(facts, judged), _mind_changers(facts, judged), facts.given, course,
        worth, _off_log(facts)), part="front")


def _confident(s: Scenario, summary: OutcomeSummary,
               judged: tuple[Judgement, ...]) -> OutcomeSummary:
    """An outcome's sentence with the confidence its assessment as a judgement gives, in a
    file without key judgements (`judgements.outcome_specs`)."""
    for j in judged:
        node, _, state = j.name.partition("=")
        if node == summary.node:
            k = key_judgement(j)
            named = s.state_label(node, state) if summary.multi else ""
            return replace(summary, confidence=k.confidence, confident_in=named,
                           reason=k.reason)
    return summary


def _settle(facts: Facts, summary: OutcomeSummary) -> OutcomeSummary:
    """An outcome whose states the evidence log settles: "happened" or "ruled out" beside
    its bars, and its sentence saying so (no estimative term, no confidence)."""
    node = summary.node

    def at(state: str) -> Callable[[Scenario], float]:
        return lambda t: t.query(node)[state]

    found = tuple(None if summary.ranges and summary.ranges[i].high - summary.ranges[i].low
                  > SETTLED else facts.settled(line.pct.p, at(line.state))
                  for i, line in enumerate(summary.lines))
    if not any(found):
        return summary
    sentence = summary.sentence
    lead = found[0] if not summary.multi else next(
        (x for x in found if x is not None and x.happened), None)
    if lead is not None:
        named = f" {summary.lines[found.index(lead)].name}" if summary.multi else ""
        sentence = f"{summary.label}:{named} {lead.text}."
        return replace(summary, sentence=sentence, settled=found, confidence="",
                       confident_in="", reason="")
    return replace(summary, settled=found)


def _course(facts: Facts, strategy: Strategy) -> tuple[tuple[str, ...], str]:
    """The best course in words, one sentence per decision: its option where it is always
    the same, else each option with the states (of what varies when it is taken, on the
    course) under which it is best; then what the course is worth and the information worth
    most."""
    s = facts.scenario
    out = []
    for d in strategy.decisions:
        reached = [sit for sit in d.situations if sit.probability > 0]
        best = list(dict.fromkeys(sit.best for sit in reached))
        label = f"“{facts.label(d.node)}”"
        if len(best) <= 1:
            option = s.state_label(d.node, best[0]) if best else "any option"
            out.append(f"{label}: {option}.")
            continue
        varies = [n for n in d.knows if len({sit.known.get(n) for sit in reached}) > 1]
        parts = []
        for option in best:
            when = [sit for sit in reached if sit.best == option]
            conds = []
            for n in varies:
                states = list(dict.fromkeys(sit.known[n] for sit in when))
                conds.append(f"“{facts.label(n)}” is "
                             + " or ".join(s.state_label(n, st) for st in states))
            parts.append(f"{s.state_label(d.node, option)} when {' and '.join(conds)}")
        out.append(f"{label}: " + "; ".join(parts) + ".")
    worth = (f"Expected utility to {actor_name(strategy.actor)}: {signed(strategy.expected)} "
             f"(90% range {signed(strategy.low)} to {signed(strategy.high)}).")
    valuable = [i for i in strategy.information if not i.known_already and i.value > 1e-9]
    if valuable:
        top = valuable[0]
        worth += (f" The information worth most: knowing “{top.label}” before "
                  f"“{facts.label(top.before)}” would add {signed(top.value)}.")
    return tuple(out), worth


# ICD 203's terms as predicates: "we judge this likely", "... a roughly even chance"
JUDGED_AS = {"almost no chance": "to have almost no chance",
             "roughly even chance": "a roughly even chance"}


def _key_judgements(facts: Facts) -> tuple[KeyJudgement, ...]:
    return tuple(key_judgement(j, _judgement_settled(facts, j))
                 for j in facts.analysis.judgements)


def _judgement_settled(facts: Facts, j: Judgement) -> Settled | None:
    """Whether the evidence log settles the judgement: certain or impossible under every
    draw (as `judgements._settled` gives it high confidence)."""
    if j.high - j.low > SETTLED:
        return None
    return facts.settled(j.probability, lambda t: t.probability(j.event))


def key_judgement(j: Judgement, settled: Settled | None = None) -> KeyJudgement:
    """A judgement as the front states it (also how a notebook shows one): its likelihood in
    one sentence, its confidence in the next (ICD 203 keeps them apart); where the evidence
    log settles it (`settled`), what the log records instead, with neither."""
    shown, spread = pct(j.probability), interval_of(j.low, j.high)
    where = f"; 90% range {spread.text}" if spread.text else ""
    judged = (f"This {settled.text}." if settled is not None else
              f"We judge this {JUDGED_AS.get(shown.term, shown.term)} ({shown.text}{where}).")
    # the level is named beside the reason on the page ("Low confidence (set by the
    # analyst): ..."), so the reason leaves it out
    reason = j.confidence_reason.removeprefix(f"{j.confidence}: ").removeprefix(
        f"{j.confidence}, set by the analyst: ").rstrip(".") + "."
    return KeyJudgement(j.name, name_title(j.name), sentence(j.statement), shown, spread,
                        judged, j.confidence, reason, j.overridden, settled)


def sentence(text: str) -> str:
    """`text` as a sentence the next one may follow: a full stop added where it has none."""
    text = text.strip()
    if text[-1:] in ":;":  # a clause left open: closed here
        return text[:-1].rstrip() + "."
    # a closing bracket or quote ends it only after the sentence's own mark
    return text if text.rstrip(")]\"”’'")[-1:] in ".!?…" else f"{text}."


def name_title(name: str) -> str:
    text = words(name)
    return text[:1].upper() + text[1:]


def _judgement_moves(facts: Facts, judged: tuple[KeyJudgement, ...], w: WhatIf
                     ) -> list[Move] | None:
    """Each key judgement under a named what-if (None when its observations cannot happen
    together), leaving out those whose event names a node the what-if observes or sets."""
    s = facts.scenario
    touched = {*w.given, *w.do}
    afters = facts.what_if_events[w.name]
    if afters is None:
        return None
    moves = []
    for j, spec in zip(judged, facts.analysis.judgements, strict=True):
        if touched & set(event_nodes(s.event(spec.event))):
            continue
        before, after = spec.probability, afters[spec.name]
        moves.append(Move(j.name, "", j.title, percent(before), percent(after),
                          after - before, change(pct(before), pct(after))[1]))
    return moves


def _front_what_ifs(facts: Facts, judged: tuple[KeyJudgement, ...]
                    ) -> tuple[FrontWhatIf, ...]:
    """The named what-ifs whose largest move of any key judgement (of any outcome, in a
    file without judgements) is largest, each with the ones it moves most."""
    s = facts.scenario
    found = []
    for w in s.what_ifs:
        dists = facts.what_ifs[w.name]
        # one that replaces what the evidence log observed asks another case, not this one
        if dists is None or any(r.observed for r in replaced(facts, w)):
            continue
        if judged:
            moves = _judgement_moves(facts, judged, w) or []
            moves.sort(key=lambda m: -abs(m.change))
            kept = tuple(m for m in moves[:FRONT_MOVES] if abs(m.change) >= MIN_MOVE)
            if kept:
                found.append(FrontWhatIf(w.name, _settings(facts, w), kept))
            continue
        moves = []
        # An outcome the what-if itself observes or sets is a restatement, not a move.
        for o in (o for o in s.outcomes if o not in w.given and o not in w.do):
            for st in headline_states(s.nodes[o].states):
                before, after = facts.baseline[o][st], dists[o][st]
                label = s.nodes[o].label if len(headline_states(s.nodes[o].states)) == 1 \
                    else f"{s.nodes[o].label}: {s.state_label(o, st)}"
                moves.append(Move(o, st, label, percent(before), percent(after),
                                  after - before, change(pct(before), pct(after))[1]))
        moves.sort(key=lambda m: -abs(m.change))
        kept = tuple(m for m in moves[:FRONT_MOVES] if abs(m.change) >= MIN_MOVE)
        if kept:
            found.append(FrontWhatIf(w.name, _settings(facts, w), kept))
    found.sort(key=lambda f: -abs(f.moves[0].change))
    return tuple(found[:FRONT_WHAT_IFS])


def _off_log(facts: Facts) -> tuple[str, ...]:
    """The named what-ifs the front leaves out as they replace what the evidence log
    observed (the what-ifs annex marks them)."""
    return tuple(w.name for w in facts.scenario.what_ifs
                 if any(r.observed for r in replaced(facts, w)))


def _mind_changers(facts: Facts, judged: tuple[KeyJudgement, ...]
                   ) -> tuple[MindChanger, ...]:
    """For each key judgement (each outcome, in a file without judgements), the observable
    development that would move it furthest, when that is a move worth putting on the
    front."""
    if judged:
        events = [spec.event for spec in facts.analysis.judgements]
        given_each: dict[str, FloatArray | None] = {}  # node -> P(each event | its states)
        return tuple(found for k, (j, event) in enumerate(zip(judged, events, strict=True))
                     if (found := _judgement_signpost(facts, j, event, events, k,
                                                      given_each)) is not None)
    out = []
    for sp in facts.analysis.signposts:
        posts = [(strongest(p.observations), p) for p in sp.watch]
        posts = [(seen, p) for seen, p in posts if abs(seen.shift) >= MIN_MOVE]
        if not posts:
            continue
        seen, post = max(posts, key=lambda sp_: abs(sp_[0].shift))
        out.append(MindChanger(sp.label, post.node, post.sentence, seen.shift,
                               *change(pct(sp.base), pct(seen.posterior))))
    return tuple(out)


def _judgement_signpost(facts: Facts, j: KeyJudgement, event: str, events: list[str],
                        k: int, given_each: dict[str, FloatArray | None]
                        ) -> MindChanger | None:
    """The state of another node whose sighting moves the judgement (`event`, the k-th of
    `events`) furthest. Left out: the event's own nodes (seeing them restates it), their
    consequences (seeing those mostly means it has happened), and the reader's own
    decisions (chosen, not observed). `given_each` keeps each node's P(every event | its
    states), from one joint (`events_given_each`) shared by the judgements."""
    s = facts.scenario
    named = event_nodes(s.event(event))
    after: set[str] = set()
    for node in named:
        after |= descendants(s, node)
    best: tuple[float, str, str] | None = None
    for node, spec in s.nodes.items():
        if node in named or node in after or (spec.role == "decision" and not spec.params):
            continue
        if node not in given_each:
            given_each[node] = events_given_each(s, events, node)
        each = given_each[node]
        for i, state in enumerate(spec.states):
            if facts.baseline[node][state] <= 0:
                continue
            p = s.probability(event, given={node: state}) if each is None else \
                float(each[k, i])
            if best is None or abs(p - j.pct.p) > abs(best[0] - j.pct.p):
                best = (p, node, state)
    if best is None or abs(best[0] - j.pct.p) < MIN_MOVE:
        return None
    p, node, state = best
    now, then = shown_term(p), j.pct.term
    bands = f"{then} to {now}" if now != then else f"still {now}"
    way = "rises" if p > j.pct.p else "falls"
    sentence = (f"{condition(s.nodes[node], state, s.state_label(node, state))}, "
                f"“{j.title}” {way} to {percent(p)} from {j.pct.text} ({bands}).")
    return MindChanger(j.title, node, sentence, p - j.pct.p, *change(j.pct, pct(p)))


# named what-ifs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    node: str
    label: str
    state: str
    kind: Literal["given", "do"]  # observed, or set by intervention
    name: str = ""  # the state as the reader sees it


@dataclass(frozen=True)
class Cell:
    line: StateLine
    change_text: str
    direction: Direction


@dataclass(frozen=True)
class Replaced:
    """What of the evidence log a what-if's given or do replaces for its question."""

    node: str
    observed: bool  # an observation (else an uncertain report: a likelihood or belief)
    text: str  # "replaces the evidence log's observation of 12 Apr 2025: ... = yes"


def replaced(facts: Facts, w: WhatIf) -> tuple[Replaced, ...]:
    """The evidence log's observations and reports that the what-if replaces: an observation
    of another state, or any observation it sets by intervention (which drops what the
    observation said of its causes); every report on a node it observes or sets. Observing
    the state the log observed replaces nothing."""
    s = facts.scenario
    out = []
    for node, state, kind in [*((n, st, "given") for n, st in w.given.items()),
                              *((n, st, "do") for n, st in w.do.items())]:
        entries = [e for e in s.evidence if node in e.nodes]
        seen = [e for e in entries if e.kind == "observed"]
        label = facts.label(node)
        if seen:
            logged = seen[-1].observed[node]
            if kind == "do" or state != logged:
                out.append(Replaced(node, True, (
                    f"replaces the evidence log's observation of {_days(seen)}: {label} = "
                    f"{s.state_label(node, logged)}")))
            continue
        if entries:
            out.append(Replaced(node, False, (
                f"replaces the evidence log's {'report' if len(entries) == 1 else 'reports'} "
                f"of {_days(entries)} on {label}")))
    return tuple(out)


def _days(entries: list[EntrySpec]) -> str:
    return ", ".join(dict.fromkeys(day(e.date) for e in entries))


@dataclass(frozen=True)
class WhatIfRow:
    name: str
    description: str
    settings: tuple[Setting, ...]
    cells: tuple[Cell, ...]  # empty when impossible
    impossible: str  # why, when the observations cannot happen together
    replaces: tuple[str, ...] = ()  # what of the evidence log it replaces, in words


@dataclass(frozen=True)
class WhatIfTable:
    columns: tuple[OutcomeColumns, ...]
    baseline: tuple[StateLine, ...]
    rows: tuple[WhatIfRow, ...]
    given: str = "nothing observed or set"  # what the baseline holds


def _settings(facts: Facts, w: WhatIf) -> tuple[Setting, ...]:
    s = facts.scenario
    settings = tuple(Setting(n, facts.label(n), st, "given", s.state_label(n, st))
                     for n, st in w.given.items())
    return settings + tuple(Setting(n, facts.label(n), st, "do", s.state_label(n, st))
                            for n, st in w.do.items())


def what_ifs_section(facts: Facts) -> Section | None:
    s = facts.scenario
    if not s.what_ifs or not s.outcomes:
        return None
    baseline = tuple(line for o in s.outcomes for line in state_lines(s, o, facts.baseline[o]))
    rows = []
    for w in s.what_ifs:
        settings = _settings(facts, w)
        dists = facts.what_ifs[w.name]
        replaces = tuple(r.text[:1].upper() + r.text[1:] + "." for r in replaced(facts, w))
        if dists is None:
            seen = [f"{item.label} = {item.name}" for item in settings if item.kind == "given"]
            rows.append(WhatIfRow(w.name, w.description, settings, (),
                                  "These observations cannot happen together in this "
                                  f"scenario ({'; '.join(seen)}): their probability is 0.",
                                  replaces))
            continue
        cells = tuple(Cell(line, *change(base.pct, line.pct)) for base, line in zip(
            baseline, (ln for o in s.outcomes for ln in state_lines(s, o, dists[o])),
            strict=True))
        rows.append(WhatIfRow(w.name, w.description, settings, cells, "", replaces))
    return Section("what_ifs", "What-ifs", WhatIfTable(outcome_columns(s), baseline,
                                                       tuple(rows),
                                                       facts.given.removeprefix("with ")))


# the in-page what-if panel -----------------------------------------------------------------


@dataclass(frozen=True)
class Control:
    node: str
    label: str
    states: tuple[tuple[str, str], ...]  # (state, as the reader sees it)
    observed: str = ""  # the state the evidence log observed, preselected; "" for none


@dataclass(frozen=True)
class ControlGroup:
    title: str
    controls: tuple[Control, ...]


# The strengths a reader may give an uncertain report in the panel: a report k times as
# likely if the node is in the state it suggests as if it is in any other (a likelihood).
REPORT_ODDS = (3, 10)


@dataclass(frozen=True)
class Panel:
    groups: tuple[ControlGroup, ...]
    outcomes: tuple[OutcomeSummary, ...]
    model: dict[str, Any]  # the network, embedded as JSON for the page's script
    odds: tuple[int, ...] = REPORT_ODDS  # a reader's uncertain report: k to 1 for a state
    logged: bool = False  # the figures start from an evidence log (which Clear all clears)


def panel_section(facts: Facts) -> Section | None:
    s = facts.scenario
    if not s.outcomes:
        return None
    groups = []
    for role in ROLE_ORDER:
        controls = tuple(Control(n, spec.label, tuple((st, s.state_label(n, st))
                                                      for st in spec.states),
                                 s.background.given.get(n, ""))
                         for n, spec in s.nodes.items() if spec.role == role)
        if controls:
            groups.append(ControlGroup(ROLE_GROUPS[role], controls))
    outcomes = tuple(outcome_summary(s, o, facts.baseline[o]) for o in s.outcomes)
    return Section("panel", "Try your own what-if",
                   Panel(tuple(groups), outcomes, page_model(s), logged=bool(s.evidence)),
                   part="screen")


def page_model(s: Scenario) -> dict[str, Any]:
    """The network as the page's script reads it: tables flattened row-major from shape
    (card, *parent_cards), parents in declared order, first parent slowest."""
    net = s.net
    return {
        # the words the script writes into the page, control characters shown as escapes
        "nodes": [{"id": n, "label": shown_on_page(s.nodes[n].label),
                   "states": list(net.states[n]),
                   "stateLabels": [shown_on_page(s.state_label(n, st)) for st in net.states[n]],
                   "parents": list(net.parents[n]),
                   "table": [float(x) for x in net.tables[n].ravel()]} for n in net.states],
        "outcomes": [{"node": o, "states": list(headline_states(s.nodes[o].states))}
                     for o in s.outcomes],
        # the evidence log's likelihoods, one weight per state (its observations are
        # preselected in the panel's controls)
        "likelihood": {n: [float(ws.get(st, 1.0)) for st in net.states[n]]
                       for n, ws in s.background.likelihood.items()},
        # the same in words, for the panel's status line: [node, words], in the log's order
        "logReports": [[n, shown_on_page(_report_words(s, n))] for n in dict.fromkeys(
            n for e in s.evidence for n in e.nodes if n in s.background.likelihood)],
        # what the figures are once the reader clears the log too
        "forecastOf": day(s.file.as_of),
    }


def _report_words(s: Scenario, node: str) -> str:
    """The evidence log's uncertain reports on `node` in words: "Russia acts as a mediator
    in US-Iran nuclear talks (report of 23 May 2025)", "... (70% yes, belief of ...)"."""
    parts = []
    for e in s.evidence:
        if node in e.likelihood:
            parts.append(f"report of {day(e.date)}")
        elif node in e.believe:
            held = ", ".join(f"{percent(p)} {s.state_label(node, st)}"
                             for st, p in e.believe[node].items())
            parts.append(f"belief of {day(e.date)}: {held}")
    return f"{s.nodes[node].label} ({'; '.join(parts)})"
