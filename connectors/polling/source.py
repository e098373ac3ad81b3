"""The ``sql_polling`` source: incremental reads of any SQL database through SQLAlchemy.

Each ``read`` polls the feed tables in turn (a rotating start, so a busy table cannot starve the
others) for the rows after their watermarks, and the outbox, if one is configured, for the rows
not yet published. The batch position is the composite ``Cursor`` of every table's watermark;
committing it cleans up the outbox rows read up to it. An idle read waits one poll interval
(ending early when the task stops) and polls once more, so it returns in bounded time.

A table without a stored watermark, or one named in ``snapshot_tables``, is read from its
beginning: rows stamped before the start are snapshot reads (``op = "r"``), soft-deleted ones
are skipped. Deletes are seen only as soft deletes (see ``TableColumns.soft_delete``) or as
outbox events: a hard ``DELETE`` leaves nothing to poll.
"""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine

from connectors.context import SourceContext
from connectors.polling.config import SqlPollingConfig
from connectors.polling.cursor import Cursor, TableProgress
from connectors.polling.database import open_engine, translated
from connectors.polling.outbox_reader import OutboxReader
from connectors.polling.table_reader import TableReader
from connectors.polling.tables import PolledTable, reflect_all
from connectors.source import Batch, Change
from schemas.errors import SourceError


class SourceNotStarted(SourceError):
    code = "source_not_started"
    retriable = False


class SqlPollingSource:
    def __init__(self, config: SqlPollingConfig, context: SourceContext) -> None:
        self.config = config
        self.context = context
        self._engine: Engine | None = None
        self._tables: list[TableReader] = []
        self._outbox: OutboxReader | None = None
        self._cursor = Cursor.decode(context.position) if context.position else Cursor()
        self._returned = self._cursor  # the cursor of the last batch handed out
        self._turn = 0
        self._zone = ZoneInfo(config.timezone)

    async def start(self) -> None:
        self._engine = open_engine(self.config)
        try:
            await asyncio.to_thread(self._prepare, self._engine)
        except BaseException:
            await self.stop()  # a failed start holds no connection
            raise
        self._report()

    def _prepare(self, engine: Engine) -> None:
        with translated("connecting to the source"), engine.connect() as conn:
            tables = reflect_all(conn, self.config)
        for polled in tables:
            if polled.name == self.config.outbox:
                self._outbox = OutboxReader(polled, published=self.config.outbox_mark_column, zone=self._zone)
            else:
                self._tables.append(self._table_reader(polled))
        self._cursor = self._current_cursor()

    def _table_reader(self, polled: PolledTable) -> TableReader:
        progress = self._cursor.tables.get(polled.name)
        reader = TableReader(
            polled,
            progress or TableProgress(),
            zone=self._zone,
            window_s=self.config.safety_window_s,
        )
        if progress is None or polled.name in self.context.snapshot_tables:
            reader.start_snapshot()
        return reader

    async def read(self) -> Batch:
        changes = await self._poll()
        if not changes and not self.context.stop.is_set():
            await self._idle()
            changes = await self._poll()
        self._report()
        position = None if self._cursor == self._returned else self._cursor.encode()
        self._returned = self._cursor
        return Batch(changes, position)

    async def _idle(self) -> None:
        try:
            await asyncio.wait_for(self.context.stop.wait(), self.config.poll_interval_ms / 1000)
        except TimeoutError:
            return

    async def _poll(self) -> list[Change]:
        engine = self._started()
        return await asyncio.to_thread(self._poll_sync, engine)

    def _poll_sync(self, engine: Engine) -> list[Change]:
        """One poll of every table and the outbox; on failure no reader has moved (all or nothing)."""
        progress = [reader.progress for reader in self._tables]
        try:
            with translated("polling the source"), engine.connect() as conn:
                changes = self._poll_tables(conn)
                changes += self._poll_outbox(conn, self.config.batch_size - len(changes))
        except BaseException:
            for reader, before in zip(self._tables, progress, strict=True):
                reader.progress = before
            raise
        self._cursor = self._current_cursor()
        return changes

    def _poll_outbox(self, conn: Connection, budget: int) -> list[Change]:
        if self._outbox is None:
            return []
        batch = self._cursor.outbox_batch + 1
        found = self._outbox.poll(conn, budget, batch)
        if found:
            self._cursor = Cursor(self._cursor.tables, batch)
        return found

    def _poll_tables(self, conn: Connection) -> list[Change]:
        changes: list[Change] = []
        count = len(self._tables)
        for offset in range(count):
            budget = self.config.batch_size - len(changes)
            if budget <= 0:
                break
            changes += self._tables[(self._turn + offset) % count].poll(conn, budget)
        self._turn += 1
        return changes

    def _current_cursor(self) -> Cursor:
        tables = {reader.polled.name: reader.progress for reader in self._tables}
        return Cursor(tables, self._cursor.outbox_batch)

    async def commit(self, position: str) -> None:
        cursor = Cursor.decode(position)
        if self._outbox is not None and cursor.outbox_batch:
            await asyncio.to_thread(self._clean_up, self._started(), self._outbox, cursor.outbox_batch)

    @staticmethod
    def _clean_up(engine: Engine, outbox: OutboxReader, upto: int) -> None:
        with translated("cleaning up the outbox"), engine.connect() as conn:
            outbox.clean_up(conn, upto)

    async def stop(self) -> None:
        if self._engine is not None:
            await asyncio.to_thread(self._engine.dispose)
            self._engine = None

    def _started(self) -> Engine:
        if self._engine is None:
            raise SourceNotStarted("the polling source is not started (or already stopped)")
        return self._engine

    def _report(self) -> None:
        status = self.context.status
        status.set_phase("snapshot" if any(r.snapshotting for r in self._tables) else "polling")
        status.set_backlog(seconds=max((r.lag_s() for r in self._tables if r.behind), default=0.0))


__all__ = ["SqlPollingSource"]
