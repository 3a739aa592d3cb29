"""Import and export: other tools' network files to scenarios and back, exact to 1e-9;
network files and pgmpy's bundled networks loaded as they are; names kept."""

from __future__ import annotations

import datetime as dt
import gzip
import importlib.util
import json
import subprocess
import sys
import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import model
from model.cli import main
from model.errors import LimitError, ScenarioError
from model.interop import EXPORT_FORMATS, export_network, export_scenario, import_network
from model.interop.yaml_out import dump
from model.language.formats import load_network, read_network
from model.language.loader import parse_document
from model.limits import MAX_IMPORT_BYTES
from model.network.net import Net


def _examples() -> Path:
    """pgmpy's wheel ships classic networks as gzipped BIF; nothing is downloaded."""
    spec = importlib.util.find_spec("pgmpy")
    assert spec is not None and spec.origin is not None, "pgmpy is a dependency"
    return Path(spec.origin).parent / "utils" / "example_models"


EXAMPLES = _examples()
NETWORKS = Path(__file__).parent / "fixtures" / "networks"
SUFFIX = {"bif": ".bif", "xmlbif": ".xmlbif", "net": ".net", "xdsl": ".xdsl", "uai": ".uai"}
TODAY = dt.date(2025, 6, 1)

# Three-state nodes, a node name with '-', state names with digits, '-' and '.', a range
# and thirds: what the formats must carry exactly.
RICH = """\
scenario: rich
title: Round trip
question: Does every format keep every number?
as_of: 2025-01-01
horizon: 2025-12-31
nodes:
  level:
    label: Level
    states: [1, 2, 3]
    prior: {1: 0.2, 2: 0.3}
    because: [{assumption: a guess}]
  cost-rise:
    label: Cost
    parents: [level]
    states: [low-ish, v1.5, high]
    table:
      - when: {level: 1}
        p: {low-ish: 0.14285714285714285, v1.5: 0.2}
        because: [{assumption: a guess}]
      - when: otherwise
        p: {low-ish: [0.1, 0.3], high: 0.5}
        because: [{assumption: a guess}]
  outcome:
    label: Outcome
    role: outcome
    parents: [cost-rise, level]
    table:
      - when: {cost-rise: high, level: 3}
        p: {yes: 0.3333333333333333}
        because: [{assumption: a guess}]
      - when: {cost-rise: low-ish}
        p: {yes: 1e-05}
        because: [{assumption: a guess}]
      - when: otherwise
        p: {yes: 0.75}
        because: [{assumption: a guess}]
"""

# Names of any text, as analysts and other tools write them.
ODD = """\
scenario: odd
title: Odd names
question: Do the names survive every format?
as_of: 2025-01-01
horizon: 2025-12-31
nodes:
  "a=b":
    label: A "quoted" label
    states: ["yes, within 3 months", "0-3_days", "table"]
    prior: {"yes, within 3 months": 0.2, "0-3_days": 0.3, "table": 0.5}
    because: [{assumption: x}]
  "BP (mmHg)":
    label: Blood pressure
    parents: ["a=b"]
    states: ["<7.5", ">=7.5", "High (>100)", " spaced "]
    rows:
      - [0.1, 0.2, 0.3, 0.4]
      - [0.25, 0.25, 0.25, 0.25]
      - [0.7, 0.1, 0.1, 0.1]
    because: [{assumption: y}]
  _x:
    label: x
    role: outcome
    parents: ["BP (mmHg)"]
    states: [yes, "no"]
    rows: [[0.1, 0.9], [0.2, 0.8], [0.3, 0.7], [0.4, 0.6]]
    because: [{assumption: z}]
"""
SCENARIOS = {"rich": RICH, "odd": ODD}


def scenario_of(text: str, tmp_path: Path, name: str = "s.yaml") -> model.Scenario:
    path = tmp_path / name
    path.write_text(text)
    return model.load(path)


def questions(net: Net) -> list[tuple[dict[str, int], dict[str, int]]]:
    """No evidence, then each node observed, then each node set, in its first and last state,
    as node -> state index so that renamed states compare by position."""
    out: list[tuple[dict[str, int], dict[str, int]]] = [({}, {})]
    for node, states in net.states.items():
        for i in (0, len(states) - 1):
            out += [({node: i}, {}), ({}, {node: i})]
    return out


