"""The JSON Schema editors use: current, valid, and agreeing with the loader on real files."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from model.language.json_schema import SCHEMA_ID, scenario_json_schema, schema_text
from model.language.loader import parse_document, read_document

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "docs" / "scenario.schema.json"
FIXTURES = Path(__file__).parent / "fixtures"


def as_an_editor_reads(path_or_text: Path | str) -> Any:
    """The file's data as a YAML 1.2 editor sees it: dates are text."""
    doc = read_document(path_or_text) if isinstance(path_or_text, Path) \
        else parse_document(path_or_text)
    return json.loads(json.dumps(doc.data, default=lambda d: d.isoformat()))


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = scenario_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def test_committed_schema_is_current() -> None:
    assert COMMITTED.read_text() == schema_text(), (
        "docs/scenario.schema.json is stale: run "
        "`scenario schema -o docs/scenario.schema.json`")


def test_schema_names_itself() -> None:
    schema = scenario_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_ID
    assert schema["title"] == "Scenario file"


@pytest.mark.parametrize("path", [FIXTURES / "tiny.yaml", *sorted((ROOT / "scenarios").glob(
    "*.yaml"))], ids=lambda p: p.name)
def test_schema_accepts_the_scenarios_we_ship(path: Path,
                                              validator: jsonschema.Draft202012Validator
                                              ) -> None:
    assert [e.message for e in validator.iter_errors(as_an_editor_reads(path))] == []


def test_schema_accepts_an_imported_network(validator: jsonschema.Draft202012Validator) -> None:
    from model.interop import import_network
    from tests.test_interop import EXAMPLES

    text = import_network(EXAMPLES / "asia.bif.gz", today=dt.date(2025, 1, 1)).text
    assert [e.message for e in validator.iter_errors(as_an_editor_reads(text))] == []


def _lable(d: Any) -> None:
    d["nodes"]["rain"]["lable"] = d["nodes"]["rain"].pop("label")


MISTAKES: list[tuple[Callable[[Any], None], str]] = [
    (_lable, "nodes/rain"),
    (lambda d: d["nodes"]["rain"]["prior"].update(yes=1.5), "nodes/rain/prior"),
    (lambda d: d["nodes"]["rain"]["prior"].update(yes="quite likely"), "nodes/rain/prior"),
    (lambda d: d.pop("title"), ""),
    (lambda d: d.update(as_of="2025-13-45"), "as_of"),
    (lambda d: d["nodes"]["rain"].update(role="cause"), "nodes/rain/role"),
]


@pytest.mark.parametrize(("mistake", "where"), MISTAKES)
def test_schema_flags_common_mistakes(mistake: Callable[[Any], None], where: str,
                                      validator: jsonschema.Draft202012Validator) -> None:
    data = as_an_editor_reads(FIXTURES / "tiny.yaml")
    mistake(data)
    errors = list(validator.iter_errors(data))
    assert any("/".join(map(str, e.absolute_path)) == where for e in errors), \
        [(list(e.absolute_path), e.message) for e in errors]


def test_schema_accepts_what_the_loader_accepts(
        validator: jsonschema.Draft202012Validator) -> None:
    data = as_an_editor_reads(FIXTURES / "tiny.yaml")
    data["nodes"]["rain"]["states"] = [1, "no"]
    data["nodes"]["rain"]["prior"] = {"1": "Roughly  Even chance"}
    data["nodes"]["sprinkler"]["table"][0]["p"] = {"yes": "Likely"}
    assert [e.message for e in validator.iter_errors(data)] == []


def test_docs_show_the_line_that_makes_vs_code_use_it() -> None:
    docs = (ROOT / "docs" / "interop.md").read_text()
    line = "# yaml-language-server: $schema=../docs/scenario.schema.json"
    assert line in docs
    assert (ROOT / "scenarios" / line.rpartition("=")[2]).resolve() == COMMITTED
