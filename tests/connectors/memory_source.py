"""An in-process source kind ("memory") for testing the runtime without a source database.

It is a real implementation of the ``Source`` protocol over an in-memory database (tables and a
change log), not a mock: it snapshots, streams, resumes from a committed position and re-reads
what was not committed, and it passes the shared ``ConnectorSuite``. Tests also use it to make
a source fail on purpose (``MemoryDatabase.fail_reads``).

Positions are ``"<log seq:012d>.<snapshot row:06d>"``: log entry ``k`` is ``k.000000``; a
snapshot taken when the log holds ``L`` entries numbers its rows ``L.000001``, ``L.000002``...
so every snapshot row sorts after what it already contains and before what comes next. The
batch that ends a snapshot carries ``L.999999``: once committed, a restart streams from ``L+1``;
before, a restart takes the snapshot again.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from connectors import registry
from connectors.config import ConnectorConfigBase
from connectors.context import SourceContext
from connectors.source import Batch, Change
from schemas.errors import HubError
from schemas.events import Op

KIND = "memory"
SNAPSHOT_DONE = 999_999  # row number of the position that ends a snapshot


class MemoryConfig(ConnectorConfigBase):
    kind: Literal["memory"]
    database: str  # name of a MemoryDatabase in DATABASES (configs must stay plain data)


@dataclass
class MemoryDatabase:
    tables: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)
    log: list[tuple[str, Op, dict[str, Any] | None, dict[str, Any] | None]] = field(default_factory=list)
    failures: deque[Exception] = field(default_factory=deque)
    commits: list[str] = field(default_factory=list)
    starts: int = 0
    appended: asyncio.Event = field(default_factory=asyncio.Event)

    def fail_reads(self, *errors: Exception) -> None:
        """The next reads raise these errors, one each, in order."""
        self.failures.extend(errors)

    # SuiteDatabase
    async def create_items_table(self, table: str) -> None:
        self.tables.setdefault(table, {})

    async def insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            self._write(table, Op.CREATE, dict(row))

    async def update(self, table: str, item_id: int, values: dict[str, Any]) -> None:
        self._write(table, Op.UPDATE, {**self.tables[table][item_id], **values})

    async def delete(self, table: str, item_id: int) -> None:
        self._write(table, Op.DELETE, dict(self.tables[table][item_id]))

    def _write(self, table: str, op: Op, row: dict[str, Any]) -> None:
        before = self.tables[table].get(row["id"])
        if op is Op.DELETE:
            del self.tables[table][row["id"]]
            self.log.append((table, op, before or row, None))
        else:
            self.tables[table][row["id"]] = row
            self.log.append((table, op, before, row))
        self.appended.set()


DATABASES: dict[str, MemoryDatabase] = {}


def parse_position(position: str) -> tuple[int, int]:
    seq, row = position.split(".")
    return int(seq), int(row)


def position_of(seq: int, row: int = 0) -> str:
    return f"{seq:012d}.{row:06d}"


class MemorySource:
    def __init__(self, config: MemoryConfig, context: SourceContext) -> None:
        self.config = config
        self.context = context
        self.db = DATABASES[config.database]
        self._pending: deque[Change] = deque()
        self._next_seq = 0

    async def start(self) -> None:
        self.db.starts += 1
        seq, row = (0, 0) if self.context.position is None else parse_position(self.context.position)
        unfinished_snapshot = self.context.position is None or 0 < row < SNAPSHOT_DONE  # retake it
        tables = [f.table for f in self.config.feeds]
        chosen = tables if unfinished_snapshot else [t for t in tables if t in self.context.snapshot_tables]
        base = len(self.db.log)
        self._next_seq = base + 1 if unfinished_snapshot else seq + 1
        if chosen:
            self._stream(until=base)  # what precedes the snapshot keeps its place in the order
            self._snapshot(chosen, base)
            self._next_seq = base + 1
        self.context.status.set_phase("snapshot" if self._pending else "streaming")

    def _snapshot(self, tables: list[str], seq: int) -> None:
        number = 0
        for table in tables:
            for item_id in sorted(self.db.tables.get(table, {})):
                number += 1
                row = self.db.tables[table][item_id]
                self._pending.append(self._change(table, Op.READ, None, row, position_of(seq, number)))

    def _change(
        self, table: str, op: Op, before: dict[str, Any] | None, after: dict[str, Any] | None, position: str
    ) -> Change:
        row = after if after is not None else before
        assert row is not None
        return Change(
            table=table,
            op=op,
            key={"id": row["id"]},
            before=before,
            after=after,
            position=position,
            commit_time=datetime.now(UTC),
            snapshot=op is Op.READ,
        )

    async def read(self) -> Batch:
        if self.db.failures:
            raise self.db.failures.popleft()
        if not self._pending:
            await self._wait_for_log()
            self._stream()
        batch = [self._pending.popleft() for _ in range(min(self.config.batch_size, len(self._pending)))]
        position = batch[-1].position if batch else None
        if batch and batch[-1].snapshot and not self._pending:  # committing it completes the snapshot
            position = position_of(parse_position(batch[-1].position)[0], SNAPSHOT_DONE)
            self.context.status.set_phase("streaming")
        self.context.status.set_backlog(changes=len(self._pending) + len(self.db.log) - self._next_seq + 1)
        return Batch(batch, position)

    async def _wait_for_log(self) -> None:
        if len(self.db.log) >= self._next_seq:
            return
        self.db.appended.clear()
        try:
            await asyncio.wait_for(self.db.appended.wait(), self.config.poll_interval_ms / 1000)
        except TimeoutError:
            return

    def _stream(self, until: int | None = None) -> None:
        tables = {f.table for f in self.config.feeds}
        last = len(self.db.log) if until is None else until
        while self._next_seq <= last and (until is not None or len(self._pending) < self.config.batch_size):
            table, op, before, after = self.db.log[self._next_seq - 1]
            if table in tables:
                self._pending.append(self._change(table, op, before, after, position_of(self._next_seq)))
            self._next_seq += 1

    async def commit(self, position: str) -> None:
        self.db.commits.append(position)

    async def stop(self) -> None:
        self._pending.clear()


class PermanentSourceFailure(HubError):
    """What a vanished replication slot looks like to the runtime: retrying cannot help."""

    code = "replication_slot_missing"
    retriable = False


def install() -> None:
    registry.register(KIND, MemoryConfig, MemorySource)


def new_database(name: str) -> MemoryDatabase:
    install()
    DATABASES[name] = MemoryDatabase()
    return DATABASES[name]
