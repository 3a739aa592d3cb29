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
    schema = {
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
    # A type whose schema is written by hand (`WithJsonSchema`) still leaves pydantic's own
    # definition behind, unreferenced, and pydantic versions render it differently.
    schema["$defs"] = {name: defs[name] for name in sorted(_referenced(schema)) if name in defs}
    return schema


def _referenced(schema: dict[str, Any]) -> set[str]:
    """The names of the definitions the schema reaches from its top, through other ones."""
    seen: set[str] = set()
    stack: list[Any] = [{key: value for key, value in schema.items() if key != "$defs"}]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                name = ref.removeprefix("#/$defs/")
                if name not in seen:
                    seen.add(name)
                    stack.append(schema["$defs"].get(name))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return seen


def schema_text() -> str:
    """The schema as the text kept in the repository (stable key order, final newline)."""
    return json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False) + "\n"
