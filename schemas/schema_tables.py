"""Markdown tables of a pydantic model's fields, read from its JSON Schema.

The JSON Schema is what the API publishes and what validation enforces, so a table drawn from it
shows the same types, defaults and bounds a user meets when a file is refused. One section per
model, nested models linked by anchor.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

# JSON Schema keywords that bound a value, and how a reader says them.
_BOUNDS = (
    ("minimum", ">= {}"),
    ("exclusiveMinimum", "> {}"),
    ("maximum", "<= {}"),
    ("exclusiveMaximum", "< {}"),
    ("minLength", "length >= {}"),
    ("maxLength", "length <= {}"),
    ("minItems", "items >= {}"),
    ("maxItems", "items <= {}"),
    ("pattern", "matches `{}`"),
)


def model_sections(model: type[BaseModel], *, level: int = 2) -> list[str]:
    """One section for ``model`` and one for each model it nests, in the schema's order."""
    schema = model.model_json_schema(ref_template="#/$defs/{model}")
    definitions: dict[str, Any] = schema.pop("$defs", {})
    sections = [section(model.__name__, schema, level=level)]
    sections += [section(name, definitions[name], level=level) for name in sorted(definitions)]
    return sections


def section(name: str, definition: dict[str, Any], *, level: int = 2) -> str:
    heading = "#" * level
    if "enum" in definition:
        return f"{heading} {name}\n\nOne of {', '.join(f'`{value}`' for value in definition['enum'])}.\n"
    lines = [f"{heading} {name}\n"]
    if definition.get("description"):
        lines.append(f"{one_line(definition['description'])}\n")
    lines += ["| field | type | default | allowed | description |", "| --- | --- | --- | --- | --- |"]
    required = set(definition.get("required", ()))
    for field, spec in definition.get("properties", {}).items():
        lines.append(
            f"| `{field}` | {type_of(spec)} | {default_of(field in required, spec)} | {bounds_of(spec)} | "
            f"{one_line(spec.get('description', ''))} |"
        )
    return "\n".join(lines) + "\n"


def default_of(required: bool, spec: dict[str, Any]) -> str:
    if required:
        return "*required*"
    if "default" not in spec:  # made by a factory when the model is built
        return "(built)"
    return f"`{json.dumps(spec['default'], ensure_ascii=False)}`"


def type_of(spec: dict[str, Any]) -> str:
    if "$ref" in spec:
        target = spec["$ref"].rsplit("/", 1)[-1]
        return f"[{target}](#{target.lower()})"
    if "const" in spec:
        return f"`{spec['const']}`"
    if "enum" in spec:
        return " \\| ".join(f"`{value}`" for value in spec["enum"])
    if "anyOf" in spec:
        return " \\| ".join(type_of(option) for option in spec["anyOf"])
    kind = spec.get("type", "any")
    if kind == "array":
        return f"list of {type_of(spec.get('items', {}))}"
    if kind == "object" and isinstance(spec.get("additionalProperties"), dict):
        return f"map of {type_of(spec['additionalProperties'])}"
    if spec.get("format") == "password":
        return "secret string"
    if spec.get("format") == "date-time":
        return "time with zone (RFC 3339)"
    return str(kind)


def bounds_of(spec: dict[str, Any]) -> str:
    """The limits validation enforces, from the field and its list items or ``anyOf`` options."""
    found: list[str] = []
    for part in (spec, spec.get("items", {}), *spec.get("anyOf", ())):
        found += [text.format(part[key]) for key, text in _BOUNDS if key in part]
    return one_line(", ".join(dict.fromkeys(found)))


def one_line(text: str) -> str:
    """Text that fits one table cell: one line, pipes and angle brackets escaped."""
    return " ".join(str(text).split()).replace("|", "\\|").replace("<", "\\<")


__all__ = ["bounds_of", "default_of", "model_sections", "one_line", "section", "type_of"]
