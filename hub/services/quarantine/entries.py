"""Quarantine records read back from Kafka, as the API shows them (``QuarantineEntry``).

A quarantine topic is ``<feed topic>.quarantine``; each record is one change a connector could
not publish (record format: ``connectors.publisher``): the record key, the event's CloudEvents
identity in headers, the reason in ``quarantine-code`` / ``quarantine-reason`` headers and the
JSON body ``{"reason", "event", "change"}``; a record bounded to fit Kafka's limit adds
``held`` (shown as ``bounded``) and may lack ``change``: it is still listed, with why it cannot be
republished (``not_republishable``). An entry's id is its address,
``<quarantine topic>:<partition>:<offset>``, stable for as long as Kafka keeps the record.

Reading is group-less (``bus.reads``), so looking never disturbs anything; a record that is not
JSON is still listed, with what its headers say.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from bus.admin import KafkaAdmin
from bus.reads import read_topics
from bus.records import Record
from connectors.quarantine_record import QUARANTINE_CODE_HEADER, QUARANTINE_REASON_HEADER, not_kept
from schemas import naming
from schemas.errors import InvalidInput

READ_TIMEOUT_S = 30.0
Address = tuple[str, int, int]


class QuarantineIdInvalid(InvalidInput):
    """Not of the form ``<feed topic>.quarantine:<partition>:<offset>`` that ``list`` shows."""

    code = "quarantine_id_invalid"


class BoundedRow(BaseModel):
    """What a record bounded to fit Kafka's limit keeps of its row (``connectors.quarantine_record``)."""

    table: str | None = None
    op: str | None = None
    key: Any = Field(default=None, description="the source key, to find the row")
    position: str | None = Field(default=None, description="the source position of the change")
    size_bytes: int | None = Field(default=None, description="of the source change as JSON")
    sha256: str | None = Field(default=None, description="of the source change as JSON")
    row_kept: bool = Field(description="false: the row was too large to keep and cannot be republished")


class QuarantineEntry(BaseModel):
    id: str = Field(description="<quarantine topic>:<partition>:<offset>")
    topic: str = Field(description="the quarantine topic")
    partition: int
    offset: int
    feed_topic: str
    event_id: str | None
    event_type: str | None
    record_key: str | None
    connector: str | None
    table: str | None
    code: str | None = Field(description="why it was quarantined (an error code)")
    reason: str | None
    details: Any = Field(
        default=None,
        description="the error's details as recorded: an object, or a list (e.g. a contract's violations)",
    )
    quarantined_at: datetime | None = Field(description="the quarantine record's Kafka timestamp")
    traceparent: str | None = None
    republishable: bool = Field(description="the record keeps the source change republish maps again")
    not_republishable: str | None = Field(default=None, description="why republish cannot send it")
    bounded: BoundedRow | None = Field(default=None, description="set when the record was bounded to fit")
    republished_at: datetime | None = Field(default=None, description="sent on to the feed by republish")
    event: dict[str, Any] | None = Field(default=None, description="the event as quarantined (show only)")

    @property
    def address(self) -> Address:
        return (self.topic, self.partition, self.offset)


def entry_id(address: Address) -> str:
    return ":".join(str(part) for part in address)


def parse_id(value: str) -> Address:
    """The address an entry id names (``quarantine_id_invalid`` otherwise)."""
    topic, _, rest = value.partition(":")
    partition, _, offset = rest.partition(":")
    if not topic.endswith(naming.QUARANTINE_SUFFIX) or not partition.isdigit() or not offset.isdigit():
        raise QuarantineIdInvalid(
            f"{value!r} is not a quarantine entry id (<feed topic>.quarantine:<partition>:<offset>)"
        )
    return (topic, int(partition), int(offset))


def body_of(record: Record) -> dict[str, Any]:
    try:
        body = json.loads(record.value or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def mapping_at(document: dict[str, Any], name: str) -> dict[str, Any]:
    """``document[name]`` when it is an object, else an empty one (a record is read, not trusted)."""
    found = document.get(name)
    return found if isinstance(found, dict) else {}


def connector_of(source: str | None) -> tuple[str | None, str | None]:
    """(connector, table) from the CloudEvent ``source`` ``/connectors/<name>/<table>``."""
    parts = (source or "").split("/", 3)
    if len(parts) == 4 and parts[1] == "connectors":
        return parts[2], parts[3]
    return None, None


def entry_of(record: Record, *, with_event: bool = False) -> QuarantineEntry:
    body = body_of(record)
    reason = mapping_at(body, "reason")
    connector, table = connector_of(record.header("ce_source"))
    at = datetime.fromtimestamp(record.timestamp_ms / 1000, UTC) if record.timestamp_ms else None
    return QuarantineEntry(
        id=entry_id((record.topic, record.partition, record.offset)),
        topic=record.topic, partition=record.partition, offset=record.offset,
        feed_topic=record.topic.removesuffix(naming.QUARANTINE_SUFFIX),
        event_id=record.header("ce_id"), event_type=record.header("ce_type"),
        record_key=record.header("ce_subject") or (record.key or b"").decode(errors="replace"),
        connector=connector, table=table,
        code=record.header(QUARANTINE_CODE_HEADER) or reason.get("code"),
        reason=record.header(QUARANTINE_REASON_HEADER) or reason.get("message"),
        details=reason.get("details") or None, quarantined_at=at,
        traceparent=record.header("traceparent"), republishable=isinstance(body.get("change"), dict),
        not_republishable=_not_republishable(body), bounded=bounded_of(body),
        event=body.get("event") if with_event else None,
    )  # fmt: skip


def _not_republishable(body: dict[str, Any]) -> str | None:
    blocked = not_kept(body)
    return None if blocked is None else blocked.message


def bounded_of(body: dict[str, Any]) -> BoundedRow | None:
    """The ``held`` summary of a bounded record (None for a whole one, or one that makes no sense)."""
    try:
        return BoundedRow.model_validate(body["held"]) if "held" in body else None
    except ValidationError:
        return None


async def quarantine_topics(bootstrap: str, feed_topics: Collection[str]) -> list[str]:
    """The quarantine topics of ``feed_topics`` that exist.

    Always named, never found by pattern: a cluster may hold thousands of other topics, and
    asking the bounds of every quarantine partition costs seconds each time.
    """
    if not feed_topics:
        return []
    tps = await KafkaAdmin(bootstrap).partitions(names=[naming.quarantine_topic(t) for t in set(feed_topics)])
    return sorted({tp.topic for tp in tps})


async def read_quarantine(bootstrap: str, topics: Collection[str]) -> list[Record]:
    """Every record the quarantine ``topics`` hold, in log order per partition."""
    records = await read_topics(bootstrap, topics, timeout_s=READ_TIMEOUT_S)
    return sorted(records, key=lambda r: (r.topic, r.partition, r.offset))


__all__ = [
    "Address",
    "BoundedRow",
    "QuarantineEntry",
    "QuarantineIdInvalid",
    "body_of",
    "bounded_of",
    "connector_of",
    "entry_id",
    "entry_of",
    "mapping_at",
    "parse_id",
    "quarantine_topics",
    "read_quarantine",
]
