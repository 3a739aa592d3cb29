"""The scenario language as a JSON Schema, for editors that check YAML as it is typed.

Generated from the pydantic models of `schema.py`, so it cannot drift from what the loader
parses; the copy kept at `docs/scenario.schema.json` is regenerated with `scenario schema
-o docs/scenario.schema.json`, and a test fails when it is stale. The schema checks shape
only: cross-references (parents, states, sources) are the checker's job.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic.json_schema import models_json_schema

from .schema import CaseFile, ScenarioFile

SCHEMA_ID = "urn:scenario-modeller:scenario.schema.json"
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file, with `$schema`, `$id` and a title on top. A file
    with `case:` is a case file (`cases.py`) and is checked as one instead."""
    _, generated = models_json_schema([(ScenarioFile, "validation"), (CaseFile, "validation")],
                                      ref_template="#/$defs/{model}")
    defs = generated["$defs"]
    scenario = defs.pop("ScenarioFile")
    scenario.pop("title", None)
    return {
        "$schema": DRAFT,
        "$id": SCHEMA_ID,
        "title": "Scenario file",
        "description": "A scenario for the scenario modeller: nodes with states, cited "
                       "probabilities and what-ifs; or a case file, the dated evidence and "
                       "resolutions of one case of a scenario. Names, states and sources are "
                       "cross-checked by `scenario validate`.",
        "$defs": defs,
        "if": {"required": ["case"]},
        "then": {"$ref": "#/$defs/CaseFile"},
        "else": scenario,
    }


def schema_text() -> str:
    """The schema as the text kept in the repository (stable key order, final newline)."""
    return json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False) + "\n"
