"""The JSON Schema (draft 2020-12) of a feed's contract, generated from its row model.

The row model is the one source of truth; this module only shapes pydantic's output into a
stable contract: ``$id`` is the contract id (the events' ``dataschema``), field titles are
dropped (noise that would make every rename look like a change), a nullable field is written
``"type": [T, "null"]`` rather than pydantic's ``anyOf`` (clearer to read, and what the
compatibility rules compare best), and ``x-key-fields`` / ``x-admin-unit-field`` tell consumers
which fields identify a record and route it.

Only keywords whose meaning is the same in draft-07 and 2020-12 are produced, so the AsyncAPI
document (whose schema object is a draft-07 superset) can reference these files as they are.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from schemas.feeds import FeedSpec

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"


class _ContractGenerator(GenerateJsonSchema):
    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        inner = self.generate_inner(schema["schema"])
        if not isinstance(inner.get("type"), str) or "$ref" in inner:
            return super().nullable_schema(schema)
        folded = {**inner, "type": [inner["type"], "null"]}
        if "enum" in folded:
            folded["enum"] = [*folded["enum"], None]
        return folded

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def model_schema(model: type[BaseModel]) -> dict[str, Any]:
    """A model's JSON Schema as the wire carries it (aliases), shaped like the contracts."""
    body = model.model_json_schema(by_alias=True, schema_generator=_ContractGenerator)
    if "$defs" in body:
        raise AssertionError(f"{model.__name__}: a contract must be flat (no $defs)")
    body.pop("title", None)
    return body


def contract_schema(spec: FeedSpec) -> dict[str, Any]:
    body = model_schema(spec.row_model)
    return {
        "$schema": DRAFT_2020_12,
        "$id": spec.dataschema,
        "title": f"{spec.title} ({spec.event_type}), contract version {spec.contract_version}",
        "x-event-type": spec.event_type,
        "x-key-fields": list(spec.key_fields),
        "x-admin-unit-field": spec.admin_unit_field,
        **body,
    }


def contract_path(event_type: str, version: int) -> str:
    """Where a contract version lives, relative to ``contracts/``."""
    return f"{event_type}/v{version}.schema.json"
