"""The slot on an idle publication: it advances past WAL others write (heartbeats), and never
past a change the runtime has not committed."""

from __future__ import annotations

import time

import pytest

from connectors.postgres.lsn import parse_lsn
from tests.connectors.postgres.conftest import Db, Opener, read_until, slot_lsns

pytestmark = pytest.mark.integration


def write_unrelated_wal(db: Db) -> int:
    """WAL with nothing for the publication (another table); returns the WAL end after it."""
    db.execute("CREATE TABLE IF NOT EXISTS noise (id serial PRIMARY KEY, filler text)")
    for _ in range(3):
        db.execute("INSERT INTO noise (filler) SELECT repeat('n', 100) FROM generate_series(1, 500)")
    (end,) = db.execute("SELECT pg_current_wal_lsn()::text").fetchone() or ("",)
    return parse_lsn(end)


async def test_idle_slot_moves_past_wal_written_elsewhere(db: Db, open_source: Opener, unique: str) -> None:
    slot = f"s_{unique}"
    db.execute("CREATE TABLE parcel (id int PRIMARY KEY)")
    reader = await open_source("public.parcel", snapshot_mode="never", heartbeat_interval_s=0.2)
    _, restart_before = slot_lsns(db, slot)
    wal_end = write_unrelated_wal(db)
    assert await read_until(reader, lambda: slot_lsns(db, slot)[0] >= wal_end), (
        "confirmed_flush_lsn did not pass the unrelated WAL"
    )
    db.execute("CHECKPOINT")  # logs the running-transactions record the slot needs to move restart_lsn
    assert await read_until(reader, lambda: slot_lsns(db, slot)[1] > restart_before), (
        "restart_lsn (the WAL the server keeps) did not advance"
    )


async def test_a_change_not_yet_committed_holds_the_slot(db: Db, open_source: Opener, unique: str) -> None:
    slot = f"s_{unique}"
    db.execute("CREATE TABLE parcel (id int PRIMARY KEY)")
    reader = await open_source("public.parcel", snapshot_mode="never", heartbeat_interval_s=0.2)
    db.execute("INSERT INTO parcel VALUES (1)")
    (change,) = await reader.take(1, commit=False)
    change_lsn = parse_lsn(change.position.split(":")[0])
    write_unrelated_wal(db)
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        batch = await reader.source.read()  # heartbeats go out, nothing is committed
        assert batch.changes == []
    assert slot_lsns(db, slot)[0] <= change_lsn, "the slot moved past a change Kafka never acknowledged"
