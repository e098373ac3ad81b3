"""Every polling test runs on each dialect: a SQLite file and a fresh PostgreSQL database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

import pytest

from connectors.polling import SqlPollingConfig
from tests.connectors.polling.databases import SqlItemsDatabase, open_reader, sqlalchemy_url
from tests.connectors.suite import Reader

DIALECTS = ("sqlite", "postgresql")


@pytest.fixture(params=DIALECTS)
def source_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'source.sqlite'}"
    dsn: str = request.getfixturevalue("pg_database")
    return sqlalchemy_url(dsn)


@pytest.fixture
async def source_db(source_url: str) -> AsyncIterator[SqlItemsDatabase]:
    db = SqlItemsDatabase(source_url)
    yield db
    await db.close()


class OpenSource(Protocol):
    async def __call__(
        self, config: SqlPollingConfig, position: str | None = None, stop: asyncio.Event | None = None
    ) -> Reader: ...


@pytest.fixture
async def open_source() -> AsyncIterator[OpenSource]:
    """Opens started sources (``databases.open_reader``); stops every one after the test."""
    opened: list[Reader] = []

    async def open_one(
        config: SqlPollingConfig, position: str | None = None, stop: asyncio.Event | None = None
    ) -> Reader:
        reader = await open_reader(config, position, stop)
        opened.append(reader)
        return reader

    yield open_one
    for reader in opened:
        await reader.source.stop()
