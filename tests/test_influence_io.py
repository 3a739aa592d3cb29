"""Influence diagrams in and out: the reader's decisions and their actor's utilities written
to XDSL (GeNIe) and XMLBIF (pyAgrum's BIFXML) and read back to the same policy, maximum
expected utility and EVPI to 1e-9; pyAgrum's solver on our files and ours on pyAgrum's; a
GeNIe file written by hand; and the formats without decision nodes refusing them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import model
from model.analysis import decide
from model.analysis.policy import Strategy
from model.cli import main
from model.errors import ScenarioError
from model.interop import export_scenario, import_network
from model.language.formats import load_network
from model.language.loader import parse_document

ROOT = Path(__file__).resolve().parent.parent
WILDCATTER = ROOT / "scenarios" / "oil_wildcatter.yaml"
TREATMENT = Path(__file__).parent / "fixtures" / "decisions" / "treatment.yaml"
GENIE = Path(__file__).parent / "fixtures" / "networks" / "genie_wildcatter.xdsl"
EXACT = 1e-9
DIAGRAM_FORMATS = [("xdsl", ".xdsl"), ("xmlbif", ".bifxml")]


def figures(strategy: Strategy) -> dict[str, Any]:
    """Every number `decide` gives at the written numbers: the MEU, each decision's policy
    and each option's expected utility where it is taken, and each node's EVPI."""
    return {
        "expected": strategy.expected,
        "decisions": {d.node: [(s.known, s.best, s.probability,
                                [(o.option, o.expected) for o in s.options])
                               for s in d.situations] for d in strategy.decisions},
        "information": {i.node: i.value for i in strategy.information},
    }


def assert_same(found: Any, wanted: Any) -> None:
    """Equal structures, floats to 1e-9."""
    if isinstance(wanted, float):
        assert found == pytest.approx(wanted, abs=EXACT)
    elif isinstance(wanted, dict):
        assert found.keys() == wanted.keys()
        for key in wanted:
            assert_same(found[key], wanted[key])
    elif isinstance(wanted, list | tuple):
        assert len(found) == len(wanted)
        for a, b in zip(found, wanted, strict=True):
            assert_same(a, b)
    else:
        assert found == wanted


def exported(path: Path, fmt: str, suffix: str, tmp_path: Path) -> Path:
    out = tmp_path / f"{path.stem}{suffix}"
    export_scenario(model.load(path), fmt).save(out)  # type: ignore[arg-type]
    return out


# round trips ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "suffix"), DIAGRAM_FORMATS)
def test_the_wildcatter_reads_back_to_the_same_policy_meu_and_evpi(
        fmt: str, suffix: str, tmp_path: Path) -> None:
    back = model.load(exported(WILDCATTER, fmt, suffix, tmp_path))
    assert back.reader_decisions == ("test", "drill") and back.decider == "wildcatter"
    assert {d: back.nodes[d].parents for d in back.reader_decisions} == \
        {"test": (), "drill": ("test", "seismic")}
    found = decide(back, samples=20)
    assert found.expected == pytest.approx(22.5, abs=EXACT)
    assert found.decision("test").choice({}) == "yes"
    drill = found.decision("drill")
    assert [drill.choice({"test": "yes", "seismic": s}) for s in ("closed", "open", "diffuse")] \
        == ["yes", "yes", "no"]
    assert {i.node: i.value for i in found.information}["oil"] == pytest.approx(32.5, abs=EXACT)
    assert_same(figures(found), figures(decide(model.load(WILDCATTER), samples=20)))


@pytest.mark.parametrize(("fmt", "suffix"), DIAGRAM_FORMATS)
def test_three_decisions_in_sequence_read_back_to_the_same_figures(
        fmt: str, suffix: str, tmp_path: Path) -> None:
    """Scan, treat, follow up: no forgetting, another actor's predicted choice (a chance node
    in the file), ranges at their point values, and a second actor's utilities left out."""
    original = model.load(TREATMENT)
    converted = export_scenario(original, fmt)  # type: ignore[arg-type]
    told = " ".join(map(str, converted.warnings))
    assert "2 worths of doctor written as ranges are exported at their midpoints" in told
    assert "the utilities of 1 actor (insurer) stay in the scenario" in told
    path = tmp_path / f"treatment{suffix}"
    converted.save(path)
    back = model.load(path)
    assert back.warnings == []
    assert {d: back.nodes[d].parents for d in back.reader_decisions} == \
        {d: original.nodes[d].parents for d in original.reader_decisions}
    assert_same(figures(decide(back, samples=20)), figures(decide(original, samples=20)))


