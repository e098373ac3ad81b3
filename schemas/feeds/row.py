"""The base of every feed's row model and the field types the domains share.

A row model is the one source of truth of a feed's contract: the JSON Schema in ``contracts/``
is generated from it, connectors validate against that schema, and subscribers read it. Rows
refuse unknown fields (``additionalProperties: false``): a source column that no contract names
never leaves the ministry by accident, which matters for personal data (Decree 13/2023/ND-CP).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.errors import InvalidInput

KEY_SEPARATOR = ":"  # no key field pattern allows it (book numbers contain "/")

CitizenId = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{12}$",
        description="12-digit personal identification number (số định danh cá nhân, printed on the CCCD)",
    ),
]
CommuneCode = Annotated[
    str,
    Field(pattern=r"^[0-9]{5}$", description="5-digit commune-level administrative unit code"),
]
ProvinceCode = Annotated[
    str,
    Field(pattern=r"^[0-9]{2}$", description="2-digit province-level administrative unit code"),
]
PersonName = Annotated[str, Field(min_length=1, max_length=100, description="full name, as registered")]
Sex = Literal["male", "female"]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 country code")]
BookNo = Annotated[
    str,
    Field(
        pattern=r"^[0-9A-Za-z./-]{1,20}$",
        description="register book number (quyển số), e.g. 01/2026",
    ),
]


class FeedRow(BaseModel):
    """A row of a feed: names its key field(s) and the field holding its administrative unit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key_fields: ClassVar[tuple[str, ...]]
    admin_unit_field: ClassVar[str]

    @classmethod
    def record_key(cls, row: Mapping[str, Any]) -> str:
        """The record key (Kafka message key, CloudEvent subject): key values joined by ``:``."""
        missing = [name for name in cls.key_fields if row.get(name) is None]
        if missing:
            raise InvalidInput(f"{cls.__name__} row lacks key field(s) {', '.join(missing)}")
        return KEY_SEPARATOR.join(str(row[name]) for name in cls.key_fields)
