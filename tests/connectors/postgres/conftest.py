"""Fixtures of the postgres_cdc tests: a fresh database, a writer on it, and sources to open."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, Protocol

import psycopg
import pytest

from connectors.config import TableFeed
from connectors.context import SourceContext
from connectors.postgres import PostgresCdcConfig, PostgresCdcSource
from connectors.postgres.lsn import parse_lsn
from connectors.shards import TaskShard
from connectors.source import Change
from tests.connectors.suite import Reader

EVENT_TYPE = "vn.gov.land.parcel.v1"
Db = psycopg.Connection[tuple[Any, ...]]


class Opener(Protocol):
    async def __call__(
        self,
        *tables: str,
        position: str | None = None,
        snapshot_tables: tuple[str, ...] = (),
        keys: dict[str, list[str]] | None = None,
        shard: TaskShard | None = None,
        **options: Any,
    ) -> Reader: ...


async def read_snapshot_to_the_end(reader: Reader, timeout_s: float = 15) -> list[Change]:
    """Every change until the running snapshot finished, then whatever follows at once."""
    source = reader.source
    assert isinstance(source, PostgresCdcSource)
    got: list[Change] = []
    deadline = time.monotonic() + timeout_s
    while source.snapshot_progress is not None:
        assert time.monotonic() < deadline, "the snapshot did not finish in time"
        got += await reader.quiet(reads=1)
    return got + await reader.quiet()


def slot_lsns(db: Db, slot: str) -> tuple[int, int]:
    row = db.execute(
        "SELECT confirmed_flush_lsn::text, restart_lsn::text FROM pg_replication_slots WHERE slot_name = %s",
        (slot,),
    ).fetchone()
    assert row is not None
    return parse_lsn(row[0]), parse_lsn(row[1])


async def read_until(reader: Reader, condition: Callable[[], bool], timeout_s: float = 10) -> bool:
    """Keep reading (and committing) until ``condition`` holds or the timeout passes."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        await reader.quiet(reads=1)
    return True


@pytest.fixture
def db(pg_database: str) -> Iterator[Db]:
    with psycopg.connect(pg_database, autocommit=True) as conn:
        yield conn


def config(dsn: str, unique: str, tables: tuple[str, ...], **options: Any) -> PostgresCdcConfig:
    keys: dict[str, list[str]] = options.pop("keys", None) or {}
    feeds = [TableFeed(table=t, event_type=EVENT_TYPE, key=keys.get(t)) for t in tables]
    defaults: dict[str, Any] = {"poll_interval_ms": 200, "heartbeat_interval_s": 0.2}
    return PostgresCdcConfig(
        name=f"pg-{unique}", kind="postgres_cdc", dsn=dsn, feeds=feeds, slot_name=f"s_{unique}",
        **{**defaults, **options},
    )  # fmt: skip


@pytest.fixture
async def open_source(pg_database: str, unique: str) -> AsyncIterator[Opener]:
    """Opens started sources (each a ``Reader``) and stops whatever is still open at the end."""
    opened: list[PostgresCdcSource] = []

    async def opener(
        *tables: str,
        position: str | None = None,
        snapshot_tables: tuple[str, ...] = (),
        shard: TaskShard | None = None,
        **options: Any,
    ) -> Reader:
        context = SourceContext(
            connector=f"pg-{unique}", position=position, snapshot_tables=snapshot_tables,
            log=logging.getLogger("tests.connectors.postgres"), shard=shard,
        )  # fmt: skip
        source = PostgresCdcSource(config(pg_database, unique, tables, **options), context)
        await asyncio.wait_for(source.start(), 15)
        opened.append(source)
        reader = Reader(source)
        reader.committed = position
        return reader

    yield opener
    for source in opened:
        await source.stop()
