"""Import and export: other tools' Bayesian-network files to scenario YAML, and back.

A file in BIF, XMLBIF, Hugin NET, GeNIe XDSL or UAI becomes a scenario whose every number is
the file's own, marked "no citation"; a scenario's network goes out through pgmpy's writers,
so it opens in GeNIe, Hugin, Netica or SamIam. Whatever a format cannot carry is returned as
a warning, never dropped silently.

pgmpy 1.1.2's readers and writers are used as they are except where they break on other
tools' files:

- Hugin NET: `%` comments are removed first; pgmpy's NETReader reads them as data.
- UAI is read here. pgmpy's UAIReader stores tables child-first (the format lists the last
  variable of a scope fastest), takes parent order from a set (so it changes from run to run)
  and cannot read numbers written like 1e-05.
- NET export writes every digit; pgmpy's NETWriter rounds to 8 decimals.
"""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
import json
import math
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np

from .errors import LimitError, Problem, ScenarioError
from .files import write_atomic
from .language.graph import CycleError, topological_order
from .language.probability import SUM_TOLERANCE
from .language.schema import NAME_PATTERN, STATE_PATTERN
from .language.tables import FloatArray
from .limits import MAX_FILE_BYTES, MAX_IMPORT_BYTES, MAX_NAME
from .network.net import Net

if TYPE_CHECKING:
    from .scenario import Scenario

SUFFIXES = {".bif": "bif", ".xmlbif": "xmlbif", ".bifxml": "xmlbif", ".xml": "xmlbif",
            ".net": "net", ".xdsl": "xdsl", ".uai": "uai"}
ImportFormat = Literal["bif", "xmlbif", "net", "xdsl", "uai"]
ExportFormat = Literal["bif", "xmlbif", "net", "xdsl"]
IMPORT_FORMATS: tuple[ImportFormat, ...] = get_args(ImportFormat)
EXPORT_FORMATS: tuple[ExportFormat, ...] = get_args(ExportFormat)
# A column off by more than this is not a rounded distribution but a broken table.
BROKEN_SUM = 0.01
# Names Hugin and GeNIe accept for nodes and states.
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
NODE_RULE = (NAME_PATTERN, r"[^A-Za-z0-9_\-]", "n")
STATE_RULE = (STATE_PATTERN, r"[^A-Za-z0-9_\-.]", "s")
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-.]*$")
# Words YAML 1.2 reads as a boolean or null: written quoted.
_YAML_WORDS = {"true", "false", "null"}


@dataclass(frozen=True)
class Converted:
    """A converted file's text and what the conversion could not carry over."""

    text: str
    warnings: tuple[Problem, ...] = ()

    def save(self, output: str | Path) -> Path:
        """Write the text to `output` (UTF-8), creating its folder."""
        return write_atomic(output, self.text)


@dataclass(frozen=True, kw_only=True)
class Imported(Converted):
    """An imported scenario's YAML, warnings, and the scenario loaded from it."""

    scenario: Scenario


@dataclass(frozen=True)
class NetworkFile:
    """A network read from another tool's file, names made valid here."""

    net: Net
    labels: Mapping[str, str]  # node -> its name in the file
    warnings: tuple[Problem, ...] = ()


# import --------------------------------------------------------------------------------------


def format_of(path: str | Path) -> str:
    """The format a file name says (`.gz` aside), or a ScenarioError naming the known ones."""
    name = Path(path).name.lower().removesuffix(".gz")
    fmt = SUFFIXES.get(Path(name).suffix)
    if fmt is None:
        known = ", ".join(sorted(SUFFIXES))
        raise ScenarioError(Problem(f"cannot tell the format of '{Path(path).name}'",
                                    file=str(path), hint=f"name it with one of {known}"))
    return fmt


