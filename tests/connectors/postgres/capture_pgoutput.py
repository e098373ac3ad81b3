"""Regenerates ``pgoutput_capture.json``: real pgoutput bytes from the server, per scenario.

The decoder's unit tests run on these bytes without a server; run this module against a
PostgreSQL 15+ with ``wal_level=logical`` when the protocol handling changes::

    .venv/bin/python -m tests.connectors.postgres.capture_pgoutput postgresql://postgres@127.0.0.1:15432/postgres
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

CAPTURE_FILE = Path(__file__).with_name("pgoutput_capture.json")

SETUP = """
CREATE TYPE land_use AS ENUM ('residential', 'farm');
CREATE TABLE parcel (id int PRIMARY KEY, owner text, area numeric(10,2), use land_use, doc text);
CREATE TABLE parcel_full (id int PRIMARY KEY, owner text, doc text);
ALTER TABLE parcel_full REPLICA IDENTITY FULL;
ALTER TABLE parcel ALTER COLUMN doc SET STORAGE EXTERNAL;
ALTER TABLE parcel_full ALTER COLUMN doc SET STORAGE EXTERNAL;
CREATE PUBLICATION pub FOR TABLE parcel, parcel_full;
"""

# repeat('x', 9000): stored out of line, past the TOAST threshold and uncompressed (EXTERNAL)

SCENARIOS: dict[str, list[str]] = {
    "insert": ["INSERT INTO parcel VALUES (1, 'Nguyễn Văn A', 120.50, 'farm', repeat('x', 9000))"],
    "update_toast_unchanged": ["UPDATE parcel SET owner = 'Trần Thị B' WHERE id = 1"],
    "update_key_changed": ["UPDATE parcel SET id = 2 WHERE id = 1"],
    "delete_default_identity": ["DELETE FROM parcel WHERE id = 2"],
    "full_identity": [
        "INSERT INTO parcel_full VALUES (7, 'A', repeat('x', 9000))",
        "UPDATE parcel_full SET owner = NULL WHERE id = 7",
        "DELETE FROM parcel_full WHERE id = 7",
    ],
    "truncate": ["TRUNCATE parcel, parcel_full RESTART IDENTITY"],
    "messages": [
        "SELECT pg_logical_emit_message(true, 'hub', 'in a transaction')",
        "SELECT pg_logical_emit_message(false, 'hub', '\\x00ff'::bytea)",
        "SELECT pg_logical_emit_message(true, 'flush', '')",  # WAL is sent once flushed
    ],
}


def _changes(conn: psycopg.Connection[tuple[Any, ...]], slot: str) -> list[str]:
    rows = conn.execute(
        "SELECT data FROM pg_logical_slot_get_binary_changes(%s, NULL, NULL, 'proto_version', '1', "
        "'publication_names', 'pub', 'messages', 'true')",
        (slot,),
    ).fetchall()
    return [bytes(row[0]).hex() for row in rows]


def capture(admin_dsn: str) -> dict[str, list[str]]:
    database, slot = f"capture_{uuid.uuid4().hex[:8]}", f"capture_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    try:
        dsn = psycopg.conninfo.make_conninfo(admin_dsn, dbname=database)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(SETUP)
            conn.execute("SELECT pg_create_logical_replication_slot(%s, 'pgoutput')", (slot,))
            captured = {}
            for name, statements in SCENARIOS.items():
                for statement in statements:
                    conn.execute(statement)
                captured[name] = _changes(conn, slot)
            conn.execute("SELECT pg_drop_replication_slot(%s)", (slot,))
        return captured
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(database)))


if __name__ == "__main__":
    CAPTURE_FILE.write_text(json.dumps(capture(sys.argv[1]), indent=1) + "\n")
