"""Names as each export format (and the tools that read it) allow them.

The scenario language allows any text; BIF, Hugin NET and GeNIe's XDSL do not. A name a
format does not allow is written as a name it does (the other characters made `_`, a
prefix where it may not start as it does, a number where two would be the same), and the
original names are recorded in the file (`language.formats.record`), so reading it back here
restores them. Each change is told in a warning. XMLBIF takes any text (but spaces at either
end, which XML readers strip); UAI keeps no names at all.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..errors import Problem
from ..language.formats.record import NameRecord
from ..network.net import Net

# Words a BIF reader takes as keywords (pyAgrum refuses them as names).
_BIF_WORDS = {"network", "variable", "probability", "property", "type", "discrete", "default",
              "table"}
_HUGIN_WORDS = {"net", "node", "potential", "class", "discrete", "continuous", "decision",
                "utility", "chance", "function", "instance", "temporal"}
# Names shown in a warning before "and N more".
SHOWN = 10


@dataclass(frozen=True)
class Rule:
    """What one format allows: a pattern a name must match, words it may not be, the
    characters replaced where it does not, and a prefix for a name that may not start so."""

    tool: str
    allowed: str  # in words, for the warning
    pattern: re.Pattern[str]
    words: frozenset[str]
    replace: re.Pattern[str]
    prefix: str

    def fits(self, name: str) -> bool:
        return self.pattern.fullmatch(name) is not None and name not in self.words


def _rule(tool: str, allowed: str, pattern: str, words: Iterable[str], replace: str,
          prefix: str) -> Rule:
    return Rule(tool, allowed, re.compile(pattern, re.ASCII), frozenset(words),
                re.compile(replace), prefix)


# BIF: as pyAgrum's reader takes names (pgmpy's takes more): a letter or _, then letters,
# digits, _ . -; or digits and then a letter other than e; states may also be whole numbers.
_BIF_NAME = r"(?:[A-Za-z_][A-Za-z0-9_.\-]*|[0-9]+[A-DF-Za-df-z_][A-Za-z0-9_.\-]*)"
_NOT_XML = "\ufffe\uffff\ud800-\udfff"
_XML_NAME = rf"[^\s{_NOT_XML}](?:[^\n{_NOT_XML}]*[^\s{_NOT_XML}])?"
_XML_REPLACE = rf"^\s+|\s+$|[{_NOT_XML}]"
_XML_ALLOWED = "text without spaces at either end (and without U+FFFE or U+FFFF)"
RULES: dict[str, tuple[Rule, Rule]] = {
    "bif": (
        _rule("pyAgrum's BIF reader", "letters, digits, _, . and - (a leading digit followed "
              "by a letter other than e)", _BIF_NAME, _BIF_WORDS, r"[^A-Za-z0-9_.\-]", "n_"),
        _rule("pyAgrum's BIF reader", "letters, digits, _, . and - (a leading digit followed "
              "by a letter other than e), or whole numbers", rf"(?:{_BIF_NAME}|-?[0-9]+)",
              _BIF_WORDS, r"[^A-Za-z0-9_.\-]", "s_"),
    ),
    "net": (
        _rule("Hugin", "letters, digits and _, not starting with a digit",
              r"[A-Za-z_][A-Za-z0-9_]*", _HUGIN_WORDS, r"[^A-Za-z0-9_]", "n_"),
        # printable ASCII: pyAgrum's reader reads other characters as nothing at all
        _rule("Hugin", "printable ASCII but a double quote", r'[ !#-~]+', (), r'[^ !#-~]',
              "s_"),
    ),
    # XML readers strip the whitespace around a name; any other text is kept as it is, but
    # the noncharacters U+FFFE and U+FFFF (and lone surrogates), which XML cannot hold.
    "xmlbif": (
        _rule("XMLBIF readers", _XML_ALLOWED, _XML_NAME, (), _XML_REPLACE, "n_"),
        _rule("XMLBIF readers", _XML_ALLOWED, _XML_NAME, (), _XML_REPLACE, "s_"),
    ),
    "xdsl": (
        _rule("GeNIe", "letters, digits and _, starting with a letter",
              r"[A-Za-z][A-Za-z0-9_]*", (), r"[^A-Za-z0-9_]", "n"),
        _rule("GeNIe", "letters, digits and _, starting with a letter",
              r"[A-Za-z][A-Za-z0-9_]*", (), r"[^A-Za-z0-9_]", "s"),
    ),
}


@dataclass(frozen=True)
class Written:
    """A network's names as a format writes them, and what was changed."""

    nodes: Mapping[str, str]  # scenario name -> written name
    states: Mapping[str, tuple[str, ...]]  # scenario node -> written states
    record: NameRecord
    warnings: tuple[Problem, ...]


