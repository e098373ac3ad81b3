"""The routed-events buffer of one hub process: events its sinks read, written with the delivery log.

Every sink of the process reports each feed event it reads (``seen``); the buffer keeps one row
per event id until the delivery log's next flush takes them (``take``) and writes them in the
same transaction as the attempts, before any offset is committed. Ids written lately are
remembered (``RECENT``), so the other subscriptions of the process reading the same event do
not send it to the store again: one insert per event and process, not per subscription.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

from hub.delivery.pipeline.job import Record
from schemas.events import ChangeEvent

RECENT = 50_000
MAX_BUFFERED = 100_000


def _published_at(record: Record) -> datetime | None:
    return datetime.fromtimestamp(record.timestamp_ms / 1000, UTC) if record.timestamp_ms > 0 else None


def routed_row(record: Record, event: ChangeEvent, now: datetime) -> dict[str, Any]:
    """The store row of one routed event (no payload: the trace reads it back from Kafka)."""
    source = event.data.source
    table = f"{source.schema_name}.{source.table}" if source.schema_name else source.table
    return {
        "event_id": event.id,
        "event_type": event.type,
        "record_key": event.subject[:500],
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "published_at": _published_at(record),
        "connector": source.connector[:200],
        "source_table": table[:300],
        "position": source.position[:500],
        "txid": source.txid[:64] if source.txid else None,
        "commit_time": source.commit_time,
        "snapshot": source.snapshot,
        "traceparent": event.traceparent[:64] if event.traceparent else None,
        "first_routed_at": now,
    }


class RoutedEvents:
    def __init__(self, *, max_buffered: int = MAX_BUFFERED, recent: int = RECENT) -> None:
        self._pending: dict[str, dict[str, Any]] = {}
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._max_buffered = max_buffered
        self._recent_size = recent
        self.dropped = 0

    def seen(self, record: Record, event: ChangeEvent) -> None:
        if event.id in self._pending or event.id in self._recent:
            return
        if len(self._pending) >= self._max_buffered:
            self.dropped += 1
            return
        self._pending[event.id] = routed_row(record, event, datetime.now(UTC))

    def take(self) -> list[dict[str, Any]]:
        rows = list(self._pending.values())
        self._pending.clear()
        for row in rows:
            self._recent[row["event_id"]] = None
        while len(self._recent) > self._recent_size:
            self._recent.popitem(last=False)
        return rows

    def restore(self, rows: list[dict[str, Any]]) -> None:
        """A write failed: keep the rows for the next flush (ahead of newer ones)."""
        for row in rows:
            self._recent.pop(row["event_id"], None)
        self._pending = {row["event_id"]: row for row in rows} | self._pending


__all__ = ["RoutedEvents", "routed_row"]
