"""The in-memory test source passes the shared suite: the suite can pass, and the test source
the runtime tests rely on behaves like a real kind."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.config import ConnectorConfigBase, TableFeed
from tests.connectors.memory_source import DATABASES, MemoryConfig, MemoryDatabase, new_database
from tests.connectors.suite import ConnectorSuite, SuiteDatabase


class TestMemorySuite(ConnectorSuite):
    @pytest.fixture
    def suite_db(self, unique: str) -> Iterator[SuiteDatabase]:
        db = new_database(unique)
        yield db
        DATABASES.pop(unique, None)

    def make_config(self, db: SuiteDatabase, name: str, feeds: list[TableFeed]) -> ConnectorConfigBase:
        assert isinstance(db, MemoryDatabase)
        database = next(key for key, value in DATABASES.items() if value is db)
        return MemoryConfig(name=name, kind="memory", feeds=feeds, database=database, poll_interval_ms=50)