def read_network(path: str | Path) -> NetworkFile:
    """The network in a BIF, XMLBIF, NET, XDSL or UAI file (gzipped or not), with names made
    valid for scenarios and columns that miss 1 by rounding scaled; each change is a warning."""
    path = Path(path)
    fmt = format_of(path)
    text = _read_text(path)
    try:
        net = _parse_uai(text) if fmt == "uai" else _parse_with_pgmpy(fmt, text)
    except ScenarioError as exc:
        raise ScenarioError([replace(p, file=str(path)) for p in exc.problems]) from None
    except Exception as exc:  # pgmpy's parsers raise anything from KeyError to pyparsing's
        raise ScenarioError(Problem(f"cannot read it as {fmt.upper()}: {type(exc).__name__}: "
                                    f"{exc}", file=str(path),
                                    hint=f"check that it is a valid {fmt.upper()} file")) from None
    if not net.states:
        raise ScenarioError(Problem(f"no nodes found in it as {fmt.upper()}", file=str(path),
                                    hint=f"check that it is a valid {fmt.upper()} file"))
    found = [Problem("UAI files keep no names: nodes are called var_0, var_1, ... and states "
                     "0, 1, ... in the file's order", file=str(path),
                     hint="rename them in the scenario")] if fmt == "uai" else []
    valid, renamed = _valid_names(net)
    valid, scaled = _scaled_columns(valid)
    labels = dict(zip(valid.states, net.states, strict=True))
    problems = (*found, *(replace(p, file=str(path)) for p in (*renamed, *scaled)))
    return NetworkFile(valid, labels, problems)


def import_network(path: str | Path, output: str | Path | None = None,
                   today: dt.date | None = None) -> Imported:
    """A scenario YAML of the network in `path`, loaded as from `output` to check it.

    Every number is the file's, with `because: [{assumption: "imported from FILE; no
    citation"}]`; roots are drivers and leaves outcomes; `as_of` and `horizon` are today.
    """
    from .scenario import loads

    path = Path(path)
    found = read_network(path)
    text = scenario_yaml(found.net, path.name, today or dt.date.today(), found.labels)
    target = Path(output) if output is not None else path.with_name(_stem(path) + ".yaml")
    size = len(text.encode())
    if size > MAX_FILE_BYTES:
        raise LimitError(Problem(f"the scenario would be {size:,} bytes, over the limit of "
                                 f"{MAX_FILE_BYTES:,} for a scenario file", file=str(path),
                                 hint="the network is too large to edit as a scenario"))
    return Imported(text, found.warnings, scenario=loads(text, target))


def _read_text(path: Path) -> str:
    try:
        with gzip.open(path) if path.suffix.lower() == ".gz" else path.open("rb") as file:
            data = file.read(MAX_IMPORT_BYTES + 1)  # no further, even from a gzip bomb
        if len(data) > MAX_IMPORT_BYTES:
            raise LimitError(Problem(f"the file holds over {MAX_IMPORT_BYTES:,} bytes, the "
                                     "import limit", file=str(path)))
        return _decode(data)
    except (gzip.BadGzipFile, EOFError, UnicodeDecodeError, LookupError) as exc:
        raise ScenarioError(Problem(f"cannot read it: {exc}", file=str(path),
                                    hint="save it as UTF-8 text, gzipped or not")) from None
    except OSError as exc:
        raise ScenarioError(Problem(f"cannot read it: {exc.strerror or exc}", file=str(path),
                                    hint="check the path")) from None


def _decode(data: bytes) -> str:
    """UTF-8, or the encoding an XML file declares (GeNIe writes ISO-8859-1)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        declared = re.match(rb"""<\?xml[^>]*encoding=["']([A-Za-z0-9_.\-]+)""", data)
        if declared is None:
            raise
        return data.decode(declared.group(1).decode("ascii"))


def _parse_with_pgmpy(fmt: str, text: str) -> Net:
    from .network.pgmpy_engine import net_from_pgmpy

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgmpy import readwrite

        if fmt == "bif":
            model = readwrite.BIFReader(string=text).get_model()
        elif fmt == "xmlbif":
            model = readwrite.XMLBIFReader(string=text).get_model()
        elif fmt == "net":
            model = readwrite.NETReader(string=_without_hugin_comments(text)).get_model()
        else:
            _check_xdsl_nodes(text)
            model = readwrite.XDSLReader(string=text).get_model()
    missing = sorted(set(model.nodes) - {cpd.variable for cpd in model.get_cpds()})
    if missing:
        raise ScenarioError(Problem(f"node '{missing[0]}' has no probability table"))
    return _checked_tables(net_from_pgmpy(model))


