"""The transactional outbox: its table convention and the turn of one outbox row into a ``Change``.

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

Only inserted rows are events. Both capture paths use :func:`outbox_change`: the polling source
(which deletes or marks rows after Kafka acknowledged them) and the PostgreSQL CDC source, which
must ignore the updates and deletes that cleanup causes; with CDC the application may even
delete the row in the same transaction, since the insert is already in the WAL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

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
    "outbox_change",
]
