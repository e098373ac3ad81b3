"""One source value through one field rule: value map, cast, padding, hashing or masking.

Pure functions; a value that cannot be converted raises :class:`CastFailed` (or
:class:`UnmappedCode`) naming the field, the column, the value and why, which the publisher puts
on the quarantine topic. ``None`` (SQL NULL) passes through every step unchanged: whether a
field may be null is the contract's call, not the mapping's.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from connectors.mapping.config import Cast, FieldRule
from schemas.errors import InvalidInput

SHOWN_VALUE_CHARS = 40


class MappingFailed(InvalidInput):
    """A row the mapping cannot turn into the contract's shape; quarantined, never fatal."""

    code = "mapping_failed"


class CastFailed(MappingFailed):
    code = "mapping_cast_failed"


class UnmappedCode(MappingFailed):
    code = "mapping_value_unmapped"


def produce(name: str, rule: FieldRule, value: Any, salt: bytes) -> Any:
    """The field's value from the source value (ignored for a constant)."""
    if rule.column is None:
        return rule.constant
    if value is None:
        return None
    try:
        return _disguised(rule, _padded(rule, _cast(rule, _coded(rule, value))), salt)
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise CastFailed(
            f"field {name!r}: column {rule.column!r} value {_shown(value)} {exc}",
            details={"field": name, "column": rule.column, "value": _shown(value), "reason": str(exc)},
        ) from exc


def _coded(rule: FieldRule, value: Any) -> Any:
    if rule.values is None:
        return value
    code = str(value)
    if code not in rule.values:
        raise UnmappedCode(
            f"column {rule.column!r} code {_shown(value)} has no entry in the value map "
            f"(known: {', '.join(sorted(rule.values))})",
            details={"column": rule.column, "value": _shown(value), "known": sorted(rule.values)},
        )
    return rule.values[code]


def _cast(rule: FieldRule, value: Any) -> Any:
    cast = rule.effective_cast
    if cast is None:
        return value
    if cast is Cast.STRING:
        return value.isoformat() if isinstance(value, date) else str(value)
    if cast is Cast.INTEGER:
        return _integer(value)
    if cast is Cast.NUMBER:
        return _number(value)
    return _date(value, rule.date_format)


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError("is a boolean, not an integer")
    if isinstance(value, str):
        return int(value.strip())
    number = Decimal(value) if isinstance(value, float) else value
    if isinstance(number, Decimal) and number != number.to_integral_value():
        raise ValueError("has a fraction and cannot become an integer")
    return int(number)


def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise TypeError("is a boolean, not a number")
    number = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    if not number.is_finite():
        raise ValueError("is not a finite number")
    return int(number) if number == number.to_integral_value() else float(number)


def _date(value: Any, date_format: str | None) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        raise TypeError(f"is a {type(value).__name__}, not a date or text")
    text = value.strip()
    if date_format is None:
        return date.fromisoformat(text).isoformat()
    try:
        return datetime.strptime(text, date_format).date().isoformat()  # a date, no zone
    except ValueError:
        raise ValueError(f"does not match the date format {date_format!r}") from None


def _padded(rule: FieldRule, value: Any) -> Any:
    if rule.pad is None:
        return value
    text = str(_integer(value)) if not isinstance(value, str) else value.strip()
    if not text.isdigit():
        raise ValueError(f"is not made of digits and cannot be zero-padded to {rule.pad}")
    if len(text) > rule.pad:
        raise ValueError(f"is longer than the padded width {rule.pad}")
    return text.zfill(rule.pad)


def _disguised(rule: FieldRule, value: Any, salt: bytes) -> Any:
    if rule.hash is not None:
        return hmac.new(salt, str(value).encode(), hashlib.sha256).hexdigest()
    if rule.keep_last is not None:
        text = str(value)
        kept = text[len(text) - rule.keep_last :] if rule.keep_last else ""
        return "*" * (len(text) - len(kept)) + kept
    return value


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= SHOWN_VALUE_CHARS else text[: SHOWN_VALUE_CHARS - 3] + "..."


__all__ = ["CastFailed", "MappingFailed", "UnmappedCode", "produce"]
