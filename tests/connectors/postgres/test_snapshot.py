"""Incremental snapshots: chunks interleaved with live changes, resumable, slot kept moving."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.postgres import PostgresCdcSource
from connectors.postgres.lsn import parse_lsn
from connectors.source import Change
from schemas.events import Op
from tests.connectors.postgres.conftest import Db, Opener, read_snapshot_to_the_end, read_until, slot_lsns

pytestmark = pytest.mark.integration


def replay(changes: list[Change]) -> dict[int, dict[str, Any]]:
    """The table a subscriber rebuilds by applying the changes in order."""
    table: dict[int, dict[str, Any]] = {}
    for change in changes:
        if change.op is Op.DELETE:
            table.pop(change.key["id"], None)
        elif change.after is not None:
            table[change.key["id"]] = change.after
    return table


def rows(db: Db) -> dict[int, dict[str, Any]]:
    return {i: {"id": i, "owner": o} for i, o in db.execute("SELECT id, owner FROM parcel").fetchall()}


async def test_live_changes_during_the_snapshot_leave_subscribers_exact(db: Db, open_source: Opener) -> None:
    db.execute("CREATE TABLE parcel (id int PRIMARY KEY, owner text)")
    db.execute("INSERT INTO parcel SELECT g, 'o' || g FROM generate_series(1, 40) g")
    reader = await open_source("public.parcel", chunk_size=5, batch_size=5)
    seen = await reader.take(5)
    db.execute("UPDATE parcel SET owner = 'changed' WHERE id IN (3, 8, 33)")
    db.execute("DELETE FROM parcel WHERE id IN (12, 39)")
    db.execute("INSERT INTO parcel VALUES (41, 'new')")
    seen += await read_snapshot_to_the_end(reader)
    assert replay(seen) == rows(db)
    deleted = {c.key["id"] for c in seen if c.op is Op.DELETE}
    read_after_delete = [c for c in seen[[c.op for c in seen].index(Op.DELETE) :] if c.op is Op.READ]
    assert deleted == {12, 39} and not [c for c in read_after_delete if c.key["id"] in deleted]
    assert {c.key["id"] for c in seen if c.op is Op.READ} == set(range(1, 42)) - {12, 39}


async def test_crash_mid_snapshot_resumes_from_the_last_committed_chunk(db: Db, open_source: Opener) -> None:
    db.execute("CREATE TABLE parcel (id int PRIMARY KEY, owner text)")
    db.execute("INSERT INTO parcel SELECT g, 'o' || g FROM generate_series(1, 10) g")
    first = await open_source("public.parcel", chunk_size=3, batch_size=3)
    committed = await first.take(6)
    uncommitted = await first.take(3, commit=False)
    await first.source.stop()
    assert first.committed is not None and '"chunk":2' in first.committed
    second = await open_source("public.parcel", position=first.committed, chunk_size=3, batch_size=3)
    rest = await second.take(4)
    assert [c.key["id"] for c in committed] == [1, 2, 3, 4, 5, 6]
    assert [c.key["id"] for c in rest] == [7, 8, 9, 10]
    assert [c.position for c in rest[:3]] == [c.position for c in uncommitted], "same ids when re-read"
    assert await second.quiet() == []


async def test_the_slot_advances_while_a_snapshot_runs(db: Db, open_source: Opener, unique: str) -> None:
    db.execute("CREATE TABLE parcel (id int PRIMARY KEY, owner text)")
    db.execute("INSERT INTO parcel SELECT g, 'o' || g FROM generate_series(1, 30) g")
    reader = await open_source("public.parcel", chunk_size=5, batch_size=5)
    await reader.take(15)
    assert reader.committed is not None
    source = reader.source
    assert isinstance(source, PostgresCdcSource)
    progress = source.snapshot_progress
    assert progress is not None and progress["rows"] >= 15 and progress["rows_per_s"] > 0
    assert progress["total"] == 30  # never analysed: counted once for the run's total
    committed = parse_lsn(reader.committed.split(" ")[0])
    assert await read_until(reader, lambda: slot_lsns(db, f"s_{unique}")[0] >= committed)


async def test_a_table_without_rows_finishes_at_once(db: Db, open_source: Opener) -> None:
    db.execute("CREATE TABLE parcel (id int PRIMARY KEY, owner text)")
    reader = await open_source("public.parcel")
    assert await reader.quiet() == []
    db.execute("INSERT INTO parcel VALUES (1, 'a')")
    assert [c.op for c in await reader.take(1)] == [Op.CREATE]


async def test_composite_and_text_keys_are_chunked_in_key_order(db: Db, open_source: Opener) -> None:
    db.execute("CREATE TABLE deed (commune text, no int, owner text, PRIMARY KEY (commune, no))")
    db.execute("INSERT INTO deed SELECT 'c' || (g % 3), g, 'o' FROM generate_series(1, 9) g")
    reader = await open_source("public.deed", chunk_size=2)
    keys = [(c.key["commune"], c.key["no"]) for c in await reader.take(9)]
    assert keys == sorted(keys) and len(set(keys)) == 9


async def test_the_snapshot_total_comes_from_the_planners_estimate(db: Db, open_source: Opener) -> None:
    """An analysed table's total is the planner's estimate (free to read), shown in the phase as
    ``N of ~TOTAL rows`` for the CLI's progress bar and its time left."""
    db.execute("CREATE TABLE parcel (id int PRIMARY KEY, owner text)")
    db.execute("INSERT INTO parcel SELECT g, 'o' || g FROM generate_series(1, 40) g")
    db.execute("ANALYZE parcel")
    reader = await open_source("public.parcel", chunk_size=5, batch_size=5)
    await reader.take(10)
    source = reader.source
    assert isinstance(source, PostgresCdcSource)
    progress = source.snapshot_progress
    assert progress is not None and progress["total"] == 40
