"""Can a reader schema accept everything a writer schema allows? Field by field, with reasons.

Both schemas are in ``normal_form``. The comparison is sound in one direction on purpose: it may
ignore a constraint of the *writer* (that only makes the writer look more permissive, so at worst
a change is refused that was safe) but never one of the *reader*. A reader keyword it cannot
reason about (``anyOf``, ``patternProperties``, ``if``...) is accepted only when the writer has
the identical keyword, otherwise it is reported as ``unsupported_change``.

Each finding names the change from the old schema to the new one. Which schema reads depends on
the direction: checking that the new schema reads old data (backward) reports what the new one
*tightened*; checking that old readers accept new data (forward) reports what it *loosened*.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from fractions import Fraction
from typing import Any, NamedTuple

from jsonschema import Draft202012Validator, FormatChecker

from schemas.contracts.normal_form import canonical

ALL_TYPES = frozenset({"array", "boolean", "integer", "null", "number", "object", "string"})
LOWER_BOUNDS = {"minLength": "string", "minItems": "array", "minProperties": "object"}
UPPER_BOUNDS = {"maxLength": "string", "maxItems": "array", "maxProperties": "object"}
NUMERIC = frozenset({"number", "integer"})
UNDERSTOOD = frozenset(
    {
        "type", "enum", "properties", "required", "additionalProperties", "items", "format",
        "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
        "uniqueItems", *LOWER_BOUNDS, *UPPER_BOUNDS,
    }
)  # fmt: skip


WIDENING = frozenset({"patternProperties", "prefixItems", "additionalItems"})


class Finding(NamedTuple):
    path: str
    rule: str
    message: str


def compare(reader: Any, writer: Any, *, reader_is_new: bool) -> list[Finding]:
    """Every way a value valid under ``writer`` may be invalid under ``reader``."""
    return list(_Comparison(reader_is_new).node(reader, writer, ""))


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _accepts(reader_types: frozenset[str], value_type: str) -> bool:
    return value_type in reader_types or (value_type == "integer" and "number" in reader_types)


def _types(node: dict[str, Any]) -> frozenset[str]:
    return frozenset(node.get("type", ALL_TYPES))


def _snake(keyword: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", keyword).lower().removeprefix("exclusive_")


def _pointer(path: str, *parts: str) -> str:
    return path + "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


class _Comparison:
    def __init__(self, reader_is_new: bool) -> None:
        self.reader_is_new = reader_is_new
        self.consequence = (
            "data written with the old schema may be rejected by the new one"
            if reader_is_new
            else "readers of the old schema may reject data written with the new one"
        )

    def finding(
        self, path: str, when_tightened: str, when_loosened: str, change: str, loosened: str | None = None
    ) -> Finding:
        """A finding named for the direction: ``change`` describes a tightening, ``loosened``
        (when given) the same difference read the other way."""
        rule = when_tightened if self.reader_is_new else when_loosened
        text = change if self.reader_is_new or loosened is None else loosened
        return Finding(path, rule, f"{text} at {path or 'the root'}: {self.consequence}")

    def old_new(self, reader_value: Any, writer_value: Any) -> tuple[Any, Any]:
        return (writer_value, reader_value) if self.reader_is_new else (reader_value, writer_value)

    def node(self, reader: Any, writer: Any, path: str) -> Iterator[Finding]:
        if reader is True or writer is False or reader == writer:
            return
        if reader is False:
            yield self.finding(path, "value_forbidden", "value_allowed", "value forbidden", "value allowed")
            return
        writer = {} if writer is True else writer
        if "enum" in writer or _types(writer) <= {"null", "boolean"}:
            yield from self.finite_writer(reader, writer, path)
            return
        yield from self.types(reader, writer, path)
        yield from self.enum(reader, path)
        shared = {t for t in _types(writer) if _accepts(_types(reader), t)}
        yield from self.unsupported(reader, writer, path)
        yield from self.bounds(reader, writer, path, shared)
        if "string" in shared:
            yield from self.string(reader, writer, path)
        if shared & NUMERIC:
            yield from self.numbers(reader, writer, path)
        if "object" in shared:
            yield from self.object(reader, writer, path)
        if "array" in shared:
            yield from self.items(reader.get("items", True), writer.get("items", True), path)

    def types(self, reader: dict[str, Any], writer: dict[str, Any], path: str) -> Iterator[Finding]:
        writer_types, reader_types = _types(writer), _types(reader)
        missing = sorted(t for t in writer_types if not _accepts(reader_types, t))
        if not missing:
            return
        old, new = self.old_new(sorted(reader_types), sorted(writer_types))
        change = f"type changed from {'|'.join(old)} to {'|'.join(new)}"
        overlap = any(
            _accepts(reader_types, t) or (t == "number" and "integer" in reader_types) for t in writer_types
        )
        if not overlap:
            yield Finding(path, "type_changed", f"{change} at {path or 'the root'}: {self.consequence}")
        else:
            yield self.finding(path, "type_narrowed", "type_widened", change)

    def enum(self, reader: dict[str, Any], path: str) -> Iterator[Finding]:
        if "enum" in reader:  # the writer has none here (else finite_writer ran): any value goes
            yield self.finding(path, "enum_added", "enum_removed", "enum introduced", "enum dropped")

    def finite_writer(self, reader: Any, writer: dict[str, Any], path: str) -> Iterator[Finding]:
        """A writer with finitely many values: try each one against the reader."""
        values = writer.get("enum", [None, True, False])
        writer_check = Draft202012Validator(writer, format_checker=FormatChecker())
        reader_check = Draft202012Validator(reader, format_checker=FormatChecker())
        for value in values:
            if not writer_check.is_valid(value):
                continue
            error = next(iter(reader_check.iter_errors(value)), None)
            if error is not None:
                yield self.rejected_value(value, str(error.validator), path)

    def rejected_value(self, value: Any, keyword: str, path: str) -> Finding:
        shown = canonical(value)
        if keyword == "enum":
            removed, added = f"enum value {shown} removed", f"enum value {shown} added"
            return self.finding(path, "enum_value_removed", "enum_value_added", removed, added)
        if keyword == "type":
            return self.finding(path, "type_narrowed", "type_widened", f"value {shown} changes type")
        if keyword in {"pattern", "format"}:
            return Finding(
                path, f"{keyword}_changed", f"{keyword} rejects {shown} at {path}: {self.consequence}"
            )
        rule = _snake(keyword)
        return self.finding(path, f"{rule}_tightened", f"{rule}_loosened", f"{keyword} rejects {shown}")

    def unsupported(self, reader: dict[str, Any], writer: dict[str, Any], path: str) -> Iterator[Finding]:
        """Reader keywords not modelled, and writer keywords that widen what others allow."""
        for keyword in sorted((set(reader) - UNDERSTOOD) | (set(writer) & WIDENING)):
            if canonical(reader[keyword]) != canonical(writer.get(keyword)):
                yield Finding(
                    path,
                    "unsupported_change",
                    f"'{keyword}' changed at {path or 'the root'}; its compatibility cannot be proven",
                )

    def bounds(
        self, reader: dict[str, Any], writer: dict[str, Any], path: str, shared: set[str]
    ) -> Iterator[Finding]:
        for keyword, applies_to in LOWER_BOUNDS.items():
            r, w = reader.get(keyword), writer.get(keyword)
            if applies_to in shared and r is not None and (w is None or w < r):
                yield self.limit(path, keyword, r, w)
        for keyword, applies_to in UPPER_BOUNDS.items():
            r, w = reader.get(keyword), writer.get(keyword)
            if applies_to in shared and r is not None and (w is None or w > r):
                yield self.limit(path, keyword, r, w)
        if "array" in shared and reader.get("uniqueItems") and not writer.get("uniqueItems"):
            yield self.limit(path, "uniqueItems", True, writer.get("uniqueItems"))

    def limit(self, path: str, keyword: str, reader_value: Any, writer_value: Any) -> Finding:
        old, new = self.old_new(reader_value, writer_value)
        rule = _snake(keyword)
        return self.finding(path, f"{rule}_tightened", f"{rule}_loosened", f"{keyword} {old} -> {new}")

    def string(self, reader: dict[str, Any], writer: dict[str, Any], path: str) -> Iterator[Finding]:
        for keyword in ("pattern", "format"):
            r, w = reader.get(keyword), writer.get(keyword)
            if r is None or r == w:
                continue
            old, new = self.old_new(r, w)
            if w is None:
                tight, loose = f"{keyword} {r!r} added", f"{keyword} {r!r} removed"
                yield self.finding(path, f"{keyword}_added", f"{keyword}_removed", tight, loose)
            else:
                change = f"{keyword} changed from {old!r} to {new!r} at {path or 'the root'}"
                yield Finding(path, f"{keyword}_changed", f"{change}: {self.consequence}")

    def numbers(self, reader: dict[str, Any], writer: dict[str, Any], path: str) -> Iterator[Finding]:
        r_low, w_low = _bound(reader, "minimum"), _bound(writer, "minimum")
        if r_low is not None and (w_low is None or w_low < r_low):
            yield self.limit(path, "minimum", _show(r_low, ">"), _show(w_low, ">"))
        r_high, w_high = _bound(reader, "maximum"), _bound(writer, "maximum")
        if r_high is not None and (w_high is None or (-w_high[0], w_high[1]) < (-r_high[0], r_high[1])):
            yield self.limit(path, "maximum", _show(r_high, "<"), _show(w_high, "<"))
        r_step, w_step = reader.get("multipleOf"), writer.get("multipleOf")
        if r_step is not None and not _divides(r_step, w_step, integer="number" not in _types(writer)):
            yield self.limit(path, "multipleOf", r_step, w_step)

    def object(self, reader: dict[str, Any], writer: dict[str, Any], path: str) -> Iterator[Finding]:
        reader_props, writer_props = reader.get("properties", {}), writer.get("properties", {})
        yield from self.required(reader, writer, path)
        for name, writer_prop in writer_props.items():
            if writer_prop is False:
                continue
            where = _pointer(path, "properties", name)
            if name in reader_props:
                yield from self.node(reader_props[name], writer_prop, where)
            else:
                yield from self.undeclared(reader, writer_prop, name, where)
        writer_extra = writer.get("additionalProperties", True)
        if writer_extra is False:
            return
        for name in sorted(set(reader_props) - set(writer_props)):
            if any(self.node(reader_props[name], writer_extra, "")):
                where = _pointer(path, "properties", name)
                yield self.finding(
                    where,
                    "property_added_to_open_model",
                    "property_removed_from_open_model",
                    f"'{name}' declared while the old schema let any value under that name through",
                    f"'{name}' undeclared while the new schema lets any value under that name through",
                )
        yield from self.additional(reader.get("additionalProperties", True), writer_extra, path)

    def required(self, reader: dict[str, Any], writer: dict[str, Any], path: str) -> Iterator[Finding]:
        writer_props, writer_required = writer.get("properties", {}), set(writer.get("required", []))
        for name in reader.get("required", []):
            if name in writer_required:
                continue
            where = _pointer(path, "properties", name)
            if name in writer_props:
                tight, loose = "field_made_required", "field_made_optional"
                yield self.finding(where, tight, loose, f"'{name}' made required", f"'{name}' made optional")
            else:
                tight, loose = "required_field_added", "field_removed"
                added, removed = f"required field '{name}' added", f"required field '{name}' removed"
                yield self.finding(where, tight, loose, added, removed)

    def undeclared(
        self, reader: dict[str, Any], writer_prop: Any, name: str, where: str
    ) -> Iterator[Finding]:
        """A property the writer may emit and the reader does not declare."""
        for pattern, schema in reader.get("patternProperties", {}).items():
            if re.search(pattern, name):
                yield from self.node(schema, writer_prop, where)
                return
        reader_extra = reader.get("additionalProperties", True)
        if reader_extra is False:
            removed = f"field '{name}' removed while the new schema forbids undeclared fields"
            added = f"field '{name}' added while the old schema forbids undeclared fields"
            yield self.finding(where, "field_removed", "field_added", removed, added)
        else:
            yield from self.node(reader_extra, writer_prop, where)

    def items(self, reader_items: Any, writer_items: Any, path: str) -> Iterator[Finding]:
        where = _pointer(path, "items")
        if isinstance(reader_items, list) or isinstance(writer_items, list):
            if canonical(reader_items) != canonical(writer_items):
                yield Finding(where, "unsupported_change", f"tuple 'items' changed at {where}")
            return
        yield from self.node(reader_items, writer_items, where)

    def additional(self, reader_extra: Any, writer_extra: Any, path: str) -> Iterator[Finding]:
        where = _pointer(path, "additionalProperties")
        if reader_extra is False:
            tight, loose = "additional_properties_tightened", "additional_properties_loosened"
            yield self.finding(
                where, tight, loose, "undeclared fields forbidden", "undeclared fields allowed"
            )
        else:
            yield from self.node(reader_extra, writer_extra, where)


def _bound(node: dict[str, Any], kind: str) -> tuple[float, bool] | None:
    """The effective (value, exclusive) bound from ``minimum``/``exclusiveMinimum`` (or max)."""
    inclusive, exclusive = node.get(kind), node.get("exclusive" + kind.capitalize())
    candidates = [(v, False) for v in (inclusive,) if v is not None]
    candidates += [(v, True) for v in (exclusive,) if v is not None]
    if not candidates:
        return None
    if kind == "minimum":
        return max(candidates)  # larger value, and exclusive beats inclusive at the same value
    return min(candidates, key=lambda c: (c[0], not c[1]))


def _show(bound: tuple[float, bool] | None, sign: str) -> str | None:
    if bound is None:
        return None
    return f"{sign if bound[1] else sign + '='}{bound[0]}"


def _divides(step: float, writer_step: float | None, *, integer: bool) -> bool:
    """Is every multiple of ``writer_step`` (every integer, for an integer writer) one of ``step``?"""
    if writer_step is None:
        if not integer:
            return False
        writer_step = 1
    return (Fraction(str(writer_step)) / Fraction(str(step))).denominator == 1
