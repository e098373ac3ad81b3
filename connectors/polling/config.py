"""Configuration of the ``sql_polling`` kind: any SQLAlchemy URL, polled by an updated-at column.

The password never sits in ``url`` (which the API shows as is): it goes in ``password``, a
``SecretStr`` masked everywhere but in the store. Column roles default for every table and may
be overridden per table in ``table_columns``. ``outbox`` names one of the feeds' tables that
follows the outbox convention (``connectors.outbox``, whose ``OutboxConfigBase`` holds the
outbox options): it is published as is, row by row, and its rows are cleaned up only once Kafka
acknowledged them.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from connectors.config import Column
from connectors.outbox import OutboxConfigBase

KIND = "sql_polling"
# URL query parameters that drivers take as where to connect (psycopg, pymysql, asyncpg...).
_HOST_QUERY_KEYS = ("host", "hostaddr", "unix_socket", "service")


class TableColumns(BaseModel):
    """Which column plays which role in one polled table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    updated_at: Column = Field(
        default="updated_at", description="set to the commit-time clock on every insert, update, soft delete"
    )
    created_at: Column | None = Field(
        default=None,
        description='equal to updated_at until the row is first updated: tells "c" from "u"; '
        'without it every streamed change is an update ("u")',
    )
    soft_delete: Column | None = Field(
        default=None,
        description="a deleted flag or deleted-at column: any value but NULL/false/0 makes the row a "
        'delete ("d"); hard deletes are invisible to polling',
    )


class SqlPollingConfig(OutboxConfigBase):
    kind: Literal["sql_polling"]
    url: str = Field(description="SQLAlchemy URL without the password, e.g. mysql+pymysql://hub@db/land")
    password: SecretStr | None = Field(default=None, description="the database password, kept secret")
    columns: TableColumns = Field(default_factory=TableColumns, description="column roles for every table")
    table_columns: dict[str, TableColumns] = Field(
        default_factory=dict, description="per-table overrides of `columns`, keyed by feed table"
    )
    safety_window_s: float = Field(
        default=2.0,
        ge=0,
        le=3600,
        description="rows are read only once their updated_at is this old, so transactions that "
        "commit up to this long after stamping their rows are not skipped (the added latency)",
    )
    timezone: str = Field(default="UTC", description="zone of the values in timestamp columns without one")

    @field_validator("url")
    @classmethod
    def _url_has_no_password(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"not a SQLAlchemy URL: {exc}") from None
        if url.password is not None:
            raise ValueError("put the password in `password`, not in the URL (the URL is shown)")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _names_are_feed_tables(self) -> SqlPollingConfig:
        tables = {feed.table for feed in self.feeds}
        strangers = sorted(set(self.table_columns) - tables)
        if strangers:
            raise ValueError(f"table_columns names tables that are not feeds: {', '.join(strangers)}")
        return self

    def columns_of(self, table: str) -> TableColumns:
        return self.table_columns.get(table, self.columns)

    def database_label(self) -> str:
        """The database's name in events: the URL's database (a SQLite file's stem), never credentials."""
        url = make_url(self.url)
        if not url.database:
            return self.name
        return PurePath(url.database).stem if url.get_backend_name() == "sqlite" else url.database

    def source_identity(self) -> str:
        url = make_url(self.url)
        return f"{url.get_backend_name()}://{url.host or ''}:{url.port or ''}/{url.database or ''}"

    def connection_target(self) -> dict[str, str]:
        url = make_url(self.url)
        return {
            "drivername": url.drivername,
            "host": url.host or "",
            "port": str(url.port or ""),
            "database": url.database or "",
            "username": url.username or "",
            **{f"query.{name}": str(value) for name, value in sorted(url.query.items())},
        }

    def connection_hosts(self) -> list[str]:
        """The URL's host and any host or socket its query hands the driver (a SQLite file has none)."""
        url = make_url(self.url)
        hosts = [url.host] if url.host else []
        for name in _HOST_QUERY_KEYS:
            value = url.query.get(name)
            values = [value] if isinstance(value, str) else list(value or ())
            hosts += [host.strip() for item in values for host in item.split(",") if host.strip()]
        return hosts

    def engine_url(self) -> URL:
        """The URL to connect with: the only place the password is revealed."""
        url = make_url(self.url)
        if self.password is None:
            return url
        return url.set(password=self.password.get_secret_value())


__all__ = ["KIND", "SqlPollingConfig", "TableColumns"]
