"""How far republish got on each quarantine partition: the held records already sent on.

One row per quarantine record (topic, partition, offset) that ``hub quarantine republish`` sent
to its feed, written after Kafka acknowledged it, so a second republish skips it: sent once
(a crash between the acknowledgement and this write sends it again, with the same event id:
at-least-once, as everywhere else). A record that still fails leaves no row and stays held.
Per partition, the offsets without a row are exactly what is still held.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, String, select, tuple_
from sqlalchemy.orm import Mapped, Session, mapped_column

from hub.store.base import Base, utcnow


class QuarantineRepublished(Base):
    __tablename__ = "quarantine_republished"

    topic: Mapped[str] = mapped_column(String(249), primary_key=True)
    partition: Mapped[int] = mapped_column(primary_key=True)
    offset: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(200))
    feed_partition: Mapped[int] = mapped_column()
    feed_offset: Mapped[int] = mapped_column(BigInteger)
    republished_by: Mapped[str | None] = mapped_column(String(200))
    republished_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True)
class Republished:
    address: tuple[str, int, int]  # quarantine topic, partition, offset
    event_id: str
    feed_partition: int
    feed_offset: int
    republished_by: str | None = None
    republished_at: datetime | None = None


def republished(session: Session, topics: Iterable[str]) -> dict[tuple[str, int, int], Republished]:
    """The records of ``topics`` already sent on, by address."""
    names = sorted(set(topics))
    if not names:
        return {}
    rows = session.scalars(select(QuarantineRepublished).where(QuarantineRepublished.topic.in_(names)))
    return {
        (row.topic, row.partition, row.offset): Republished(
            (row.topic, row.partition, row.offset), row.event_id, row.feed_partition, row.feed_offset,
            row.republished_by, row.republished_at,
        )
        for row in rows
    }  # fmt: skip


def record(session: Session, sent: Iterable[Republished]) -> None:
    """Remember records sent on (ignoring any a concurrent republish remembered first)."""
    items = list(sent)
    if not items:
        return
    known = {
        tuple(row)
        for row in session.execute(
            select(QuarantineRepublished.topic, QuarantineRepublished.partition, QuarantineRepublished.offset)
            .where(tuple_(QuarantineRepublished.topic, QuarantineRepublished.partition,
                          QuarantineRepublished.offset).in_([item.address for item in items]))
        )
    }  # fmt: skip
    session.add_all(
        QuarantineRepublished(
            topic=item.address[0], partition=item.address[1], offset=item.address[2], event_id=item.event_id,
            feed_partition=item.feed_partition, feed_offset=item.feed_offset,
            republished_by=item.republished_by, republished_at=utcnow(),
        )
        for item in items
        if item.address not in known
    )  # fmt: skip


__all__ = ["QuarantineRepublished", "Republished", "record", "republished"]
