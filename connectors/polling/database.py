"""The source database connection: engine options, and the one place SQLAlchemy errors are translated.

A synchronous SQLAlchemy engine runs in worker threads (``asyncio.to_thread``): every dialect
with a DBAPI driver then works, MySQL/MariaDB, SQLite, PostgreSQL, Oracle, SQL Server..., with
no async driver needed. Error messages keep only the driver's first line: SQLAlchemy's full text
carries the statement's parameters, which are row values (personal data) and must not reach logs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchTableError, SQLAlchemyError

from connectors.errors import SourceUnavailable, SourceUnreachable, TableMissing
from connectors.polling.config import SqlPollingConfig
from schemas.errors import ConfigurationError

CONNECT_TIMEOUT_S = 10


class SourceUrlUnusable(ConfigurationError):
    """No engine can be built: an unknown dialect, a driver not installed, a malformed URL."""

    code = "source_url_unusable"


def open_engine(config: SqlPollingConfig) -> Engine:
    url = config.engine_url()
    connect_args: dict[str, object] = {}
    if url.get_backend_name() in {"postgresql", "mysql", "mariadb"}:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_S
    try:
        return create_engine(url, pool_pre_ping=True, pool_size=2, connect_args=connect_args)
    except ImportError as exc:
        raise SourceUrlUnusable(f"the database driver for {config.url} is not installed: {exc}") from exc
    except ArgumentError as exc:
        raise SourceUrlUnusable(f"cannot use {config.url}: {describe(exc)}") from exc


@contextmanager
def translated(doing: str, *, table: str | None = None) -> Iterator[None]:
    """Turn a SQLAlchemy failure while ``doing`` something into the project's errors."""
    try:
        yield
    except NoSuchTableError as exc:
        raise TableMissing(f"table {table or exc} does not exist", details={"table": table}) from exc
    except SQLAlchemyError as exc:
        raise SourceUnavailable(f"{doing}: {describe(exc)}") from exc


def describe(exc: SQLAlchemyError) -> str:
    cause = exc.orig if isinstance(exc, DBAPIError) else exc
    lines = str(cause).strip().splitlines() or [type(cause).__name__]
    return f"{type(cause).__name__}: {lines[0]}"


__all__ = [
    "SourceUnavailable",
    "SourceUnreachable",
    "SourceUrlUnusable",
    "TableMissing",
    "describe",
    "open_engine",
    "translated",
]
