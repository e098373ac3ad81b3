"""The subscription's dead-letter topic ``hub.sub.<id>.dlq``: what could not be delivered, and why.

An entry is the event's original record (key, value, CloudEvent headers) plus ``hub-dlq-*``
headers: the reason code, the error text, the last HTTP status, the attempts made, when, and
where the event was first read. Topics are append-only, so a redelivered entry is not removed:
a marker record (no value, header ``hub-dlq-resolves`` = the entry id ``partition:offset``) is
appended, and listings leave resolved entries out. Redelivery appends the event to the
subscription's retry topic as a fresh first attempt; the running sink picks it up from there.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel

from bus import headers
from bus.ports import Producer
from bus.producer import KafkaProducer
from bus.reads import read_topics
from hub.delivery.pipeline.job import Headers, Job, Origin, Record
from schemas.naming import dlq_topic, retry_topic

DLQ_PARTITIONS = 3


def dead_letter_headers(job: Job, reason: str, error: str, status_code: int | None) -> Headers:
    marks = [
        (headers.DLQ_REASON, headers.text(reason)),
        (headers.DLQ_ERROR, headers.text(error, 1000)),
        (headers.DLQ_AT, headers.text(datetime.now(UTC).isoformat())),
        (headers.ATTEMPTS, headers.integer(job.attempts)),
        (headers.ORIGIN, headers.text(job.origin.render())),
    ]
    if status_code is not None:
        marks.append((headers.DLQ_STATUS, headers.integer(status_code)))
    return (*job.record.event_headers(), *marks)


class DeadLetterEntry(BaseModel):
    """One unresolved entry, as the API lists it (no payload: it may hold personal data)."""

    id: str
    event_id: str | None
    event_type: str | None
    subject: str | None
    origin: str
    reason: str
    error: str | None
    status_code: int | None
    attempts: int
    dead_lettered_at: datetime | None


@dataclass(frozen=True)
class _Entry:
    letter: DeadLetterEntry
    record: Record


def _entry(record: Record) -> _Entry:
    status, at = record.header(headers.DLQ_STATUS), record.header(headers.DLQ_AT)
    letter = DeadLetterEntry(
        id=f"{record.partition}:{record.offset}",
        event_id=record.header("ce_id"),
        event_type=record.header("ce_type"),
        subject=record.header("ce_subject"),
        origin=Origin.parse(record.header(headers.ORIGIN), record).render(),
        reason=record.header(headers.DLQ_REASON) or "unknown",
        error=record.header(headers.DLQ_ERROR),
        status_code=int(status) if status else None,
        attempts=headers.read_integer(record.header(headers.ATTEMPTS)),
        dead_lettered_at=datetime.fromisoformat(at) if at else None,
    )
    return _Entry(letter, record)


async def unresolved(bootstrap: str, subscription_id: str) -> list[_Entry]:
    """Entries not yet redelivered, oldest first per partition."""
    records = await read_topics(bootstrap, [dlq_topic(subscription_id)])
    resolved = {r.header(headers.DLQ_RESOLVES) for r in records if r.value is None}
    entries = [_entry(r) for r in records if r.value is not None]
    return [e for e in entries if e.letter.id not in resolved]


async def list_dead_letters(bootstrap: str, subscription_id: str) -> list[DeadLetterEntry]:
    return [entry.letter for entry in await unresolved(bootstrap, subscription_id)]


async def redeliver(
    bootstrap: str, subscription_id: str, *, select: Collection[str] | None = None
) -> list[DeadLetterEntry]:
    """Send entries back for delivery: all, or those whose entry id or event id is in ``select``."""
    chosen = [
        e for e in await unresolved(bootstrap, subscription_id)
        if select is None or e.letter.id in select or e.letter.event_id in select
    ]  # fmt: skip
    if not chosen:
        return []
    producer = KafkaProducer(bootstrap)
    await producer.start()
    try:
        for entry in chosen:
            await _send_back(producer, subscription_id, entry)
    finally:
        await producer.stop()
    return [entry.letter for entry in chosen]


async def _send_back(producer: Producer, subscription_id: str, entry: _Entry) -> None:
    """Retry topic first, marker second: a crash in between redelivers twice, never zero times."""
    record = entry.record
    marks = [
        (headers.RETRY_STAGE, headers.integer(0)),
        (headers.RETRY_DUE_MS, headers.millis(time.time())),
        (headers.ATTEMPTS, headers.integer(entry.letter.attempts)),
        (headers.ORIGIN, headers.text(entry.letter.origin)),
    ]
    again = [*record.event_headers(), *marks]
    await producer.send_and_wait(retry_topic(subscription_id), record.value, key=record.key, headers=again)
    marker = [(headers.DLQ_RESOLVES, headers.text(entry.letter.id))]
    await producer.send_and_wait(
        dlq_topic(subscription_id), None, key=record.key, headers=marker, partition=record.partition
    )


__all__ = ["DeadLetterEntry", "dead_letter_headers", "list_dead_letters", "redeliver", "unresolved"]
