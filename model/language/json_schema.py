"""The scenario language as a JSON Schema, for editors that check YAML as it is typed.

Generated from the pydantic models of `schema.py`, so it cannot drift from what the loader
parses; the copy kept at `docs/scenario.schema.json` is regenerated with `scenario schema
-o docs/scenario.schema.json`, and a test fails when it is stale. The schema checks shape
only: cross-references (parents, states, sources) are the checker's job.
"""

from __future__ import annotations

import json
from typing import Any

from .schema import ScenarioFile

SCHEMA_ID = "urn:scenario-modeller:scenario.schema.json"
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file, with `$schema`, `$id` and a title on top."""
    generated = ScenarioFile.model_json_schema()
    generated.pop("title", None)
    return {
        "$schema": DRAFT,
        "$id": SCHEMA_ID,
        "title": "Scenario file",
        "description": "A scenario for the scenario modeller: nodes with states, cited "
                       "probabilities and what-ifs. Names, states and sources are "
                       "cross-checked by `scenario validate`.",
        **generated,
    }


def schema_text() -> str:
    """The schema as the text kept in the repository (stable key order, final newline)."""
    return json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False) + "\n"
