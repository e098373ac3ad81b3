"""The three ministry source databases of the demo, with tables derived from the feed contracts.

Each table's columns come from its feed's contract document (JSON Schema of the row), so the
demo's sources cannot drift from what the feeds promise. Tables get
``REPLICA IDENTITY FULL`` so CDC updates and deletes carry the whole old row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from schemas.feeds import FeedSpec, all_feeds

_SQL_TYPES = {"integer": "bigint", "number": "double precision", "boolean": "boolean", "string": "text"}
_SQL_FORMATS = {"date": "date", "date-time": "timestamptz"}


@dataclass(frozen=True)
class MinistryDb:
    """One ministry's database and the feeds its tables publish."""

    database: str
    domain: str
    feeds: tuple[FeedSpec, ...]


def ministries() -> list[MinistryDb]:
    domains = sorted({spec.domain for spec in all_feeds()})
    return [
        MinistryDb(
            database=domain.replace("-", "_"),
            domain=domain,
            feeds=tuple(spec for spec in all_feeds() if spec.domain == domain),
        )
        for domain in domains
    ]


def table_name(spec: FeedSpec) -> str:
    """``schema.table`` of a feed in its ministry database: public.<entity>."""
    return f"public.{spec.entity.replace('-', '_')}"


def column_type(prop: dict[str, Any]) -> str:
    options = prop.get("anyOf", [prop])
    kinds = [o for o in options if o.get("type") != "null"]
    first = dict(kinds[0]) if kinds else {"type": "string"}
    if isinstance(first.get("type"), list):  # nullable: ["string", "null"]
        first["type"] = next((t for t in first["type"] if t != "null"), "string")
    if "format" in first and first["format"] in _SQL_FORMATS:
        return _SQL_FORMATS[first["format"]]
    if "enum" in first or "const" in first:
        values = [v for v in first.get("enum", [first.get("const")]) if v is not None]
        return "bigint" if all(isinstance(v, int) for v in values) else "text"
    return _SQL_TYPES.get(str(first.get("type")), "text")


def create_table_sql(spec: FeedSpec) -> sql.Composed:
    schema = spec.schema
    required = set(schema.get("required", []))
    columns = [
        sql.SQL("{} {}{}").format(
            sql.Identifier(name),
            sql.SQL(column_type(prop)),
            sql.SQL(" NOT NULL" if name in required else ""),
        )
        for name, prop in schema["properties"].items()
    ]
    key = sql.SQL(", ").join(sql.Identifier(k) for k in spec.key_fields)
    schema_name, table = table_name(spec).split(".")
    return sql.SQL("CREATE TABLE {} ({}, PRIMARY KEY ({})); ALTER TABLE {} REPLICA IDENTITY FULL").format(
        sql.Identifier(schema_name, table),
        sql.SQL(", ").join(columns),
        key,
        sql.Identifier(schema_name, table),
    )


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
        for spec in ministry.feeds:
            conn.execute(create_table_sql(spec))
    return dsn


def insert_sql(spec: FeedSpec, row: dict[str, Any]) -> sql.Composed:
    schema_name, table = table_name(spec).split(".")
    return sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
        sql.Identifier(schema_name, table),
        sql.SQL(", ").join(sql.Identifier(c) for c in row),
        sql.SQL(", ").join(sql.Placeholder(c) for c in row),
    )