def test_bifxml_writes_all_a_decision_knows_and_the_record_gives_its_own_parents_back(
        tmp_path: Path) -> None:
    """pyAgrum's diagrams let a decision forget what it has no arc from, so the file writes
    the arcs of no forgetting; reading it back here restores the scenario's own parents,
    unless the file's arcs were changed since."""
    path = exported(TREATMENT, "xmlbif", ".bifxml", tmp_path)
    text = path.read_text()
    follow_up = re.search(r"<FOR>follow_up</FOR>(.*?)</DEFINITION>", text, re.S)
    assert follow_up is not None
    assert re.findall(r"<GIVEN>(\w+)</GIVEN>", follow_up.group(1)) == \
        ["scan", "reading", "cover", "treat"]
    assert model.load(path).nodes["follow_up"].parents == ("treat",)
    edited = tmp_path / "edited.bifxml"
    edited.write_text(text.replace("<FOR>follow_up</FOR>\n\t<GIVEN>scan</GIVEN>",
                                   "<FOR>follow_up</FOR>"))
    assert model.load(edited).nodes["follow_up"].parents == ("reading", "cover", "treat")


def test_an_exported_diagram_imports_as_yaml_that_solves_the_same(tmp_path: Path) -> None:
    path = exported(WILDCATTER, "xdsl", ".xdsl", tmp_path)
    imported = import_network(path)
    assert "# Decision nodes without probabilities are the file's decisions" in imported.text
    assert "utilities:\n  wildcatter:\n    - {when: {test: \"yes\"}, value: -10.0" \
        in imported.text
    again = model.loads(imported.text, tmp_path / "w.yaml")
    assert decide(again, samples=20).expected == pytest.approx(22.5, abs=EXACT)
    assert parse_document(imported.text).data == load_network(path).data


# pyAgrum -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [WILDCATTER, TREATMENT], ids=lambda p: p.stem)
def test_pyagrum_solves_our_bifxml_to_our_meu_and_policy(path: Path, tmp_path: Path) -> None:
    gum = pytest.importorskip("pyagrum", reason="pyAgrum is the reference for the BIFXML")
    out = exported(path, "xmlbif", ".bifxml", tmp_path)
    inference = gum.ShaferShenoyLIMIDInference(gum.loadID(str(out)))
    inference.makeInference()  # as a limited-memory diagram: the file writes every arc
    ours = decide(model.load(path), samples=20)
    assert inference.MEU()["mean"] == pytest.approx(ours.expected, abs=EXACT)
    for policy in ours.decisions:
        table = inference.optimalDecision(policy.node)
        for situation in policy.situations:
            if not situation.probability > 0:
                continue  # pyAgrum takes the first option where the policy never goes
            wanted = {n: s for n, s in situation.known.items() if n in table.names}
            row = table.extract(wanted).toarray()
            chosen = table.variable(policy.node).label(int(np.argmax(row)))
            assert chosen == situation.best
    if path == WILDCATTER:
        assert inference.MEU()["mean"] == pytest.approx(22.5, abs=EXACT)


