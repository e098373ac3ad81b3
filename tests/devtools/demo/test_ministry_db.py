"""The demo's ministry databases are real PostgreSQL tables, contract-shaped or the ministry's own."""

from __future__ import annotations

import psycopg
import pytest

from devtools.demo.fake_rows import RecordFaker
from devtools.demo.ministry_db import insert_sql, ministries

pytestmark = pytest.mark.integration


def test_every_feed_table_accepts_its_fake_rows(pg_database: str) -> None:
    faker = RecordFaker(seed=3)
    with psycopg.connect(pg_database, autocommit=True) as conn:
        for ministry in ministries():
            for table in ministry.tables:
                conn.execute(table.create_sql())
                row = table.source_row(faker.row(table.spec))
                conn.execute(insert_sql(table, row), row)
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
    assert tables == (sum(len(m.tables) for m in ministries()),)
