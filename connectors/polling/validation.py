"""The registration check of a ``sql_polling`` config: can this connector work at all?

Run by the registry in a worker thread before a connector is accepted. It connects, reflects
every table, checks the column roles, and runs each table's first incremental query once (which
also proves the SELECT privilege), so the operator hears "table_missing" or "column_missing" at
registration rather than a retry loop later.
"""

from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from connectors.polling.config import SqlPollingConfig
from connectors.polling.database import SourceUnreachable, describe, open_engine
from connectors.polling.query import changes_query
from connectors.polling.tables import PolledTable, reflect_all
from schemas.errors import ConfigurationError


class TableUnreadable(ConfigurationError):
    code = "table_unreadable"


def check_config(config: SqlPollingConfig) -> None:
    engine = open_engine(config)
    try:
        try:
            conn = engine.connect()
        except SQLAlchemyError as exc:
            raise SourceUnreachable(f"cannot connect to {config.url}: {describe(exc)}") from exc
        with conn:
            for polled in reflect_all(conn, config):
                _try_reading(conn, polled)
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


__all__ = ["TableUnreadable", "check_config"]
