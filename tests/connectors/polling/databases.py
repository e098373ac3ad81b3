"""A source database for the polling tests, written through SQLAlchemy so one class serves every
dialect (SQLite and PostgreSQL here; MySQL would only need its URL).

It writes rows the way a well-behaved application does for a polling source: ``created_at`` and
``updated_at`` stamped together on insert (microseconds, strictly increasing), ``updated_at``
bumped on every update, and deletes as soft deletes (``deleted_at`` and ``updated_at`` set).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from psycopg.conninfo import conninfo_to_dict
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
    update,
)
from sqlalchemy.engine import URL
from sqlalchemy.types import TypeEngine

from connectors.config import TableFeed
from connectors.context import SourceContext
from connectors.polling import SqlPollingConfig, SqlPollingSource, TableColumns
from tests.connectors.suite import Reader

T = TypeVar("T")
SAFETY_WINDOW_S = 0.2
POLL_INTERVAL_MS = 50
ITEM_COLUMNS = TableColumns(created_at="created_at", soft_delete="deleted_at")


def sqlalchemy_url(dsn: str) -> str:
    """The test PostgreSQL DSN (a libpq connection string) as a psycopg 3 SQLAlchemy URL."""
    params = conninfo_to_dict(dsn)
    url = URL.create(
        "postgresql+psycopg",
        username=_text(params.get("user")),
        password=_text(params.get("password")),
        host=_text(params.get("host")),
        port=None if params.get("port") is None else int(str(params["port"])),
        database=_text(params.get("dbname")),
    )
    return url.render_as_string(hide_password=False)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def polling_config(url: str, name: str, feeds: list[TableFeed], **overrides: Any) -> SqlPollingConfig:
    settings: dict[str, Any] = {
        "name": name,
        "kind": "sql_polling",
        "feeds": feeds,
        "url": url,
        "columns": ITEM_COLUMNS,
        "safety_window_s": SAFETY_WINDOW_S,
        "poll_interval_ms": POLL_INTERVAL_MS,
    }
    return SqlPollingConfig.model_validate({**settings, **overrides})


class SqlItemsDatabase:
    """Implements the shared suite's ``SuiteDatabase``, plus what the polling tests need."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_wal)
        self.metadata = MetaData()
        self._last = datetime.now(UTC)

    @property
    def default_schema(self) -> str:
        return "main" if self.engine.dialect.name == "sqlite" else "public"

    def stamp(self) -> datetime:
        """Now, strictly after every stamp given before (writers never share a microsecond)."""
        self._last = max(datetime.now(UTC), self._last + timedelta(microseconds=1))
        return self._last

    def table(self, name: str) -> Table:
        return self.metadata.tables[self._key(name)]

    def _key(self, name: str) -> str:
        schema, table = name.split(".", 1)
        return table if schema == self.default_schema else name

    def _schema(self, name: str) -> str | None:
        schema = name.split(".", 1)[0]
        return None if schema == self.default_schema else schema

    async def run(self, work: Callable[[], T]) -> T:
        return await asyncio.to_thread(work)

    # -- SuiteDatabase ----------------------------------------------------------------------

    async def create_items_table(self, table: str) -> None:
        items = Table(
            table.split(".", 1)[1],
            self.metadata,
            Column("id", Integer, primary_key=True, autoincrement=False),
            Column("name", Text),
            Column("commune", String(8)),
            Column("created_at", DateTime(timezone=True), nullable=False),
            Column("updated_at", DateTime(timezone=True), nullable=False, index=True),
            Column("deleted_at", DateTime(timezone=True)),
            schema=self._schema(table),
        )
        await self.run(lambda: items.create(self.engine))

    async def insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        await self.insert_stamped(table, rows, self.stamp())

    async def insert_stamped(self, table: str, rows: list[dict[str, Any]], stamped: datetime) -> None:
        """Insert with a chosen stamp: a transaction that stamped its rows at ``stamped``."""
        values = [{**row, "created_at": stamped, "updated_at": stamped} for row in rows]
        await self.execute(insert(self.table(table)), values)

    async def update(self, table: str, item_id: int, values: dict[str, Any]) -> None:
        items = self.table(table)
        await self.execute(
            update(items).where(items.c.id == item_id).values(**values, updated_at=self.stamp())
        )

    async def delete(self, table: str, item_id: int) -> None:
        stamped = self.stamp()
        items = self.table(table)
        await self.execute(
            update(items).where(items.c.id == item_id).values(deleted_at=stamped, updated_at=stamped)
        )

    async def close(self) -> None:
        await self.run(self.engine.dispose)

    # -- outbox ---------------------------------------------------------------------------------

    async def create_outbox_table(self, table: str, *, published: TypeEngine[Any] | None = None) -> None:
        columns = [
            Column("id", String(36), primary_key=True),
            Column("aggregate_type", String(64), nullable=False),
            Column("aggregate_id", String(64), nullable=False),
            Column("event_type", String(128), nullable=False),
            Column("payload", JSON, nullable=False),
            Column("created_at", DateTime(timezone=True), nullable=False),
            Column("traceparent", String(55)),
        ]
        if published is not None:
            columns.append(Column("published_at", published))
        outbox = Table(table.split(".", 1)[1], self.metadata, *columns, schema=self._schema(table))
        await self.run(lambda: outbox.create(self.engine))

    async def write_events(self, table: str, events: list[dict[str, Any]]) -> None:
        """Outbox rows ``{"id", "aggregate_id", "payload"}``, written in one transaction."""
        stamped = self.stamp()
        rows = [
            {
                "aggregate_type": "land.parcel",
                "event_type": "vn.gov.land.parcel.v1",
                "created_at": stamped,
                "traceparent": None,
                **event,
            }
            for event in events
        ]
        await self.execute(insert(self.table(table)), rows)

    async def count(self, table: str, **where: Any) -> int:
        items = self.table(table)
        query = items.select().where(
            *(items.c[k].is_(v) if v is None else items.c[k] == v for k, v in where.items())
        )
        return await self.run(lambda: len(self.fetch(query)))

    def fetch(self, query: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(query).mappings())

    async def execute(self, statement: Any, values: Any = None) -> None:
        def work() -> None:
            with self.engine.begin() as conn:
                conn.execute(statement, values) if values is not None else conn.execute(statement)

        await self.run(work)


def _sqlite_wal(dbapi_connection: Any, _record: Any) -> None:
    """Readers and the writer work side by side (the poller reads while the test writes)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


async def open_reader(
    config: SqlPollingConfig, position: str | None = None, stop: asyncio.Event | None = None
) -> Reader:
    """A started source for ``config`` resuming at ``position``, wrapped in the suite's reader."""
    context = SourceContext(
        connector=config.name,
        position=position,
        log=logging.getLogger(f"tests.connectors.polling.{config.name}"),
        stop=stop or asyncio.Event(),
    )
    source = SqlPollingSource(config, context)
    await source.start()
    reader = Reader(source)
    reader.committed = position
    return reader


def feed(table: str, key: list[str] | None = None) -> TableFeed:
    return TableFeed(table=table, event_type="vn.gov.land.parcel.v1", key=key)
