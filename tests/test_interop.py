"""Import and export: other tools' network files to scenarios and back, exact to 1e-9."""

from __future__ import annotations

import datetime as dt
import gzip
import importlib.util
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest

import model
from model.cli import main
from model.errors import LimitError, ScenarioError
from model.interop import (
    EXPORT_FORMATS,
    MAX_IMPORT_BYTES,
    export_network,
    export_scenario,
    import_network,
    read_network,
)
from model.language.schema import Assumption
from model.network.net import Net


def _examples() -> Path:
    """pgmpy's wheel ships classic networks as gzipped BIF; nothing is downloaded."""
    spec = importlib.util.find_spec("pgmpy")
    assert spec is not None and spec.origin is not None, "pgmpy is a dependency"
    return Path(spec.origin).parent / "utils" / "example_models"


EXAMPLES = _examples()
SUFFIX = {"bif": ".bif", "xmlbif": ".xmlbif", "net": ".net", "xdsl": ".xdsl"}
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
    """Every node's posterior under every question; an impossible question gives [-1]."""
    out = []
    for given, do in questions(s.net):
        def named(chosen: dict[str, int]) -> dict[str, str]:
            return {n: s.net.states[n][i] for n, i in chosen.items()}
        try:
            out += [np.array(list(s.query(n, named(given), named(do)).values()))
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
    path = export_scenario(s, fmt).save(tmp_path / f"{s.id}{SUFFIX[fmt]}")
    return import_network(path, today=TODAY).scenario


# round trips ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
@pytest.mark.parametrize("which", ["tiny", "rich"])
def test_scenario_exports_and_imports_with_the_same_posteriors(
        fmt: str, which: str, tiny_path: Path, tmp_path: Path) -> None:
    s = model.load(tiny_path) if which == "tiny" else scenario_of(RICH, tmp_path)
    back = round_trip(s, fmt, tmp_path)
    assert list(back.net.states) == list(s.net.states)
    for node, states in s.net.states.items():
        assert len(back.net.states[node]) == len(states)
        if fmt != "xmlbif":  # XMLBIF allows letters, digits and _ only: v1.5 -> v1_5
            assert back.net.states[node] == states
    assert_close(posteriors(back), posteriors(s), 1e-9)


@pytest.mark.slow
def test_example_network_imports_exports_and_imports_unchanged(tmp_path: Path) -> None:
    first = import_network(EXAMPLES / "alarm.bif.gz", today=TODAY).scenario
    for fmt in EXPORT_FORMATS:
        again = round_trip(first, fmt, tmp_path)
        assert again.net.parents == first.net.parents
        for node, table in first.net.tables.items():
            np.testing.assert_allclose(again.net.tables[node], table, rtol=0, atol=1e-15)


def test_imported_file_says_where_each_number_is_from(tmp_path: Path) -> None:
    text = import_network(EXAMPLES / "asia.bif.gz", today=TODAY).text
    s = scenario_of(text, tmp_path)
    assert s.file.as_of == s.file.horizon == TODAY
    assert "asia" in s.title
    because = [b for spec in s.nodes.values() for block in spec.blocks for b in block.because]
    assert len(because) == sum(spec.n_columns for spec in s.nodes.values())
    assert all(isinstance(b, Assumption) and b.assumption == "imported from asia.bif.gz; "
               "no citation" for b in because)
    assert "prior: {yes: 0.01, no: 0.99}" in text
    assert s.nodes["asia"].role == "driver" and s.nodes["dysp"].role == "outcome"
    assert s.nodes["either"].role == "event"


# other tools ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "ext", "tol"), [
    ("xmlbif", "bifxml", 1e-12),
    # pyAgrum 3.3.1 reads BIF and NET numbers as 32-bit floats.
    ("bif", "bif", 1e-6),
    ("net", "net", 1e-6),
])
def test_pyagrum_reads_our_exports(fmt: str, ext: str, tol: float, tmp_path: Path) -> None:
    gum = pytest.importorskip("pyagrum")
    s = scenario_of(RICH.replace("cost-rise", "cost_rise"), tmp_path)  # Hugin: identifiers
    path = tmp_path / f"rich.{ext}"
    export_scenario(s, fmt).save(path)
    bn = gum.loadBN(str(path))
    ie = gum.LazyPropagation(bn)
    for node in ("level", "cost_rise"):
        ie.setEvidence({"outcome": "yes"})
        ie.makeInference()
        ours = s.query(node, given={"outcome": "yes"})
        posterior = ie.posterior(node)
        labels = bn.variable(node).labels()
        theirs = [posterior[{node: labels[i]}] for i in range(len(labels))]
        assert_close([np.array(list(ours.values()))], [np.array(theirs)], tol)