def _pyagrum_diagram(gum: Any, forgetting: bool) -> Any:
    """A diagram built with pyAgrum's API: invest knowing a forecast, then expand knowing a
    report (and, unless `forgetting`, the forecast and the investment too)."""
    diagram = gum.InfluenceDiagram()
    for name, states in (("weather", ["sun", "rain"]), ("forecast", ["good", "bad"]),
                         ("market", ["up", "down"]), ("report", ["high", "low"])):
        diagram.addChanceNode(gum.LabelizedVariable(name, name, states))
    for name in ("invest", "expand"):
        diagram.addDecisionNode(gum.LabelizedVariable(name, name, ["yes", "no"]))
    for name in ("u_invest", "u_expand", "u_cost"):
        diagram.addUtilityNode(gum.LabelizedVariable(name, name, 1))
    arcs = [("weather", "forecast"), ("weather", "market"), ("forecast", "invest"),
            ("market", "report"), ("invest", "report"), ("report", "expand"),
            ("invest", "u_invest"), ("market", "u_invest"), ("expand", "u_expand"),
            ("market", "u_expand"), ("invest", "u_cost")]
    if not forgetting:
        arcs += [("forecast", "expand"), ("invest", "expand")]
    for tail, head in arcs:
        diagram.addArc(tail, head)
    diagram.cpt("weather").fillWith([0.7, 0.3])
    diagram.cpt("forecast")[{"weather": "sun"}] = [0.8, 0.2]
    diagram.cpt("forecast")[{"weather": "rain"}] = [0.25, 0.75]
    diagram.cpt("market")[{"weather": "sun"}] = [0.6, 0.4]
    diagram.cpt("market")[{"weather": "rain"}] = [0.3, 0.7]
    for market, seen in (("up", [0.9, 0.1]), ("down", [0.2, 0.8])):
        diagram.cpt("report")[{"market": market, "invest": "yes"}] = seen
        diagram.cpt("report")[{"market": market, "invest": "no"}] = [0.5, 0.5]
    for node, decision, worth in (("u_invest", "invest", {"up": 50, "down": -30}),
                                  ("u_expand", "expand", {"up": 40, "down": -60})):
        for market, value in worth.items():
            diagram.utility(node)[{decision: "yes", "market": market}] = value
            diagram.utility(node)[{decision: "no", "market": market}] = 0
    diagram.utility("u_cost")[{"invest": "yes"}] = -5
    diagram.utility("u_cost")[{"invest": "no"}] = 0
    return diagram


def test_a_diagram_pyagrum_writes_solves_here_to_pyagrum_s_meu(tmp_path: Path) -> None:
    gum = pytest.importorskip("pyagrum", reason="the diagram is written by pyAgrum")
    diagram = _pyagrum_diagram(gum, forgetting=False)
    path = tmp_path / "invest.bifxml"
    diagram.saveBIFXML(str(path))
    inference = gum.ShaferShenoyLIMIDInference(diagram)
    inference.makeInference()
    s = model.load(path)
    assert s.warnings == [] and s.reader_decisions == ("invest", "expand")
    ours = decide(s, samples=20)
    assert ours.expected == pytest.approx(inference.MEU()["mean"], abs=EXACT)
    table = inference.optimalDecision("expand")
    for situation in ours.decision("expand").situations:
        if not situation.probability > 0:
            continue  # pyAgrum takes the first option where the policy never goes
        row = table.extract({n: situation.known[n] for n in table.names if n != "expand"})
        assert table.variable("expand").label(int(np.argmax(row.toarray()))) == situation.best


def test_a_limited_memory_diagram_is_read_without_forgetting_and_says_so(
        tmp_path: Path) -> None:
    gum = pytest.importorskip("pyagrum", reason="the diagram is written by pyAgrum")
    diagram = _pyagrum_diagram(gum, forgetting=True)
    path = tmp_path / "forgetful.bifxml"
    diagram.saveBIFXML(str(path))
    s = model.load(path)
    [told] = [str(w) for w in s.warnings]
    assert "'expand' is read as knowing also 'forecast', 'invest': the scenario language " \
           "lets each decision know the earlier ones and all they knew" in told
    assert set(s.diagram.knows["expand"]) == {"forecast", "report", "invest"}
    inference = gum.ShaferShenoyLIMIDInference(diagram)
    inference.addNoForgettingAssumption(["invest", "expand"])
    inference.makeInference()
    assert decide(s, samples=20).expected == pytest.approx(inference.MEU()["mean"], abs=EXACT)


# GeNIe -------------------------------------------------------------------------------------