def posteriors(s: model.Scenario) -> list[np.ndarray]:
    """Every node's posterior under every question, nodes by position; an impossible
    question gives [-1]."""
    out = []
    nodes = list(s.net.states)
    for given_, do in questions(s.net):
        def named(chosen: dict[str, int]) -> dict[str, str]:
            return {n: s.net.states[n][i] for n, i in chosen.items()}
        try:
            out += [np.array(list(s.query(n, named(given_), named(do)).values())) for n in nodes]
        except model.QueryError:
            out.append(np.array([-1.0]))
    return out


def positional(s: model.Scenario, other: model.Scenario) -> list[np.ndarray]:
    """`other`'s posteriors asked with `s`'s questions, node by node in order."""
    mapping = dict(zip(s.net.states, other.net.states, strict=True))
    out = []
    for given_, do in questions(s.net):
        def named(chosen: dict[str, int]) -> dict[str, str]:
            return {mapping[n]: other.net.states[mapping[n]][i] for n, i in chosen.items()}
        try:
            out += [np.array(list(other.query(mapping[n], named(given_), named(do)).values()))
                    for n in s.net.states]
        except model.QueryError:
            out.append(np.array([-1.0]))
    return out


def assert_close(a: Iterable[np.ndarray], b: Iterable[np.ndarray], tol: float) -> None:
    pairs = list(zip(a, b, strict=True))
    assert pairs
    worst = max(float(np.abs(x - y).max()) for x, y in pairs)
    assert worst <= tol, worst


def round_trip(s: model.Scenario, fmt: str, tmp_path: Path) -> model.Scenario:
    path = export_scenario(s, fmt).save(tmp_path / f"{s.id}{SUFFIX[fmt]}")  # type: ignore[arg-type]
    return model.load(path)


# import --------------------------------------------------------------------------------------


def test_imported_file_says_where_each_number_is_from(tmp_path: Path) -> None:
    imported = import_network(EXAMPLES / "asia.bif.gz", today=TODAY)
    assert imported.text.startswith("# Imported from asia.bif.gz by `scenario import` on "
                                    "2025-06-01.\n")
    assert "  asia:\n    label: asia\n    role: driver\n    states: [\"yes\", \"no\"]\n" \
           "    rows:\n      - [0.01, 0.99]\n" in imported.text
    assert "      - [0.9, 0.1]  # bronc, either = yes, yes\n      - [0.8, 0.2]  # yes, no\n" \
        in imported.text
    s = scenario_of(imported.text, tmp_path)
    assert s.file.as_of == s.file.horizon == TODAY
    assert s.title == "asia (imported from asia.bif.gz)"
    for spec in s.nodes.values():
        assert spec.rows is not None
        assert [b.assumption for b in spec.rows.because] == [  # type: ignore[union-attr]
            "imported from asia.bif.gz; no citation"]
    assert s.nodes["asia"].role == "driver" and s.nodes["dysp"].role == "outcome"
    assert s.nodes["either"].role == "event"
    assert not imported.warnings


@pytest.mark.parametrize("path", [
    EXAMPLES / "alarm.bif.gz", EXAMPLES / "child.bif.gz", NETWORKS / "hugin_exam.net",
    NETWORKS / "genie_pump.xdsl", NETWORKS / "pyagrum-1.9.0_sachs.uai",
    NETWORKS / "genie_wildcatter.xdsl",
], ids=lambda p: p.name)
def test_the_yaml_written_is_the_data_a_network_file_loads_to(path: Path) -> None:
    """One path serves both: the YAML `scenario import` writes reads back as exactly the
    data `model.load` checks when given the network file itself."""
    imported = import_network(path, today=TODAY)
    direct = load_network(path, today=TODAY)
    assert parse_document(imported.text).data == direct.data
    assert imported.scenario.net.states == model.load(path).net.states


def test_no_import_renames_anything() -> None:
    imported = import_network(EXAMPLES / "child.bif.gz", today=TODAY)
    states = imported.scenario.net.states
    assert states["CO2Report"] == ("<7.5", ">=7.5")
    assert "Asy/Patch" in states["ChestXray"]
    assert states["Age"] == ("0-3_days", "4-10_days", "11-30_days")
    assert '"<7.5", ">=7.5"' in imported.text
    assert not imported.warnings
    assert imported.scenario.query("Disease", given={"CO2Report": ">=7.5"})


