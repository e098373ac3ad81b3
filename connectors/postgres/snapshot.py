"""Incremental snapshots: tables read in key-ordered chunks interleaved with streaming.

The watermark technique (DBLog; Debezium's incremental snapshots), so a table of tens of
millions of rows neither stops live changes nor keeps the slot's WAL for hours:

1. write a *low* watermark into the WAL (a transactional ``pg_logical_emit_message``),
2. ``SELECT`` the next chunk in key order (``WHERE key > last key ORDER BY key LIMIT n``),
3. write a *high* watermark.

The stream then carries, in commit order, L ... H. A change the stream delivers between L and
H for a key of the chunk may or may not be in what the SELECT saw, but it is at least as new,
so that row is dropped from the chunk; the rows left are unchanged between L and H and are
emitted when H is reached, in their place in commit order. Changes after H are newer than the
chunk and follow it. Only one chunk is in flight, so memory is bounded by ``chunk_size``.

Progress (which table, which chunk, the last key read, as text) is saved with the position
committed after the chunk's rows were acknowledged, so a crash resumes from the last chunk.
Snapshot rows get positions ``snapshot:<run>:<table>:<chunk>:<key>``, stable when a chunk is
re-read after a crash, and distinct between two snapshot runs of the same row.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from psycopg import AsyncConnection, sql

from connectors.postgres.tables import TableSpec
from connectors.source import Change
from schemas.events import Op

WATERMARK_PREFIX = "gov-data-hub.snapshot"


@dataclass(frozen=True)
class SnapshotProgress:
    """Durable: the snapshot run and where it stands. ``tables[0]`` is the one being read."""

    run: str
    tables: tuple[str, ...]
    chunk: int = 0
    last_key: tuple[str | None, ...] | None = None
    rows: int = 0

    @classmethod
    def start(cls, tables: list[str]) -> SnapshotProgress:
        return cls(run=uuid.uuid4().hex[:12], tables=tuple(tables))

    @property
    def done(self) -> bool:
        return not self.tables

    def after_chunk(self, rows: int, last_key: tuple[str | None, ...] | None) -> SnapshotProgress:
        counted = self.rows + rows
        if last_key is None:  # the chunk came back short: this table is finished
            return replace(self, tables=self.tables[1:], chunk=0, last_key=None, rows=counted)
        return replace(self, chunk=self.chunk + 1, last_key=last_key, rows=counted)

    def to_json(self) -> dict[str, Any]:
        return {
            "run": self.run, "tables": list(self.tables), "chunk": self.chunk,
            "last_key": None if self.last_key is None else list(self.last_key), "rows": self.rows,
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SnapshotProgress:
        last = data.get("last_key")
        return cls(
            run=str(data["run"]), tables=tuple(data["tables"]), chunk=int(data["chunk"]),
            last_key=None if last is None else tuple(last), rows=int(data.get("rows", 0)),
        )  # fmt: skip


@dataclass(frozen=True)
class Chunk:
    table: str
    number: int
    rows: list[dict[str, Any]]
    key_texts: list[tuple[str | None, ...]]
    complete_table: bool  # fewer rows than asked: nothing after the last one


def _match_key(values: dict[str, Any]) -> tuple[Any, ...]:
    items = tuple(values.values())
    try:
        hash(items)
    except TypeError:
        return tuple(repr(v) for v in items)
    return items


async def estimated_rows(conn: AsyncConnection[tuple[Any, ...]], specs: list[TableSpec]) -> int:
    """Rows of these tables by the planner's estimate (``reltuples``, kept by ANALYZE and
    autovacuum: free to read); a table never analysed (-1) is counted, once per snapshot run."""
    total = 0
    for spec in specs:
        schema, _, name = spec.name.partition(".")
        table = sql.Identifier(schema, name)
        query = "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass"
        found = await (await conn.execute(query, (table.as_string(conn),))).fetchone()
        estimate = int(found[0]) if found is not None else -1
        if estimate < 0:
            count = sql.SQL("SELECT count(*) FROM {}").format(table)
            counted = await (await conn.execute(count)).fetchone()
            estimate = int(counted[0]) if counted is not None else 0
        total += estimate
    return total


async def read_chunk(
    conn: AsyncConnection[tuple[Any, ...]],
    spec: TableSpec,
    progress: SnapshotProgress,
    size: int,
    only: sql.Composable | None = None,
) -> Chunk:
    """The next ``size`` rows of ``progress.tables[0]`` after its last key, in key order;
    ``only`` keeps a key-sharded task's rows (a condition on the table aliased ``t``)."""
    schema, _, name = spec.name.partition(".")
    keys = [sql.Identifier("t", c) for c in spec.key]
    query = sql.SQL("SELECT t.*, {texts} FROM {table} AS t {where} ORDER BY {keys} LIMIT {size}")
    conditions = [] if only is None else [only]
    if progress.last_key is not None:
        conditions.append(
            sql.SQL("({keys}) > ({params})").format(
                keys=sql.SQL(", ").join(keys), params=sql.SQL(", ").join(sql.Placeholder() * len(keys))
            )
        )
    where = sql.SQL("WHERE ") + sql.SQL(" AND ").join(conditions) if conditions else sql.SQL("")
    statement = query.format(
        texts=sql.SQL(", ").join(sql.SQL("{}::text").format(k) for k in keys),
        table=sql.Identifier(schema, name), where=where, keys=sql.SQL(", ").join(keys),
        size=sql.Literal(size),
    )  # fmt: skip
    cursor = await conn.execute(statement, progress.last_key)
    names = [d.name for d in cursor.description or ()][: -len(keys)]
    rows, texts = [], []
    for record in await cursor.fetchall():
        rows.append(dict(zip(names, record[: len(names)], strict=True)))
        texts.append(tuple(record[len(names) :]))
    return Chunk(spec.name, progress.chunk, rows, texts, complete_table=len(rows) < size)