def test_a_genie_influence_diagram_imports_and_solves() -> None:
    """Written by hand as GeNIe saves one: capitalised ids, the utilities' parents in another
    order than the chance nodes', an ALU node summing the two utility nodes, labels."""
    s = model.load(GENIE)
    assert s.warnings == [] and s.reader_decisions == ("Test", "Drill")
    assert s.decider == "decision_maker" and s.nodes["Drill"].label == "Drill?"
    found = decide(s, samples=20)
    assert found.expected == pytest.approx(22.5, abs=EXACT)
    assert found.decision("Test").choice({}) == "Yes"
    drill = found.decision("Drill")
    assert [drill.choice({"Test": "Yes", "Seismic": state})
            for state in ("Closed", "Open", "Diffuse")] == ["Yes", "Yes", "No"]
    assert drill.choice({"Test": "No", "Seismic": "No_result"}) == "Yes"
    assert {i.node: i.value for i in found.information}["Oil"] == pytest.approx(32.5, abs=EXACT)
    notes = [row.note for row in s.file.utilities["decision_maker"]]  # type: ignore[union-attr]
    assert notes[0] == "from the utility node 'Test_Cost' (Cost of the test), weighted by 'Total'"


@pytest.mark.parametrize(("change", "meu", "evpi", "warning"), [
    (("<weights>1 1</weights>", "<weights>2 2</weights>"), 45.0, 65.0, None),
    (('\t\t<mau id="Total">\n\t\t\t<parents>Test_Cost Drill_Profit</parents>\n'
      "\t\t\t<weights>1 1</weights>\n\t\t</mau>\n", ""), 22.5, 32.5,
     "2 utility nodes are combined by no multi-attribute node (Test_Cost, Drill_Profit): "
     "read as adding up"),
    (("<parents>Test_Cost Drill_Profit</parents>\n\t\t\t<weights>1 1</weights>\n\t\t</mau>",
      "<parents>Test_Cost Inner</parents>\n\t\t\t<weights>1 0.5</weights>\n\t\t</mau>\n"
      '\t\t<mau id="Inner">\n\t\t\t<parents>Drill_Profit</parents>\n'
      "\t\t\t<weights>2</weights>\n\t\t</mau>"), 22.5, 32.5, None),
], ids=["weights", "no multi-attribute node", "nested"])
def test_genie_utility_nodes_are_weighted_and_added(tmp_path: Path, change: tuple[str, str],
                                                    meu: float, evpi: float,
                                                    warning: str | None) -> None:
    text = GENIE.read_text()
    assert change[0] in text
    path = tmp_path / "changed.xdsl"
    path.write_text(text.replace(change[0], change[1]))
    s = model.load(path)
    assert [warning in str(w) for w in s.warnings] == ([True] if warning else [])
    found = decide(s, samples=20)
    assert found.expected == pytest.approx(meu, abs=EXACT)
    assert {i.node: i.value for i in found.information}["Oil"] == pytest.approx(evpi, abs=EXACT)


# what cannot be read or written --------------------------------------------------------------

NODES = '<smile id="n"><nodes>\n<cpt id="a"><state id="y"/><state id="n"/>' \
        "<probabilities>0.5 0.5</probabilities></cpt>\n" \
        '<decision id="d"><state id="go"/><state id="stay"/></decision>\n'
BIFXML = '<BIF><NETWORK>\n<VARIABLE TYPE="nature"><NAME>a</NAME><OUTCOME>y</OUTCOME>' \
         "<OUTCOME>n</OUTCOME></VARIABLE>\n" \
         '<VARIABLE TYPE="utility"><NAME>u</NAME><OUTCOME>0</OUTCOME></VARIABLE>\n' \
         "<DEFINITION><FOR>a</FOR><TABLE>0.5 0.5</TABLE></DEFINITION>\n"


