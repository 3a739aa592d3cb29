"""Each stage of the data flow on its own: load, parse, check, tables, network."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from model import LimitError, ScenarioError
from model.language.checks import check
from model.language.loader import parse_document, read_document
from model.language.parse import parse
from model.limits import MAX_ALIAS_BYTES, MAX_FILE_BYTES
from model.network.pgmpy_engine import build_network


def test_load_keeps_lines_and_reads_yaml_1_2() -> None:
    doc = parse_document("a: yes\nb:\n  - on\n  - off\nc: {yes: 0.3}\nd: 2025-03-25\n")
    assert doc.data["a"] == "yes"
    assert doc.data["b"] == ["on", "off"]
    assert doc.data["c"] == {"yes": 0.3}
    assert str(doc.data["d"]) == "2025-03-25"
    assert doc.line_of(("b", 1)) == 4
    assert doc.line_of(("c", "yes")) == 5
    assert doc.line_of(("c", "missing", 3)) == 5  # nearest enclosing element


def test_load_refuses_tags_and_alias_bombs() -> None:
    with pytest.raises(ScenarioError, match="tag"):
        parse_document("a: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(ScenarioError, match="not allowed"):
        parse_document("a: !custom 3\n")
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        bomb += f"{cur}: &{cur} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
    with pytest.raises(LimitError, match=f"aliases repeat more than {MAX_ALIAS_BYTES:,} bytes"):
        parse_document(bomb)


def test_load_refuses_an_oversized_file(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("# " + "x" * MAX_FILE_BYTES + "\n")
    with pytest.raises(LimitError, match=f"over the limit of {MAX_FILE_BYTES:,}"):
        read_document(path)


def test_parse_reports_schema_problems_per_node(tiny_path: Path) -> None:
    doc = read_document(tiny_path)
    doc.data["nodes"]["rain"]["role"] = "cause"
    scenario, problems, broken, _ = parse(doc)
    assert scenario is not None
    assert broken == {"rain"}
    assert "role" in str(problems[0]) and problems[0].line == 14


def test_a_refused_entry_or_source_does_not_hide_the_cross_checks(tiny_path: Path,
                                                                  tmp_path: Path) -> None:
    text = tiny_path.read_text().replace("    published: 2025-01\n", "    published: [2025]\n")
    text = text.replace("title: A tiny scenario\n", "")
    text += ("  - {name: Broken, given: 3}\n"
             "  - {name: Misspelt, given: {rian: no}}\n")
    path = tmp_path / "tiny.yaml"
    path.write_text(text)
    (tmp_path / "almanac.txt").write_text((tiny_path.parent / "almanac.txt").read_text())
    with pytest.raises(ScenarioError) as caught:
        check(read_document(path))
    found = [(p.line, p.message) for p in caught.value.problems]
    lines = text.splitlines()
    assert [m.split(":")[0] for _, m in found] == [
        "'title' is missing", "sources.almanac.published", "what-if 3",
        "what-if 'Misspelt', given"], found
    # the last what-if, numbered 2 once the third is left out, is still located, and the
    # almanac still cited by the nodes (its date refused) is not called undeclared
    assert lines[found[-1][0] - 1].startswith("  - {name: Misspelt")
    assert "'rian'" in found[-1][1]


def test_check_builds_params_and_blocks_in_topological_order(tiny_path: Path) -> None:
    checked = check(read_document(tiny_path))
    assert list(checked.nodes) == ["rain", "sprinkler", "wet"]
    assert [p.where for p in checked.params] == [
        "prior", "table row 1", "table row 2", "noisy-OR weight of rain",
        "noisy-OR weight of sprinkler", "noisy-OR leak"]
    assert checked.params[2].prob.kind == "range"
    assert checked.params[0].line == 16
    assert checked.paragraphs["almanac"][0].startswith("It rains")


def test_tables_are_batched_functions_of_the_written_numbers(tiny_path: Path) -> None:
    checked = check(read_document(tiny_path))
    values = np.array([[p.prob.point for p in checked.params]] * 2)
    values[1, 1] = 0.5  # sprinkler when it rains
    table = checked.nodes["sprinkler"].table(values)
    assert table.shape == (2, 2, 2)
    assert table[:, 0, 0].tolist() == pytest.approx([0.1, 0.5])
    np.testing.assert_allclose(table[:, :, 1], [[0.4, 0.6], [0.4, 0.6]])


def test_network_stage_matches_the_tables(tiny_path: Path) -> None:
    checked = check(read_document(tiny_path))
    values = np.array([[p.prob.point for p in checked.params]])
    tables = {n: spec.table(values)[0] for n, spec in checked.nodes.items()}
    network = build_network({n: s.states for n, s in checked.nodes.items()},
                            {n: s.parents for n, s in checked.nodes.items()}, tables)
    cpd = network.get_cpds("wet")
    assert cpd.get_evidence()[::-1] == ["rain", "sprinkler"]
    np.testing.assert_allclose(cpd.values, tables["wet"], atol=1e-15)
