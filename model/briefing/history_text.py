"""What `scenario timeline`, `scenario score` and `scenario diff` print.

Every text from a file (titles, labels, statements, evidence labels, names, the changes'
details, file names) goes through `errors.shown` where it is put in, so the tables line up and
a control character or a bidirectional override is printed as an escape (`\\x1b`, `\\u202e`)
that cannot act on the terminal; each line is passed through it once more as the blocks are
joined (`_joined`), for whatever else reaches one.
"""

from __future__ import annotations

import math
from typing import Any

from ..analysis.diff import Diff, Move
from ..analysis.scores import Scores
from ..errors import shown
from ..history import Score
from ..language.probability import decimal_percent, points, shown_points, term_for
from ..scenario import Scenario
from .format import headline_states, signed
from .text import table


def timeline_text(s: Scenario, frame: Any) -> str:
    """The forecast's history: per outcome (its headline states), resolved node that is not
    an outcome, and judgement, one line per date with the probability, its term, the move in
    points and the day's evidence. A move is the difference of the whole percents the
    briefing shows (`shown_points`), so the two give every step the same move."""
    blocks = [f"{shown(s.title)} ({shown(s.id)}): the forecast's history, as of "
              f"{s.file.as_of} and after each dated entry. Each move is the difference of "
              f"the whole percents the briefing shows in the tables under its charts, so it "
              f"may differ by a point from the difference of the tenths printed here."]
    groups: list[tuple[str, Any]] = []
    resolved = {r.node: r for r in s.resolutions}
    for kind in ("outcome", "resolved"):
        for node in dict.fromkeys(frame[frame["kind"] == kind]["node"]):
            r = resolved.get(node)
            settled = ("" if r is None else ("; " if kind == "outcome" else "; not an outcome, ")
                       + f"resolved {shown(r.state)} on {r.date}")
            for state in headline_states(tuple(s.nodes[node].states)):
                rows = frame[(frame["node"] == node) & (frame["state"] == state)]
                groups.append((f"{shown(s.nodes[node].label)} ({shown(node)}={shown(state)}"
                               f"{settled})", rows))
    for j in s.judgement_specs:
        rows = frame[(frame["kind"] == "judgement") & (frame["node"] == j.name)]
        groups.append((f"Judgement {shown(j.name)}: {shown(j.statement)}", rows))
    if not groups:
        blocks.append("Nothing to follow: the history follows every outcome (role: outcome), "
                      "key judgement and resolved node, and this file has none.")
    for title, rows in groups:
        lines = [("date", "p", "term", "move", "evidence")]
        before: float | None = None
        for r in rows.itertuples():
            p = float(r.probability)
            lines.append((str(r.date), decimal_percent(p), term_for(p),
                          "" if before is None else shown_points(before, p) + " pts",
                          shown(str(r.evidence))))
            before = p
        blocks.append(title + "\n" + table(lines, "lrlrl"))
    averaged = frame.attrs.get("time_averaged_brier", {})
    if averaged:
        blocks.append("Time-averaged Brier score of each resolved node (each day's forecast "
                      "until the next entry, until it was settled): "
                      + ", ".join(f"{shown(n)} {_number(b)}" for n, b in averaged.items()))
    return _joined(blocks)


def timeline_json(s: Scenario, frame: Any) -> dict[str, Any]:
    rows = [{**r, "date": r["date"].isoformat(),
             "state": r["state"] if isinstance(r["state"], str) else None}  # pandas' NaN
            for r in frame.to_dict(orient="records")]
    return {"scenario": s.id, "as_of": s.file.as_of.isoformat(), "rows": rows,
            "time_averaged_brier": frame.attrs.get("time_averaged_brier", {})}


def _number(x: float, digits: int = 4) -> str:
    return "inf" if math.isinf(x) else "n/a" if math.isnan(x) else f"{x:.{digits}f}"