NAME = st.text(st.characters(codec="utf-8"), min_size=1, max_size=30)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(names=st.lists(NAME, min_size=3, max_size=3, unique=True), label=NAME)
def test_the_serializer_writes_any_name_so_that_yaml_reads_it_back(names: list[str],
                                                                  label: str) -> None:
    """Quotes, `#`, `: `, a trailing newline, YAML words (`yes`, `null`, `0o17`, `.inf`),
    spaces at either end, control and other-script characters: every string comes back
    as it was written, in keys, flow lists and comments alike."""
    node, first, second = names
    data = {"scenario": "s", "title": label, "nodes": {
        node: {"label": label, "states": [first, second], "parents": [second],
               "rows": [[0.5, 0.5], [1e-05, 0.99999]],
               "because": [{"assumption": label}]}}}
    notes = {node: [f"{first} = {label}", second]}
    assert parse_document(dump(data, [label], notes)).data == data


@pytest.mark.parametrize("name", ["yes", "No", "null", "~", "0o17", "1e5", ".inf", "a: b",
                                  "# x", '"q"', "'", "-", "[x]", "{x}", "*x", "&x", "!x",
                                  "x\n", " x", "x ", "ends with :", "tab\tin", "\u2028",
                                  "\x1b]0;title\x07", "é", "\ufffe", "\ufeff", "\x85"])
def test_hostile_names_survive_the_serializer(name: str) -> None:
    data = {"nodes": {name: {"label": name, "states": [name, "b"], "rows": [[0.5, 0.5]]}}}
    assert parse_document(dump(data, [name], {name: [name]})).data == data


