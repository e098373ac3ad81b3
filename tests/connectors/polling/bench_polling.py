"""Benchmark: rows per second the sql_polling source reads from a 50k-row table, alone and
through the real connector task to Kafka.

Not a test (timing is never asserted): ``python -m tests.connectors.polling.bench_polling``.
For SQLite (a temp file) and PostgreSQL (a fresh database on the dev cluster), it fills a table
of ``--rows`` rows, then (1) reads it to the end with the bare source at each batch size and
(2) runs ``ConnectorTask`` over it until the position of the last row is saved, which includes
building the events and waiting for Kafka's acknowledgements.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from psycopg import sql

from connectors.config import TableFeed
from connectors.polling.cursor import Cursor
from connectors.positions import MemoryPositions
from connectors.task import ConnectorTask
from devtools.devstack import stack
from hub.settings import Settings
from tests.conftest import replace_database
from tests.connectors.polling.crash_worker import any_row
from tests.connectors.polling.databases import SqlItemsDatabase, open_reader, polling_config, sqlalchemy_url
from tests.connectors.suite import items

CHUNK = 5000


async def fill(db: SqlItemsDatabase, table: str, rows: int) -> None:
    await db.create_items_table(table)
    start = datetime.now(UTC) - timedelta(hours=1)
    for first in range(1, rows + 1, CHUNK):
        chunk = items(range(first, min(first + CHUNK, rows + 1)))
        stamped = [
            {**row, "created_at": start, "updated_at": start + timedelta(microseconds=row["id"])}
            for row in chunk
        ]
        await db.execute(db.table(table).insert(), stamped)


async def source_rate(db: SqlItemsDatabase, table: str, rows: int, batch_size: int) -> float:
    config = polling_config(db.url, "bench", [_feed(table)], batch_size=batch_size, safety_window_s=0)
    reader = await open_reader(config)
    started = time.perf_counter()
    await reader.take(rows, commit=False)
    elapsed = time.perf_counter() - started
    await reader.source.stop()
    return rows / elapsed


async def task_rate(db: SqlItemsDatabase, table: str, rows: int, batch_size: int, bootstrap: str) -> float:
    name = f"bench-{uuid.uuid4().hex[:8]}"
    feed = TableFeed(table=table, event_type=f"vn.gov.t{name[6:]}.item.v1", key=["id"])
    config = polling_config(db.url, name, [feed], batch_size=batch_size, safety_window_s=0)
    positions = MemoryPositions()
    task = ConnectorTask(config, bootstrap=bootstrap, positions=positions, contracts=any_row)
    started = time.perf_counter()
    task.start()
    while _last_committed(positions, name) < rows:  # noqa: ASYNC110  # polling the runtime's store
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - started
    await task.stop()
    return rows / elapsed


def _last_committed(positions: MemoryPositions, name: str) -> int:
    position = positions.saved.get(name)
    if position is None:
        return 0
    (progress,) = Cursor.decode(position).tables.values()
    return 0 if progress.watermark is None else int(progress.watermark.key[0])


def _feed(table: str) -> TableFeed:
    return TableFeed(table=table, event_type="vn.gov.land.parcel.v1", key=["id"])


@asynccontextmanager
async def databases(settings: Settings) -> AsyncIterator[list[tuple[str, SqlItemsDatabase]]]:
    dsn = stack.ensure(settings, need_kafka=False).postgres_dsn
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with tempfile.TemporaryDirectory() as tmp:
        found = [
            ("sqlite", SqlItemsDatabase(f"sqlite:///{Path(tmp) / 'bench.sqlite'}")),
            ("postgresql", SqlItemsDatabase(sqlalchemy_url(replace_database(dsn, name)))),
        ]
        try:
            yield found
        finally:
            for _, db in found:
                await db.close()
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


async def main(rows: int, batch_sizes: list[int]) -> None:
    settings = Settings()
    bootstrap = stack.ensure(settings, need_postgres=False).kafka_bootstrap
    async with databases(settings) as found:
        for dialect, db in found:
            table = f"{db.default_schema}.bench_items"
            await fill(db, table, rows)
            for size in batch_sizes:
                alone = await source_rate(db, table, rows, size)
                published = await task_rate(db, table, rows, size, bootstrap)
                print(
                    f"{dialect:10} batch {size:5}: source {alone:9,.0f} rows/s,"
                    f" task to Kafka {published:9,.0f} rows/s"
                )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--batch-size", type=int, nargs="+", default=[500, 5000])
    arguments = parser.parse_args()
    asyncio.run(main(arguments.rows, arguments.batch_size))
