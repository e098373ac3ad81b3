"""The three ministry source databases of the demo, and the tables their feeds are stored in.

Which table stores which feed, and how, is ``source_tables``: most tables are shaped like their
feed's contract (so the demo cannot drift from what the feeds promise), the birth registrations
are the Ministry of Justice's own ``khai_sinh`` table, mapped onto the contract. Every table keeps
the default ``REPLICA IDENTITY``: deletes carry only the primary key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from devtools.demo.source_tables import SourceTable, source_table
from schemas.feeds import all_feeds


@dataclass(frozen=True)
class MinistryDb:
    """One ministry's database and the tables whose changes it publishes."""

    database: str
    domain: str
    tables: tuple[SourceTable, ...]


def ministries() -> list[MinistryDb]:
    domains = sorted({spec.domain for spec in all_feeds()})
    return [
        MinistryDb(
            database=domain.replace("-", "_"),
            domain=domain,
            tables=tuple(source_table(spec) for spec in all_feeds() if spec.domain == domain),
        )
        for domain in domains
    ]


def create(admin_dsn: str, ministry: MinistryDb) -> str:
    """(Re)create the ministry's database and tables; returns its DSN."""
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        for (slot,) in conn.execute(
            "SELECT slot_name FROM pg_replication_slots WHERE database = %s", (ministry.database,)
        ).fetchall():
            conn.execute("SELECT pg_drop_replication_slot(%s)", (slot,))
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(ministry.database))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(ministry.database)))
    dsn = psycopg.conninfo.make_conninfo(admin_dsn, dbname=ministry.database)
    with psycopg.connect(dsn, autocommit=True) as conn:
        for table in ministry.tables:
            conn.execute(table.create_sql())
    return dsn


def insert_sql(table: SourceTable, row: dict[str, Any]) -> sql.Composed:
    return sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
        sql.Identifier(*table.name.split(".", 1)),
        sql.SQL(", ").join(sql.Identifier(c) for c in row),
        sql.SQL(", ").join(sql.Placeholder(c) for c in row),
    )
