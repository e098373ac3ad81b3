"""What the mapping needs to know of a contract, read from its JSON Schema (pure).

The schema itself is found through :func:`connectors.mapping.lookup.contract_schema`, the one
place that knows where contracts live.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ContractShape:
    event_type: str
    properties: dict[str, dict[str, Any]]
    required: tuple[str, ...]
    key_fields: tuple[str, ...]
    admin_unit_field: str | None
    closed: bool  # additionalProperties: false

    @classmethod
    def of(cls, event_type: str, schema: dict[str, Any]) -> ContractShape:
        return cls(
            event_type=event_type,
            properties=dict(schema.get("properties", {})),
            required=tuple(schema.get("required", ())),
            key_fields=tuple(schema.get("x-key-fields", ())),
            admin_unit_field=schema.get("x-admin-unit-field"),
            closed=schema.get("additionalProperties") is False,
        )

    def json_types(self, field: str) -> frozenset[str]:
        """The JSON types the field accepts (``number`` includes ``integer``); empty: any."""
        declared = self.properties.get(field, {}).get("type")
        types = {declared} if isinstance(declared, str) else set(declared or ())
        if "number" in types:
            types.add("integer")
        return frozenset(types)

    def format_of(self, field: str) -> str | None:
        found = self.properties.get(field, {}).get("format")
        return found if isinstance(found, str) else None

    def enum_of(self, field: str) -> list[Any] | None:
        found = self.properties.get(field, {}).get("enum")
        return [value for value in found if value is not None] if isinstance(found, list) else None


__all__ = ["ContractShape"]
