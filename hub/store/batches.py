"""The batch ledger: each open request's identity, members and attempt count, kept across restarts.

A row is written before a request's first try, so the request (its ``webhook-id`` and exactly
which events it carries) is decided once: a restarted hub, or the process that takes the
partition over, re-forms the same request from the row instead of cutting a new one
(ADR 013). Every member comes from one feed partition, so one process owns the whole request.
The row's ``attempts`` is raised before each try, so attempt numbers go on counting after a
restart. Rows are deleted once the members' offsets are committed past.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.types import JSON

from hub.store.base import Base, utcnow

STALE_AFTER = timedelta(days=7)  # a row no process finished (its partitions moved): long done


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


@dataclass(frozen=True)
class OpenBatch:
    batch_id: str
    topic: str
    partition: int
    offsets: tuple[int, ...]
    attempts: int


def record(session: Session, subscription_id: str, batch: OpenBatch) -> None:
    """Write ``batch`` with its attempt count (insert, or raise the count of a recorded one)."""
    found = session.get(DeliveryBatch, (subscription_id, batch.batch_id))
    if found is None:
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


__all__ = ["DeliveryBatch", "OpenBatch", "forget", "open_batches", "record"]