def _without_hugin_comments(text: str) -> str:
    """Hugin's `%` comments removed, except inside quoted strings."""
    return re.sub(r'("[^"\\]*(?:\\.[^"\\]*)*")|%[^\n]*', lambda m: m.group(1) or "", text)


def _check_xdsl_nodes(text: str) -> None:
    """pgmpy reads only `cpt` nodes of XDSL and would silently drop the others."""
    import xml.etree.ElementTree as ET

    nodes = ET.fromstring(text).find("nodes")
    kinds = sorted({e.tag for e in nodes} - {"cpt"}) if nodes is not None else []
    if kinds:
        raise ScenarioError(Problem(f"XDSL nodes of type {', '.join(kinds)} are not supported",
                                    hint="in GeNIe, convert them to chance nodes "
                                         "(cpt) before exporting"))


def _parse_uai(text: str) -> Net:
    """A UAI 'BAYES' file: each function's scope ends with its child; last variable fastest."""
    tokens = re.sub(r"#[^\n]*", "", text).split()
    if not tokens or tokens[0].upper() != "BAYES":
        kind = tokens[0] if tokens else "an empty file"
        raise ScenarioError(Problem(f"expected a UAI 'BAYES' network, found {kind}",
                                    hint="only Bayesian networks have conditional tables"))
    read = _Tokens(tokens[1:])
    n = read.count("variables")
    cards = [read.count("states") for _ in range(n)]
    scopes = [[read.index(n) for _ in range(read.count("scope size"))]
              for _ in range(read.count("functions"))]
    names = [f"var_{i}" for i in range(n)]
    children = [scope[-1] for scope in scopes if scope]
    repeated = any(len(set(scope)) < len(scope) for scope in scopes)
    if len(scopes) != n or sorted(children) != list(range(n)) or repeated:
        raise ScenarioError(Problem("a Bayesian network's UAI file has one function per "
                                    "variable, ending with that variable, each variable "
                                    "once in a scope"))
    tables: dict[str, FloatArray] = {}
    parents: dict[str, tuple[str, ...]] = {}
    for scope in scopes:
        shape = tuple(cards[v] for v in scope)
        values = read.values(math.prod(shape))
        child = names[scope[-1]]
        tables[child] = np.moveaxis(values.reshape(shape), -1, 0)
        parents[child] = tuple(names[v] for v in scope[:-1])
    states = {names[i]: tuple(str(s) for s in range(cards[i])) for i in range(n)}
    return _checked_tables(_ordered(states, parents, tables))


class _Tokens:
    """A reader of UAI's whitespace-separated numbers with messages that say what was due."""

    def __init__(self, tokens: Sequence[str]):
        self.tokens = tokens
        self.at = 0

    def _next(self, what: str) -> str:
        if self.at >= len(self.tokens):
            raise ScenarioError(Problem(f"the file ends where the {what} is due"))
        self.at += 1
        return self.tokens[self.at - 1]

    def count(self, what: str) -> int:
        token = self._next(f"number of {what}")
        if not token.isdigit():
            raise ScenarioError(Problem(f"expected the number of {what}, found '{token}'"))
        return int(token)

    def index(self, n: int) -> int:
        value = self.count("a variable index")
        if value >= n:
            raise ScenarioError(Problem(f"variable index {value} is beyond the {n} variables"))
        return value

    def values(self, expected: int) -> FloatArray:
        count = self.count("table values")
        if count > len(self.tokens) - self.at:
            raise ScenarioError(Problem(f"the file ends before the {count:,} values of a table"))
        if count != expected:
            raise ScenarioError(Problem(f"a table has {count} values where its scope needs "
                                        f"{expected}"))
        out = np.empty(count)
        for i in range(count):
            token = self._next("table value")
            try:
                out[i] = float(token)
            except ValueError:
                raise ScenarioError(Problem(f"'{token}' is not a number")) from None
        return out


