"""Scenario files that are small on disk but large to answer: the worst cases of the memory
budget, for the tests and benchmarks/bench_memory.py."""

from __future__ import annotations

HEAD = """scenario: large
title: A large scenario
question: Does the answer fit in memory?
as_of: 2025-03-25
horizon: 2025-12-31
nodes:
"""


def chain_of_large_tables(nodes: int = 600, states: int = 100, aliases: bool = False) -> str:
    """Each node has `states` states and the two nodes before it as parents: tables of
    states^3 cells (1,000,000 at 100 states). With `aliases`, the states and the
    distribution are written once and aliased (about 80 KB, which the loader's alias budget
    refuses first); otherwise written out at every node (about 1 MB)."""
    names = "[" + ", ".join(f"s{i}" for i in range(states)) + "]"
    dist = "{" + ", ".join(f"s{i}: {1 / states:.6f}" for i in range(states - 1)) + "}"
    out = [HEAD]
    for i in range(nodes):
        role = "outcome" if i == nodes - 1 else "event"
        out.append(f"  n{i}:\n    label: n{i}\n    role: {role}\n")
        if i == 0:
            anchors = ("&s ", "&d ", "&b ") if aliases else ("", "", "")
            out.append(f"    states: {anchors[0]}{names}\n    prior: {anchors[1]}{dist}\n"
                       f"    because: {anchors[2]}[{{assumption: a}}]\n")
        else:
            parents = f"n{i - 1}" if i == 1 else f"n{i - 1}, n{i - 2}"
            if aliases:
                out.append(f"    states: *s\n    parents: [{parents}]\n"
                           "    table: [{when: otherwise, p: *d, because: *b}]\n")
            else:
                out.append(f"    states: {names}\n    parents: [{parents}]\n"
                           f"    table: [{{when: otherwise, p: {dist}, "
                           "because: [{assumption: a}]}]\n")
    return "".join(out)


def one_large_table(states: int = 100) -> str:
    """A node of `states` states with two parents of as many: states^3 cells (1,000,000 at
    100), every number a range, so the analyses draw the whole table."""
    names = "[" + ", ".join(f"s{i}" for i in range(states)) + "]"
    low, high = 0.5 / states, 1.5 / states
    dist = "{" + ", ".join(f"s{i}: [{low:.6f}, {high:.6f}]" for i in range(states)) + "}"
    return HEAD + f"""  a:
    label: a
    role: driver
    states: &s {names}
    prior: &d {dist}
    because: &b [{{assumption: a}}]
  b:
    label: b
    role: driver
    states: *s
    prior: *d
    because: *b
  c:
    label: c
    role: outcome
    states: *s
    parents: [a, b]
    table: [{{when: otherwise, p: *d, because: *b}}]
"""


def long_chain(nodes: int = 2000) -> str:
    """A chain of two-state nodes, each with a term and an exact number (uncertain draws)."""
    out = [HEAD]
    for i in range(nodes):
        role = "outcome" if i == nodes - 1 else ("driver" if i == 0 else "event")
        out.append(f"  n{i}:\n    label: n{i}\n    role: {role}\n")
        if i == 0:
            out.append("    prior: {yes: likely}\n    because: [{assumption: a}]\n")
        else:
            out.append(f"    parents: [n{i - 1}]\n    table:\n"
                       f"      - when: {{n{i - 1}: yes}}\n        p: {{yes: likely}}\n"
                       "        because: [{assumption: a}]\n"
                       "      - when: otherwise\n        p: {yes: 0.2}\n"
                       "        because: [{assumption: a}]\n")
    return "".join(out)
