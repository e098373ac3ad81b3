"""The batch ledger: each open request's identity, members and attempt count, kept across restarts.

A row is written before a request's first try, so the request (its ``webhook-id`` and exactly
which events it carries) is decided once: a restarted hub, or the process that takes the
partition over, re-forms the same request from the row instead of cutting a new one
(ADR 013). Every member comes from one feed partition, so one process owns the whole request.
The row's ``attempts`` is raised before each try, so attempt numbers go on counting after a
restart. Rows are deleted once the members' offsets are committed past.

Each member's event id is also kept (``BatchEvent``, for ``COPY_WINDOW``): a connector that
crashed publishes its last changes again, so one event can sit twice in a feed, at two offsets.
In batch mode the second copy would travel in another request, under another ``webhook-id``, and
a receiver de-duplicating by ``webhook-id`` would apply it twice; the ledger finds the first
copy's claim and the second is not sent (``hub.delivery.pipeline.batch_ledger``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, Integer, String, delete, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.types import JSON

from hub.store.base import Base, utcnow

STALE_AFTER = timedelta(days=7)  # a row no process finished (its partitions moved): long done
COPY_WINDOW = timedelta(hours=24)  # how long a sent event's claim finds a later copy of it


class DeliveryBatch(Base):
    __tablename__ = "delivery_batches"

    subscription_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    batch_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    topic: Mapped[str] = mapped_column(String(249))
    partition: Mapped[int] = mapped_column(Integer)
    offsets: Mapped[list[int]] = mapped_column(JSON)  # the members' feed offsets, in request order
    attempts: Mapped[int] = mapped_column(Integer)
    first_offset: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BatchEvent(Base):
    """An event sent in a batch to a subscription: the feed record it was sent from."""

    __tablename__ = "delivery_batch_events"

    subscription_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    batch_id: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(249))
    partition: Mapped[int] = mapped_column(Integer)
    offset: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


Claim = tuple[str, str, int, int]  # event id, feed topic, partition, offset


class ClaimConflict(Exception):
    """A record of a new request is in another open request already: the process that cut this
    one read the ledger before the other was recorded (a member that had left its group and did
    not know yet, or the one that took its partitions over). Sending it would deliver the record
    under a second ``webhook-id``; the sink restarts and reads the ledger again instead."""


@dataclass(frozen=True)
class OpenBatch:
    batch_id: str
    topic: str
    partition: int
    offsets: tuple[int, ...]
    attempts: int
    events: tuple[str, ...] = ()  # the members' event ids, in the order of ``offsets``
    releases: frozenset[str] = frozenset()  # spent requests whose claims on these records it takes


def claimed(session: Session, subscription_id: str, event_ids: Iterable[str]) -> dict[str, Claim]:
    """The claims of these events (sent, or recorded to be sent, in a batch), by event id."""
    rows = _claim_rows(session, subscription_id, event_ids)
    return {row.event_id: (row.event_id, row.topic, row.partition, row.offset) for row in rows}


def _claim_rows(session: Session, subscription_id: str, event_ids: Iterable[str]) -> list[BatchEvent]:
    ids = list(set(event_ids))
    if not ids:
        return []
    mine = BatchEvent.subscription_id == subscription_id
    return list(session.scalars(select(BatchEvent).where(mine, BatchEvent.event_id.in_(ids))))


def _claim(session: Session, subscription_id: str, batch: OpenBatch) -> None:
    """Claim the batch's events. An event claimed from another record (an earlier copy) keeps its
    claim; one claimed from the same record by another request that is still open is a
    ``ClaimConflict``, unless that request was spent without it (``releases``) or has ended
    (a replay or a redelivery sends the record again)."""
    if not batch.events:
        return
    fresh = dict(zip(batch.events, batch.offsets, strict=True))
    for row in _claim_rows(session, subscription_id, fresh):
        offset = fresh.pop(row.event_id)
        same_record = (row.topic, row.partition, row.offset) == (batch.topic, batch.partition, offset)
        if not same_record or row.batch_id == batch.batch_id:
            continue
        if row.batch_id not in batch.releases and _is_open(session, subscription_id, row.batch_id):
            raise ClaimConflict(f"{row.topic}:{row.partition}:{offset} is in request {row.batch_id} already")
        row.batch_id = batch.batch_id
    if fresh:  # one bulk INSERT, not a unit-of-work object per event (a request has ~100)
        now = utcnow()
        session.execute(
            insert(BatchEvent),
            [
                {"subscription_id": subscription_id, "event_id": event_id, "batch_id": batch.batch_id,
                 "topic": batch.topic, "partition": batch.partition, "offset": offset, "created_at": now}
                for event_id, offset in fresh.items()
            ],
        )  # fmt: skip


def _is_open(session: Session, subscription_id: str, batch_id: str) -> bool:
    return session.get(DeliveryBatch, (subscription_id, batch_id)) is not None


def prune_claims(session: Session, before: datetime) -> int:
    """Forget claims older than ``before`` (a copy arriving later than that is sent again)."""
    result = session.execute(delete(BatchEvent).where(BatchEvent.created_at < before))
    return int(getattr(result, "rowcount", 0) or 0)


def record(session: Session, subscription_id: str, batch: OpenBatch) -> None:
    """Write ``batch`` with its attempt count (insert, or raise the count of a recorded one); its
    events are claimed with its first record, in the same transaction."""
    found = session.get(DeliveryBatch, (subscription_id, batch.batch_id))
    if found is None:
        _claim(session, subscription_id, batch)
        session.add(
            DeliveryBatch(
                subscription_id=subscription_id,
                batch_id=batch.batch_id,
                topic=batch.topic,
                partition=batch.partition,
                offsets=list(batch.offsets),
                attempts=batch.attempts,
                first_offset=min(batch.offsets),
            )
        )
    elif found.attempts < batch.attempts:
        found.attempts = batch.attempts


def open_batches(
    session: Session, subscription_id: str, partitions: Iterable[tuple[str, int]]
) -> list[OpenBatch]:
    """The recorded batches of these feed partitions (stale ones are deleted on the way)."""
    wanted = set(partitions)
    mine = DeliveryBatch.subscription_id == subscription_id
    session.execute(delete(DeliveryBatch).where(mine, DeliveryBatch.created_at < utcnow() - STALE_AFTER))
    topics = {topic for topic, _ in wanted}
    rows = session.scalars(select(DeliveryBatch).where(mine, DeliveryBatch.topic.in_(topics)))
    return [
        OpenBatch(row.batch_id, row.topic, row.partition, tuple(row.offsets), row.attempts)
        for row in rows
        if (row.topic, row.partition) in wanted
    ]


def forget(session: Session, subscription_id: str, batch_ids: Iterable[str]) -> None:
    ids = list(batch_ids)
    if ids:
        session.execute(
            delete(DeliveryBatch).where(
                DeliveryBatch.subscription_id == subscription_id, DeliveryBatch.batch_id.in_(ids)
            )
        )


__all__ = [
    "COPY_WINDOW",
    "BatchEvent",
    "Claim",
    "ClaimConflict",
    "DeliveryBatch",
    "OpenBatch",
    "claimed",
    "forget",
    "open_batches",
    "prune_claims",
    "record",
]
