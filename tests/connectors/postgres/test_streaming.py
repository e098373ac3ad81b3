"""Snapshot then streaming against the real PostgreSQL: order, before/after, DDL, TOAST."""

from __future__ import annotations

import pytest

from connectors.postgres.errors import TableRenamed
from connectors.source import Change
from schemas.events import Op
from tests.connectors.postgres.conftest import Db, Opener

pytestmark = pytest.mark.integration


def ops(changes: list[Change]) -> list[tuple[str, object]]:
    return [(c.op.value, c.key.get("id")) for c in changes]


async def test_snapshot_then_transactions_in_commit_order(db: Db, open_source: Opener) -> None:
    db.execute("CREATE TABLE parcel (id int PRIMARY KEY, owner text)")
    db.execute("INSERT INTO parcel SELECT g, 'o' || g FROM generate_series(1, 5) g")
    reader = await open_source("public.parcel", chunk_size=2)
    snapshot = await reader.take(5)
    assert ops(snapshot) == [("r", i) for i in range(1, 6)] and all(c.snapshot for c in snapshot)
    with db.transaction():
        db.execute("INSERT INTO parcel VALUES (6, 'six')")
        db.execute("UPDATE parcel SET owner = 'one' WHERE id = 1")
        db.execute("DELETE FROM parcel WHERE id = 2")
    db.execute("UPDATE parcel SET owner = 'six again' WHERE id = 6")
    stream = await reader.take(4)
    assert ops(stream) == [("c", 6), ("u", 1), ("d", 2), ("u", 6)]
    assert [c.after["owner"] if c.after else None for c in stream] == ["six", "one", None, "six again"]
    assert stream[0].txid == stream[1].txid == stream[2].txid != stream[3].txid
    assert stream[2].before == {"id": 2} and stream[2].after is None


async def test_interleaved_transactions_arrive_in_commit_order(
    db: Db, pg_database: str, open_source: Opener
) -> None:
    import psycopg

    db.execute("CREATE TABLE parcel (id int PRIMARY KEY, owner text)")
    reader = await open_source("public.parcel", snapshot_mode="never")
    with psycopg.connect(pg_database) as first, psycopg.connect(pg_database) as second:
        first.execute("INSERT INTO parcel VALUES (1, 'started first')")
        second.execute("INSERT INTO parcel VALUES (2, 'started second')")
        second.commit()
        first.execute("UPDATE parcel SET owner = 'committed last' WHERE id = 1")
        first.commit()
    changes = await reader.take(3)
    assert ops(changes) == [("c", 2), ("c", 1), ("u", 1)]
    positions = [c.position for c in changes]
    assert len(set(positions)) == 3


async def test_before_values_follow_the_replica_identity(db: Db, open_source: Opener) -> None:
    db.execute("CREATE TABLE plain (id int PRIMARY KEY, owner text)")
    db.execute("CREATE TABLE full_ (id int PRIMARY KEY, owner text)")
    db.execute("ALTER TABLE full_ REPLICA IDENTITY FULL")
    db.execute("INSERT INTO plain VALUES (1, 'a'); INSERT INTO full_ VALUES (1, 'a')")
    reader = await open_source("public.plain", "public.full_", snapshot_mode="never")
    for table in ("plain", "full_"):
        db.execute(f"UPDATE {table} SET owner = 'b' WHERE id = 1")  # noqa: S608  # fixed names
        db.execute(f"DELETE FROM {table} WHERE id = 1")  # noqa: S608
    plain_update, plain_delete, full_update, full_delete = await reader.take(4)
    assert plain_update.before is None and plain_update.after == {"id": 1, "owner": "b"}
    assert plain_delete.before == {"id": 1}
    assert full_update.before == {"id": 1, "owner": "a"} and full_update.after == {"id": 1, "owner": "b"}
    assert full_delete.before == {"id": 1, "owner": "b"} and full_delete.key == {"id": 1}


async def test_truncate_is_published(db: Db, open_source: Opener) -> None:
    db.execute("CREATE TABLE parcel (id int PRIMARY KEY)")
    reader = await open_source("public.parcel", snapshot_mode="never")
    db.execute("INSERT INTO parcel VALUES (1)")
    db.execute("TRUNCATE parcel")
    db.execute("INSERT INTO parcel VALUES (2)")
    assert [(c.op, c.key) for c in await reader.take(3)] == [
        (Op.CREATE, {"id": 1}),
        (Op.TRUNCATE, {}),
        (Op.CREATE, {"id": 2}),
    ]


async def test_column_added_while_streaming(db: Db, open_source: Opener) -> None:
    db.execute("CREATE TABLE parcel (id int PRIMARY KEY, owner text)")
    reader = await open_source("public.parcel", snapshot_mode="never")
    db.execute("INSERT INTO parcel VALUES (1, 'a')")
    (before_ddl,) = await reader.take(1)
    db.execute("ALTER TABLE parcel ADD COLUMN area numeric DEFAULT 0")
    db.execute("INSERT INTO parcel VALUES (2, 'b', 12.5)")
    db.execute("UPDATE parcel SET area = 3 WHERE id = 1")
    created, updated = await reader.take(2)
    assert before_ddl.after == {"id": 1, "owner": "a"}
    assert created.after is not None and str(created.after["area"]) == "12.5"
    assert updated.after is not None and updated.after["area"] == 3


async def test_unchanged_toast_is_flagged_never_published_as_data(db: Db, open_source: Opener) -> None:
    db.execute("CREATE TABLE deed (id int PRIMARY KEY, status text, scan text)")
    db.execute("ALTER TABLE deed ALTER COLUMN scan SET STORAGE EXTERNAL")  # out of line, uncompressed
    reader = await open_source("public.deed", snapshot_mode="never")
    db.execute("INSERT INTO deed VALUES (1, 'draft', repeat('s', 20000))")
    db.execute("UPDATE deed SET status = 'signed' WHERE id = 1")
    created, updated = await reader.take(2)
    assert created.after is not None and created.after["scan"] == "s" * 20000
    assert updated.after == {"id": 1, "status": "signed"}
    assert updated.unchanged_toast == ("scan",)


async def test_a_renamed_table_stops_the_source_instead_of_going_silent(db: Db, open_source: Opener) -> None:
    db.execute("CREATE TABLE parcel (id int PRIMARY KEY)")
    reader = await open_source("public.parcel", snapshot_mode="never")
    db.execute("INSERT INTO parcel VALUES (1)")
    await reader.take(1)
    db.execute("ALTER TABLE parcel RENAME TO land_parcel")
    db.execute("INSERT INTO land_parcel VALUES (2)")
    with pytest.raises(TableRenamed) as raised:
        await reader.take(1)
    assert raised.value.code == "table_renamed" and not raised.value.retriable
    assert raised.value.details == {"table": "public.parcel", "now": "public.land_parcel"}
