"""Our readers of other tools' network files (`model.language.formats`): files as GeNIe,
Hugin, pyAgrum, bnlearn and pgmpy write them, each reader bug of pgmpy 1.1.2 that these fix,
problems located by line, and limits applied while the file is read.

References: pyAgrum reading the same file (which keeps BIF, NET and UAI numbers as 32-bit
floats, so those compare to 1e-7) and pgmpy reading it (float64, exact), or the network the
tool wrote the file from.
"""

from __future__ import annotations

import functools
import gzip
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import model
from model.errors import LimitError, ScenarioError
from model.language.formats import Network, example_networks, read_network
from model.limits import MAX_NODES, MAX_STATES
from model.network.net import Net
from model.network.pgmpy_engine import net_from_bif, net_from_pgmpy
from tests.test_interop import EXAMPLES

NETWORKS = Path(__file__).parent / "fixtures" / "networks"
FLOAT32 = 1e-7  # pyAgrum keeps BIF, NET and UAI numbers as 32-bit floats


def written(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rows_of(net: Net, node: str, parents: tuple[str, ...] | None = None) -> np.ndarray:
    """`net`'s table of `node` as rows, its parents in the order given."""
    table = net.tables[node]
    order = parents or net.parents[node]
    axes = [net.parents[node].index(p) + 1 for p in order] + [0]
    return np.transpose(table, axes).reshape(-1, table.shape[0])


def agrum_rows(bn: Any, node: str, parents: tuple[str, ...],
               alias: Callable[[str], str] = str) -> np.ndarray:
    """pyAgrum's table of `node` as rows; `alias` maps our names to pyAgrum's."""
    cpt = bn.cpt(alias(node))
    axes = list(reversed(cpt.names))  # toarray() lists the last variable first
    values = np.array(cpt.toarray())
    order = [axes.index(alias(p)) for p in parents] + [axes.index(alias(node))]
    return values.transpose(order).reshape(-1, values.shape[axes.index(alias(node))])


def worst_against(found: Network, reference: Net, names: dict[str, str] | None = None) -> float:
    """The largest difference between the tables read and a reference network's."""
    names = names or {n: n for n in found.variables}
    worst = 0.0
    for node, table in found.tables.items():
        theirs = rows_of(reference, names[node], tuple(names[p] for p in table.parents))
        worst = max(worst, float(np.abs(table.rows - theirs).max()))
    return worst


def bif_text(name: str) -> str:
    return gzip.decompress((EXAMPLES / f"{name}.bif.gz").read_bytes()).decode()


@functools.cache
def original(name: str) -> Net:
    """pgmpy's reading of a bundled network (its BIF reader takes a second or more)."""
    return net_from_bif(str(EXAMPLES / f"{name}.bif.gz"))


# files as the tools write them ---------------------------------------------------------------


def test_a_genie_file_reads_as_genie_means_it() -> None:
    """GeNIe lists the node's states fastest, then the last parent's; a deterministic node is
    its 0-1 table; the names GeNIe shows, submodels too, are the labels."""
    found = read_network(NETWORKS / "genie_pump.xdsl")
    assert list(found.variables) == ["Power", "Wear", "Overload", "Failure", "Alarm"]
    assert found.tables["Failure"].parents == ("Wear", "Overload")
    np.testing.assert_array_equal(found.tables["Failure"].rows, [
        [0.99, 0.01], [0.9, 0.1], [0.95, 0.05], [0.7, 0.3], [0.8, 0.2], [0.4, 0.6]])
    np.testing.assert_array_equal(found.tables["Overload"].rows, [[1, 0], [0, 1]])
    assert found.variables["Power"].label == "Power supply"
    assert found.variables["Alarm"].label == "Alarm rings"  # inside a submodel
    assert not found.warnings
    s = model.load(NETWORKS / "genie_pump.xdsl")
    present = sum(pw * pp * (0.01, 0.1, 0.05, 0.3, 0.2, 0.6)[2 * w + o]
                  for w, pw in enumerate((0.5, 0.3, 0.2))
                  for o, pp in enumerate((0.9, 0.09999999999999998)))
    assert s.query("Failure")["Present"] == pytest.approx(present, abs=1e-15)
    assert s.nodes["Failure"].label == "Pump failure"


GENIE_2 = """<?xml version="1.0" encoding="ISO-8859-1"?>
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
  <extensions><genie version="1.0" app="GeNIe 2.0" name="Asia">
    <node id="dysp"><name>Dyspnée</name></node></genie></extensions>
</smile>
"""


def test_a_genie_2_file_in_latin_1_agrees_with_pgmpy(tmp_path: Path) -> None:
    from pgmpy.readwrite import XDSLReader

    path = tmp_path / "asia.xdsl"
    path.write_bytes(GENIE_2.encode("iso-8859-1"))
    found = read_network(path)
    assert found.variables["dysp"].label == "Dyspnée"
    assert found.tables["dysp"].rows[1].tolist() == [0.2, 0.8]  # either Nothing, bronc Present
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = net_from_pgmpy(XDSLReader(string=GENIE_2).get_model())
    assert worst_against(found, theirs) == 0


def test_a_hugin_file_reads_as_hugin_means_it() -> None:
    """Hugin's own style: attributes it alone uses, `data` and `=` on two lines, comments,
    experience tables, states with spaces, a description holding the word `node`."""
    gum = pytest.importorskip("pyagrum")
    path = NETWORKS / "hugin_exam.net"
    found = read_network(path)
    assert found.variables["Weather"].states == ["dry", "light rain", "heavy rain"]
    assert found.variables["Late"].label == "Late for the exam"
    assert found.tables["Late"].parents == ("Traffic", "Weather")
    assert found.tables["Late"].rows[3].tolist() == [0.7, 0.3]  # heavy traffic, dry
    assert found.tables["Late"].row_lines is not None
    assert found.tables["Late"].row_lines.tolist() == [60, 61, 62, 63, 64, 65]
    bn = gum.loadBN(str(path))
    for node, table in found.tables.items():
        theirs = agrum_rows(bn, node, table.parents)
        assert float(np.abs(table.rows - theirs).max()) < FLOAT32, node
    s = model.load(path)
    assert s.nodes["Traffic"].label == "Traffic"  # Hugin's empty label: the name shows
    assert s.query("Late", given={"Weather": "heavy rain"})["late"] == pytest.approx(
        0.3 * 0.2 + 0.7 * 0.6)


def test_bnlearn_files_agree_with_each_other_and_with_pyagrum(tmp_path: Path) -> None:
    """pgmpy's bundled BIF files are bnlearn's (rows listed with the first parent changing
    fastest); bnlearn writes NET with the last parent fastest, as Hugin does."""
    gum = pytest.importorskip("pyagrum")
    bif = written(tmp_path, "asia.bif", bif_text("asia"))
    from_bif, from_net = read_network(bif), read_network(NETWORKS / "bnlearn_asia.net")
    bn = gum.loadBN(str(bif))
    for node, table in from_bif.tables.items():
        np.testing.assert_array_equal(from_net.tables[node].rows, table.rows)
        assert float(np.abs(table.rows - agrum_rows(bn, node, table.parents)).max()) < FLOAT32
    assert from_bif.tables["dysp"].rows.tolist() == [[0.9, 0.1], [0.8, 0.2], [0.7, 0.3],
                                                      [0.1, 0.9]]


@pytest.mark.parametrize("name", ["asia", "sachs"])
@pytest.mark.parametrize("ext", ["xdsl", "uai"])
def test_files_pyagrum_1_9_wrote_are_read_in_its_order(name: str, ext: str) -> None:
    """pyAgrum lists a table's parents the other way round in XDSL and UAI and says so: read
    its way, such files give back the network it wrote (to its 6 digits) and agree with
    pyAgrum's own reading of them."""
    gum = pytest.importorskip("pyagrum")
    path = NETWORKS / f"pyagrum-1.9.0_{name}.{ext}"
    found = read_network(path)
    assert "written by pyAgrum" in found.warnings[0].message
    assert "first parent's states changing fastest" in found.warnings[0].message
    original_net = original(name)
    assert set(found.variables) == set(original_net.states)
    # pyAgrum read the original as 32-bit floats, then wrote 6 significant digits
    assert worst_against(found, original_net) < 1e-6
    bn = gum.loadBN(str(path))
    alias = (lambda n: str(list(found.variables).index(n))) if ext == "uai" else str
    worst = max(float(np.abs(t.rows - agrum_rows(bn, n, t.parents, alias)).max())
                for n, t in found.tables.items())
    assert worst < (FLOAT32 if ext == "uai" else 1e-12)


@pytest.mark.parametrize("ext", ["bif", "net", "bifxml", "xdsl", "uai"])
def test_files_pyagrum_writes_agree_with_its_reading(ext: str, tmp_path: Path) -> None:
    gum = pytest.importorskip("pyagrum")
    bif = written(tmp_path, "alarm.bif", bif_text("alarm"))
    path = tmp_path / f"alarm.{ext}"
    gum.saveBN(gum.loadBN(str(bif)), str(path))
    found = read_network(path)
    bn = gum.loadBN(str(path))
    alias = (lambda n: str(list(found.variables).index(n))) if ext == "uai" else str
    for node, table in found.tables.items():
        theirs = agrum_rows(bn, node, table.parents, alias)
        assert float(np.abs(table.rows - theirs).max()) < FLOAT32, node
    assert worst_against(found, original("alarm")) < 1e-6


@functools.cache
def _pgmpy_model(name: str) -> Any:
    """pgmpy's model of a bundled network (its BIF reader takes a second or more)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgmpy.utils import get_example_model

        return get_example_model(name)


@pytest.mark.parametrize("name", ["asia", "child", "sachs"])
@pytest.mark.parametrize("fmt", ["bif", "xmlbif", "net", "xdsl", "uai"])
def test_files_pgmpy_writes_give_back_its_network(name: str, fmt: str, tmp_path: Path) -> None:
    """pgmpy's own files, as its writers make them: its XDSL lists children before parents,
    its XMLBIF renames states ('0-3_days' -> '0_3_days'), its UAI lists tables its own way
    (told by a warning), its NET rounds to 8 decimals; each reads as the model written."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgmpy import readwrite

        pgmpy_model = _pgmpy_model(name)
        writer = {"bif": readwrite.BIFWriter, "xmlbif": readwrite.XMLBIFWriter,
                  "net": readwrite.NETWriter, "xdsl": readwrite.XDSLWriter,
                  "uai": readwrite.UAIWriter}[fmt](pgmpy_model)
    path = tmp_path / f"{name}.{fmt}"
    getattr(writer, f"write_{fmt}")(str(path))
    found = read_network(path)
    original = net_from_pgmpy(pgmpy_model)
    names = None
    if fmt == "uai":  # pgmpy numbers the variables by (number of states, name)
        order = sorted(original.states, key=lambda n: (str(len(original.states[n])), n))
        names = {f"var_{i}": n for i, n in enumerate(order)}
        assert "as pgmpy 1.1.2's UAI writer puts them" in str(found.warnings)
    assert worst_against(found, original, names) <= (5e-9 if fmt == "net" else 0)


def test_uai_is_read_as_the_format_describes_it(tmp_path: Path) -> None:
    """Each scope ends with its variable; the scope's last variable changes fastest."""
    path = written(tmp_path, "net.uai", """BAYES
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
""")
    found = read_network(path)
    assert found.variables["var_1"].states == ["0", "1", "2"]
    assert found.tables["var_2"].parents == ("var_0", "var_1")
    assert found.tables["var_2"].rows.tolist() == [[0.1, 0.9], [0.2, 0.8], [0.3, 0.7],
                                                    [0.4, 0.6], [0.5, 0.5], [1e-05, 0.99999]]
    assert "UAI files keep no names" in found.warnings[0].message


@pytest.mark.parametrize("row", [", 1 0", "1,0 0", "0 1|0 1"])
def test_a_uai_table_with_a_comma_or_bar_is_refused_at_its_place(tmp_path: Path,
                                                                 row: str) -> None:
    """Found by the mutation test: other formats read `,` and `|` as separators, so a UAI
    table held fewer numbers than its size and failed to reshape (an internal error)."""
    path = written(tmp_path, "comma.uai", f"BAYES\n2\n2 2\n2\n1 0\n2 0 1\n\n2\n0.5 0.5\n\n"
                                          f"4\n{row}\n0 1\n")
    with pytest.raises(ScenarioError) as caught:
        read_network(path)
    problem = caught.value.problems[0]
    assert problem.line == 12 and problem.node == "var_1"
    assert "is not a number" in problem.message and "spaces alone" in (problem.hint or "")


@pytest.mark.slow
@pytest.mark.parametrize("name", example_networks())
def test_every_network_pgmpy_ships_reads_as_pgmpy_reads_it(name: str) -> None:
    """bnlearn's files of every classic network, up to munin and mildew, number for number."""
    found = read_network(EXAMPLES / f"{name}.bif.gz")
    assert worst_against(found, net_from_bif(str(EXAMPLES / f"{name}.bif.gz"))) == 0


# each pgmpy 1.1.2 reader bug, read right -----------------------------------------------------


def test_a_hugin_description_holding_the_word_node(tmp_path: Path) -> None:
    path = written(tmp_path, "desc.net", """net
{
    HR_Desc = "The first node decides; node b follows. potential (x) { data = (1); }";
}
node a
{
    label = "A node of the net";
    states = ("yes" "no");
}
node b
{
    states = ("yes" "no");
}
potential (a) { data = ( 0.3 0.7 ); }
potential (b | a) { data = (( 0.9 0.1 ) ( 0.2 0.8 )); }
""")
    found = read_network(path)
    assert list(found.variables) == ["a", "b"]
    assert found.variables["a"].label == "A node of the net"
    assert found.tables["b"].rows.tolist() == [[0.9, 0.1], [0.2, 0.8]]


def test_a_hugin_class_is_read_as_the_network(tmp_path: Path) -> None:
    """Hugin 6 and later write a network as a class (object-oriented networks)."""
    path = written(tmp_path, "class.net", """class Exam
{
    inputs = ();
    outputs = ();
    node_size = (80 40);

    node a
    {
        label = "A";
        states = ("y" "n");
    }

    potential (a)
    {
        data = ( 0.4 0.6 );
    }
}
""")
    found = read_network(path)
    assert found.name == "Exam"
    assert found.tables["a"].rows.tolist() == [[0.4, 0.6]]


def test_hugin_state_names_with_spaces(tmp_path: Path) -> None:
    path = written(tmp_path, "spaces.net", """net { }
node level { states = ("very low" "about right" " high "); }
potential (level) { data = ( 0.2 0.5 0.3 ); }
""")
    s = model.load(path)
    assert s.net.states["level"] == ("very low", "about right", " high ")
    assert s.query("level")["about right"] == 0.5


def test_a_bif_whose_last_brace_ends_the_file(tmp_path: Path) -> None:
    text = bif_text("asia").rstrip()
    assert text.endswith("}")
    found = read_network(written(tmp_path, "asia.bif", text))
    assert found.tables["dysp"].rows.tolist()[-1] == [0.1, 0.9]
    assert worst_against(found, original("asia")) == 0


def test_xmlbif_without_a_network_name_and_with_a_property_without_equals(
        tmp_path: Path) -> None:
    path = written(tmp_path, "n.xml", """<?xml version="1.0"?>
<BIF VERSION="0.3"><NETWORK>
<PROPERTY>software aGrUM</PROPERTY>
<VARIABLE TYPE="nature"><NAME>a</NAME><OUTCOME>x</OUTCOME><OUTCOME>y</OUTCOME>
  <PROPERTY>position = (10, 20)</PROPERTY><PROPERTY>just a note</PROPERTY></VARIABLE>
<DEFINITION><FOR>a</FOR><TABLE>0.25 0.75</TABLE></DEFINITION>
</NETWORK></BIF>
""")
    found = read_network(path)
    assert found.name is None
    assert found.tables["a"].rows.tolist() == [[0.25, 0.75]]


@pytest.mark.parametrize("fmt", ["bif", "net"])
def test_declarations_after_leading_spaces(fmt: str, tmp_path: Path) -> None:
    text = bif_text("asia") if fmt == "bif" else (NETWORKS / "bnlearn_asia.net").read_text()
    indented = "\n".join("    " + line for line in text.splitlines())
    found = read_network(written(tmp_path, f"asia.{fmt}", indented))
    assert worst_against(found, original("asia")) == 0


# BIF as its writers vary -------------------------------------------------------------------


def test_bif_rows_in_any_order_with_default_wildcards_quotes_and_comments(
        tmp_path: Path) -> None:
    path = written(tmp_path, "varied.bif", """// a comment
network "Varied one" { property author = "someone // not a comment"; }
/* a block
   comment */
variable "risk level" {
  type discrete[3] { "low", "middle band", high };
  property position = (1, 2);
}
variable  gate{ type discrete [2] {open closed}; }
probability ( gate ) { table 0.4 0.6 ; }
probability ( "risk level" | gate ) {
  default 0.2, 0.3, 0.5;
  (closed) 0.1 0.1 0.8;
}
probability ( extra | gate ) { (*) 0.5, 0.5; }
variable extra { type discrete [ 2 ] { yes, no }; }
""")
    found = read_network(path)
    assert found.name == "Varied one"
    assert found.variables["risk level"].states == ["low", "middle band", "high"]
    assert found.tables["risk level"].rows.tolist() == [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]
    assert found.tables["extra"].rows.tolist() == [[0.5, 0.5], [0.5, 0.5]]
    assert found.tables["gate"].line == 10


def test_a_bif_table_of_a_node_with_parents_lists_the_node_slowest(tmp_path: Path) -> None:
    """As pgmpy and pyAgrum read `table` under a parent: all of the first state, then ..."""
    gum = pytest.importorskip("pyagrum")
    path = written(tmp_path, "t.bif", """network n { }
variable a { type discrete [ 2 ] { a0, a1 }; }
variable b { type discrete [ 3 ] { b0, b1, b2 }; }
probability ( a ) { table 0.5, 0.5; }
probability ( b | a ) { table 0.1, 0.2, 0.3, 0.4, 0.6, 0.4; }
""")
    found = read_network(path)
    assert found.tables["b"].rows.tolist() == [[0.1, 0.3, 0.6], [0.2, 0.4, 0.4]]
    theirs = agrum_rows(gum.loadBN(str(path)), "b", ("a",))
    assert float(np.abs(found.tables["b"].rows - theirs).max()) < FLOAT32


# problems, each located ----------------------------------------------------------------------


BIF_HEAD = "network n {\n}\nvariable a {\n  type discrete [ 2 ] { yes, no };\n}\n"


@pytest.mark.parametrize(("name", "text", "line", "words"), [
    ("row_with_too_few_numbers.bif", BIF_HEAD + "probability ( a ) {\n  table 0.5;\n}\n", 7,
     "the table has 1 numbers where 2 states"),
    ("row_naming_an_unknown_state.bif", BIF_HEAD + "variable b {\n  type discrete [ 2 ] "
     "{ x, y };\n}\nprobability ( a ) { table 1, 0; }\nprobability ( b | a ) {\n  (yes) 0.5, "
     "0.5;\n  (maybe) 0.5, 0.5;\n}\n", 12, "'maybe' is not a state of a"),
    ("number_with_underscore.bif", BIF_HEAD + "probability ( a ) {\n  table 0.5, 0_5;\n}\n",
     7, "'0_5' is not a number"),
    ("number_too_large.bif", BIF_HEAD + "probability ( a ) {\n  table 1e999, 0;\n}\n", 7,
     "'1e999' is too large to hold"),
    ("number_too_small.bif", BIF_HEAD + "probability ( a ) {\n  table 1e-999, 1;\n}\n", 7,
     "'1e-999' is too small to hold: it would read as 0"),
    ("nan.bif", BIF_HEAD + "probability ( a ) {\n  table nan, 1;\n}\n", 7,
     "'nan' is not a number"),
    ("unclosed_block.bif", BIF_HEAD + "probability ( a ) {\n  table 0.5, 0.5;\n", 6,
     "never closed"),
    ("missing_rows.bif", BIF_HEAD + "variable b { type discrete [ 2 ] { x, y }; }\n"
     "probability ( a ) { table 1, 0; }\nprobability ( b | a ) {\n  (yes) 0.5, 0.5;\n}\n", 8,
     "no row for 1 of the 2 parent combinations: (no)"),
    ("no_table.bif", BIF_HEAD, 3, "no 'probability' block gives its table"),
    ("unknown_parent.bif", BIF_HEAD + "probability ( a | ghost ) { (x) 1, 0; }\n", 6,
     "the parent 'ghost' is not a declared variable"),
    ("row_sums_to_0.8.bif", BIF_HEAD + "probability ( a ) {\n  table 0.5, 0.3;\n}\n", 7,
     "rows: row 1 sums to 0.8, not 1"),
    ("negative.bif", BIF_HEAD + "probability ( a ) {\n  table -0.5, 1.5;\n}\n", 7,
     "outside [0, 1]"),
    ("control_character_in_a_name.net", 'net { }\nnode a { states = ("yes" "no\n"); }\n'
     "potential (a) { data = ( 0.5 0.5 ); }\n", 2, "control characters (U+000A"),
    ("cycle.net", 'net { }\nnode a { states = ("y" "n"); }\nnode b { states = ("y" "n"); }\n'
     "potential (a | b) { data = ((0.5 0.5)(0.5 0.5)); }\n"
     "potential (b | a) { data = ((0.5 0.5)(0.5 0.5)); }\n", 4, "cycle: b -> a -> b"),
    ("data_too_short.net", 'net { }\nnode a { states = ("y" "n"); }\n\npotential (a)\n{\n'
     "    data = ( 0.5 );\n}\n", 6, "the data has 1 numbers where 2 states"),
    ("continuous_node.net", "net { }\ncontinuous node x { }\n", 2,
     "continuous nodes are not supported"),
    ("unclosed_string.net", 'net { }\nnode a { states = ("y" "n); }\n', 2, "unexpected '\"'"),
    ("malformed.xmlbif", "<BIF><NETWORK>\n<VARIABLE>\n</BIF>", 3, "not well-formed XML"),
    ("function.xmlbif", '<BIF><NETWORK>\n<VARIABLE TYPE="function"><NAME>d</NAME>'
     "<OUTCOME>a</OUTCOME></VARIABLE>\n</NETWORK></BIF>", 2,
     'variables of TYPE="function" are not supported'),
    ("entity.xmlbif", '<?xml version="1.0"?>\n<!DOCTYPE BIF [\n<!ENTITY a "aaaa">\n]>\n'
     "<BIF/>", 3, "declares an XML entity"),
    ("table_too_long.xdsl", '<smile id="n"><nodes>\n<cpt id="a"><state id="y"/><state id="n"/>'
     "\n<probabilities>0.5 0.5 0.1</probabilities></cpt>\n</nodes></smile>", 3,
     "<probabilities> holds 3 numbers where 2 states"),
    ("bad_number_on_line_4.xdsl", '<smile id="n"><nodes>\n<cpt id="a"><state id="y"/>'
     '<state id="n"/>\n<probabilities>0.5\n 0.5x</probabilities></cpt>\n</nodes></smile>', 4,
     "'0.5x' is not a number"),
    ("noisymax.xdsl", '<smile id="n"><nodes>\n<noisymax id="a"/>\n</nodes></smile>', 2,
     "<noisymax> nodes are not supported"),
    ("markov.uai", "MARKOV\n1\n2\n1\n1 0\n\n2 0.5 0.5\n", 1,
     "expected a UAI 'BAYES' network, found 'MARKOV'"),
    ("ends_early.uai", "BAYES\n2\n2 2\n2\n1 0\n2 0 1\n\n2 0.5 0.5\n4 0.1 0.9\n", 9,
     "the file ends before the 4 numbers of this table"),
    ("bad_index.uai", "BAYES\n1\n2\n1\n1 3\n\n2 0.5 0.5\n", 5,
     "variable index 3 is beyond the 1 variables"),
    ("bad_number.uai", "BAYES\n1\n2\n1\n1 0\n\n2 0.5\n x\n", 8, "'x' is not a number"),
    ("empty.uai", "", 1, "found an empty file"),
])
def test_a_broken_file_is_refused_where_it_is_broken(name: str, text: str, line: int | None,
                                                    words: str, tmp_path: Path) -> None:
    path = written(tmp_path, name, text)
    with pytest.raises(ScenarioError) as caught:
        model.load(path)
    problem = next((p for p in caught.value.problems if words in p.message), None)
    assert problem is not None, caught.value.problems
    assert problem.file == str(path)
    assert problem.line == line


def test_every_problem_of_a_file_is_told_at_once(tmp_path: Path) -> None:
    path = written(tmp_path, "many.bif", BIF_HEAD + """variable b { type discrete [ 2 ] { x, y }; }
variable c { type discrete [ 2 ] { x, y }; }
probability ( a ) { table 0.5, 0.5; }
probability ( b | a ) { (yes) 0.5, 0.5; (no) 0.5; }
probability ( c | a ) { (maybe) 0.5, 0.5; (no) 0.5, 0.5; }
""")
    with pytest.raises(ScenarioError) as caught:
        read_network(path)
    messages = [f"{p.line}: {p.message}" for p in caught.value.problems]
    assert any(m.startswith("9: the row has 1 numbers") for m in messages), messages
    assert any(m.startswith("10: 'maybe' is not a state of a") for m in messages), messages


def test_names_in_another_case_are_matched_with_a_warning(tmp_path: Path) -> None:
    found = read_network(written(tmp_path, "case.bif",
                                 BIF_HEAD + "probability ( A ) { table 0.5, 0.5; }\n"))
    assert "the variable 'A' is taken for the variable 'a'" in found.warnings[0].message


def test_rows_off_by_rounding_are_scaled_with_a_warning(tmp_path: Path) -> None:
    path = written(tmp_path, "rounded.bif", BIF_HEAD.replace("[ 2 ] { yes, no }",
                                                              "[ 3 ] { x, y, z }")
                   + "probability ( a ) {\n  table 0.333, 0.333, 0.333;\n}\n")
    s = model.load(path)
    assert s.net.tables["a"] == pytest.approx([1 / 3] * 3, abs=1e-15)
    warning = next(w for w in s.warnings if "scaled" in w.message)
    assert warning.message == ("its one row summed to 0.999 (rounding in the file), not 1: "
                               "scaled to sum to 1")
    assert (warning.node, warning.line) == ("a", 6)


# limits, applied while reading ---------------------------------------------------------------

GARBAGE = "\n@@@ this is never read @@@ {{{ ((( <<<"


@pytest.mark.parametrize(("name", "make", "words", "line"), [
    ("states.bif", lambda: f"network n {{}}\nvariable big {{\n  type discrete [ 200000 ] {{ "
     f"{', '.join(f's{i}' for i in range(200_000))} }};\n}}", "200,000 states, over the limit",
     3),
    ("variables.bif", lambda: "network n {}\n" + "".join(
        f"variable v{i} {{ type discrete [ 2 ] {{ a, b }}; }}\n" for i in range(20_000)),
     f"more than {MAX_NODES:,} variables", MAX_NODES + 2),
    ("cells.bif", lambda: "network n {}\n" + "".join(
        f"variable v{i} {{ type discrete [ 2 ] {{ a, b }}; }}\n" for i in range(22))
     + f"probability ( v21 | {', '.join(f'v{i}' for i in range(21))} ) {{", "4,194,304 cells",
     24),
    ("states.net", lambda: 'net { }\nnode big {\n  states = ('
     + " ".join(f'"s{i}"' for i in range(200_000)) + ");", f"over the limit of {MAX_STATES}",
     3),
    ("variables.net", lambda: "net { }\n" + "".join(
        f'node v{i} {{ states = ("a" "b"); }}\n' for i in range(20_000)),
     f"more than {MAX_NODES:,} variables", MAX_NODES + 2),
    ("states.xmlbif", lambda: '<BIF><NETWORK><VARIABLE TYPE="nature"><NAME>big</NAME>\n'
     + "".join(f"<OUTCOME>s{i}</OUTCOME>\n" for i in range(200_000)),
     f"{MAX_STATES + 1} states, over the limit", MAX_STATES + 2),
    ("variables.xdsl", lambda: '<smile id="n"><nodes>\n' + "".join(
        f'<cpt id="v{i}"><state id="a"/><state id="b"/></cpt>\n' for i in range(20_000)),
     f"more than {MAX_NODES:,} variables", MAX_NODES + 2),
    ("cells.xdsl", lambda: '<smile id="n"><nodes>\n' + "".join(
        f'<cpt id="v{i}"><state id="a"/><state id="b"/></cpt>\n' for i in range(21))
     + '<cpt id="c"><state id="a"/><state id="b"/><parents>'
     + " ".join(f"v{i}" for i in range(21)) + "</parents></cpt>\n</nodes>",
     "4,194,304 cells", 23),
    ("variables.uai", lambda: "BAYES\n20000\n", f"more than {MAX_NODES:,} variables", 2),
    ("cells.uai", lambda: "BAYES\n22\n" + "2 " * 22 + "\n22\n" + "".join(
        f"1 {i}\n" for i in range(21)) + "22 " + " ".join(map(str, range(22))) + "\n",
     "4,194,304 cells", 26),
])
def test_limits_stop_the_reading_where_the_file_passes_them(
        name: str, make: Callable[[], str], words: str, line: int, tmp_path: Path) -> None:
    """Refused at the declaration past the limit: what follows (here garbage that would be a
    syntax error) is never read, and nothing of the declared size is built. (An XML file's
    tables are sized once its elements are read, before any of their numbers.)"""
    path = written(tmp_path, name, make() + ("</smile>" if name == "cells.xdsl" else GARBAGE))
    with pytest.raises(LimitError) as caught:
        model.load(path)
    assert words in caught.value.problems[0].message
    assert caught.value.problems[0].line == line


def test_the_total_of_numbers_is_limited_too(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from model.language.formats import network

    monkeypatch.setattr(network, "MAX_IMPORT_NUMBERS", 30)  # asia has 36
    with pytest.raises(LimitError, match="more than 30 numbers in all, the import limit"):
        read_network(EXAMPLES / "asia.bif.gz")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_a_folder_or_a_device_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.bif"
    os.mkfifo(fifo)
    (tmp_path / "folder.net").mkdir()
    (tmp_path / "zero.uai").symlink_to("/dev/zero")
    for path, kind in ((fifo, "a FIFO"), (tmp_path / "folder.net", "a folder"),
                       (tmp_path / "zero.uai", "a character device")):
        with pytest.raises(ScenarioError, match=f"the network file is {kind}") as caught:
            model.load(path)
        assert caught.value.problems[0].file == str(path)


def test_text_that_is_not_utf8_is_read_as_windows_1252_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "latin.net"
    path.write_bytes('net { }\nnode a { label = "Café"; states = ("oui" "non"); }\n'
                     "potential (a) { data = ( 0.5 0.5 ); }\n".encode("cp1252"))
    s = model.load(path)
    assert s.nodes["a"].label == "Café"
    assert "not UTF-8" in s.warnings[0].message and s.warnings[0].line == 2


def test_a_nul_character_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "binary.bif"
    path.write_bytes(b"network n {}\n\x00\x01")
    with pytest.raises(ScenarioError, match="holds a NUL character") as caught:
        model.load(path)
    assert caught.value.problems[0].line == 2


# hostile files -------------------------------------------------------------------------------

SEEDS = {
    "bif": bif_text("asia"),
    "net": (NETWORKS / "hugin_exam.net").read_text(),
    "xmlbif": "",  # made below from our own export
    "xdsl": (NETWORKS / "genie_pump.xdsl").read_text(),
    "uai": (NETWORKS / "pyagrum-1.9.0_asia.uai").read_text(),
}


def _xmlbif_seed() -> str:
    from model.interop import export_scenario

    return export_scenario(model.load(EXAMPLES / "asia.bif.gz"), "xmlbif").text


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str]:
    """A network file with a few characters deleted, doubled or replaced."""
    fmt = draw(st.sampled_from(sorted(SEEDS)))
    text = SEEDS[fmt] or _xmlbif_seed()
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(len(text) - 1, 0)))
        what = draw(st.sampled_from(["delete", "double", "replace"]))
        size = draw(st.integers(1, 12))
        if what == "delete":
            text = text[:at] + text[at + size:]
        elif what == "double":
            text = text[:at] + text[at:at + size] * 2 + text[at + size:]
        else:
            text = text[:at] + draw(st.text(alphabet='{}()[];,|="%/*<>#\n -0123456789.eE'
                                                     "abcxyz\x00\u2028é", min_size=1,
                                            max_size=size)) + text[at + size:]
    return fmt, text


