"""Routed events: where each event the hub routed sits in Kafka and where it came from, once.

The delivery log records attempts; this table records the event itself the first time any sink
of a hub process reads it from its feed: the Kafka address (topic, partition, offset, publish
time), the source facts (connector, table, position, transaction, commit time) and the trace
context. It is what lets the trace answer for an event no subscription wanted, and find every
event of one record (``topic`` + ``record_key``). One row per event id: later sightings (other
sinks, other processes, replays, a re-publish after a connector crash) are ignored, so the
write volume is one row per event, never one per subscription. No payload is kept: rows carry
no personal data, and the trace reads the event back from Kafka when it needs it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Index, String, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from hub.store.base import Base


class RoutedEvent(Base):
    __tablename__ = "routed_events"

    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(200))
    record_key: Mapped[str] = mapped_column(String(500))
    topic: Mapped[str] = mapped_column(String(249))
    partition: Mapped[int] = mapped_column()
    offset: Mapped[int] = mapped_column(BigInteger)
    published_at: Mapped[datetime | None] = mapped_column()
    connector: Mapped[str | None] = mapped_column(String(200))
    source_table: Mapped[str | None] = mapped_column(String(300))
    position: Mapped[str | None] = mapped_column(String(500))
    txid: Mapped[str | None] = mapped_column(String(64))
    commit_time: Mapped[datetime | None] = mapped_column()
    snapshot: Mapped[bool] = mapped_column(Boolean, default=False)
    traceparent: Mapped[str | None] = mapped_column(String(64))
    first_routed_at: Mapped[datetime] = mapped_column()

    __table_args__ = (Index("ix_routed_events_record", "topic", "record_key"),)


def add(session: Session, rows: Iterable[Mapping[str, Any]]) -> None:
    """Insert the events not known yet (the first sighting of an event id wins)."""
    batch = list(rows)
    if not batch:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql.insert(RoutedEvent).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(RoutedEvent).on_conflict_do_nothing()
    else:  # pragma: no cover - the store runs on SQLite or PostgreSQL
        raise NotImplementedError(f"routed events on {dialect}")
    session.execute(statement, batch)


def get(session: Session, event_id: str) -> RoutedEvent | None:
    return session.get(RoutedEvent, event_id)


def of_record(session: Session, topic: str, record_key: str, limit: int) -> list[RoutedEvent]:
    """The record's events in log order (partition, offset), at most ``limit`` of the newest."""
    query = (
        select(RoutedEvent)
        .where(RoutedEvent.topic == topic, RoutedEvent.record_key == record_key)
        .order_by(RoutedEvent.partition, RoutedEvent.offset.desc())
        .limit(limit)
    )
    return sorted(session.scalars(query), key=lambda row: (row.partition, row.offset))


__all__ = ["RoutedEvent", "add", "get", "of_record"]
