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

from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError
from pydantic import BaseModel

from hub.delivery import bus, retry
from hub.delivery.job import ORIGIN, Headers, Job, Origin, Record
from schemas.errors import BusError
from schemas.naming import dlq_topic, retry_topic

REASON = "hub-dlq-reason"
ERROR = "hub-dlq-error"
STATUS = "hub-dlq-status"
AT = "hub-dlq-at"
RESOLVES = "hub-dlq-resolves"
READ_TIMEOUT_MS = 1000


def dead_letter_headers(job: Job, reason: str, error: str, status_code: int | None) -> Headers:
    marks = [
        (REASON, reason.encode()),
        (ERROR, error[:1000].encode()),
        (AT, datetime.now(UTC).isoformat().encode()),
        (retry.ATTEMPTS, str(job.attempts).encode()),
        (ORIGIN, job.origin.render().encode()),
    ]
    if status_code is not None:
        marks.append((STATUS, str(status_code).encode()))
    return (*job.record.event_headers(), *marks)


class DeadLetter(BaseModel):
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
    letter: DeadLetter
    record: Record


def _entry(record: Record) -> _Entry:
    status, at = record.header(STATUS), record.header(AT)
    letter = DeadLetter(
        id=f"{record.partition}:{record.offset}",
        event_id=record.header("ce_id"),
        event_type=record.header("ce_type"),
        subject=record.header("ce_subject"),
        origin=Origin.parse(record.header(ORIGIN), record).render(),
        reason=record.header(REASON) or "unknown",
        error=record.header(ERROR),
        status_code=int(status) if status else None,
        attempts=int(record.header(retry.ATTEMPTS) or 0),
        dead_lettered_at=datetime.fromisoformat(at) if at else None,
    )
    return _Entry(letter, record)


async def _read_all(bootstrap: str, topic: str) -> list[Record]:
    consumer = bus.reader(bootstrap)
    try:
        tps = await bus.partitions(bootstrap, names=[topic])
        if not tps:
            return []
        await consumer.start()
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        return await _read_until(consumer, ends)
    except KafkaError as exc:
        raise BusError(f"cannot read {topic}: {exc}") from exc
    finally:
        await consumer.stop()


async def _read_until(consumer: object, ends: dict[TopicPartition, int]) -> list[Record]:
    records: list[Record] = []
    remaining = {tp for tp, end in ends.items() if end > 0}
    while remaining:
        batch = await consumer.getmany(*remaining, timeout_ms=READ_TIMEOUT_MS)  # type: ignore[attr-defined]
        for tp, messages in batch.items():
            records += [Record.of(m) for m in messages if m.offset < ends[tp]]
        remaining = {tp for tp in remaining if await consumer.position(tp) < ends[tp]}  # type: ignore[attr-defined]
    return records


async def unresolved(bootstrap: str, subscription_id: str) -> list[_Entry]:
    """Entries not yet redelivered, oldest first per partition."""
    records = await _read_all(bootstrap, dlq_topic(subscription_id))
    resolved = {r.header(RESOLVES) for r in records if r.value is None}
    entries = [_entry(r) for r in records if r.value is not None]
    return [e for e in entries if e.letter.id not in resolved]


async def list_dead_letters(bootstrap: str, subscription_id: str) -> list[DeadLetter]:
    return [entry.letter for entry in await unresolved(bootstrap, subscription_id)]


async def redeliver(
    bootstrap: str, subscription_id: str, *, select: Collection[str] | None = None
) -> list[DeadLetter]:
    """Send entries back for delivery: all, or those whose entry id or event id is in ``select``."""
    chosen = [
        e for e in await unresolved(bootstrap, subscription_id)
        if select is None or e.letter.id in select or e.letter.event_id in select
    ]  # fmt: skip
    if not chosen:
        return []
    producer = bus.producer(bootstrap)
    try:
        await producer.start()
        for entry in chosen:
            await _send_back(producer, subscription_id, entry)
    except KafkaError as exc:
        raise BusError(f"redelivery of {subscription_id} dead letters failed: {exc}") from exc
    finally:
        await producer.stop()
    return [entry.letter for entry in chosen]


async def _send_back(producer: AIOKafkaProducer, subscription_id: str, entry: _Entry) -> None:
    """Retry topic first, marker second: a crash in between redelivers twice, never zero times."""
    record = entry.record
    marks = [
        (retry.STAGE, b"0"),
        (retry.DUE_MS, str(int(time.time() * 1000)).encode()),
        (retry.ATTEMPTS, str(entry.letter.attempts).encode()),
        (ORIGIN, entry.letter.origin.encode()),
    ]
    headers = [*record.event_headers(), *marks]
    await producer.send_and_wait(retry_topic(subscription_id), record.value, key=record.key, headers=headers)
    marker = [(RESOLVES, entry.letter.id.encode())]
    await producer.send_and_wait(
        dlq_topic(subscription_id), None, key=record.key, headers=marker, partition=record.partition
    )


__all__ = ["DeadLetter", "dead_letter_headers", "list_dead_letters", "redeliver", "unresolved"]
