"""The decision tree drawn as inline SVG, left to right, the way decision-tree tools draw it
(SilverDecisions, DPL): squares for decisions, circles for chance, triangles for end values;
each branch's option or state above it and its probability below; the rolled-back value
under every node; the end points in one column at the right; the branches of the best
strategy drawn bold and green.

The layout is a tidy tree: end points (and folded subtrees) take one row each, every other
node sits midway between its first and last branch. Text widths are estimated from
character counts (no font metrics in the page's maker). Every string from the scenario is
escaped here; the SVG uses presentation attributes and classes only, no inline styles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup
from markupsafe import escape as markup_escape

from ..analysis.decision_tree import Branch, DecisionTree, TreeNode
from ..errors import shown_on_page
from ..language.probability import percents
from .figures import clip, wrap
from .format import signed


def escape(text: object) -> Markup:
    """Text for the SVG: HTML-escaped, its control characters shown as escapes."""
    return markup_escape(shown_on_page(str(text)))

FONT = 11  # px
CHAR = 6.1  # px per character at FONT, generously
ROW = 30  # px between end points, each with its branch's words and chance above it
SLANT = 22  # px of an edge's diagonal part
NODE = 8  # half the size of a node's symbol
MIN_GAP = 96  # px from one column of nodes to the next
PAD = 14
HEAD_LINES = 2  # of a predicted tree's column headings
OPTIMAL = "#2f6b2f"
EDGE = "#aab3bf"
INK = "#1c2430"
MUTED = "#6b7684"
PROB = "#1f4f8a"
FILL = {"decision": ("#e6f0e4", "#4a7045"), "chance": ("#fbf1d6", "#9a7b1f"),
        "end": ("#e3ebf5", "#3d5a80")}


@dataclass
class _Placed:
    node: TreeNode
    depth: int
    x: float
    y: float
    on_path: bool  # reached by the best strategy (or, for a predicted tree, any path)
    via: Branch | None  # the branch into it


def tree_svg(tree: DecisionTree, label: Callable[[str], str],
             actor_name: Callable[[str], str]) -> str:
    """The tree as an <svg> element; `label` names a scenario node, `actor_name` an actor."""
    multi = len(tree.actors) > 1
    placed: list[_Placed] = []
    rows = [0]
    top = PAD + 16 + (12 * HEAD_LINES if tree.kind == "predicted" else 0)

    def place(node: TreeNode, depth: int, on_path: bool, via: Branch | None) -> _Placed:
        spot = _Placed(node, depth, 0.0, 0.0, on_path, via)
        placed.append(spot)
        kids = [place(b.child, depth + 1, on_path and (b.probability is not None or
                                                       bool(b.best)), b)
                for b in node.branches]
        if kids:
            spot.y = (kids[0].y + kids[-1].y) / 2
        else:
            spot.y = top + rows[0] * ROW
            rows[0] += 1
        return spot

    place(tree.root, 0, True, None)
    depth = max(p.depth for p in placed)
    # The gap before each column: room for the widest branch text into it.
    gaps = [0.0] * (depth + 1)
    for p in placed:
        if p.via is not None:
            above, below = _edge_texts(p.via, tree, actor_name, [p.via])
            text = max(len(above), len(below)) if _is_option(p.via, tree) else \
                len(above) + 1 + len(below)
            gaps[p.depth] = max(gaps[p.depth], MIN_GAP, SLANT + 2 * NODE + 18 + CHAR * text)
    if tree.kind == "predicted":  # room for each column's heading in HEAD_LINES lines
        for d, name in enumerate(tree.order[1:depth + 1], start=1):
            if d < depth:
                gaps[d + 1] = max(gaps[d + 1], CHAR * (len(label(name)) / HEAD_LINES + 6))
    left = PAD + CHAR * 8  # room for the root's value
    columns = [left]
    for d in range(1, depth + 1):
        columns.append(columns[-1] + gaps[d])
    end_x = columns[-1]
    for p in placed:
        p.x = end_x if p.node.kind == "end" and p.node.branches == [] and not p.node.folded \
            else columns[p.depth]
    end_text = max((len(_end_text(p.node, tree, actor_name, multi)) for p in placed
                    if not p.node.branches), default=0)
    width = end_x + NODE + 10 + CHAR * end_text + PAD
    height = top + rows[0] * ROW - ROW / 2
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="decision-tree" role="img" '
           f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
           f'font-family="Helvetica, Arial, sans-serif" font-size="{FONT}" '
           f'aria-label="Decision tree of {escape(label(tree.decision))}: its numbers are in '
           f'the tables under it">']
    if tree.kind == "predicted":  # every node of a column is the same node: name it once
        for d, name in enumerate(tree.order[:depth + 1]):
            room = (gaps[d + 1] if d < depth else CHAR * end_text) / CHAR
            lines = wrap(label(name), max(12, int(room) - 2), HEAD_LINES)
            for k, line in enumerate(lines):
                out.append(f'<text x="{columns[d] - NODE:.1f}" y="{PAD + 4 + 12 * k:.1f}" '
                           f'fill="{MUTED}" font-size="{FONT - 1}" class="dt-column">'
                           f"{escape(line)}</text>")
    by_node = {id(p.node): p for p in placed}
    for p in placed:
        for b in p.node.branches:
            out.append(_edge(p, by_node[id(b.child)], b, tree, actor_name))
    for p in placed:
        out.append(_node(p, tree, label, actor_name, multi))
    out.append("</svg>")
    return "".join(out)


def _chance_text(b: Branch, siblings: list[Branch]) -> str:
    """A branch's chance, rounded with its siblings' so that they add up to 100."""
    if b.probability is None:
        return ""
    texts = percents([x.probability or 0.0 for x in siblings])
    return next(t for x, t in zip(siblings, texts, strict=True) if x is b)


def _edge_texts(b: Branch, tree: DecisionTree, actor_name: Callable[[str], str],
                siblings: list[Branch]) -> list[str]:
    """What a branch says above its line (the option or state) and below (its chance, and
    for a predicted decision's options each actor's expected utility)."""
    above = b.label
    below = _chance_text(b, siblings)
    if _is_option(b, tree) and tree.kind == "predicted":
        if b.best:
            above += " · best for " + ", ".join(actor_name(a) for a in b.best)
        below += "   " + _values(b.child.values, tree, actor_name)
    return [above, below]


def _is_option(b: Branch, tree: DecisionTree) -> bool:
    return any(b is c for c in tree.root.branches)


def _values(values: tuple[float, ...], tree: DecisionTree,
            actor_name: Callable[[str], str]) -> str:
    if len(tree.actors) == 1:
        return signed(values[0])
    return " · ".join(f"{actor_name(a)} {signed(v)}" for a, v in zip(tree.actors, values,
                                                                      strict=True))


def _end_text(node: TreeNode, tree: DecisionTree, actor_name: Callable[[str], str],
              multi: bool) -> str:
    text = _values(node.values, tree, actor_name)
    if node.folded:
        text = "… " + text
    elif not node.certain or node.lumped:
        text = "≈ " + text if not multi else text
    return text


def _edge(parent: _Placed, child: _Placed, b: Branch, tree: DecisionTree,
          actor_name: Callable[[str], str]) -> str:
    x0, y0 = parent.x + NODE, parent.y
    x1, y1 = child.x - NODE - 2, child.y
    bend = min(x0 + 6 + SLANT, x1)
    if tree.kind == "reader":
        optimal, faded = child.on_path, not child.on_path
        color, stroke = (OPTIMAL, 2.4) if optimal else (EDGE, 1.3)
    else:
        optimal, faded = False, False
        color, stroke = (INK, 1.6) if _is_option(b, tree) else (EDGE, 1.3)
    above, below = _edge_texts(b, tree, actor_name, parent.node.branches)
    cls = "dt-edge" + (" dt-optimal" if optimal else "") + (" dt-off" if faded else "")
    data = f' data-state="{escape(b.state)}"'
    if b.probability is not None:
        data += f' data-chance="{b.probability!r}"'
    weight = ' font-weight="700"' if b.best else ""
    # A chance alone goes on the label's line, so that end points can sit close; an option's
    # worth to each actor gets its own line under the branch.
    inline = below and not _is_option(b, tree)
    chance = (f'<tspan fill="{PROB}" font-weight="400" font-size="{FONT - 1}"> {escape(below)}'
              "</tspan>" if inline else "")
    parts = [f'<g class="{cls}"{data}>',
             f'<polyline points="{x0:.1f},{y0:.1f} {x0 + 6:.1f},{y0:.1f} {bend:.1f},{y1:.1f} '
             f'{x1:.1f},{y1:.1f}" fill="none" stroke="{color}" stroke-width="{stroke}"/>',
             f'<text x="{bend + 4:.1f}" y="{y1 - 5:.1f}" fill="{MUTED if faded else INK}"'
             f'{weight}>{escape(above)}{chance}</text>']
    if below and not inline:
        parts.append(f'<text x="{bend + 4:.1f}" y="{y1 + 13:.1f}" fill="{PROB}" '
                     f'font-size="{FONT - 1}">{escape(below)}</text>')
    parts.append("</g>")
    return "".join(parts)


def _node(p: _Placed, tree: DecisionTree, label: Callable[[str], str],
          actor_name: Callable[[str], str], multi: bool) -> str:
    node = p.node
    kind = node.kind if node.branches or node.folded or node.kind != "end" else "end"
    fill, stroke = FILL[kind]
    faded = tree.kind == "reader" and not p.on_path
    dash = ' stroke-dasharray="3 2"' if node.folded else ""
    x, y = p.x, p.y
    if kind == "decision":
        shape = (f'<rect x="{x - NODE:.1f}" y="{y - NODE:.1f}" width="{2 * NODE}" '
                 f'height="{2 * NODE}" fill="{fill}" stroke="{stroke}" stroke-width="1.4"{dash}/>')
    elif kind == "chance":
        shape = (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{NODE}" fill="{fill}" stroke="{stroke}" '
                 f'stroke-width="1.4"{dash}/>')
    else:
        shape = (f'<polygon points="{x - NODE:.1f},{y:.1f} {x + NODE:.1f},{y - NODE:.1f} '
                 f'{x + NODE:.1f},{y + NODE:.1f}" fill="{fill}" stroke="{stroke}" '
                 f'stroke-width="1.4"{dash}/>')
    value = _values(node.values, tree, actor_name)
    title = _title(node, tree, label, value)
    out = [f'<g class="dt-node dt-{kind}{" dt-off" if faded else ""}'
           f'{" dt-folded" if node.folded else ""}" data-shape="{kind}" '
           f'data-value="{node.values[0]!r}"'
           + (f' data-node="{escape(node.node)}"' if node.node else "") + ">",
           f"<title>{escape(title)}</title>", shape]
    ink = MUTED if faded else INK
    if node.branches:
        if node.node is not None and tree.kind == "reader":
            # Right-aligned above the symbol: clear of the branches leaving it (to the right)
            # and of the label above the branch coming in (lower, to the left); left-aligned
            # where that would run past the drawing's left edge (the root's, as a rule).
            name = _short(label(node.node))
            fits = len(name) * (CHAR - 0.5) <= x + NODE
            out.append(f'<text x="{(x + NODE if fits else x - NODE):.1f}" '
                       f'y="{y - NODE - 8:.1f}" text-anchor="{"end" if fits else "start"}" '
                       f'fill="{MUTED}" font-size="{FONT - 1}">{escape(name)}</text>')
        if not multi:
            out.append(f'<text x="{x:.1f}" y="{y + NODE + 13:.1f}" text-anchor="middle" '
                       f'fill="{ink}" font-weight="700">{escape(value)}</text>')
    else:
        text = _end_text(node, tree, actor_name, multi)
        if node.folded and node.node is not None:
            text = f"{_short(label(node.node))} {text}"
        out.append(f'<text x="{x + NODE + 6:.1f}" y="{y + 4:.1f}" fill="{ink}" '
                   f'font-weight="700">{escape(text)}</text>')
    out.append("</g>")
    return "".join(out)


def _title(node: TreeNode, tree: DecisionTree, label: Callable[[str], str], value: str) -> str:
    worth = "worth" if len(tree.actors) == 1 else "worth, to each actor,"  # named in `value`
    if node.kind == "decision" and not node.folded and tree.kind == "reader":
        return f"{label(node.node or '')}: a decision; {worth} {value} at its best option"
    if node.kind == "decision" and not node.folded:  # another actor's, with its odds
        return (f"{label(node.node or '')}: a choice the file predicts; expected {worth} "
                f"{value} with each option as likely as predicted")
    if node.folded:
        return (f"{label(node.node or '')}: not drawn in full to keep the tree readable; "
                f"{worth} {value}")
    if node.kind == "chance":
        return f"{label(node.node or '')}: chance; expected {worth} {value}"
    if node.lumped:
        return f"{node.lumped} less likely states together: expected {worth} {value}"
    how = "the end value" if node.certain else "the expected value from here on"
    return f"{how}: {value}"


def _short(text: str, chars: int = 26) -> str:
    return clip(text, chars)
