"""The briefing's two diagrams as DOT: the network, and the scenario tree.

Graphviz node names are internal ids (`n0`, `t3`); every scenario string reaches the DOT
only through `diagram.quote`/`diagram.label`, and the hover texts through `render_svg`'s
titles, which are escaped there.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass

from ..analysis.tree import ScenarioTree, TreePath
from ..language.probability import percent, percents
from ..scenario import Scenario
from .format import headline_states
from .graphviz import label, quote

LABEL_WIDTH = 24
TREE_LABEL_WIDTH = 22
# A leaf's lines run wide, an outcome's label on one line where it can: the tree grows as
# tall as its leaves' lines, and on paper (a diagram as wide as the page) a shorter tree
# is drawn larger.
LEAF_LABEL_WIDTH = 50
LEAF_STATE_LINES = 3  # of a state's name at a leaf
MAX_STATE_LINES = 5
FONT = "Helvetica"


@dataclass(frozen=True)
class RoleStyle:
    name: str  # as the legend says it
    shape: str
    style: str
    fill: str
    border: str
    text: str


ROLE_STYLES: Mapping[str, RoleStyle] = {
    "driver": RoleStyle("Driver", "box", "rounded,filled", "#e3ebf5", "#3d5a80", "#1b2a3d"),
    "decision": RoleStyle("Decision", "box", "filled", "#e6f0e4", "#4a7045", "#1e3320"),
    "event": RoleStyle("Event", "ellipse", "filled", "#f3f4f6", "#8a94a3", "#222a33"),
    "outcome": RoleStyle("Outcome", "box", "rounded,filled,bold", "#fbeadb", "#b4582a",
                         "#3d1e0e"),
}

_GRAPH = (f'graph [bgcolor="transparent", fontname="{FONT}", pad="0.12", '
          'charset="UTF-8"];\n'
          f'node [fontname="{FONT}", fontsize="10.5", margin="0.14,0.06", penwidth="1.2"];\n'
          f'edge [fontname="{FONT}", fontsize="9.5", color="#98a2b0", fontcolor="#3b4654", '
          'arrowsize="0.6", penwidth="1.1"];\n')


# A label may run to 20,000 characters (limits.MAX_TEXT): a diagram shows at most this many
# lines of one (about 200 characters, whole for any label written as a label), then "…", so
# no node grows past what Graphviz lays out; the hover and the tables keep it whole.
MAX_LABEL_LINES = 8
MAX_STATE_NAME = 60  # characters of a state's name in a diagram's probability lines


def clip(text: str, chars: int) -> str:
    """`text` cut to `chars` characters, "…" the last, where it is longer."""
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def wrap(text: str, width: int, max_lines: int | None = MAX_LABEL_LINES) -> list[str]:
    # "US-Russia" stays on one line: a name, not two words
    lines = textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: width - 1].rstrip() + "…"
    return lines


def sibling_percents(tree: ScenarioTree) -> dict[tuple[str, ...], str]:
    """Each drawn branch's percent, rounded with its drawn siblings and (when some states
    are not drawn) the rest, so the branches out of one node add up to 100."""
    children: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for path in tree.paths:
        for depth in range(1, len(path.states) + 1):
            prefix = path.states[:depth]
            kids = children.setdefault(prefix[:-1], [])
            if prefix not in kids:
                kids.append(prefix)
    out: dict[tuple[str, ...], str] = {}
    for kids in children.values():
        ps = [tree.branch_probability(k) for k in kids]
        rest = 1.0 - sum(ps)
        texts = percents([*ps, rest] if rest > 1e-9 else ps)
        out.update(zip(kids, texts, strict=False))
    return out


def rounded(dist: Mapping[str, float], states: tuple[str, ...]) -> dict[str, str]:
    """Each state's percent, the states rounded together to add up to 100."""
    return dict(zip(states, percents([dist[s] for s in states]), strict=True))


def state_lines(dist: Mapping[str, float], states: tuple[str, ...],
                names: Mapping[str, str] | None = None) -> list[str]:
    """The probability lines under a node's name: one for yes/no, one per state otherwise;
    each state by `names` (how the reader sees it), else its name."""
    shown = headline_states(states)
    text = rounded(dist, states)
    name = {s: clip(n, MAX_STATE_NAME) for s, n in (names or {}).items()}
    if len(shown) == 1:
        return [f"{text[shown[0]]} {name.get(shown[0], shown[0])}"]
    lines = [f"{name.get(s, s)} {text[s]}" for s in states[:MAX_STATE_LINES]]
    if len(states) > MAX_STATE_LINES:
        lines[-1] = f"… {len(states) - MAX_STATE_LINES + 1} more"
    return lines


def network_dot(s: Scenario, baseline: Mapping[str, Mapping[str, float]]
                ) -> tuple[str, dict[str, str]]:
    """The network's DOT, nodes styled by role and labelled with their current
    probabilities, and the hover text of each Graphviz node and edge."""
    ids = {name: f"n{i}" for i, name in enumerate(s.nodes)}
    titles: dict[str, str] = {}
    out = ["digraph network {\n", _GRAPH,
           'graph [rankdir="TB", nodesep="0.25", ranksep="0.28"];\n']
    for name, spec in s.nodes.items():
        style = ROLE_STYLES[spec.role]
        names = {st: s.state_label(name, st) for st in spec.states}
        lines = wrap(spec.label, LABEL_WIDTH) + state_lines(baseline[name], spec.states, names)
        multi = " multi" if len(headline_states(spec.states)) > 1 else ""
        out.append(f'{ids[name]} [id={quote("net-" + name)}, class="node-{spec.role}{multi}", '
                   f'shape="{style.shape}", style="{style.style}", fillcolor="{style.fill}", '
                   f'color="{style.border}", fontcolor="{style.text}", '
                   f"label={label(lines)}];\n")
        hover = f"{spec.label} ({style.name.lower()})"
        titles[ids[name]] = f"{hover}: {spec.description}" if spec.description else hover
    for name, spec in s.nodes.items():
        for parent in spec.parents:
            if spec.reader_decision:  # an information arc: known when deciding, not a cause
                out.append(f'{ids[parent]} -> {ids[name]} [style="dashed"];\n')
                titles[f"{ids[parent]}->{ids[name]}"] = (
                    f"{s.nodes[parent].label} is known when deciding {spec.label}")
                continue
            out.append(f"{ids[parent]} -> {ids[name]};\n")
            titles[f"{ids[parent]}->{ids[name]}"] = (
                f"{s.nodes[parent].label} → {spec.label}")
    out.append("}\n")
    return "".join(out), titles