def _ordered(states: Mapping[str, tuple[str, ...]], parents: Mapping[str, tuple[str, ...]],
             tables: Mapping[str, FloatArray]) -> Net:
    try:
        order = topological_order(parents)
    except CycleError as exc:
        raise ScenarioError(Problem(f"the network has a {exc}")) from None
    return Net({n: states[n] for n in order}, {n: parents[n] for n in order},
               {n: tables[n] for n in order})


def _checked_tables(net: Net) -> Net:
    """Refuse tables that are not conditional distributions (beyond rounding)."""
    for node, table in net.tables.items():
        sums = table.reshape(table.shape[0], -1).sum(axis=0)
        if not np.all(np.isfinite(table)) or table.min() < 0:
            raise ScenarioError(Problem("its table holds a negative or non-finite number",
                                        node=node))
        worst = float(np.abs(sums - 1).max())
        if worst > BROKEN_SUM:
            raise ScenarioError(Problem(f"a column of its table sums to "
                                        f"{sums[np.abs(sums - 1).argmax()]:.6g}, not 1",
                                        node=node, hint="fix the table in the original tool"))
    return net


def _scaled_columns(net: Net) -> tuple[Net, list[Problem]]:
    """Columns that miss 1 by more than our tolerance (but only by rounding) scaled to 1."""
    tables = dict(net.tables)
    problems = []
    for node, table in net.tables.items():
        sums = table.sum(axis=0, keepdims=True)
        off = np.abs(sums - 1) > SUM_TOLERANCE
        if off.any():
            tables[node] = np.where(off, table / sums, table)
            problems.append(Problem(f"{int(off.sum())} column(s) of its table summed to as "
                                    f"little as {sums.min():.8g} or as much as "
                                    f"{sums.max():.8g}; scaled to sum to 1", node=node))
    return Net(net.states, net.parents, tables), problems


def _valid_names(net: Net) -> tuple[Net, list[Problem]]:
    """Node and state names made to match the scenario language, each change a warning."""
    nodes = _renames(list(net.states), NODE_RULE)
    problems = []
    if any(old != new for old, new in nodes.items()):
        problems.append(Problem("node names renamed to be valid here: " + _listed(nodes),
                                hint="node names are letters, digits, _ and -, starting "
                                     "with a letter or _"))
    states: dict[str, tuple[str, ...]] = {}
    for node, names in net.states.items():
        mapping = _renames(list(names), STATE_RULE)
        states[nodes[node]] = tuple(mapping[s] for s in names)
        if any(old != new for old, new in mapping.items()):
            problems.append(Problem("state names renamed to be valid here: " + _listed(mapping),
                                    node=nodes[node],
                                    hint="state names are letters, digits, _, - and ."))
    parents = {nodes[n]: tuple(nodes[p] for p in ps) for n, ps in net.parents.items()}
    tables = {nodes[n]: t for n, t in net.tables.items()}
    return Net(states, parents, tables), problems


def _renames(names: Sequence[str], rule: tuple[str, str, str]) -> dict[str, str]:
    """Each name, or a valid stand-in no other name has: `rule` is (pattern, characters to
    replace, prefix for a name that may not start as it does)."""
    pattern, bad, prefix = rule
    valid = re.compile(pattern)
    taken = {n for n in names if valid.match(n) and len(n) <= MAX_NAME}
    out: dict[str, str] = {}
    for name in names:
        if name in taken:
            out[name] = name
            continue
        base = re.sub(bad, "_", name)
        if not valid.match(base):
            base = f"{prefix}_{base}"
        base = new = base[:MAX_NAME - 6]
        for i in itertools.count(2):
            if new not in taken:
                break
            new = f"{base}_{i}"
        taken.add(new)
        out[name] = new
    return out


