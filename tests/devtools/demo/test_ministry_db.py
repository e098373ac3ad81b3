"""The demo's ministry databases are real PostgreSQL tables shaped by the feed contracts."""

from __future__ import annotations

import psycopg
import pytest

from devtools.demo.fake_rows import RecordFaker
from devtools.demo.ministry_db import create_table_sql, insert_sql, ministries

pytestmark = pytest.mark.integration


def test_every_feed_table_accepts_its_fake_rows(pg_database: str) -> None:
    faker = RecordFaker(seed=3)
    with psycopg.connect(pg_database, autocommit=True) as conn:
        for ministry in ministries():
            for spec in ministry.feeds:
                conn.execute(create_table_sql(spec))
                row = faker.row(spec)
                conn.execute(insert_sql(spec, row), row)
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
    assert tables == (sum(len(m.feeds) for m in ministries()),)
