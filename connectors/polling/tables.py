"""What the source knows about one polled table, found by reflection and checked before any read.

Reflection gives each column its dialect type, so watermark values are bound exactly as the
database stores them and an unusable configuration (a missing column, an updated-at that is not
a timestamp, a table without a key) fails at registration with a precise code rather than
mid-stream.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Connection, DateTime, MetaData, Table

from connectors import outbox
from connectors.config import TableFeed
from connectors.errors import ColumnMissing
from connectors.polling.config import SqlPollingConfig, TableColumns
from connectors.polling.database import translated
from connectors.polling.watermark import UnsupportedValueType
from schemas.errors import ConfigurationError

KEY_TYPES = (int, str, uuid.UUID)


class KeyMissing(ConfigurationError):
    code = "key_missing"


@dataclass(frozen=True)
class PolledTable:
    """A reflected table with its column roles resolved."""

    name: str  # "schema.table" as the feed names it
    table: Table
    updated_at: str
    key: tuple[str, ...]
    roles: TableColumns

    @property
    def order(self) -> list[Column[Any]]:
        return [self.table.c[self.updated_at], *(self.table.c[k] for k in self.key)]

    @property
    def aware(self) -> bool:
        """Whether updated-at values carry a time zone (compared with aware instants)."""
        column_type = self.table.c[self.updated_at].type
        return isinstance(column_type, DateTime) and bool(column_type.timezone)


def reflect_all(conn: Connection, config: SqlPollingConfig) -> list[PolledTable]:
    """Every feed table of the config, the outbox reflected by the outbox convention."""
    return [
        reflect_outbox(conn, feed, config.outbox_mark_column)
        if feed.table == config.outbox
        else reflect_feed(conn, feed, config.columns_of(feed.table))
        for feed in config.feeds
    ]


def reflect_feed(conn: Connection, feed: TableFeed, roles: TableColumns) -> PolledTable:
    table = _reflect(conn, feed)
    optional = [c for c in (roles.created_at, roles.soft_delete) if c is not None]
    _require(table, feed.table, [roles.updated_at, *optional])
    return _polled(table, feed, roles.updated_at, roles, _key(table, feed))


def reflect_outbox(conn: Connection, feed: TableFeed, published: str | None) -> PolledTable:
    table = _reflect(conn, feed)
    _require(table, feed.table, [*outbox.REQUIRED_COLUMNS, *([published] if published else [])])
    roles = TableColumns(updated_at=outbox.CREATED_AT)
    return _polled(table, feed, outbox.CREATED_AT, roles, (outbox.ID,))


def _reflect(conn: Connection, feed: TableFeed) -> Table:
    schema = None if feed.schema_name == conn.dialect.default_schema_name else feed.schema_name
    with translated("reading the table definition", table=feed.table):
        return Table(feed.table_name, MetaData(), schema=schema, autoload_with=conn)


def _polled(
    table: Table, feed: TableFeed, updated_at: str, roles: TableColumns, key: Sequence[str]
) -> PolledTable:
    if not isinstance(table.c[updated_at].type, DateTime):
        raise UnsupportedValueType(
            f"{feed.table}.{updated_at} is {table.c[updated_at].type}, not a timestamp",
            details={"table": feed.table, "column": updated_at},
        )
    for name in key:
        _check_key_type(table, feed.table, name)
    return PolledTable(feed.table, table, updated_at, tuple(key), roles)


def _key(table: Table, feed: TableFeed) -> list[str]:
    if feed.key:
        _require(table, feed.table, feed.key)
        return list(feed.key)
    primary = [column.name for column in table.primary_key.columns]
    if not primary:
        raise KeyMissing(
            f"{feed.table} has no primary key: name the key columns in the feed",
            details={"table": feed.table},
        )
    return primary


def _require(table: Table, name: str, columns: Sequence[str]) -> None:
    missing = [column for column in columns if column not in table.c]
    if missing:
        raise ColumnMissing(
            f"{name} has no column(s) {', '.join(missing)}", details={"table": name, "columns": missing}
        )


def _check_key_type(table: Table, name: str, column: str) -> None:
    try:
        python_type = table.c[column].type.python_type
    except NotImplementedError:
        return  # a dialect-specific type without a declared Python type: values are checked as read
    if not issubclass(python_type, KEY_TYPES):
        raise UnsupportedValueType(
            f"{name}.{column} is {table.c[column].type}: keys must be integers, text or UUIDs",
            details={"table": name, "column": column},
        )


__all__ = ["ColumnMissing", "KeyMissing", "PolledTable", "reflect_all", "reflect_feed", "reflect_outbox"]