def _listed(mapping: Mapping[str, str], most: int = 8) -> str:
    changed = [f"'{old}' -> '{new}'" for old, new in mapping.items() if old != new]
    more = f" and {len(changed) - most} more" if len(changed) > most else ""
    return ", ".join(changed[:most]) + more


# the scenario YAML ---------------------------------------------------------------------------


def scenario_yaml(net: Net, source: str, today: dt.date,
                  labels: Mapping[str, str] | None = None) -> str:
    """A scenario file of `net`: the numbers exact, each marked as imported from `source`;
    `labels` are the nodes' names in the source where they differ."""
    stem = _stem(Path(source))
    scenario_id = _renames([stem], NODE_RULE)[stem]
    because = _flow({"assumption": f"imported from {source}; no citation"})
    has_children = {p for ps in net.parents.values() for p in ps}
    lines = [
        f"# Imported from {_scalar(source)} by `scenario import` on {today.isoformat()}.",
        "# Every number is the file's own, marked \"no citation\": cite a source for each "
        "one you keep.",
        "# Roles are guessed from the graph: nodes without parents are drivers, nodes "
        "without children outcomes.",
        f"scenario: {scenario_id}",
        f"title: {_scalar(f'{scenario_id} (imported from {source})')}",
        f"question: {_scalar(f'What does the {scenario_id} network imply for its outcomes?')}",
        f"as_of: {today.isoformat()}",
        f"horizon: {today.isoformat()}",
        f"description: {_scalar(f'Imported from {source}: its numbers, without citations.')}",
        "nodes:",
    ]
    for node, states in net.states.items():
        parents = net.parents[node]
        role = "driver" if not parents else "event" if node in has_children else "outcome"
        label = (labels or {}).get(node, node)
        lines += [f"  {_scalar(node)}:", f"    label: {_scalar(label)}", f"    role: {role}",
                  f"    states: [{', '.join(_scalar(s) for s in states)}]"]
        table = net.tables[node]
        if not parents:
            lines += [f"    prior: {_distribution(states, table)}",
                      f"    because: [{because}]"]
            continue
        lines += [f"    parents: [{', '.join(_scalar(p) for p in parents)}]", "    table:"]
        columns = table.reshape(len(states), -1)
        combos = itertools.product(*(net.states[p] for p in parents))
        for column, combo in enumerate(combos):
            when = _flow(dict(zip(parents, combo, strict=True)))
            lines.append(f"      - {{when: {when}, p: {_distribution(states, columns[:, column])}"
                         f", because: [{because}]}}")
    return "\n".join(lines) + "\n"


def _distribution(states: Sequence[str], values: FloatArray) -> str:
    return "{" + ", ".join(f"{_scalar(s)}: {float(v)!r}"
                           for s, v in zip(states, values, strict=True)) + "}"


def _flow(mapping: Mapping[str, str]) -> str:
    return "{" + ", ".join(f"{_scalar(k)}: {_scalar(v)}" for k, v in mapping.items()) + "}"


def _scalar(text: str) -> str:
    """`text` as a YAML scalar that every YAML reader takes for this string."""
    if _PLAIN.match(text) and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)


def _stem(path: Path) -> str:
    name = path.name.removesuffix(".gz").removesuffix(".GZ")
    return Path(name).stem or "imported"


# export --------------------------------------------------------------------------------------


def export_scenario(scenario: Scenario, to: ExportFormat) -> Converted:
    """The scenario's network (tables at point values) as a `to` file, with what it drops."""
    uncertain = sum(1 for p in scenario.params if p.prob.uncertain)
    notes = [Problem(f"{uncertain} probabilities written as ranges or terms are exported at "
                     "their point values", file=scenario.document.name)] if uncertain else []
    if scenario.reader_decisions:
        notes.append(Problem(
            f"the reader's decisions ({', '.join(scenario.reader_decisions)}) are exported as "
            f"chance nodes holding {scenario.decider}'s best policy (tables of 0s and 1s): "
            f"{to.upper()} export keeps no decision or utility nodes", file=scenario.document.name))
    converted = export_network(scenario.net, to, scenario.id)
    notes.append(Problem(f"{to.upper()} keeps the network only: labels, descriptions, roles, "
                         "citations, what-ifs and utilities stay in the scenario",
                         file=scenario.document.name))
    return Converted(converted.text, (*notes, *converted.warnings))


