"""The dev PostgreSQL does logical decoding with the built-in pgoutput plugin."""

from __future__ import annotations

import psycopg
import pytest

pytestmark = pytest.mark.integration


def test_pgoutput_slot_sees_a_committed_insert(pg_database: str, unique: str) -> None:
    slot = f"s_{unique}"
    with psycopg.connect(pg_database, autocommit=True) as conn:
        assert conn.execute("SHOW wal_level").fetchone() == ("logical",)
        conn.execute("CREATE TABLE parcel (id text PRIMARY KEY, area_m2 numeric)")
        conn.execute("CREATE PUBLICATION pub FOR TABLE parcel")
        conn.execute("SELECT pg_create_logical_replication_slot(%s, 'pgoutput')", (slot,))
        conn.execute("INSERT INTO parcel VALUES ('P-001', 120.5)")
        rows = conn.execute(
            "SELECT data FROM pg_logical_slot_get_binary_changes(%s, NULL, NULL, "
            "'proto_version', '1', 'publication_names', 'pub')",
            (slot,),
        ).fetchall()
    messages = [bytes(row[0]) for row in rows]
    kinds = [m[:1] for m in messages]
    assert kinds[0] == b"B" and kinds[-1] == b"C"  # begin ... commit
    inserts = [m for m in messages if m[:1] == b"I"]
    assert len(inserts) == 1 and b"P-001" in inserts[0] and b"120.5" in inserts[0]