@pytest.mark.slow
@pytest.mark.parametrize(("ext", "tol"), [
    ("bifxml", 1e-12),
    ("net", 1e-6),  # pyAgrum 3.3.1 reads NET numbers as 32-bit floats
])
def test_imports_files_pyagrum_wrote(ext: str, tol: float, tmp_path: Path) -> None:
    """pyAgrum's NET has `%` comments in its tables, which pgmpy's reader would take as data."""
    gum = pytest.importorskip("pyagrum")
    bif = tmp_path / "alarm.bif"
    bif.write_bytes(gzip.decompress((EXAMPLES / "alarm.bif.gz").read_bytes()))
    path = tmp_path / f"alarm.{ext}"
    gum.saveBN(gum.loadBN(str(bif)), str(path))
    s = import_network(path, today=TODAY).scenario
    ie = gum.LazyPropagation(gum.loadBN(str(path)))
    given = {"HR": "HIGH", "VENTLUNG": "ZERO"}
    ie.setEvidence(given)
    ie.makeInference()
    for node in ("LVFAILURE", "HYPOVOLEMIA", "INTUBATION"):
        theirs = ie.posterior(node)
        ours = s.query(node, given=given)
        assert_close([np.array([theirs[{node: state}] for state in ours])],
                     [np.array(list(ours.values()))], tol)


# GeNIe's Asia network: SMILE lists a table with the node's states fastest, then the last
# parent (like an odometer). pyAgrum 3.3.1 reads and writes XDSL the other way round, so it
# is no reference for XDSL.
GENIE_XDSL = """<?xml version="1.0" encoding="ISO-8859-1"?>
<smile version="1.0" id="Asia" numsamples="1000" discsamples="10000">
  <nodes>
    <cpt id="either"><state id="Nothing" /><state id="CancerORTuberculosis" />
      <probabilities>0.99 0.01</probabilities></cpt>
    <cpt id="bronc"><state id="Absent" /><state id="Present" />
      <probabilities>0.55 0.45</probabilities></cpt>
    <cpt id="dysp"><state id="Absent" /><state id="Present" />
      <parents>either bronc</parents>
      <probabilities>0.9 0.1 0.2 0.8 0.3 0.7 0.1 0.9</probabilities></cpt>
  </nodes>
  <extensions><genie version="1.0" app="GeNIe 2.0" name="Asia"></genie></extensions>
</smile>
"""


def test_xdsl_tables_follow_genie(tmp_path: Path) -> None:
    path = tmp_path / "asia.xdsl"
    path.write_bytes(GENIE_XDSL.encode("iso-8859-1"))
    net = read_network(path).net
    dysp = net.tables["dysp"]  # (dysp, either, bronc)
    assert net.parents["dysp"] == ("either", "bronc")
    assert dysp[1, 0, 1] == 0.8  # P(Present | Nothing, bronchitis Present)
    assert dysp[1, 1, 0] == 0.7  # P(Present | cancer or TB, bronchitis Absent)
    written = export_network(net, "xdsl", "Asia").text
    assert "0.9000000000000000 0.1000000000000000 0.2000000000000000 0.8000000000000000" \
           in written


