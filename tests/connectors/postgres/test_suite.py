"""postgres_cdc passes the suite every connector kind passes (real PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest
from psycopg import sql

from connectors.config import ConnectorConfigBase, TableFeed
from connectors.postgres import PostgresCdcConfig
from tests.connectors.suite import ConnectorSuite, SuiteDatabase

pytestmark = pytest.mark.integration


def _table(table: str) -> sql.Identifier:
    schema, _, name = table.partition(".")
    return sql.Identifier(schema, name)


class PostgresItems:
    """The suite's items table in a fresh PostgreSQL database."""

    def __init__(self, dsn: str, conn: psycopg.AsyncConnection[tuple[Any, ...]]) -> None:
        self.dsn, self._conn = dsn, conn

    async def create_items_table(self, table: str) -> None:
        await self._conn.execute(
            sql.SQL("CREATE TABLE {} (id integer PRIMARY KEY, name text, commune text)").format(_table(table))
        )

    async def insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        async with self._conn.transaction():
            for row in rows:
                await self._conn.execute(
                    sql.SQL("INSERT INTO {} (id, name, commune) VALUES (%s, %s, %s)").format(_table(table)),
                    (row["id"], row["name"], row["commune"]),
                )

    async def update(self, table: str, item_id: int, values: dict[str, Any]) -> None:
        assignments = sql.SQL(", ").join(
            sql.SQL("{} = %s").format(sql.Identifier(column)) for column in values
        )
        await self._conn.execute(
            sql.SQL("UPDATE {} SET {} WHERE id = %s").format(_table(table), assignments),
            (*values.values(), item_id),
        )

    async def delete(self, table: str, item_id: int) -> None:
        await self._conn.execute(sql.SQL("DELETE FROM {} WHERE id = %s").format(_table(table)), (item_id,))


class TestPostgresCdcSuite(ConnectorSuite):
    @pytest.fixture
    async def suite_db(self, pg_database: str) -> AsyncIterator[SuiteDatabase]:
        async with await psycopg.AsyncConnection.connect(pg_database, autocommit=True) as conn:
            yield PostgresItems(pg_database, conn)

    def make_config(self, db: SuiteDatabase, name: str, feeds: list[TableFeed]) -> ConnectorConfigBase:
        assert isinstance(db, PostgresItems)
        return PostgresCdcConfig(
            name=name, kind="postgres_cdc", feeds=feeds, dsn=db.dsn, poll_interval_ms=200,
            heartbeat_interval_s=0.5,
        )  # fmt: skip