def score_table(sc: Score) -> str:
    if not sc.nodes:
        return f"{shown(sc.scenario)}: nothing to score (no node is resolved)"
    lines = [("node", "happened", "forecast", "Brier", "log", "time-averaged Brier")]
    for n in sc.nodes:
        lines.append((shown(n.node), shown(n.state), decimal_percent(n.forecast[n.state]),
                      _number(n.brier), _number(n.log), _number(n.time_averaged_brier)))
    lines.append(("mean", "", "", _number(sc.brier), _number(sc.log),
                  _number(sc.time_averaged_brier)))
    count = f"{len(sc.nodes)} resolved node" + ("" if len(sc.nodes) == 1 else "s")
    return (f"{shown(sc.scenario)}: the forecast as it stood on {sc.as_at}, {count}\n"
            + table(lines, "llrrrr"))


def scores_text(found: Scores) -> str:
    blocks = [score_table(sc) for sc in found.scores]
    lines = [("band", "range", "forecasts", "mean forecast", "happened", "frequency")]
    for b in found.calibration:
        lines.append((b.term, f"{b.low:.0%}-{b.high:.0%}", str(b.forecasts),
                      "" if not b.forecasts else decimal_percent(b.mean_forecast),
                      str(b.happened), "" if not b.forecasts else decimal_percent(b.frequency)))
    blocks.append("Calibration: every state of every resolved node, by ICD 203 band of its "
                  "forecast (outermost bands take everything beyond them)\n"
                  + table(lines, "lrrrrr"))
    return _joined(blocks)


def _figure(m: Move, x: float | None) -> str:
    if x is None:
        return "-"
    return decimal_percent(x) if m.probability else signed(x, 2)


def _move(m: Move) -> str:
    change = m.change
    if change is None:
        return "" if m.attributed else "not compared"
    if m.probability:
        return points(change) + " pts"
    return ("+" if change > 0 else "") + signed(change, 2)


def diff_text(found: Diff) -> str:
    """Every move (old, new, and the move where the question is the same in both), the
    changes numbered, and each change's share of every attributed move that moved."""
    blocks = [f"What moved from {shown(str(found.old))} to {shown(str(found.new))}"]
    lines = [("", "old", "new", "move")]
    for m in found.moves:
        lines.append((shown(m.key), _figure(m, m.old), _figure(m, m.new), _move(m)))
    blocks.append(table(lines, "lrrr"))
    apart = found.unattributed()
    if apart:
        blocks.append("Not compared and not attributed, the question not being the same in "
                      "both versions: "
                      + "; ".join(f"{shown(m.node)} ({shown(m.note)})" for m in apart))
    if not found.changes:
        blocks.append("No change that moves a probability (labels, citations and wording "
                      "are not counted).")
        return _joined(blocks)
    blocks.append("Changes that move a probability (labels, citations and wording are not "
                  "counted)\n" + table([(str(i), shown(c.detail))
                                        for i, c in enumerate(found.changes, 1)], "rl"))
    moved = found.top_moves()
    if not moved:
        blocks.append("Nothing that is the same question in both versions moved.")
        return _joined(blocks)
    numbers = [str(i) for i in range(1, len(found.changes) + 1)]
    rows = [("", "move", *numbers)]
    for m in moved:
        rows.append((shown(m.key), _share(m, m.change or 0.0, plus=True),
                     *(_share(m, c.effect.get(m.key, 0.0)) for c in found.changes)))
    worth = any(not m.probability for m in moved)
    blocks.append("Why, in points" + (" (an expected utility in its own units)" if worth else "")
                  + ": each change's share of each move, by its number above; each row adds "
                  f"up to its move ({found.method}).\nEvery move that is the same question in "
                  "both versions and moved (by 0.05 points or more) is shown, of a yes/no question "
                  "the first state (the other "
                  "moves by as much); --json has every state.\n"
                  + table(rows, "lr" + "r" * len(numbers)))
    return _joined(blocks)


def _joined(blocks: list[str]) -> str:
    """The blocks a blank line apart, each line with anything that would act on a terminal
    escaped."""
    return "\n".join(shown(line) for line in "\n\n".join(blocks).split("\n"))


def _share(m: Move, x: float, plus: bool = False) -> str:
    """A move or a change's share of it: points to one decimal, or utility to two."""
    text = signed(100 * x, 1) if m.probability else signed(x, 2)
    return ("+" if plus and x > 0 and text.strip("0.") else "") + text
