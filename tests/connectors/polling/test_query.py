"""The incremental query's "strictly after" means tuple order, and the query reads in order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    insert,
    select,
)
from sqlalchemy.dialects import mysql, postgresql
from sqlalchemy.engine import Dialect

from connectors.polling.query import changes_query, strictly_after
from connectors.polling.watermark import Watermark

BASE = datetime(2025, 7, 1, 8)
STAMPS = [BASE + timedelta(seconds=s) for s in range(3)]
ROWS = [(ts, a, b) for ts, a, b in product(STAMPS, range(3), ["x", "y"])]

metadata = MetaData()
grid = Table(
    "grid",
    metadata,
    Column("ts", DateTime, nullable=True),
    Column("a", Integer, primary_key=True),
    Column("b", String(1), primary_key=True),
    Column("n", Integer, primary_key=True),
)


@pytest.fixture(scope="module")
def conn() -> Iterator[Connection]:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.connect() as connection:
        rows = [{"ts": ts, "a": a, "b": b, "n": n} for n, (ts, a, b) in enumerate(ROWS)]
        connection.execute(insert(grid), [*rows, {"ts": None, "a": 9, "b": "z", "n": 99}])
        yield connection
    engine.dispose()


@settings(max_examples=60, deadline=None)
@given(pivot=st.sampled_from(ROWS))
def test_strictly_after_is_tuple_order(conn: Connection, pivot: tuple[datetime, int, str]) -> None:
    columns = [grid.c.ts, grid.c.a, grid.c.b]
    found = conn.execute(select(grid.c.ts, grid.c.a, grid.c.b).where(strictly_after(columns, pivot))).all()
    assert sorted(tuple(row) for row in found) == sorted(row for row in ROWS if row > pivot)


def test_changes_query_reads_after_the_watermark_in_order_up_to_the_cutoff(conn: Connection) -> None:
    order = [grid.c.ts, grid.c.a, grid.c.b]
    after = Watermark(STAMPS[0], (2, "x"))
    query = changes_query(grid, order, after=after, cutoff=STAMPS[1], limit=4)
    found = [(row.ts, row.a, row.b) for row in conn.execute(query)]
    assert found == [(STAMPS[0], 2, "y"), (STAMPS[1], 0, "x"), (STAMPS[1], 0, "y"), (STAMPS[1], 1, "x")]


def test_rows_never_stamped_are_never_read(conn: Connection) -> None:
    query = changes_query(grid, [grid.c.ts, grid.c.a], after=None, cutoff=None, limit=1000)
    assert all(row.ts is not None for row in conn.execute(query))


@pytest.mark.parametrize("dialect", [postgresql.psycopg.dialect, mysql.pymysql.dialect])
def test_the_query_compiles_without_row_values(dialect: type[Dialect]) -> None:
    query = changes_query(grid, [grid.c.ts, grid.c.a], after=Watermark(BASE, (1,)), cutoff=BASE, limit=10)
    text = str(query.compile(dialect=dialect()))
    assert "grid.ts >= " in text and "ORDER BY grid.ts, grid.a" in text
    assert "(grid.ts, grid.a) >" not in text