# UAI -----------------------------------------------------------------------------------------


def uai_text(net: Net) -> str:
    """A UAI 'BAYES' file as the format describes it: each scope ends with its child, the last
    variable of a scope changes fastest."""
    names = list(net.states)
    index = {n: i for i, n in enumerate(names)}
    lines = ["BAYES", str(len(names)), " ".join(str(len(net.states[n])) for n in names),
             str(len(names))]
    lines += [" ".join(map(str, [len(net.parents[n]) + 1, *map(index.get, net.parents[n]),
                                 index[n]])) for n in names]
    for n in names:
        values = np.moveaxis(net.tables[n], 0, -1).ravel()
        lines += ["", str(values.size), " ".join(repr(float(v)) for v in values)]
    return "\n".join(lines) + "\n"


def test_uai_reads_the_format_as_written(tmp_path: Path) -> None:
    text = """BAYES
3
2 3 2
3
1 0
1 1
3 0 1 2

2 0.25 0.75
3 0.2 0.3 0.5
12
0.1 0.9   0.2 0.8   0.3 0.7
0.4 0.6   0.5 0.5   1e-05 0.99999
"""
    net = _read_uai(text, tmp_path)
    assert net.states["var_1"] == ("0", "1", "2")
    assert net.parents["var_2"] == ("var_0", "var_1")
    table = net.tables["var_2"]  # (var_2, var_0, var_1)
    assert table[0, 0, 2] == 0.3 and table[0, 1, 0] == 0.4 and table[1, 1, 2] == 0.99999


def _read_uai(text: str, folder: Path) -> Net:
    path = folder / "net.uai"
    path.write_text(text)
    return read_network(path).net


@pytest.mark.slow
def test_uai_round_trip_of_a_real_network_keeps_posteriors(tmp_path: Path) -> None:
    original = import_network(EXAMPLES / "sachs.bif.gz", today=TODAY).scenario  # 3 parents
    path = tmp_path / "sachs.uai"
    path.write_text(uai_text(original.net))
    imported = import_network(path, today=TODAY)
    assert "UAI files keep no names" in str(imported.warnings[0])
    back = imported.scenario
    names = {n: f"var_{i}" for i, n in enumerate(original.net.states)}
    for node in original.net.states:
        for i, state in enumerate(original.net.states["PKA"]):
            ours = original.query(node, given={"PKA": state})
            theirs = back.query(names[node], given={names["PKA"]: str(i)})
            assert list(theirs.values()) == pytest.approx(list(ours.values()), abs=1e-12)


@pytest.mark.slow
def test_real_state_names_are_renamed_and_every_number_kept() -> None:
    from model.network.pgmpy_engine import net_from_bif

    imported = import_network(EXAMPLES / "child.bif.gz", today=TODAY)
    renamed = {w.node: w.message for w in imported.warnings}
    assert "'<7.5' -> '_7.5', '>=7.5' -> '__7.5'" in renamed["CO2Report"]
    assert "'Asy/Patch' -> 'Asy_Patch'" in renamed["ChestXray"]
    original = net_from_bif(str(EXAMPLES / "child.bif.gz"))
    net = imported.scenario.net
    assert [len(s) for s in net.states.values()] == [len(original.states[n]) for n in net.states]
    for node, table in original.tables.items():
        np.testing.assert_allclose(net.tables[node], table, rtol=1e-15, err_msg=node)


