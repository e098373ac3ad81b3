"""The first rows of each polled table, for ``hub connectors test`` (read only)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from connectors.polling.config import SqlPollingConfig
from connectors.polling.database import SourceUnreachable, describe, open_engine
from connectors.polling.tables import reflect_all


def sample_rows(config: SqlPollingConfig, limit: int) -> dict[str, list[dict[str, Any]]]:
    engine = open_engine(config)
    try:
        try:
            conn = engine.connect()
        except SQLAlchemyError as exc:
            raise SourceUnreachable(f"cannot connect to {config.url}: {describe(exc)}") from exc
        with conn:
            return {
                polled.name: [dict(row._mapping) for row in conn.execute(select(polled.table).limit(limit))]
                for polled in reflect_all(conn, config)
            }
    finally:
        engine.dispose()


__all__ = ["sample_rows"]
