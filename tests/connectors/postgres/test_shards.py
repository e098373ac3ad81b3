"""Key-sharded tasks at the source: each task reads only its keys, together every change once."""

from __future__ import annotations

from collections import Counter

import psycopg
import pytest

from connectors import registry
from connectors.postgres.shard_filter import publication_tables, shard_filter
from connectors.postgres.tables import MissingKeyPolicy, inspect_table
from connectors.postgres.validation import check_config
from connectors.shards import TaskShard
from connectors.source import Change
from schemas.errors import ConfigurationError
from schemas.events import Op
from tests.connectors.postgres.conftest import Db, Opener, read_snapshot_to_the_end

pytestmark = pytest.mark.integration


def owner_of(db: Db, key: int) -> int:
    row = db.execute("SELECT mod(abs(hashint4(%s::int4)::int8), 2)", (key,)).fetchone()
    assert row is not None
    return int(row[0])


def replay(changes: list[Change]) -> dict[int, str]:
    table: dict[int, str] = {}
    for change in changes:
        if change.op is Op.DELETE:
            table.pop(change.key["id"], None)
        elif change.after is not None:
            table[change.key["id"]] = change.after["owner"]
    return table


async def test_two_tasks_split_snapshot_and_stream_by_key(db: Db, open_source: Opener) -> None:
    db.execute("CREATE TABLE parcel (id int PRIMARY KEY, owner text)")
    db.execute("INSERT INTO parcel SELECT g, 'o' || g FROM generate_series(1, 60) g")
    readers = [
        await open_source("public.parcel", chunk_size=7, tasks=2, shard=TaskShard(i, 2)) for i in (0, 1)
    ]
    snapshots = [await read_snapshot_to_the_end(reader) for reader in readers]
    db.execute("UPDATE parcel SET owner = 'changed' WHERE id IN (3, 8, 33)")
    db.execute("DELETE FROM parcel WHERE id IN (12, 39)")
    db.execute("INSERT INTO parcel VALUES (61, 'new'), (62, 'new')")
    moved_from, moved_to = next(
        (a, b)
        for a in range(1, 60)
        for b in (101, 102, 103)
        if owner_of(db, a) != owner_of(db, b) and a not in (3, 8, 12, 33, 39)
    )
    db.execute("UPDATE parcel SET id = %s WHERE id = %s", (moved_to, moved_from))
    db.execute("UPDATE parcel SET owner = 'again' WHERE id = 3")
    streams = [await reader.quiet(reads=4) for reader in readers]

    for index in (0, 1):
        assert all(owner_of(db, c.key["id"]) == index for c in snapshots[index] + streams[index])
    snapshot_keys = Counter(c.key["id"] for part in snapshots for c in part)
    assert sorted(snapshot_keys) == list(range(1, 61)) and set(snapshot_keys.values()) == {1}
    streamed = Counter((c.op, c.key["id"]) for part in streams for c in part)
    assert (
        sum(streamed.values()) == 3 + 2 + 2 + 2 + 1
    )  # the move: a delete in one task, an insert in the other
    assert streamed[(Op.DELETE, moved_from)] == 1 and streamed[(Op.CREATE, moved_to)] == 1
    assert [c.after["owner"] for c in streams[owner_of(db, 3)] if c.key["id"] == 3 and c.after] == [
        "changed",
        "again",
    ]
    rebuilt = replay(snapshots[0] + streams[0]) | replay(snapshots[1] + streams[1])
    assert rebuilt == dict(db.execute("SELECT id, owner FROM parcel").fetchall())


async def test_each_task_has_its_own_slot_and_filtered_publication(
    db: Db, open_source: Opener, unique: str
) -> None:
    db.execute("CREATE TABLE parcel (id int PRIMARY KEY, owner text)")
    for index in (0, 1):
        await open_source("public.parcel", tasks=2, shard=TaskShard(index, 2))
    slots = {r[0] for r in db.execute("SELECT slot_name FROM pg_replication_slots").fetchall()}
    assert {f"s_{unique}_0of2", f"s_{unique}_1of2"} <= slots
    filters: dict[str, str] = dict(
        db.execute("SELECT pubname, rowfilter FROM pg_publication_tables").fetchall()
    )
    assert set(filters) == {f"hub_pg_{unique}_0of2", f"hub_pg_{unique}_1of2"}
    assert all("hashint4(id)" in str(f) for f in filters.values())


async def test_the_filter_is_the_one_postgresql_accepts_for_each_key_type(db: Db) -> None:
    db.execute("CREATE TABLE multi (a bigint, b varchar(20), c uuid, d numeric, PRIMARY KEY (a, b, c, d))")
    async with await psycopg.AsyncConnection.connect(db.info.dsn, autocommit=True) as conn:
        spec = await inspect_table(conn, "public.multi", None, MissingKeyPolicy.REFUSE)
        found = await shard_filter(conn, spec)
        assert [f for _, f in found.hashed] == ["hashint8", "hashtext", "uuid_hash", "hash_numeric"]
        statement = publication_tables([found], TaskShard(1, 3)).as_string(conn)
        await conn.execute(f"CREATE PUBLICATION p_multi FOR TABLE {statement}")


def _check(dsn: str, unique: str, table: str, **options: object) -> None:
    document = {
        "name": f"sh-{unique}", "kind": "postgres_cdc", "dsn": dsn, "slot_name": f"s_{unique}",
        "feeds": [{"table": table, "event_type": "vn.gov.land.parcel.v1", **options.pop("feed", {})}],  # type: ignore[dict-item]
        "tasks": 2, **options,
    }  # fmt: skip
    check_config(registry.parse_config(document))  # type: ignore[arg-type]


def test_apply_accepts_a_shardable_key(db: Db, pg_database: str, unique: str) -> None:
    db.execute("CREATE TABLE parcel (id int PRIMARY KEY, owner text)")
    _check(pg_database, unique, "public.parcel")
    assert db.execute("SELECT count(*) FROM pg_publication").fetchone() == (0,)  # the trial left nothing


def test_apply_refuses_a_key_no_row_filter_can_hash(db: Db, pg_database: str, unique: str) -> None:
    db.execute("CREATE TABLE visit (day date PRIMARY KEY, n int)")
    with pytest.raises(ConfigurationError) as caught:
        _check(pg_database, unique, "public.visit")
    assert caught.value.code == "shard_key_unsupported" and "public.visit.day" in caught.value.message


def test_apply_refuses_a_key_outside_the_replica_identity(db: Db, pg_database: str, unique: str) -> None:
    db.execute("CREATE TABLE parcel (id int PRIMARY KEY, code text NOT NULL UNIQUE)")
    with pytest.raises(ConfigurationError) as caught:
        _check(pg_database, unique, "public.parcel", feed={"key": ["code"]})
    assert caught.value.code == "shard_key_not_in_replica_identity"
    assert "REPLICA IDENTITY FULL" in caught.value.message
    db.execute("ALTER TABLE parcel REPLICA IDENTITY FULL")
    _check(pg_database, unique, "public.parcel", feed={"key": ["code"]})
