"""Pydantic models of the change payload and its CloudEvents envelope.

The envelope attributes are the CloudEvents 1.0 context attributes we always set, plus these
extensions (all strings, as CloudEvents extensions must be):

- ``adminunit``: the record's current administrative unit code;
- ``adminunitorig``: the code the source used, when it was a pre-July-2025 one;
- ``adminunitprev``: the current-era unit the record was in before this change, set only when
  the change moved it to another unit (the connector remembers each record's last unit), so
  the hub can tell the subscribers of the unit it left (``hub.routing.moves``);
- ``adminunitcandidates``: comma-separated current commune codes a split pre-merger commune
  code may now be, set only for such a code (also when the old code is a current code too);
- ``adminunitversion``: the administrative-units version (``schemas.admin_units``, e.g.
  ``2025.07``) the publisher resolved the codes by; routing carries older codes forward to the
  version in force (ADR 012), and the trace shows which one it was;
- ``traceparent``: W3C trace context, the CloudEvents distributed-tracing extension.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

SPEC_VERSION = "1.0"
JSON_CONTENT_TYPE = "application/json"


class Op(StrEnum):
    """Operation codes as Debezium defines them, so existing tooling reads ours."""

    CREATE = "c"
    UPDATE = "u"
    DELETE = "d"
    READ = "r"  # a snapshot read
    TRUNCATE = "t"  # the whole table was emptied (no key, no rows)


class SourceInfo(BaseModel):
    """Where a change came from: enough to find it again in the source database."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    connector: str
    database: str
    schema_name: str | None = Field(default=None, alias="schema")
    table: str
    position: str = Field(description="LSN for PostgreSQL CDC, watermark for polling sources")
    txid: str | None = None
    commit_time: datetime | None = None
    snapshot: bool = False


def _absent(value: Any) -> bool:
    """Optional payload fields are left off the wire when unset: existing events keep their bytes."""
    return value is None


class Moved(BaseModel):
    """Where a record went: both codes are current-era administrative units."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    from_unit: str = Field(alias="from")
    to_unit: str | None = Field(default=None, alias="to")


class ChangePayload(BaseModel):
    """The JSON value of a change message: the row before and after, and its source."""

    model_config = ConfigDict(frozen=True)

    op: Op
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    source: SourceInfo
    unchanged: list[str] | None = Field(
        default=None,
        exclude_if=_absent,
        description="fields of `after` the source did not send because they did not change "
        "(PostgreSQL TOAST): absent from `after`, not null",
    )
    moved: Moved | None = Field(
        default=None,
        exclude_if=_absent,
        description="set on a move-out: the record left this subscriber's unit",
    )


class ChangeEvent(BaseModel):
    """A CloudEvent whose data is a change payload; ``subject`` is the record key."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1)
    source: str = Field(min_length=1, description="URI reference of the producing connector and table")
    type: str = Field(min_length=1, description="event type, e.g. vn.gov.civil-status.birth.v1")
    subject: str = Field(description="the record key; also the Kafka message key")
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    specversion: str = SPEC_VERSION
    datacontenttype: str = JSON_CONTENT_TYPE
    dataschema: str | None = None
    adminunit: str | None = None
    adminunitorig: str | None = None
    adminunitprev: str | None = None
    adminunitcandidates: str | None = None
    adminunitversion: str | None = None
    traceparent: str | None = None
    data: ChangePayload

    @field_validator("time")
    @classmethod
    def _aware_utc(cls, value: datetime) -> datetime:
        """CloudEvents ``time`` is RFC 3339, which has no naive form: naive means UTC here."""
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    @property
    def key(self) -> str:
        return self.subject


EXTENSIONS = (
    "adminunit", "adminunitorig", "adminunitprev", "adminunitcandidates", "adminunitversion", "traceparent"
)  # fmt: skip
OPTIONAL_ATTRIBUTES = ("dataschema", *EXTENSIONS)