def test_a_name_with_a_control_character_is_refused_in_the_network_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Not written into YAML that breaks, nor reported in a file never written."""
    path = tmp_path / "newline.net"
    path.write_text('net { }\n\nnode a { states = ("yes\n" "no"); }\n'
                    "potential (a) { data = ( 0.5 0.5 ); }\n")
    out = tmp_path / "out.yaml"
    assert main(["import", str(path), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:3: node 'a': state 1: a name may not hold control characters" in err
    assert not out.exists()


def test_a_network_too_large_for_a_scenario_file_says_to_load_it_as_it_is(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from model.interop import importing

    monkeypatch.setattr(importing, "MAX_FILE_BYTES", 1000)
    with pytest.raises(LimitError, match="over the limit of 1,000 for a scenario file") as err:
        import_network(EXAMPLES / "alarm.bif.gz")
    assert "load the network file as it is" in (err.value.problems[0].hint or "")


def test_a_gzip_bomb_is_read_no_further_than_the_import_limit(tmp_path: Path) -> None:
    path = tmp_path / "bomb.bif.gz"
    path.write_bytes(gzip.compress(b" " * (MAX_IMPORT_BYTES + 1)))
    with pytest.raises(LimitError, match="the import limit"):
        read_network(path)


@pytest.mark.parametrize(("name", "content", "words"), [
    ("net.txt", "whatever", "cannot tell the format of 'net.txt'"),
    ("broken.bif", "network x { variable", "never closed"),
    ("broken.xdsl", "<smile><nodes><cpt", "not well-formed XML"),
    ("broken.xmlbif", "<BIF><NETWORK>", "not well-formed XML"),
    ("broken.net", "net { } node a { states = (", "expected the value of 'states'"),
    ("broken.bif.gz", "not gzip", "expected 'network', 'variable' or 'probability'"),
])
def test_unreadable_files_are_scenario_errors(name: str, content: str, words: str,
                                              tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ScenarioError) as caught:
        import_network(path)
    assert words in str(caught.value)
    assert caught.value.problems[0].file == str(path)


# export --------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
@pytest.mark.parametrize("which", ["tiny", "rich", "odd"])
def test_a_scenario_exports_and_loads_back_with_its_names_and_posteriors(
        fmt: str, which: str, tiny_path: Path, tmp_path: Path) -> None:
    s = model.load(tiny_path) if which == "tiny" else scenario_of(SCENARIOS[which], tmp_path)
    back = round_trip(s, fmt, tmp_path)
    if fmt == "uai":  # no names: compared by position
        assert [len(v) for v in back.net.states.values()] == [
            len(v) for v in s.net.states.values()]
        assert_close(positional(s, back), posteriors(s), 1e-9)
        return
    assert back.net.states == s.net.states  # names mapped for the format are restored
    assert_close(posteriors(back), posteriors(s), 1e-9)
    if fmt in ("net", "xdsl"):
        assert {n: spec.label for n, spec in back.nodes.items()} == {
            n: spec.label.replace('"', "'") if fmt == "net" else spec.label
            for n, spec in s.nodes.items()}


@pytest.mark.slow
def test_example_network_exports_and_imports_unchanged(tmp_path: Path) -> None:
    first = model.load(EXAMPLES / "alarm.bif.gz")
    for fmt in EXPORT_FORMATS:
        again = round_trip(first, fmt, tmp_path)
        names = dict(zip(again.net.states, first.net.states, strict=True))
        assert {names[n]: tuple(names[p] for p in ps) for n, ps in again.net.parents.items()} \
            == first.net.parents
        for node, table in again.net.tables.items():  # rows summed to 1 again: to an ulp
            np.testing.assert_allclose(table, first.net.tables[names[node]], rtol=0,
                                       atol=1e-15)


@pytest.mark.parametrize(("fmt", "ext", "tol", "which"), [
    ("xmlbif", "bifxml", 1e-12, "rich"), ("xmlbif", "bifxml", 1e-12, "odd"),
    # pyAgrum reads BIF, NET and UAI numbers as 32-bit floats
    ("bif", "bif", 1e-6, "rich"), ("bif", "bif", 1e-6, "odd"),
    ("net", "net", 1e-6, "rich"), ("net", "net", 1e-6, "odd"),
    # pyAgrum reads a UAI table of a node with two or more parents in its own order, not the
    # format's: only `odd`, whose nodes have one parent at most, compares
    ("uai", "uai", 1e-6, "odd"),
])
def test_pyagrum_reads_our_exports(fmt: str, ext: str, tol: float, which: str,
                                   tmp_path: Path) -> None:
    """Names as each file writes them (mapped where the format needs), posteriors equal."""
    gum = pytest.importorskip("pyagrum")
    s = scenario_of(SCENARIOS[which], tmp_path)
    path = export_scenario(s, fmt).save(tmp_path / f"{which}.{ext}")  # type: ignore[arg-type]
    bn = gum.loadBN(str(path))
    written = ([str(i) for i in range(len(s.net.states))] if fmt == "uai"
               else list(read_network(path).variables))  # before the record restores them
    name = dict(zip(s.net.states, written, strict=True))
    last = list(s.net.states)[-1]
    ie = gum.LazyPropagation(bn)
    ie.setEvidence({name[last]: 0})
    ie.makeInference()
    for node in list(s.net.states)[:-1]:
        ours = s.query(node, given={last: s.net.states[last][0]})
        theirs = ie.posterior(name[node]).tolist()
        assert_close([np.array(list(ours.values()))], [np.array(theirs)], tol)


@pytest.mark.parametrize("fmt", ["bif", "xmlbif", "net", "xdsl"])
def test_pgmpy_reads_our_exports(fmt: str, tiny_path: Path, seed_path: Path,
                                 tmp_path: Path) -> None:
    from model.network.pgmpy_engine import net_from_pgmpy

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgmpy import readwrite

        reader = {"bif": readwrite.BIFReader, "xmlbif": readwrite.XMLBIFReader,
                  "net": readwrite.NETReader, "xdsl": readwrite.XDSLReader}[fmt]
        for path in (tiny_path, seed_path):
            s = model.load(path)
            out = export_scenario(s, fmt).save(tmp_path / f"{s.id}.{fmt}")  # type: ignore[arg-type]
            theirs = net_from_pgmpy(reader(str(out)).get_model())
            for node, table in s.net.tables.items():
                axes = [0, *(theirs.parents[node].index(p) + 1 for p in s.net.parents[node])]
                np.testing.assert_allclose(np.transpose(theirs.tables[node], axes), table,
                                           rtol=0, atol=1e-15)


def test_export_warns_what_a_format_drops(seed_path: Path, tmp_path: Path) -> None:
    s = scenario_of(RICH, tmp_path)
    messages = {fmt: " ".join(map(str, export_scenario(s, fmt).warnings))
                for fmt in EXPORT_FORMATS}
    assert all("1 probability written as a range or term is exported at its point value"
               in m for m in messages.values())
    assert "BIF keeps the network only (states, parents, tables): the nodes' labels, roles, " \
           "the reasons for the numbers (6 assumptions) stay in the scenario" in messages["bif"]
    assert "XDSL keeps the network only (states, parents, tables, labels): roles" \
           in messages["xdsl"]
    assert "UAI keeps no names" in messages["uai"]
    assert "Hugin reads node names of letters, digits and _, not starting with a digit only: " \
           "1 written otherwise: 'cost-rise' -> 'cost_rise'" in messages["net"]
    assert "GeNIe reads state names of letters, digits and _, starting with a letter only: 5 " \
           "written otherwise: '1' -> 's1' (level), '2' -> 's2' (level), '3' -> 's3' (level), " \
           "'low-ish' -> 'low_ish' (cost-rise), 'v1.5' -> 'v1_5' (cost-rise)" in messages["xdsl"]
    assert "reads" not in messages["xmlbif"]  # XMLBIF takes any text: nothing to change
    seed = " ".join(map(str, export_scenario(model.load(seed_path), "xdsl").warnings))
    assert "written as ranges or terms are exported at their point values" in seed
    assert "descriptions, roles, the reasons for the numbers (" in seed
    assert " citations and " in seed and "what-ifs, the utilities of 4 actors, 6 key " \
        "judgements, 2 sources stay" in seed
    # a case's evidence log and resolutions stay behind too, and the warning says so
    case = model.load(seed_path.with_name("russia_iran_2025_followup.yaml"))
    told = " ".join(map(str, export_scenario(case, "bif").warnings))
    n = len(case.log.entries)
    assert f"the evidence log ({n} dated entries: the tables written are the model's, with " \
        f"no report applied), {len(case.resolutions)} resolutions" in told


def test_export_warnings_name_every_name_or_count_the_rest(tmp_path: Path) -> None:
    """GeNIe's ids start with a letter (so `_x` is changed too); past ten names shown, the
    rest are counted."""
    states = {"_lead": tuple(f"{i}-{i + 1}" for i in range(12))}
    net = Net(states, {"_lead": ()}, {"_lead": np.full(12, 1 / 12)})
    warnings_ = [str(w) for w in export_network(net, "xdsl", "n").warnings]
    assert "GeNIe reads node names of letters, digits and _, starting with a letter only: 1 " \
           "written otherwise: '_lead' -> 'n_lead'" in warnings_[0]
    assert "12 written otherwise: '0-1' -> 's0_1' (_lead)" in warnings_[1]
    assert "'9-10' -> 's9_10' (_lead) and 2 more" in warnings_[1]
    bif = [str(w) for w in export_network(net, "bif", "n").warnings]
    assert "pyAgrum's BIF reader reads state names of" in bif[0]
    assert "'0-1' -> 's_0-1' (_lead)" in bif[0]


def test_a_bif_export_pyagrum_reads_even_where_states_are_not_its_words(
        tmp_path: Path) -> None:
    """`0-3_days` is no BIF word to pyAgrum: written otherwise, told, and restored here."""
    gum = pytest.importorskip("pyagrum")
    s = model.load(EXAMPLES / "child.bif.gz")
    converted = export_scenario(s, "bif")
    told = " ".join(map(str, converted.warnings))
    assert "13 written otherwise: 'Asy/Patch' -> 'Asy_Patch' (ChestXray)" in told
    assert "'<7.5' -> '_7.5' (CO2Report), '>=7.5' -> '__7.5' (CO2Report)" in told
    assert "and 3 more" in told
    path = converted.save(tmp_path / "child.bif")
    bn = gum.loadBN(str(path))
    assert bn.variable("Age").labels()[0] == "s_0-3_days"
    assert model.load(path).net.states == s.net.states


def test_export_starts_and_imports_without_pgmpy(tmp_path: Path) -> None:
    """`scenario import` and `export` never import pgmpy (whose import costs seconds)."""
    code = ("import sys; from model.cli import main; "
            f"main(['import', 'pgmpy:alarm', '-o', {str(tmp_path / 'a.yaml')!r}]); "
            f"main(['export', {str(tmp_path / 'a.yaml')!r}, '--to', 'xdsl', "
            f"'-o', {str(tmp_path / 'a.xdsl')!r}]); "
            f"main(['query', {str(tmp_path / 'a.xdsl')!r}, 'CVP']); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pgmpy', 'sklearn', "
            "'pyparsing')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


# loaded as they are --------------------------------------------------------------------------


def test_every_command_takes_a_network_file(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    from model.network.pgmpy_engine import PgmpyEngine

    bif = tmp_path / "alarm.bif"
    bif.write_bytes(gzip.decompress((EXAMPLES / "alarm.bif.gz").read_bytes()))
    assert main(["query", str(bif), "HYPOVOLEMIA", "--given", "CVP=LOW", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)["distribution"]
    s = model.load(bif)
    reference = PgmpyEngine(s.net).joint(["HYPOVOLEMIA"], {"CVP": "LOW"}, {})
    assert [found["TRUE"], found["FALSE"]] == pytest.approx(reference.tolist(), abs=1e-12)
    assert main(["validate", str(bif), str(EXAMPLES / "asia.bif.gz")]) == 0
    assert capsys.readouterr().out.startswith(f"ok  {bif}: 37 nodes, 752 probabilities")
    assert main(["explain", str(EXAMPLES / "asia.bif.gz"), "--given", "dysp=yes"]) == 0
    assert "bronc   yes" in capsys.readouterr().out
    assert main(["analyze", str(NETWORKS / "hugin_exam.net"), "--samples", "100"]) == 0
    assert "Late for the exam" in capsys.readouterr().out


def test_pgmpy_bundled_networks_load_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    s = model.load("pgmpy:alarm")
    assert len(s.nodes) == 37 and s.id == "alarm"
    assert s.document.name == "pgmpy:alarm"
    assert main(["query", "pgmpy:alarm", "HYPOVOLEMIA", "--given", "CVP=LOW"]) == 0
    assert "HYPOVOLEMIA" in capsys.readouterr().out
    assert main(["query", "pgmpy:alram", "HYPOVOLEMIA"]) == 2
    assert "no network named 'alram' among pgmpy's examples (did you mean 'alarm'?)" \
        in capsys.readouterr().err


def test_cli_import_export_and_schema(tiny_path: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "asia.yaml"
    assert main(["import", "pgmpy:asia", "-o", str(out)]) == 0
    assert model.load(out).net.states["asia"] == ("yes", "no")
    assert main(["export", str(tiny_path), "--to", "net"]) == 0
    printed = capsys.readouterr()
    assert printed.out.startswith(f"wrote {out}\nnet\n{{")
    assert "warning:" in printed.err and "point values" in printed.err
    assert main(["export", "pgmpy:asia", "--to", "uai", "-o", str(tmp_path / "a.uai")]) == 0
    assert main(["schema"]) == 0
    assert '"$schema"' in capsys.readouterr().out
    assert main(["import", str(tiny_path)]) == 2
    assert "cannot tell the format" in capsys.readouterr().err
    assert main(["export", str(tiny_path), "--to", "dsc"]) == 2


def test_hugin_state_names_are_written_in_ascii_and_restored(tmp_path: Path) -> None:
    text = ("scenario: uni\ntitle: U\nquestion: q\nas_of: 2025-01-01\nhorizon: 2025-12-31\n"
            "nodes:\n  a:\n    states: ['é', 'ü']\n    prior: {'é': 0.3}\n"
            "    because: [{assumption: x}]\n")
    s = model.loads(text, path=tmp_path / "uni.yaml")
    out = export_scenario(s, "net")
    told = " ".join(map(str, out.warnings))
    assert "Hugin reads state names of printable ASCII but a double quote only" in told
    assert all(ord(ch) < 128 for ch in out.text)
    path = out.save(tmp_path / "uni.net")
    back = model.load(path)
    assert back.nodes["a"].states == ("é", "ü")  # the record restores them
    assert back.query("a")["é"] == pytest.approx(0.3, abs=1e-15)
    if importlib.util.find_spec("pyagrum") is not None:
        import pyagrum as gum

        bn = gum.loadBN(str(path))
        assert len(set(bn.variable(0).labels())) == 2  # two states, not two empty names
