"""The first rows of each captured table, for ``hub connectors test`` (read only)."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from connectors.errors import SourceUnreachable
from connectors.postgres.config import PostgresCdcConfig


def sample_rows(config: PostgresCdcConfig, limit: int) -> dict[str, list[dict[str, Any]]]:
    try:
        conn = psycopg.connect(config.conninfo(), connect_timeout=10, row_factory=dict_row)
    except psycopg.Error as exc:
        raise SourceUnreachable(f"cannot connect to the source: {exc}") from exc
    with conn:
        conn.read_only = True
        return {feed.table: _first(conn, feed.table, limit) for feed in config.feeds}


def _first(conn: psycopg.Connection[dict[str, Any]], table: str, limit: int) -> list[dict[str, Any]]:
    name = sql.Identifier(*table.split(".", 1))
    return conn.execute(sql.SQL("SELECT * FROM {} LIMIT %s").format(name), (limit,)).fetchall()


__all__ = ["SourceUnreachable", "sample_rows"]
