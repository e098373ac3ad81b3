"""The ``sql_polling`` kind passes the shared connector suite on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from connectors.config import ConnectorConfigBase, TableFeed
from tests.connectors.polling.databases import SqlItemsDatabase, polling_config, sqlalchemy_url
from tests.connectors.suite import ConnectorSuite, SuiteDatabase

pytestmark = pytest.mark.integration


class PollingSuite(ConnectorSuite):
    def make_config(self, db: SuiteDatabase, name: str, feeds: list[TableFeed]) -> ConnectorConfigBase:
        assert isinstance(db, SqlItemsDatabase)
        return polling_config(db.url, name, feeds)


class TestSqlitePollingSuite(PollingSuite):
    table = "main.suite_items"

    @pytest.fixture
    async def suite_db(self, tmp_path: Path) -> AsyncIterator[SuiteDatabase]:
        db = SqlItemsDatabase(f"sqlite:///{tmp_path / 'suite.sqlite'}")
        yield db
        await db.close()


class TestPostgresPollingSuite(PollingSuite):
    @pytest.fixture
    async def suite_db(self, pg_database: str) -> AsyncIterator[SuiteDatabase]:
        db = SqlItemsDatabase(sqlalchemy_url(pg_database))
        yield db
        await db.close()