@dataclass
class Window:
    """One chunk between its low and high watermarks."""

    id: str
    spec: TableSpec
    chunk: Chunk
    run: str
    opened: bool = False  # the low watermark went by in the stream
    _pending: dict[tuple[Any, ...], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for index, row in enumerate(self.chunk.rows):
            self._pending[_match_key(self.spec.key_of(row))] = index

    def observe(self, change: Change) -> None:
        """A streamed change inside the window supersedes the chunk's copy of that row."""
        if not self.opened or change.table != self.spec.name:
            return
        if change.op is Op.TRUNCATE:
            self._pending.clear()
        else:
            self._pending.pop(_match_key(change.key), None)

    def rows(self) -> list[Change]:
        """The chunk's rows nobody changed inside the window, as snapshot reads."""
        changes = []
        for index in sorted(self._pending.values()):
            row, text = self.chunk.rows[index], self.chunk.key_texts[index]
            position = (
                f"snapshot:{self.run}:{self.spec.name}:{self.chunk.number:08d}:"
                f"{json.dumps(list(text), ensure_ascii=False)}"
            )
            changes.append(
                Change(
                    table=self.spec.name,
                    op=Op.READ,
                    key=self.spec.key_of(row),
                    before=None,
                    after=row,
                    position=position,
                    snapshot=True,
                    identity=self.spec.identity_of(row),
                )
            )
        return changes

    def next_progress(self, progress: SnapshotProgress) -> SnapshotProgress:
        last = None if self.chunk.complete_table else self.chunk.key_texts[-1]
        return progress.after_chunk(len(self.chunk.rows), last)


async def emit_watermark(conn: AsyncConnection[Any], window_id: str, mark: str) -> None:
    """Transactional, so it is flushed at commit and streamed in commit order."""
    body = json.dumps({"window": window_id, "mark": mark})
    await conn.execute("SELECT pg_logical_emit_message(true, %s, %s)", (WATERMARK_PREFIX, body))


@dataclass
class SnapshotMeter:
    """Counts and rate for the status: rows emitted by this process since it started."""

    rows: int = 0
    started: float = field(default_factory=time.monotonic)

    def add(self, rows: int) -> None:
        self.rows += rows

    @property
    def rows_per_s(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.rows / elapsed if elapsed > 0 else 0.0