@pytest.mark.parametrize(("text", "words"), [
    ("MARKOV\n1\n2\n1\n1 0\n\n2 0.5 0.5\n", "expected a UAI 'BAYES' network"),
    ("BAYES\n2\n2 2\n2\n1 0\n2 0 1\n\n2 0.5 0.5\n4 0.1 0.9\n", "the file ends"),
    ("BAYES\n1\n2\n1\n1 0\n\n2 0.5 x\n", "'x' is not a number"),
    ("BAYES\n1\n2\n1\n1 3\n\n2 0.5 0.5\n", "variable index 3 is beyond"),
    ("BAYES\n2\n2 2\n2\n2 1 0\n2 0 1\n\n4 0.5 0.5 0.5 0.5\n4 0.5 0.5 0.5 0.5\n", "cycle"),
    ("BAYES\n1\n2\n1\n1 0\n\n2 0.5 0.7\n", "sums to 1.2"),
    ("BAYES\n1\n2\n1\n1 0\n\n999999999999 0.5 0.5\n", "the file ends before"),
    ("", "found an empty file"),
])
def test_bad_uai_is_a_scenario_error(text: str, words: str, tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as caught:
        _read_uai(text, tmp_path)
    assert words in str(caught.value)
    assert caught.value.problems[0].file is not None


# names, rounding and refusals ----------------------------------------------------------------


def xmlbif(variables: dict[str, list[str]], tables: dict[str, tuple[list[str], list[float]]]
           ) -> str:
    """An XMLBIF file; each table lists the node's states fastest, then the last parent."""
    out = ['<?xml version="1.0"?>', "<BIF VERSION=\"0.3\"><NETWORK><NAME>n</NAME>"]
    for name, states in variables.items():
        out.append(f"<VARIABLE TYPE=\"nature\"><NAME>{name}</NAME>"
                   + "".join(f"<OUTCOME>{s}</OUTCOME>" for s in states) + "</VARIABLE>")
    for name, (given, values) in tables.items():
        out.append(f"<DEFINITION><FOR>{name}</FOR>" + "".join(f"<GIVEN>{g}</GIVEN>" for g in given)
                   + f"<TABLE>{' '.join(map(repr, values))}</TABLE></DEFINITION>")
    return "\n".join([*out, "</NETWORK></BIF>"])


def test_names_not_valid_here_are_renamed_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "odd.xml"
    path.write_text(xmlbif(
        {"2nd stage": ["very high", "-1", ".5", "true", "null"], "b": ["yes", "no"]},
        {"2nd stage": ([], [0.1, 0.2, 0.3, 0.2, 0.2]),
         "b": (["2nd stage"], [0.5, 0.5, 0.1, 0.9, 0.2, 0.8, 0.3, 0.7, 0.4, 0.6])}))
    imported = import_network(path, today=TODAY)
    messages = [str(w) for w in imported.warnings]
    assert any("'2nd stage' -> 'n_2nd_stage'" in m for m in messages)
    assert any("'very high' -> 'very_high'" in m and "'-1' -> 's_-1'" in m for m in messages)
    s = imported.scenario
    assert s.nodes["n_2nd_stage"].label == "2nd stage"
    assert s.net.states["n_2nd_stage"] == ("very_high", "s_-1", "s_.5", "true", "null")
    assert s.query("b", given={"n_2nd_stage": "null"})["yes"] == pytest.approx(0.4)


def test_rounded_columns_are_scaled_with_a_warning_and_broken_ones_refused(
        tmp_path: Path) -> None:
    path = tmp_path / "rounded.xmlbif"
    path.write_text(xmlbif({"a": ["x", "y", "z"]}, {"a": ([], [0.333, 0.333, 0.333])}))
    found = read_network(path)
    assert found.net.tables["a"] == pytest.approx([1 / 3] * 3, abs=1e-15)
    assert "scaled to sum to 1" in str(found.warnings[0])
    path.write_text(xmlbif({"a": ["x", "y", "z"]}, {"a": ([], [0.5, 0.2, 0.1])}))
    with pytest.raises(ScenarioError, match=r"node 'a': a column of its table sums to 0\.8,"):
        read_network(path)
    path.write_text(xmlbif({"a": ["x", "y", "z"]}, {"a": ([], [1.2, -0.1, -0.1])}))
    with pytest.raises(ScenarioError, match="must be non-negative"):
        read_network(path)


@pytest.mark.parametrize(("name", "content", "words"), [
    ("net.txt", "whatever", "cannot tell the format of 'net.txt'"),
    ("broken.bif", "network x { variable", "no nodes found in it as BIF"),
    ("broken.xdsl", "<smile><nodes><cpt", "cannot read it as XDSL"),
    ("broken.xmlbif", "<BIF><NETWORK>", "cannot read it as XMLBIF"),
    ("broken.net", "net { } node a { states = (", "cannot read it as NET"),
    ("broken.bif.gz", "not gzip", "cannot read it"),
    ("noisy.xdsl", '<smile id="n"><nodes><noisymax id="a"/></nodes></smile>',
     "XDSL nodes of type noisymax are not supported"),
])
def test_unreadable_files_are_scenario_errors(name: str, content: str, words: str,
                                              tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ScenarioError) as caught:
        import_network(path)
    assert words in str(caught.value)
    assert caught.value.problems[0].file == str(path)


def test_a_gzip_bomb_is_read_no_further_than_the_import_limit(tmp_path: Path) -> None:
    path = tmp_path / "bomb.bif.gz"
    path.write_bytes(gzip.compress(b" " * (MAX_IMPORT_BYTES + 1)))
    with pytest.raises(LimitError, match="the import limit"):
        read_network(path)


def test_a_network_too_large_for_a_scenario_file_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("model.interop.MAX_FILE_BYTES", 1_000_000)  # the test's network is small
    parents = {f"p{i}": () for i in range(15)}
    states = {n: ("yes", "no") for n in [*parents, "child"]}
    tables = {n: np.array([0.5, 0.5]) for n in parents}
    tables["child"] = np.full((2,) * 16, 0.5)
    net = Net(states, {**parents, "child": tuple(parents)}, tables)
    path = tmp_path / "wide.uai"
    path.write_text(uai_text(net))
    with pytest.raises(LimitError, match="over the limit of 1,000,000"):
        import_network(path)


def test_export_warns_what_a_format_drops(tiny_path: Path, tmp_path: Path) -> None:
    s = scenario_of(RICH, tmp_path)
    messages = {fmt: " ".join(map(str, export_scenario(s, fmt).warnings))
                for fmt in EXPORT_FORMATS}
    assert all("exported at their point values" in m for m in messages.values())
    assert all("citations, what-ifs and utilities stay" in m for m in messages.values())
    assert "'v1.5' -> 'v1_5'" in messages["xmlbif"]
    assert "Hugin takes only identifiers" in messages["net"] and "cost-rise" in messages["net"]
    assert "GeNIe takes only identifiers" in messages["xdsl"] and "v1.5" in messages["xdsl"]
    assert "identifiers" not in messages["bif"]


def test_export_refuses_states_xmlbif_would_merge(tmp_path: Path) -> None:
    net = Net({"a": ("x-1", "x.1")}, {"a": ()}, {"a": np.array([0.5, 0.5])})
    with pytest.raises(ScenarioError, match="make two of its states the same"):
        export_network(net, "xmlbif", "n")


# the command line ----------------------------------------------------------------------------


def test_cli_import_export_and_schema(tiny_path: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "asia.yaml"
    assert main(["import", str(EXAMPLES / "asia.bif.gz"), "-o", str(out)]) == 0
    assert model.load(out).net.states["asia"] == ("yes", "no")
    assert main(["export", str(tiny_path), "--to", "net"]) == 0
    printed = capsys.readouterr()
    assert printed.out.startswith(f"wrote {out}\nnet {{")
    assert "warning:" in printed.err and "point values" in printed.err
    assert main(["schema"]) == 0
    assert '"$schema"' in capsys.readouterr().out
    assert main(["import", str(tiny_path)]) == 2
    assert "cannot tell the format" in capsys.readouterr().err
    assert main(["export", str(tiny_path), "--to", "uai"]) == 2

