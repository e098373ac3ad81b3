"""The polling source on a real database (SQLite file and PostgreSQL): late commits, soft deletes,
several tables, bounded idle reads."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from sqlalchemy import Column, DateTime, Integer, String, Table, insert

from connectors.polling.cursor import Cursor
from schemas.events import Op
from tests.connectors.polling.conftest import OpenSource
from tests.connectors.polling.databases import (
    POLL_INTERVAL_MS,
    SAFETY_WINDOW_S,
    SqlItemsDatabase,
    feed,
    polling_config,
)
from tests.connectors.suite import items

pytestmark = pytest.mark.integration


async def items_table(db: SqlItemsDatabase, name: str = "items") -> str:
    table = f"{db.default_schema}.{name}"
    await db.create_items_table(table)
    return table


async def test_a_late_commit_inside_the_safety_window_is_read(
    source_db: SqlItemsDatabase, unique: str, open_source: OpenSource
) -> None:
    table = await items_table(source_db)
    reader = await open_source(polling_config(source_db.url, unique, [feed(table)], safety_window_s=1.0))
    late_stamp = source_db.stamp()  # transaction A stamps its row, then takes its time
    await source_db.insert(table, items(range(2, 3)))  # transaction B stamps later, commits first
    assert await reader.quiet(reads=2) == []  # polls while B is committed and A is not
    await source_db.insert_stamped(table, items(range(1, 2)), late_stamp)  # A commits late
    got = await reader.take(2)
    assert [change.key["id"] for change in got] == [1, 2]  # in stamp order


async def test_without_a_window_a_late_commit_is_skipped(
    source_db: SqlItemsDatabase, unique: str, open_source: OpenSource
) -> None:
    """Why the window exists: once the watermark passed a stamp, rows stamped earlier are behind it."""
    table = await items_table(source_db)
    reader = await open_source(polling_config(source_db.url, unique, [feed(table)], safety_window_s=0))
    late_stamp = source_db.stamp()
    await source_db.insert(table, items(range(2, 3)))
    assert [change.key["id"] for change in await reader.take(1)] == [2]
    await source_db.insert_stamped(table, items(range(1, 2)), late_stamp)
    assert await reader.quiet(reads=3) == []


async def test_rows_wait_for_the_window_then_come_at_once(
    source_db: SqlItemsDatabase, unique: str, open_source: OpenSource
) -> None:
    table = await items_table(source_db)
    reader = await open_source(polling_config(source_db.url, unique, [feed(table)]))
    await source_db.insert(table, items(range(1, 4)))
    written = time.monotonic()
    await reader.take(3)
    waited = time.monotonic() - written
    assert SAFETY_WINDOW_S <= waited < SAFETY_WINDOW_S + 5 * POLL_INTERVAL_MS / 1000 + 1


async def test_a_soft_delete_is_a_delete_with_the_row_before(
    source_db: SqlItemsDatabase, unique: str, open_source: OpenSource
) -> None:
    table = await items_table(source_db)
    await source_db.insert(table, items(range(1, 4)))
    await source_db.delete(table, 2)
    reader = await open_source(polling_config(source_db.url, unique, [feed(table)]))
    snapshot = await reader.take(2)
    assert [(c.op, c.key["id"]) for c in snapshot] == [(Op.READ, 1), (Op.READ, 3)]  # 2 was gone already
    await source_db.delete(table, 3)
    (deleted,) = await reader.take(1)
    assert (deleted.op, deleted.key, deleted.after) == (Op.DELETE, {"id": 3}, None)
    assert deleted.before is not None and deleted.before["name"] == "item-3"
    assert deleted.before["deleted_at"] is not None


async def test_tables_keep_their_own_watermarks(
    source_db: SqlItemsDatabase, unique: str, open_source: OpenSource
) -> None:
    first, second = await items_table(source_db, "first"), await items_table(source_db, "second")
    await source_db.insert(first, items(range(1, 6)))
    await source_db.insert(second, items(range(1, 4)))
    config = polling_config(source_db.url, unique, [feed(first), feed(second)], batch_size=4)
    reader = await open_source(config)
    got = await reader.take(8)
    assert sorted((c.table, c.key["id"]) for c in got) == sorted(
        [(first, i) for i in range(1, 6)] + [(second, i) for i in range(1, 4)]
    )
    await reader.source.stop()
    assert reader.committed is not None and set(Cursor.decode(reader.committed).tables) == {first, second}
    await source_db.insert(second, items(range(4, 5)))
    await source_db.update(first, 1, {"name": "renamed"})
    resumed = await open_source(config, reader.committed)
    again = await resumed.take(2)
    assert sorted((c.table, c.key["id"], c.op) for c in again) == sorted(
        [(first, 1, Op.UPDATE), (second, 4, Op.CREATE)]
    )


async def test_a_composite_key_without_primary_key(
    source_db: SqlItemsDatabase, unique: str, open_source: OpenSource
) -> None:
    name = f"{source_db.default_schema}.registrations"
    registrations = Table(
        "registrations",
        source_db.metadata,
        Column("province", String(2), nullable=False),
        Column("number", Integer, nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
        schema=None,
    )
    await source_db.run(lambda: registrations.create(source_db.engine))
    stamp = source_db.stamp()
    rows = [{"province": p, "number": n, "updated_at": stamp} for p in ("79", "01") for n in (2, 1)]
    await source_db.execute(insert(registrations), rows)
    config = polling_config(
        source_db.url, unique, [feed(name, key=["province", "number"])], columns={}, batch_size=3
    )
    reader = await open_source(config)
    got = await reader.take(4)
    assert [tuple(c.key.values()) for c in got] == [("01", 1), ("01", 2), ("79", 1), ("79", 2)]
    assert len({c.position for c in got}) == 4


async def test_an_idle_read_returns_after_about_one_poll_interval(
    source_db: SqlItemsDatabase, unique: str, open_source: OpenSource
) -> None:
    table = await items_table(source_db)
    reader = await open_source(polling_config(source_db.url, unique, [feed(table)], poll_interval_ms=300))
    await reader.quiet(reads=1)  # the empty snapshot
    started = time.monotonic()
    batch = await reader.source.read()
    assert batch.changes == [] and batch.position is None
    assert 0.3 <= time.monotonic() - started < 2


async def test_stopping_ends_an_idle_read_early(
    source_db: SqlItemsDatabase, unique: str, open_source: OpenSource
) -> None:
    table = await items_table(source_db)
    stop = asyncio.Event()
    config = polling_config(source_db.url, unique, [feed(table)], poll_interval_ms=60_000)
    reader = await open_source(config, stop=stop)
    asyncio.get_running_loop().call_later(0.2, stop.set)
    started = time.monotonic()
    await asyncio.wait_for(reader.source.read(), 10)
    assert time.monotonic() - started < 5


async def test_rows_stamped_after_the_snapshot_began_are_changes(
    source_db: SqlItemsDatabase, unique: str, open_source: OpenSource
) -> None:
    table = await items_table(source_db)
    await source_db.insert(table, items(range(1, 3)))
    reader = await open_source(polling_config(source_db.url, unique, [feed(table)]))
    await source_db.insert_stamped(table, items(range(3, 4)), source_db.stamp() + timedelta(milliseconds=1))
    got = await reader.take(3)
    assert [(c.op, c.snapshot) for c in got] == [(Op.READ, True), (Op.READ, True), (Op.CREATE, False)]
    assert reader.source.context.status.phase == "polling"  # type: ignore[attr-defined]