def written_names(net: Net, fmt: str, file: str | None) -> Written:
    """Each node's and state's name as `fmt` writes it; a warning lists every change."""
    if fmt not in RULES:
        return Written({n: n for n in net.states}, dict(net.states), NameRecord(), ())
    node_rule, state_rule = RULES[fmt]
    nodes = _mapped(list(net.states), node_rule)
    states = {n: tuple(_mapped(list(s), state_rule).values()) for n, s in net.states.items()}
    changed_nodes = [(old, new) for old, new in nodes.items() if old != new]
    changed_states = [(node, old, new) for node, names in net.states.items()
                      for old, new in zip(names, states[node], strict=True) if old != new]
    warnings = []
    restores = "the file records the original names, which loading it here restores"
    if changed_nodes:
        listed = _listed([f"'{old}' -> '{new}'" for old, new in changed_nodes])
        warnings.append(Problem(
            f"{node_rule.tool} reads node names of {node_rule.allowed} only: "
            f"{len(changed_nodes):,} written otherwise: {listed}", file=file, hint=restores))
    if changed_states:
        listed = _listed([f"'{old}' -> '{new}' ({node})" for node, old, new in changed_states])
        warnings.append(Problem(
            f"{state_rule.tool} reads state names of {state_rule.allowed} only: "
            f"{len(changed_states):,} written otherwise: {listed}", file=file, hint=restores))
    record = NameRecord(
        {new: old for old, new in changed_nodes},
        {nodes[node]: {new: old for old, new in zip(net.states[node], states[node],
                                                     strict=True) if old != new}
         for node in net.states if states[node] != net.states[node]})
    return Written(nodes, states, record, tuple(warnings))


def _mapped(names: Sequence[str], rule: Rule) -> dict[str, str]:
    """Each name, or a stand-in the rule allows that no other name has."""
    taken = {n for n in names if rule.fits(n)}
    out: dict[str, str] = {}
    for name in names:
        if rule.fits(name):
            out[name] = name
            continue
        base = rule.replace.sub("_", name) or "_"
        if not rule.fits(base):
            base = rule.prefix + base
            if not rule.fits(base):
                base = rule.prefix + re.sub(r"[^A-Za-z0-9_]", "_", base)
        out[name] = _unused(base, taken)
    return out


def _unused(base: str, taken: set[str]) -> str:
    """`base`, or `base_2`, `base_3`, ...: the first not `taken` yet (it is taken now)."""
    name = base
    for i in itertools.count(2):
        if name not in taken:
            break
        name = f"{base}_{i}"
    taken.add(name)
    return name


def _listed(items: Sequence[str]) -> str:
    more = f" and {len(items) - SHOWN:,} more" if len(items) > SHOWN else ""
    return ", ".join(items[:SHOWN]) + more


def identifier(text: str, rule: Rule) -> str:
    """`text` (a scenario id, say) as a name the rule allows."""
    return _mapped([text], rule)[text]


def fresh(text: str, rule: Rule | None, taken: set[str]) -> str:
    """`text` as a name the rule allows that is not `taken` yet (it is taken now): a node
    the file adds, such as a utility node."""
    return _unused(identifier(text, rule) if rule is not None else text, taken)
