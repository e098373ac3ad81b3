"""The mapping of a source table onto its feed's contract, as a connector config declares it.

One ``TableMapping`` per feed (``feeds[].mapping``): for each contract field, where its value
comes from (a source ``column`` or a ``constant``) and what happens to it on the way, in this
order: ``values`` (a code -> value map, e.g. ``1: male``), ``cast`` (``string``, ``integer``,
``number``, ``date``, with ``date_format`` for text dates), ``pad`` (zero-padding to a width,
e.g. commune ``4`` -> ``"00004"``), then at most one of ``hash`` (HMAC-SHA-256 with the
connector's ``mapping_salt``) or ``keep_last`` (mask all but the last N characters).

Source columns the mapping does not name are dropped: nothing leaves the ministry unless a field
asks for it. A field may be written as the bare column name (``full_name: ho_ten``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

COLUMN_PATTERN = r"^[A-Za-z_][A-Za-z0-9_$]*$"
SAFE_INTEGER = 2**53 - 1  # what every JSON reader keeps exact
Scalar = str | Annotated[int, Field(ge=-SAFE_INTEGER, le=SAFE_INTEGER)] | float | bool


class Cast(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    DATE = "date"


class FieldRule(BaseModel):
    """How one contract field is produced from the source row."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: Annotated[str, Field(pattern=COLUMN_PATTERN, max_length=63)] | None = Field(
        default=None, description="source column the value is read from"
    )
    constant: Scalar | None = Field(default=None, description="a fixed value, instead of a column")
    values: dict[str, Scalar] | None = Field(
        default=None,
        description="source code -> contract value (e.g. {1: male, 2: female}); "
        "a row with an unlisted code is quarantined",
    )
    cast: Cast | None = Field(
        default=None, description="convert to string, integer, number or date (ISO 8601)"
    )
    date_format: str | None = Field(
        default=None, description="strptime format of a text date, e.g. %d/%m/%Y (implies cast: date)"
    )
    pad: int | None = Field(
        default=None, ge=1, le=64, description="zero-pad to this width; the result is text"
    )
    hash: Literal["sha256"] | None = Field(
        default=None, description="replace the value by HMAC-SHA-256(mapping_salt, value), hex"
    )
    keep_last: int | None = Field(
        default=None, ge=0, le=64, description="mask every character but the last N with '*'"
    )

    @field_validator("values", mode="before")
    @classmethod
    def _codes_as_text(cls, value: Any) -> Any:
        """YAML reads ``1: male`` with an integer key; codes are compared as text."""
        if isinstance(value, dict):
            return {str(code): target for code, target in value.items()}
        return value

    @model_validator(mode="after")
    def _one_origin_and_one_disguise(self) -> FieldRule:
        # a stored config comes back with ``constant: null`` next to its column: that is no constant
        if (self.column is None and "constant" not in self.model_fields_set) or (
            self.column is not None and self.constant is not None
        ):
            raise ValueError("a field takes exactly one of 'column' or 'constant'")
        if self.hash is not None and self.keep_last is not None:
            raise ValueError("'hash' and 'keep_last' cannot both apply to one field")
        if self.date_format is not None and self.cast not in (None, Cast.DATE):
            raise ValueError("'date_format' goes with cast: date")
        return self

    @property
    def effective_cast(self) -> Cast | None:
        return Cast.DATE if self.date_format is not None else self.cast


def _rule(value: Any) -> Any:
    return {"column": value} if isinstance(value, str) else value


class TableMapping(BaseModel):
    """Contract field -> rule; what a feed's rows become before the contract check."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fields: dict[str, FieldRule] = Field(
        min_length=1, description="contract field -> rule (or the bare source column name)"
    )
    admin_unit: FieldRule | None = Field(
        default=None,
        description="the record's administrative unit, computed from a column "
        "(e.g. {column: ma_xa, pad: 5}); default: the contract's admin-unit field as mapped",
    )

    @field_validator("fields", mode="before")
    @classmethod
    def _bare_columns(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {name: _rule(rule) for name, rule in value.items()}
        return value

    @field_validator("admin_unit", mode="before")
    @classmethod
    def _bare_admin_unit(cls, value: Any) -> Any:
        return _rule(value)

    def rules(self) -> list[tuple[str, FieldRule]]:
        """Every rule with what it produces (a field name, or ``(admin unit)``)."""
        found = list(self.fields.items())
        return found + ([("(admin unit)", self.admin_unit)] if self.admin_unit is not None else [])

    def uses_hash(self) -> bool:
        return any(rule.hash is not None for _, rule in self.rules())

    def columns(self) -> set[str]:
        return {rule.column for _, rule in self.rules() if rule.column is not None}


__all__ = ["Cast", "FieldRule", "Scalar", "TableMapping"]
