"""The transactional outbox: its table convention, the options of a connector that publishes one,
and the turn of one outbox row into a ``Change``.

An application that must not lose an event writes it to an outbox table in the same database
transaction as the data it describes; the connector publishes each outbox row as it is and only
then cleans it up. The event exists exactly when the data change committed, and the application
chooses the event's type, id and payload. The table convention (any SQL database)::

    id              primary key (text, UUID or integer): becomes the event id, so a re-publish
                    after a crash carries the same id
    aggregate_type  what the event is about, e.g. "land.parcel"            (-> Change.table)
    aggregate_id    which one; the Kafka key, so one aggregate's events stay in order
    event_type      the CloudEvents type, e.g. vn.gov.land.parcel-transferred.v1
    payload         the event body: a JSON object (a JSON/JSONB column, or text holding JSON)
    created_at      when the application wrote it; the publishing order
    traceparent     optional: the W3C trace context of the request that wrote the event

Only inserted rows are events. Both capture paths use :func:`outbox_change` and delete or mark
the rows once Kafka acknowledged them (``OutboxConfigBase``): the polling source, and the
PostgreSQL CDC source, which ignores the updates and deletes that cleanup causes; with CDC the
application may even delete the row in the same transaction, since the insert is already in the
WAL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal, Self

from pydantic import Field, model_validator

from connectors.config import Column, ConnectorConfigBase
from connectors.source import Change
from schemas.errors import ContractViolation
from schemas.events import Op

ID = "id"
AGGREGATE_TYPE = "aggregate_type"
AGGREGATE_ID = "aggregate_id"
EVENT_TYPE = "event_type"
PAYLOAD = "payload"
CREATED_AT = "created_at"
TRACEPARENT = "traceparent"
REQUIRED_COLUMNS = (ID, AGGREGATE_TYPE, AGGREGATE_ID, EVENT_TYPE, PAYLOAD, CREATED_AT)
KEY_COLUMN = AGGREGATE_ID

TRACEPARENT_PATTERN = re.compile(r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")


class MalformedOutboxRow(ContractViolation):
    """An outbox row the convention cannot read: a missing column or a payload that is not a JSON
    object. Raised, never skipped: publishing nothing would silently lose the event."""

    code = "outbox_row_malformed"


class OutboxConfigBase(ConnectorConfigBase):
    """A kind that can publish one of its feed tables as an outbox. That feed's event type only
    names a topic to create: each event goes to its own type's topic."""

    outbox: str | None = Field(default=None, description="the feed table that is a transactional outbox")
    outbox_cleanup: Literal["delete", "mark"] = Field(
        default="delete", description="after Kafka acknowledged: delete the rows, or set the published column"
    )
    outbox_published_column: Column = Field(
        default="published_at", description="set when cleanup is 'mark'; rows with it set are skipped"
    )

    @model_validator(mode="after")
    def _outbox_is_a_feed_table(self) -> Self:
        if self.outbox is not None and self.feed_for_table(self.outbox) is None:
            raise ValueError(f"outbox {self.outbox!r} must be one of the feeds' tables")
        return self

    @property
    def outbox_mark_column(self) -> str | None:
        """The column cleanup marks, or None when acknowledged outbox rows are deleted."""
        return self.outbox_published_column if self.outbox_cleanup == "mark" else None


def outbox_change(
    row: Mapping[str, Any],
    *,
    position: str,
    txid: str | None = None,
    commit_time: datetime | None = None,
    snapshot: bool = False,
) -> Change:
    """The change to publish for one inserted outbox row, with its own event type and id."""
    missing = [column for column in REQUIRED_COLUMNS if row.get(column) is None]
    if missing:
        raise MalformedOutboxRow(f"outbox row without {', '.join(missing)}", details={"row_id": row.get(ID)})
    created_at = row[CREATED_AT]
    return Change(
        table=str(row[AGGREGATE_TYPE]),
        op=Op.CREATE,
        key={KEY_COLUMN: row[AGGREGATE_ID]},
        before=None,
        after=_payload(row),
        position=position,
        txid=txid,
        commit_time=commit_time or (created_at if _is_aware(created_at) else None),
        snapshot=snapshot,
        event_type=str(row[EVENT_TYPE]),
        event_id=str(row[ID]),
        traceparent=_traceparent(row.get(TRACEPARENT)),
    )


def _payload(row: Mapping[str, Any]) -> dict[str, Any]:
    payload = row[PAYLOAD]
    if isinstance(payload, bytes | str):
        try:
            payload = json.loads(payload)
        except ValueError as exc:
            raise MalformedOutboxRow(
                f"outbox row {row[ID]}: payload is not JSON ({exc})", details={"row_id": str(row[ID])}
            ) from exc
    if not isinstance(payload, dict):
        raise MalformedOutboxRow(
            f"outbox row {row[ID]}: payload must be a JSON object, not {type(payload).__name__}",
            details={"row_id": str(row[ID])},
        )
    return payload


def _traceparent(value: Any) -> str | None:
    """A well-formed trace context, or none: a bad one must not stop the event."""
    if isinstance(value, str) and TRACEPARENT_PATTERN.match(value.strip().lower()):
        return value.strip().lower()
    return None


def _is_aware(value: Any) -> bool:
    return isinstance(value, datetime) and value.tzinfo is not None


__all__ = [
    "KEY_COLUMN",
    "REQUIRED_COLUMNS",
    "MalformedOutboxRow",
    "OutboxConfigBase",
    "outbox_change",
]
