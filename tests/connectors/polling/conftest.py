"""Every polling test runs on each dialect: a SQLite file and a fresh PostgreSQL database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.connectors.polling.databases import SqlItemsDatabase, sqlalchemy_url

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
