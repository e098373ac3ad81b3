"""The ``postgres_cdc`` source: logical replication with pgoutput, snapshots interleaved.

Lifecycle (see ``connectors.source`` for the call order and guarantees):

* ``start`` checks every table (key, replica identity), creates or extends the publication,
  creates or reuses the slot, and decides what to snapshot: everything at the first start
  (``snapshot_mode``), the tables an operator asked for, or the rest of a snapshot a crash
  interrupted (its progress travels inside the committed position). A slot that vanished
  after this connector had committed from it raises :class:`SlotLost` (not retriable), unless
  the operator asked for a re-snapshot (or ``when_needed``): then a new slot is created and
  every table is read again, loudly.
* ``read`` drains the replication stream into changes and, while a snapshot runs, reads one
  key-ordered chunk at a time between two watermarks (``snapshot``), so live changes keep
  flowing and the slot keeps advancing. It returns within ``poll_interval_ms`` when idle,
  sending standby status on the way.
* ``commit`` confirms the batch's transaction end to the server: only then may the slot
  release the WAL. In outbox mode it then deletes (or marks) the outbox rows of the
  transactions up to that end (``connectors.postgres.outbox``).
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import psycopg
from psycopg import sql

from connectors.context import SourceContext
from connectors.errors import SourceUnavailable
from connectors.postgres.changes import ChangeStream, SnapshotWatermark, TxEnd
from connectors.postgres.config import PostgresCdcConfig, SnapshotMode
from connectors.postgres.errors import ReplicationStreamBroken, SlotLost, SourceQueryFailed
from connectors.postgres.outbox import OutboxCapture, outbox_capture
from connectors.postgres.preflight import application_name
from connectors.postgres.replication import ReplicationStream
from connectors.postgres.resume import ResumePoint
from connectors.postgres.rows import RowDecoder
from connectors.postgres.shard_filter import ShardFilter, ensure_shard_publication, shard_filter
from connectors.postgres.slot import check_usable, create_slot, drop_slot, ensure_publication, slot_info
from connectors.postgres.snapshot import (
    WATERMARK_PREFIX,
    SnapshotMeter,
    SnapshotProgress,
    Window,
    emit_watermark,
    estimated_rows,
    read_chunk,
)
from connectors.postgres.tables import TableSpec, inspect_table, qualified
from connectors.source import Batch, Change
from schemas.errors import SourceError

Connection = psycopg.AsyncConnection[tuple[Any, ...]]
IDLE_WAIT_SLICE_S = 0.25  # how often an idle read looks at the stop event


@contextlib.contextmanager
def source_queries(action: str) -> Iterator[None]:
    """Where psycopg errors of the source's own SQL become the connector's."""
    try:
        yield
    except psycopg.OperationalError as exc:
        raise SourceUnavailable(f"{action}: source unreachable: {exc}") from exc
    except psycopg.Error as exc:
        raise SourceQueryFailed(f"{action} failed: {exc}") from exc


class PostgresCdcSource:
    def __init__(self, config: PostgresCdcConfig, context: SourceContext) -> None:
        self._config, self._context = config, context
        self._sql: Connection | None = None
        self._stream: ReplicationStream | None = None
        self._changes: ChangeStream | None = None
        self._specs: dict[str, TableSpec] = {}
        self._progress: SnapshotProgress | None = None
        self._estimate: tuple[str, int] = ("", 0)  # a snapshot run's rows, estimated at its start
        self._window: Window | None = None  # the chunk between its watermarks
        self._closing: Window | None = None  # high watermark seen, its commit not yet
        self._ready: deque[Change | ResumePoint] = deque()
        self._ready_changes = 0
        self._meter = SnapshotMeter()
        self._outbox: OutboxCapture | None = None
        self._shard = context.shard
        self._slot = config.task_slot(context.shard)
        self._filters: dict[str, ShardFilter] = {}  # per table, when this task owns a share of the keys

    # -- start ---------------------------------------------------------------------------------

    async def start(self) -> None:
        try:
            await self._start()
        except BaseException:
            await self.stop()  # a failed start leaves no connection behind
            raise

    async def _start(self) -> None:
        with source_queries("starting"):
            self._sql = conn = await psycopg.AsyncConnection.connect(self._config.conninfo(), autocommit=True)
            self._specs = await self._inspect(conn)
            self._outbox = await self._outbox_capture(conn)
            await self._ensure_publication(conn)
            resume, slot_confirmed = await self._prepare_slot(conn)
        self._progress = self._plan_snapshot(resume.snapshot)
        self._changes = ChangeStream(
            RowDecoder(conn), self._specs, WATERMARK_PREFIX, resume.lsn, outbox=self._config.outbox
        )
        self._stream = ReplicationStream(
            self._config.conninfo(), self._slot, self._config.task_publication(self._shard),
            self._config.heartbeat_interval_s, application_name(self._config, self._shard),
        )  # fmt: skip
        await self._stream.open()
        if resume.lsn > slot_confirmed:  # the runtime committed further than the slot heard
            self._stream.confirm(resume.lsn)
        self._report()

    async def _ensure_publication(self, conn: Connection) -> None:
        """The connector's publication, or this task's own, filtered to its share of the keys."""
        if self._shard is None:
            await ensure_publication(conn, self._config.publication, list(self._specs))
            return
        self._filters = {name: await shard_filter(conn, spec) for name, spec in self._specs.items()}
        publication = self._config.task_publication(self._shard)
        await ensure_shard_publication(conn, publication, list(self._filters.values()), self._shard)

    async def _inspect(self, conn: Connection) -> dict[str, TableSpec]:
        specs = {}
        for feed in self._config.feeds:
            key = tuple(feed.key) if feed.key else None
            spec = await inspect_table(conn, feed.table, key, self._config.on_missing_primary_key)
            specs[spec.name] = spec
        return specs

    async def _outbox_capture(self, conn: Connection) -> OutboxCapture | None:
        if self._config.outbox is None:
            return None
        return await outbox_capture(conn, self._specs[self._config.outbox], self._config.outbox_mark_column)

    async def _prepare_slot(self, conn: Connection) -> tuple[ResumePoint, int]:
        """Where to resume and how far the slot was confirmed; a lost slot stops here."""
        name, position = self._slot, self._context.position
        info = await slot_info(conn, name)
        if position is None:
            if info is not None and info.wal_status == "lost":
                await drop_slot(conn, name)
                info = None
            if info is None:
                await create_slot(conn, name)
            else:
                check_usable(info, name, conn.info.dbname)
            return ResumePoint(0, self._initial_snapshot()), 0
        try:
            info = check_usable(info, name, conn.info.dbname)
        except SlotLost as lost:
            if not self._context.snapshot_tables and self._config.snapshot_mode != SnapshotMode.WHEN_NEEDED:
                raise
            return await self._recover(conn, lost), 0
        return ResumePoint.decode(position), info.confirmed_flush_lsn or 0

    def _initial_snapshot(self) -> SnapshotProgress | None:
        if self._config.snapshot_mode == SnapshotMode.NEVER:
            return None
        return SnapshotProgress.start(list(self._specs))

    async def _recover(self, conn: Connection, lost: SlotLost) -> ResumePoint:
        """A new slot and a snapshot of every table: what the lost slot held is read again."""
        self._context.log.warning("%s; recovering with a new slot and a full re-snapshot", lost.message)
        await drop_slot(conn, self._slot)
        await create_slot(conn, self._slot)
        return ResumePoint(0, SnapshotProgress.start(list(self._specs)))

    def _plan_snapshot(self, interrupted: SnapshotProgress | None) -> SnapshotProgress | None:
        """The interrupted snapshot, extended with the tables an operator asked for."""
        pending = [t for t in (interrupted.tables if interrupted else ()) if t in self._specs]
        asked = [qualified(t) for t in self._context.snapshot_tables]
        added = [t for t in asked if t in self._specs and t not in pending]
        if interrupted is not None and not added:
            return replace(interrupted, tables=tuple(pending)) if pending else None
        tables = pending + added
        return SnapshotProgress.start(tables) if tables else None

    # -- read ----------------------------------------------------------------------------------

    async def read(self) -> Batch:
        assert self._stream is not None, "start() first"
        deadline = time.monotonic() + self._config.poll_interval_ms / 1000
        try:
            while self._ready_changes < self._config.batch_size:
                await self._advance_snapshot()
                if self._pull():
                    continue
                if self._batch_ready() or time.monotonic() >= deadline or self._context.stop.is_set():
                    break
                self._stream.heartbeat()
                remaining = deadline - time.monotonic()
                await self._stream.wait_readable(min(remaining, IDLE_WAIT_SLICE_S))
            self._stream.heartbeat()
        except ReplicationStreamBroken as broken:
            raise await self._diagnose(broken) from broken
        return self._take_batch()

    def _batch_ready(self) -> bool:
        """Changes to hand out, and not in the middle of a transaction: its commit (the only
        position the slot can be confirmed at) is on its way, so wait for it."""
        assert self._changes is not None
        return self._ready_changes > 0 and not self._changes.in_transaction

    def _pull(self) -> bool:
        assert self._stream is not None and self._changes is not None
        frames = self._stream.poll(self._config.batch_size)
        for frame in frames:
            for event in self._changes.feed(frame.payload):
                if isinstance(event, Change):
                    self._queue_change(event)
                elif isinstance(event, TxEnd):
                    self._on_tx_end(event)
                else:
                    self._on_watermark(event)
        return bool(frames)

    def _queue_change(self, change: Change) -> None:
        if self._window is not None:
            self._window.observe(change)
        if self._outbox is not None:
            converted = self._outbox.convert(change)
            if converted is None:
                return
            change = converted
        self._ready.append(change)
        self._ready_changes += 1
        if change.commit_time is not None:
            age = max(0.0, time.time() - change.commit_time.timestamp())
            self._context.status.set_backlog(seconds=age)

    def _on_watermark(self, mark: SnapshotWatermark) -> None:
        window = self._window
        if window is None or mark.window_id != window.id:
            return  # an earlier run's watermark, re-sent after a restart
        if mark.mark == "low":
            window.opened = True
            return
        self._window, self._closing = None, window

    def _on_tx_end(self, end: TxEnd) -> None:
        """A transaction's end; the high watermark's own one releases the chunk's rows, so rows
        and the position that covers them always reach the queue together."""
        window, self._closing = self._closing, None
        if window is not None:
            for row in window.rows():
                self._queue_change(row)
            assert self._progress is not None
            self._progress = window.next_progress(self._progress)
            self._meter.add(len(window.chunk.rows))
            self._report()
        if self._outbox is not None:
            self._outbox.transaction_ended(end.end_lsn)
        self._ready.append(ResumePoint(end.end_lsn, self._progress))

    def _take_batch(self) -> Batch:
        changes: list[Change] = []
        position: str | None = None
        while self._ready:
            item = self._ready[0]
            if isinstance(item, Change) and len(changes) >= self._config.batch_size:
                break
            self._ready.popleft()
            if isinstance(item, Change):
                changes.append(item)
            else:
                position = item.encode()
        self._ready_changes -= len(changes)
        return Batch(changes, position)

    async def _advance_snapshot(self) -> None:
        """Open the next chunk's window when none is open and the queue has room for it
        (at most about two chunks are held: one queued, one being read)."""
        progress, room = self._progress, max(self._config.batch_size, self._config.chunk_size)
        busy = self._window is not None or self._closing is not None
        if progress is None or busy or self._ready_changes >= room:
            return
        if progress.done:
            self._progress = None
            self._report()
            return
        spec = self._specs[progress.tables[0]]
        assert self._sql is not None
        if self._estimate[0] != progress.run:  # once a run: for the status's total and time left
            left = [self._specs[table] for table in progress.tables]
            with source_queries("estimating the snapshot's rows"):
                self._estimate = (progress.run, progress.rows + await estimated_rows(self._sql, left))
        window_id = uuid.uuid4().hex
        with source_queries(f"snapshot of {spec.name}"):
            await emit_watermark(self._sql, window_id, "low")
            chunk = await read_chunk(
                self._sql, spec, progress, self._config.chunk_size, self._chunk_filter(spec)
            )
            await emit_watermark(self._sql, window_id, "high")
        self._window = Window(window_id, spec, chunk, progress.run)

    def _chunk_filter(self, spec: TableSpec) -> sql.Composable | None:
        if self._shard is None:
            return None
        return self._filters[spec.name].condition(self._shard, alias="t")

    async def _diagnose(self, broken: ReplicationStreamBroken) -> SourceError:
        """A broken stream is a lost slot when the slot is gone or invalidated."""
        if self._sql is None:
            return broken
        try:
            check_usable(await slot_info(self._sql, self._slot), self._slot, self._sql.info.dbname)
        except SlotLost as lost:
            return lost
        except psycopg.Error:
            return broken
        return broken

    # -- commit, stop, status --------------------------------------------------------------------

    async def commit(self, position: str) -> None:
        assert self._stream is not None, "start() first"
        lsn = ResumePoint.decode(position).lsn
        self._stream.confirm(lsn)
        if self._outbox is not None and self._sql is not None:
            with source_queries("cleaning up the outbox"):
                await self._outbox.clean_up(self._sql, lsn)

    async def stop(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            await stream.close()
        conn, self._sql = self._sql, None
        if conn is not None:
            await conn.close()

    @property
    def snapshot_progress(self) -> dict[str, Any] | None:
        """Counts and rate of the running snapshot (``None`` when streaming only)."""
        if self._progress is None or self._progress.done:
            return None
        run, total = self._estimate
        return {
            "run": self._progress.run, "table": self._progress.tables[0],
            "tables_left": len(self._progress.tables), "chunk": self._progress.chunk,
            "rows": self._progress.rows, "rows_per_s": round(self._meter.rows_per_s, 1),
            "total": max(total, self._progress.rows) if run == self._progress.run else None,
        }  # fmt: skip

    def _report(self) -> None:
        progress = self.snapshot_progress
        if progress is None:
            self._context.status.set_phase("streaming")
            return
        of = f" of ~{progress['total']}" if progress["total"] is not None else ""
        self._context.status.set_phase(
            f"snapshot {progress['table']}: {progress['rows']}{of} rows, {progress['rows_per_s']:.0f} rows/s"
        )
