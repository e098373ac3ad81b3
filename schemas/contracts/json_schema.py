"""JSON Schemas of the pydantic models the AsyncAPI document describes, and where contracts live.

Feeds' row contracts are files (``schemas.contracts.document``); the models here are the change
envelope's own parts (``SourceInfo``). Their schemas are shaped like the contracts: field titles
dropped (noise), a nullable field written ``"type": [T, "null"]`` rather than pydantic's ``anyOf``.
Only keywords whose meaning is the same in draft-07 and 2020-12 are produced, so the AsyncAPI
document (whose schema object is a draft-07 superset) can use them as they are.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema


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


def contract_path(event_type: str, version: int) -> str:
    """Where a contract version lives, relative to ``contracts/``."""
    return f"{event_type}/v{version}.schema.json"
