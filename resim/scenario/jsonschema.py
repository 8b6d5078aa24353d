"""JSON Schema of the scenario format, for editors (YAML language servers) and the docs."""

from __future__ import annotations

from typing import Any

from resim.scenario import Scenario

__all__ = ["scenario_schema", "TABLE_FIELDS"]

#: Sections that may be given as ``{csv: file.csv}`` instead of a list.
TABLE_FIELDS = ("parts", "nodes", "lanes", "demand", "disruptions", "strategies")

_CSV_REF = {
    "type": "object",
    "description": "a CSV file beside the scenario; header cells are dotted field paths",
    "properties": {"csv": {"type": "string"}},
    "required": ["csv"],
    "additionalProperties": False,
}


def _allow_csv(prop: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [{k: v for k, v in prop.items() if k not in ("title", "description")},
                      _CSV_REF],
            **{k: v for k, v in prop.items() if k in ("title", "description", "default")}}


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of scenario files; list sections also accept ``{csv: ...}``."""
    schema = Scenario.model_json_schema(by_alias=True, mode="validation")
    for name in TABLE_FIELDS:
        schema["properties"][name] = _allow_csv(schema["properties"][name])
    defs = schema.get("$defs", {})
    for model, field in (("MaaS", "providers"), ("Circular", "take_back"),
                         ("Circular", "grading"), ("Circular", "processes")):
        props = defs[model]["properties"]
        props[field] = _allow_csv(props[field])
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "resim scenario"
    return schema