def tree_dot(s: Scenario, tree: ScenarioTree, as_of: str,
             evidence_to: str = "") -> tuple[str, dict[str, str]]:
    """The tree's DOT, drawn left to right: branch probabilities on edges, outcomes at the
    leaves; and the hover text of each Graphviz node and edge. The root says when the
    futures are seen from: "As of" the date, or, with evidence in effect (`evidence_to`,
    the last entry's date), the forecast of as_of moved by the log up to that day."""
    ids: dict[tuple[str, ...], str] = {(): "t0"}
    leaf_text = percents([leaf.probability for leaf in tree.leaves])
    branch_text = sibling_percents(tree)
    seen = [f"As of {as_of}"] if not evidence_to else [f"Forecast of {as_of}",
                                                       f"evidence to {evidence_to}"]
    titles: dict[str, str] = {"t0": f"Every future, as seen on {as_of}" if not evidence_to
                              else f"Every future, as the forecast of {as_of} sees it with "
                                   f"the evidence to {evidence_to}"}
    out = ["digraph tree {\n", _GRAPH,
           'graph [rankdir="LR", nodesep="0.1", ranksep="0.32"];\n',
           'node [shape="box", style="rounded,filled", fillcolor="#ffffff", '
           'color="#b7c0cc"];\n',
           f't0 [id="tree-root", class="tree-root", fillcolor="#1f3a5f", color="#1f3a5f", '
           f'fontcolor="#ffffff", label={label([*seen, "100%"])}];\n']
    for path, share in zip(tree.paths, leaf_text, strict=False):
        for depth in range(1, len(tree.drivers) + 1):
            prefix = path.states[:depth]
            if prefix in ids:
                continue
            ids[prefix] = node_id = f"t{len(ids)}"
            driver = tree.drivers[depth - 1]
            state = s.state_label(driver, prefix[-1])
            lines = [*wrap(s.nodes[driver].label, TREE_LABEL_WIDTH), state]
            out.append(f'{node_id} [id="tree-{node_id}", class="tree-branch", '
                       f'label={label(lines)}];\n')
            p = tree.branch_probability(prefix)
            shown = branch_text[prefix]
            width = 0.8 + 3.2 * tree.prefix_probability[prefix]
            out.append(f'{ids[prefix[:-1]]} -> {node_id} [label={quote(shown)}, '
                       f'penwidth="{width:.2f}"];\n')
            titles[node_id] = f"{s.nodes[driver].label}: {state}"
            titles[f"{ids[prefix[:-1]]}->{node_id}"] = (
                f"{s.nodes[driver].label} = {state}, given the branches before: {shown}"
                + ("" if shown == percent(p) else f" ({percent(p)} alone)"))
        leaf = f"leaf{path.rank}"
        out.append(_leaf(s, path, leaf, f"Path {path.rank} · {share}"))
        out.append(f"{ids[path.states]} -> {leaf} [arrowhead=\"none\", style=\"dotted\"];\n")
        titles[leaf] = "Path " + str(path.rank) + ": " + ", ".join(
            f"{s.nodes[d].label} = {s.state_label(d, st)}"
            for d, st in zip(tree.drivers, path.states, strict=True))
    if tree.other is not None:
        other = tree.other
        head = f"{tree.other_count} other paths · {leaf_text[-1]}"
        out.append(_leaf(s, other, "leaf0", head))
        out.append(f't0 -> leaf0 [style="dashed", label={quote(leaf_text[-1])}];\n')
        titles["leaf0"] = f"The {tree.other_count} less likely paths, taken together"
    out.append("}\n")
    return "".join(out), titles


def _leaf(s: Scenario, path: TreePath, node_id: str, head: str) -> str:
    lines = [head]
    for o, dist in path.outcomes.items():
        spec = s.nodes[o]
        shown = headline_states(spec.states)
        text = rounded(dist, spec.states)
        # Whole labels, wrapped under the first line's text (never cut).
        if len(shown) == 1:
            first, *rest = wrap(spec.label, LEAF_LABEL_WIDTH)
            lines.append(f"{text[shown[0]]:>4}  {first}")
            lines.extend(f"      {more}" for more in rest)
        else:
            lines.extend(wrap(spec.label + ":", LEAF_LABEL_WIDTH + 6))
            for st in shown:
                first, *rest = wrap(s.state_label(o, st), LEAF_LABEL_WIDTH, LEAF_STATE_LINES)
                lines.append(f"{text[st]:>4}  {first}")
                lines.extend(f"      {more}" for more in rest)
    # A wide margin: the WebAssembly Graphviz underestimates text widths a little.
    return (f'{node_id} [id="tree-{node_id}", class="tree-leaf", fillcolor="#f7f8fa", '
            f'color="#c9d0d9", margin="0.22,0.07", label={label(lines, "left")}];\n')
