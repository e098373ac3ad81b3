"""A mapping checked against the live table's columns and the contract, before apply saves it.

Each kind's validation module reads the table's columns as coarse :class:`SourceType` values and
calls :func:`check_mapping`; the first problem found is raised with a stable code and a message
naming the fix:

- ``mapping_unknown_column``: a rule reads a column the table does not have;
- ``mapping_unknown_field``: a field the contract does not define (and it allows no others);
- ``mapping_missing_field``: a required contract field (or a key field) no rule produces;
- ``mapping_type_mismatch``: what a rule produces cannot be the field's JSON type (a text column
  into an integer field without ``cast: integer``, a text column into a date without a cast...);
- ``mapping_value_not_in_enum`` / ``mapping_enum_not_covered``: a value map whose targets are
  not all allowed by the field's enum, or that leaves an enum value unreachable.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from connectors.mapping.config import Cast, FieldRule, TableMapping
from connectors.mapping.contract import ContractShape
from schemas.errors import ConfigurationError


class SourceType(StrEnum):
    INTEGER = "integer"
    NUMBER = "number"
    STRING = "string"
    DATE = "date"
    TIMESTAMP = "timestamp"
    BOOLEAN = "boolean"
    OTHER = "other"  # arrays, JSON, UUID...: not judged here; the contract check judges each row


class MappingRefused(ConfigurationError):
    code = "mapping_refused"


class UnknownColumn(MappingRefused):
    code = "mapping_unknown_column"


class UnknownField(MappingRefused):
    code = "mapping_unknown_field"


class MissingField(MappingRefused):
    code = "mapping_missing_field"


class TypeMismatch(MappingRefused):
    code = "mapping_type_mismatch"


class ValueNotInEnum(MappingRefused):
    code = "mapping_value_not_in_enum"


class EnumNotCovered(MappingRefused):
    code = "mapping_enum_not_covered"


_PRODUCED = {  # JSON type and format a source type gives without a cast
    SourceType.INTEGER: ("integer", None),
    SourceType.NUMBER: ("number", None),
    SourceType.STRING: ("string", None),
    SourceType.DATE: ("string", "date"),
    SourceType.TIMESTAMP: ("string", "date-time"),
    SourceType.BOOLEAN: ("boolean", None),
}
_CAST = {Cast.STRING: ("string", None), Cast.INTEGER: ("integer", None), Cast.NUMBER: ("number", None),
         Cast.DATE: ("string", "date")}  # fmt: skip


def check_mapping(
    table: str, mapping: TableMapping, columns: Mapping[str, SourceType], contract: ContractShape
) -> None:
    """Raise the first reason ``mapping`` cannot turn ``table``'s rows into ``contract``'s."""
    unknown = sorted(mapping.columns() - set(columns))
    if unknown:
        raise UnknownColumn(
            f"{table} has no column(s) {', '.join(unknown)}: fix the mapping's 'column' "
            f"(columns: {', '.join(columns)})",
            details={"table": table, "columns": unknown, "known": list(columns)},
        )
    _check_fields(mapping, contract)
    for name, rule in mapping.fields.items():
        _check_type(table, name, rule, columns, contract)
        _check_enum(name, rule, contract)


def _check_fields(mapping: TableMapping, contract: ContractShape) -> None:
    extra = sorted(set(mapping.fields) - set(contract.properties))
    if extra and contract.closed:
        raise UnknownField(
            f"{contract.event_type} has no field(s) {', '.join(extra)}: map onto one of "
            f"{', '.join(contract.properties)}",
            details={"fields": extra},
        )
    needed = [*contract.required, *(k for k in contract.key_fields if k not in contract.required)]
    missing = [name for name in needed if name not in mapping.fields]
    if missing:
        raise MissingField(
            f"{contract.event_type} requires field(s) {', '.join(missing)}: add them to the mapping "
            "(from a column, or a constant)",
            details={"fields": missing},
        )


def produced(rule: FieldRule, columns: Mapping[str, SourceType]) -> tuple[frozenset[str], str | None]:
    """The JSON types (empty: unknown) and format a rule produces."""
    if rule.hash is not None or rule.keep_last is not None or rule.pad is not None:
        return frozenset({"string"}), None
    cast = rule.effective_cast
    if cast is not None:
        kind, fmt = _CAST[cast]
        return frozenset({kind}), fmt
    if rule.values is not None:
        return frozenset(_json_type(value) for value in rule.values.values()), None
    if rule.column is None:
        return frozenset({_json_type(rule.constant)}), None
    found = _PRODUCED.get(columns[rule.column])
    return (frozenset(), None) if found is None else (frozenset({found[0]}), found[1])


def _check_type(
    table: str, name: str, rule: FieldRule, columns: Mapping[str, SourceType], contract: ContractShape
) -> None:
    if name not in contract.properties:
        return
    types, fmt = produced(rule, columns)
    wanted, wanted_format = contract.json_types(name), contract.format_of(name)
    if not types or not wanted or "null" in types:
        return
    if not types <= wanted or (wanted_format in ("date", "date-time") and fmt != wanted_format):
        origin = f"column {table}.{rule.column} ({columns[rule.column]})" if rule.column else "the constant"
        wanted_text = " or ".join(sorted(wanted)) + (f" ({wanted_format})" if wanted_format else "")
        raise TypeMismatch(
            f"field {name!r} is {wanted_text} but {origin} gives {'/'.join(sorted(types))}"
            f"{f' ({fmt})' if fmt else ''}: {_fix(wanted, wanted_format)}",
            details={
                "field": name,
                "column": rule.column,
                "produces": sorted(types),
                "wants": sorted(wanted),
            },
        )


def _fix(wanted: frozenset[str], wanted_format: str | None) -> str:
    if wanted_format == "date":
        return "add cast: date (ISO text) or date_format: '%d/%m/%Y' (text in another format)"
    if "integer" in wanted and "number" not in wanted:
        return "add cast: integer (or a value map)"
    if "number" in wanted:
        return "add cast: number"
    if "string" in wanted:
        return "add cast: string (or pad: N for zero-padded codes)"
    return "add a cast or a value map"


def _check_enum(name: str, rule: FieldRule, contract: ContractShape) -> None:
    allowed = contract.enum_of(name)
    if allowed is None or rule.values is None or rule.effective_cast is not None:
        return
    targets = set(rule.values.values())
    outside = sorted(str(value) for value in targets if value not in allowed)
    if outside:
        raise ValueNotInEnum(
            f"field {name!r} allows only {', '.join(map(str, allowed))}; the value map also gives "
            f"{', '.join(outside)}: fix the map's values",
            details={"field": name, "values": outside, "allowed": allowed},
        )
    uncovered = [str(value) for value in allowed if value not in targets]
    if uncovered:
        raise EnumNotCovered(
            f"field {name!r}: no source code maps to {', '.join(uncovered)}: add them to the value map",
            details={"field": name, "values": uncovered},
        )


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string"


__all__ = [
    "EnumNotCovered",
    "MappingRefused",
    "MissingField",
    "SourceType",
    "TypeMismatch",
    "UnknownColumn",
    "UnknownField",
    "ValueNotInEnum",
    "check_mapping",
    "produced",
]