REFUSED = [
    ("utility_parent.xdsl", NODES + '<utility id="u"><parents>d</parents>'
     "<utilities>1 0</utilities></utility>\n"
     '<cpt id="b"><state id="y"/><state id="n"/><parents>u</parents>'
     "<probabilities>0.5 0.5 0.5 0.5</probabilities></cpt>\n</nodes></smile>", 5,
     "the utility node 'u' is a parent of a chance node"),
    ("utilities_too_short.xdsl", NODES + '<utility id="u"><parents>a d</parents>\n'
     "<utilities>1 0 2</utilities></utility>\n</nodes></smile>", 5,
     "<utilities> holds 3 numbers where 2 parents have 4 combinations of states"),
    ("no_utilities.xdsl", NODES + '<utility id="u"><parents>d</parents></utility>\n'
     "</nodes></smile>", 4, "the utility node has no <utilities>"),
    ("expression.xdsl", NODES + '<utility id="u"><parents>d</parents>'
     '<utilities>1 0</utilities></utility>\n<mau id="m"><parents>u</parents>'
     "<expression>u*u</expression></mau>\n</nodes></smile>", 5,
     "a multi-attribute node without <weights> (defined by an expression) is not read"),
    ("weights_by_decision.xdsl", NODES + '<utility id="u"><parents>a</parents>'
     '<utilities>1 0</utilities></utility>\n<mau id="m"><parents>u d</parents>'
     "<weights>1 2 3 4</weights></mau>\n</nodes></smile>", 5,
     "'d', not a utility node, is a parent of a multi-attribute node"),
    ("ring.xdsl", NODES + '<mau id="m"><parents>k</parents><weights>1</weights></mau>\n'
     '<mau id="k"><parents>m</parents><weights>1</weights></mau>\n</nodes></smile>', 4,
     "multi-attribute nodes combine each other: m -> k -> m"),
    ("utility_given.bifxml", BIFXML + "<DEFINITION><FOR>u</FOR><GIVEN>a</GIVEN>"
     "<TABLE>1 2</TABLE></DEFINITION>\n<DEFINITION><FOR>a</FOR><GIVEN>u</GIVEN>"
     "</DEFINITION>\n</NETWORK></BIF>", 6, "the utility node 'u' is a parent of 'a'"),
    ("utility_table.bifxml", BIFXML + "<DEFINITION><FOR>u</FOR><GIVEN>a</GIVEN>\n"
     "<TABLE>1 2 3</TABLE></DEFINITION>\n</NETWORK></BIF>", 6,
     "the <TABLE> has 3 numbers where 2 parent combinations need 2 worths"),
    ("no_definition.bifxml", BIFXML + "</NETWORK></BIF>", 3,
     "no <DEFINITION> gives its utilities"),
    ("decision.net", 'net { }\nnode a { states = ("y" "n"); }\n'
     'decision d { states = ("go" "stay"); }\n', 3,
     "decision nodes are not supported (influence diagrams are read from XDSL and BIFXML "
     "files, not from NET: open the file in GeNIe and save it as XDSL)"),
]


@pytest.mark.parametrize(("name", "text", "line", "words"), REFUSED,
                         ids=[case[0] for case in REFUSED])
def test_a_diagram_a_reader_cannot_take_is_refused_where_it_is(
        tmp_path: Path, name: str, text: str, line: int, words: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ScenarioError) as raised:
        model.load(path)
    [problem] = [p for p in raised.value.problems if words in str(p)]
    assert problem.line == line


@pytest.mark.parametrize("fmt", ["bif", "net", "uai"])
def test_formats_without_decision_nodes_refuse_a_diagram(fmt: str) -> None:
    s = model.load(WILDCATTER)
    with pytest.raises(ScenarioError, match=r"has no decision or utility nodes: the reader's "
                                            r"decisions \(test, drill\) and wildcatter's "
                                            r"utilities would be lost"):
        export_scenario(s, fmt)  # type: ignore[arg-type]
    with_policy = export_scenario(s, fmt, policy=True)  # type: ignore[arg-type]
    assert "exported as chance nodes holding wildcatter's best policy" in \
        " ".join(map(str, with_policy.warnings))


def test_the_command_line_refuses_with_exit_2_and_takes_policy(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "w.bif"
    assert main(["export", str(WILDCATTER), "--to", "bif", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "BIF has no decision or utility nodes" in err and "export to xdsl (GeNIe) or " \
        "xmlbif (pyAgrum's BIFXML), which hold influence diagrams; or export with --policy" \
        in err
    assert not out.exists()
    assert main(["export", str(WILDCATTER), "--to", "bif", "--policy", "-o", str(out)]) == 0
    assert model.load(out).reader_decisions == ()
    assert main(["export", str(WILDCATTER), "--to", "xmlbif", "-o",
                 str(tmp_path / "w.bifxml")]) == 0
    assert "XMLBIF keeps the influence diagram" in capsys.readouterr().err