def _loads_or_is_refused_with_its_place(case: tuple[str, str], folder: Path) -> None:
    fmt, text = case
    path = folder / f"m.{fmt}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        model.load(path)
    except ScenarioError as exc:
        assert exc.problems and all(p.file == str(path) for p in exc.problems)


@settings(max_examples=150, deadline=None, database=None, derandomize=True)
@given(case=mutated())
def test_a_mutated_network_file_loads_or_is_refused_with_its_place(
        case: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> None:
    """Never another exception: every refusal is a ScenarioError that names the file."""
    _loads_or_is_refused_with_its_place(case, tmp_path_factory.mktemp("mutated"))


@pytest.mark.slow
@settings(max_examples=3000, deadline=None, database=None, derandomize=True)
@given(case=mutated())
def test_many_mutated_network_files_load_or_are_refused_with_their_place(
        case: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> None:
    _loads_or_is_refused_with_its_place(case, tmp_path_factory.mktemp("mutated"))


def test_a_network_file_past_the_import_limit_is_refused_before_it_is_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from model.language.formats import source

    monkeypatch.setattr(source, "MAX_IMPORT_BYTES", 100)
    path = written(tmp_path, "big.bif", bif_text("asia"))
    with pytest.raises(LimitError, match="the network file is 1,074 bytes, over the limit of "
                                         "100") as caught:
        model.load(path)
    assert caught.value.problems[0].hint == "a network this large is beyond what scenarios hold"
