"""Publishing an outbox table by polling, and cleaning it up only after Kafka acknowledged.

The outbox table is its own durable state: a row still there (or not yet marked) has not been
acknowledged, so a restart simply reads what is left, and a crash between the acknowledgement
and the cleanup re-publishes rows with their same event ids. No watermark and no safety window
are needed: every read starts from the oldest remaining row and skips only the rows already
read in this run and not yet committed (in flight), so a late-committing transaction's rows are
found on the next read whatever their ``created_at``.

Cleanup runs in ``commit``: every row of every outbox batch up to the committed one is deleted,
or marked with the published column (a timestamp gets the current time, a flag gets true).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, ColumnElement, Connection, RowMapping, delete, update

from connectors import outbox
from connectors.polling.query import outbox_query
from connectors.polling.tables import PolledTable
from connectors.polling.watermark import Watermark
from connectors.source import Change

MAX_IN_FLIGHT = 50_000  # rows read but not committed; past it, wait for the runtime's commits
CLEANUP_CHUNK = 500


class OutboxReader:
    def __init__(self, polled: PolledTable, *, published: str | None, zone: ZoneInfo) -> None:
        self.polled = polled
        self.zone = zone  # of a published column without a time zone
        self.published = published  # None: rows are deleted once acknowledged
        self._batches: dict[int, list[Any]] = {}  # outbox batch number -> ids read in it
        self._in_flight: set[Any] = set()

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    def poll(self, conn: Connection, limit: int, batch: int) -> list[Change]:
        """Up to ``limit`` rows not yet published nor in flight, recorded under ``batch``."""
        if limit <= 0 or self.in_flight >= MAX_IN_FLIGHT:
            return []
        query = outbox_query(
            self.polled.table,
            self.polled.order,
            published=self._unpublished_column(),
            limit=limit + self.in_flight,
        )
        rows = [row for row in conn.execute(query).mappings() if row[outbox.ID] not in self._in_flight][
            :limit
        ]
        changes = [outbox.outbox_change(dict(row), position=_position(row)) for row in rows]
        if rows:
            ids = [row[outbox.ID] for row in rows]
            self._batches[batch] = ids
            self._in_flight.update(ids)
        return changes

    def acknowledged(self, upto: int) -> list[Any]:
        """The ids of every batch up to ``upto``, which Kafka has now acknowledged."""
        done = sorted(number for number in self._batches if number <= upto)
        return [row_id for number in done for row_id in self._batches[number]]

    def clean_up(self, conn: Connection, upto: int) -> int:
        """Delete or mark the acknowledged rows, then forget them; returns how many."""
        ids = self.acknowledged(upto)
        for chunk in _chunks(ids, CLEANUP_CHUNK):
            conn.execute(self._cleanup_statement(chunk))
        conn.commit()
        for number in [n for n in self._batches if n <= upto]:
            self._in_flight.difference_update(self._batches.pop(number))
        return len(ids)

    def _cleanup_statement(self, ids: list[Any]) -> Any:
        table = self.polled.table
        matching = table.c[outbox.ID].in_(ids)
        if self.published is None:
            return delete(table).where(matching)
        column = table.c[self.published]
        return update(table).where(matching).values({column: self._published_value(column)})

    def _published_value(self, column: ColumnElement[Any]) -> Any:
        if isinstance(column.type, Boolean):
            return True
        now = datetime.now(UTC)
        aware = getattr(column.type, "timezone", False)
        return now if aware else now.astimezone(self.zone).replace(tzinfo=None)

    def _unpublished_column(self) -> ColumnElement[Any] | None:
        return None if self.published is None else self.polled.table.c[self.published]


def _position(row: RowMapping) -> str:
    created_at = row[outbox.CREATED_AT]
    if not isinstance(created_at, datetime):
        raise outbox.MalformedOutboxRow(
            f"outbox row {row[outbox.ID]} has no created_at", details={"row_id": str(row[outbox.ID])}
        )
    return Watermark(created_at, (row[outbox.ID],)).encode()


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


__all__ = ["OutboxReader"]