def export_network(net: Net, to: str, name: str) -> Converted:
    """`net` written by pgmpy's writer for `to` (bif, xmlbif, net or xdsl)."""
    if to not in WRITERS:
        raise ScenarioError(Problem(f"cannot export to '{to}'",
                                    hint="formats: " + ", ".join(EXPORT_FORMATS)))
    from .network.pgmpy_engine import build_network

    model = build_network(net.states, net.parents, net.tables)
    model.name = name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Converted(WRITERS[to](model, name), tuple(_name_warnings(net, to)))


def _bif(model: Any, name: str) -> str:
    from pgmpy.readwrite import BIFWriter

    return str(BIFWriter(model))


def _xmlbif(model: Any, name: str) -> str:
    from pgmpy.readwrite import XMLBIFWriter

    return str(XMLBIFWriter(model))


def _net(model: Any, name: str) -> str:
    from pgmpy.readwrite import NETWriter

    class ExactNETWriter(NETWriter):  # type: ignore[misc]
        def net_cpd(self, var_name: str) -> str:
            return _nested(np.moveaxis(self.tables[var_name], 0, -1))

    return str(ExactNETWriter(model))


def _nested(values: FloatArray) -> str:
    """Hugin's nested parentheses, every digit of each number kept."""
    if values.ndim == 1:
        return "(" + " ".join(repr(float(v)) for v in values) + ")"
    return "(" + " ".join(_nested(v) for v in values) + ")"


def _xdsl(model: Any, name: str) -> str:
    import xml.dom.minidom as md
    import xml.etree.ElementTree as ET

    from pgmpy.readwrite import XDSLWriter

    writer = XDSLWriter(model, network_id=name)
    pretty = md.parseString(ET.tostring(writer.root, encoding="utf-8")).toprettyxml(indent="  ")
    return str(pretty)


WRITERS: dict[str, Callable[[Any, str], str]] = {
    "bif": _bif, "xmlbif": _xmlbif, "net": _net, "xdsl": _xdsl}


def _name_warnings(net: Net, fmt: str) -> list[Problem]:
    """Names the target format, or the tools that read it, would change or refuse."""
    problems = []
    if fmt == "xmlbif":
        for node, states in net.states.items():
            changed = {s: re.sub(r"[^A-Za-z0-9_]+", "_", s) for s in states}
            if len(set(changed.values())) < len(states):
                raise ScenarioError(Problem("XMLBIF allows only letters, digits and _ in state "
                                            "names, which would make two of its states the "
                                            "same: " + _listed(changed), node=node,
                                            hint="rename the states, or export to another "
                                                 "format"))
            if any(old != new for old, new in changed.items()):
                problems.append(Problem("XMLBIF allows only letters, digits and _ in state "
                                        "names: written as " + _listed(changed), node=node))
    if fmt in ("net", "xdsl"):
        tool = "Hugin" if fmt == "net" else "GeNIe"
        bad_nodes = [n for n in net.states if not IDENTIFIER.match(n)]
        if bad_nodes:
            problems.append(Problem(f"{tool} takes only identifiers (letters, digits, _) as "
                                    f"node names, not: {', '.join(bad_nodes[:8])}",
                                    hint="rename them in the scenario before exporting"))
        if fmt == "xdsl":
            bad_states = sorted({s for ss in net.states.values() for s in ss
                                 if not IDENTIFIER.match(s)})
            if bad_states:
                problems.append(Problem("GeNIe takes only identifiers (letters, digits, _; "
                                        "starting with a letter) as state names, not: "
                                        + ", ".join(bad_states[:8]),
                                        hint="rename them in the scenario before exporting"))
    return problems
