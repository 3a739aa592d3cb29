"""What `scenario timeline`, `scenario score` and `scenario diff` print."""

from __future__ import annotations

import math
from typing import Any

from ..analysis.diff import Diff
from ..analysis.scores import Scores
from ..history import Score
from ..language.probability import decimal_percent, points, term_for
from ..scenario import Scenario
from .format import headline_states, signed
from .text import table


def timeline_text(s: Scenario, frame: Any) -> str:
    """The forecast's history: per outcome (its headline states) and judgement, one line per
    date with the probability, its term, the move in points and the day's evidence."""
    blocks = [f"{s.title} ({s.id}): the forecast's history, as of {s.file.as_of} and after "
              f"each dated entry"]
    groups: list[tuple[str, Any]] = []
    for node in s.outcomes:
        for state in headline_states(tuple(s.nodes[node].states)):
            rows = frame[(frame["node"] == node) & (frame["state"] == state)]
            groups.append((f"{s.nodes[node].label} ({node}={state})", rows))
    for j in s.judgement_specs:
        rows = frame[(frame["kind"] == "judgement") & (frame["node"] == j.name)]
        groups.append((f"Judgement {j.name}: {j.statement}", rows))
    for title, rows in groups:
        lines = [("date", "p", "term", "move", "evidence")]
        before: float | None = None
        for r in rows.itertuples():
            p = float(r.probability)
            lines.append((str(r.date), decimal_percent(p), term_for(p),
                          "" if before is None else points(p - before) + " pts", r.evidence))
            before = p
        blocks.append(title + "\n" + table(lines, "lrlrl"))
    averaged = frame.attrs.get("time_averaged_brier", {})
    if averaged:
        blocks.append("Time-averaged Brier score (each day's forecast until the next entry): "
                      + ", ".join(f"{n} {b:.4f}" for n, b in averaged.items()))
    return "\n\n".join(blocks)


def timeline_json(s: Scenario, frame: Any) -> dict[str, Any]:
    rows = [{**r, "date": r["date"].isoformat(),
             "state": r["state"] if isinstance(r["state"], str) else None}  # pandas' NaN
            for r in frame.to_dict(orient="records")]
    return {"scenario": s.id, "as_of": s.file.as_of.isoformat(), "rows": rows,
            "time_averaged_brier": frame.attrs.get("time_averaged_brier", {})}


def _number(x: float, digits: int = 4) -> str:
    return "inf" if math.isinf(x) else "n/a" if math.isnan(x) else f"{x:.{digits}f}"


def score_table(sc: Score) -> str:
    lines = [("node", "happened", "forecast", "Brier", "log", "time-averaged Brier")]
    for n in sc.nodes:
        lines.append((n.node, n.state, decimal_percent(n.forecast[n.state]), _number(n.brier),
                      _number(n.log), _number(n.time_averaged_brier)))
    lines.append(("mean", "", "", _number(sc.brier), _number(sc.log),
                  _number(sc.time_averaged_brier)))
    return (f"{sc.scenario}: the forecast as it stood on {sc.as_at}, {len(sc.nodes)} resolved "
            "nodes\n" + table(lines, "llrrrr"))


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
    return "\n\n".join(blocks)


def diff_text(found: Diff) -> str:
    blocks = [f"What moved from {found.old} to {found.new}"]
    lines = [("", "old", "new", "move")]
    for m in found.moves:
        lines.append((m.key, "-" if m.old is None else decimal_percent(m.old),
                      "-" if m.new is None else decimal_percent(m.new),
                      "" if m.change is None else points(m.change) + " pts"))
    blocks.append(table(lines, "lrrr"))
    if not found.changes:
        blocks.append("No change that moves a probability (labels, citations and wording "
                      "are not counted).")
        return "\n\n".join(blocks)
    keys = [m.key for m in found.top_moves(5) if m.change is not None]
    rows = [("change", *keys)]
    for c in found.changes:
        rows.append((c.detail, *(signed(100 * c.effect.get(k, 0.0)) for k in keys)))
    blocks.append(f"Why, in points ({found.method}; each column adds up to its move)\n"
                  + table(rows, "l" + "r" * len(keys)))
    return "\n\n".join(blocks)
