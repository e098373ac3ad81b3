"""The registration check of a ``sql_polling`` config: can this connector work at all?

Run by the registry in a worker thread before a connector is accepted. It connects, reflects
every table, checks the column roles, and runs each table's first incremental query once (which
also proves the SELECT privilege), so the operator hears "table_missing" or "column_missing" at
registration rather than a retry loop later.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Connection
from sqlalchemy.exc import SQLAlchemyError

from connectors.contracts import ContractLookup, builtin_contract
from connectors.errors import AdminUnitColumnMissing
from connectors.mapping.checks import SourceType
from connectors.mapping.pipeline import check_feed_columns
from connectors.polling.config import SqlPollingConfig
from connectors.polling.database import SourceUnreachable, describe, open_engine
from connectors.polling.query import changes_query
from connectors.polling.tables import PolledTable, reflect_all
from schemas.errors import ConfigurationError


class TableUnreadable(ConfigurationError):
    code = "table_unreadable"


def check_config(config: SqlPollingConfig, contracts: ContractLookup = builtin_contract) -> None:
    engine = open_engine(config)
    try:
        try:
            conn = engine.connect()
        except SQLAlchemyError as exc:
            raise SourceUnreachable(f"cannot connect to {config.url}: {describe(exc)}") from exc
        with conn:
            for polled in reflect_all(conn, config):
                _try_reading(conn, polled)
                _check_columns(config, polled, contracts)
    finally:
        engine.dispose()


def _try_reading(conn: Connection, polled: PolledTable) -> None:
    try:
        conn.execute(changes_query(polled.table, polled.order, after=None, cutoff=None, limit=1)).all()
    except SQLAlchemyError as exc:
        raise TableUnreadable(
            f"cannot read {polled.name}: {describe(exc)}", details={"table": polled.name}
        ) from exc
    finally:
        conn.rollback()


def _check_columns(config: SqlPollingConfig, polled: PolledTable, contracts: ContractLookup) -> None:
    """The admin-unit column and the feed's mapping, against the reflected columns."""
    feed = config.feed_for_table(polled.name)
    if feed is None:
        return
    columns = {str(column.name): source_type(column) for column in polled.table.columns}
    check_feed_columns(feed, columns, contracts)


def source_type(column: Column[object]) -> SourceType:
    """A reflected column's coarse type, from the Python type the dialect declares."""
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return SourceType.OTHER
    for kind, source in _TYPES:
        if issubclass(python_type, kind):
            return source
    return SourceType.OTHER


_TYPES: tuple[tuple[type, SourceType], ...] = (
    (bool, SourceType.BOOLEAN),
    (int, SourceType.INTEGER),
    (float, SourceType.NUMBER),
    (Decimal, SourceType.NUMBER),
    (str, SourceType.STRING),
    (datetime, SourceType.TIMESTAMP),
    (date, SourceType.DATE),
)

__all__ = ["AdminUnitColumnMissing", "TableUnreadable", "check_config", "source_type"]
