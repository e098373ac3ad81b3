"""Outbox mode of postgres_cdc on the real server: the application's events come out as written,
their rows are cleaned up only by ``commit`` (after Kafka acknowledged them), and what was not
committed is read again with the same ids."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import pytest
from psycopg import sql

from connectors.config import TableFeed
from connectors.outbox import MalformedOutboxRow
from connectors.positions import MemoryPositions
from connectors.postgres import PostgresCdcConfig
from connectors.postgres.validation import check_config
from connectors.publisher import QUARANTINE_CODE_HEADER
from connectors.source import Change
from connectors.status import TaskState
from connectors.task import ConnectorTask
from schemas import naming
from schemas.errors import ConfigurationError
from schemas.events import Op
from schemas.tracing import trace_id_of
from tests.connectors.postgres.conftest import Db, Opener, config
from tests.connectors.postgres.test_kafka import accept_all
from tests.connectors.suite import READ_TIMEOUT_S, Reader
from tests.connectors.topics import eventually, read_topic

pytestmark = pytest.mark.integration

OUTBOX = "public.outbox"
TRANSFERRED = "vn.gov.land.parcel-transferred.v1"
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def create_tables(db: Db, published: str | None = None) -> None:
    marker = f", published_at {published}" if published else ""
    db.execute("CREATE TABLE parcel (id int PRIMARY KEY, owner text)")
    db.execute(
        "CREATE TABLE outbox (id uuid PRIMARY KEY, aggregate_type text NOT NULL, aggregate_id text NOT NULL, "
        "event_type text NOT NULL, payload jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), "
        f"traceparent text{marker})"
    )


def transfer(db: Db, parcel: int, owner: str, payload: Any = None, event_type: str = TRANSFERRED) -> str:
    """The application's transaction: the business row and its event, committed together."""
    event_id = str(uuid.uuid4())
    body = {"parcel": parcel, "owner": owner} if payload is None else payload
    with db.transaction():
        db.execute(
            "INSERT INTO parcel VALUES (%s, %s) ON CONFLICT (id) DO UPDATE SET owner = %s",
            (parcel, owner, owner),
        )
        db.execute(
            "INSERT INTO outbox (id, aggregate_type, aggregate_id, event_type, payload, traceparent) "
            "VALUES (%s, 'land.parcel', %s, %s, %s, %s)",
            (event_id, f"HN-{parcel}", event_type, json.dumps(body), TRACEPARENT),
        )
    return event_id


def outbox_ids(db: Db, *, unmarked: bool = False) -> list[str]:
    where = "WHERE published_at IS NULL" if unmarked else ""
    query = sql.SQL("SELECT id FROM outbox {} ORDER BY created_at, id").format(sql.SQL(where))
    return [str(row[0]) for row in db.execute(query)]


async def uncommitted(reader: Reader, count: int) -> tuple[list[Change], str]:
    """Read, without committing, until ``count`` changes and a position to commit them came."""
    got: list[Change] = []
    position: str | None = None
    deadline = time.monotonic() + READ_TIMEOUT_S
    while len(got) < count or position is None:
        assert time.monotonic() < deadline, f"read {len(got)} of {count} changes before the timeout"
        batch = await reader.source.read()
        got += batch.changes
        position = batch.position or position
    return got, position


def outbox_events(changes: list[Change]) -> list[Change]:
    return [change for change in changes if change.event_id is not None]


async def test_an_outbox_row_is_published_as_written_and_deleted_only_by_commit(
    db: Db, open_source: Opener
) -> None:
    create_tables(db)
    reader = await open_source("public.parcel", OUTBOX, outbox=OUTBOX, snapshot_mode="never")
    event_id = transfer(db, 1, "Nguyễn Văn A")
    changes, position = await uncommitted(reader, 2)
    assert [(c.table, c.op, c.key) for c in changes] == [
        ("public.parcel", Op.CREATE, {"id": 1}),
        ("land.parcel", Op.CREATE, {"aggregate_id": "HN-1"}),
    ]
    event = changes[1]
    assert (event.event_id, event.event_type, event.traceparent) == (event_id, TRANSFERRED, TRACEPARENT)
    assert event.after == {"parcel": 1, "owner": "Nguyễn Văn A"} and event.txid == changes[0].txid
    assert outbox_ids(db) == [event_id]  # Kafka has not acknowledged it yet
    later = transfer(db, 2, "Trần Thị B")
    await uncommitted(reader, 2)
    await reader.source.commit(position)
    assert outbox_ids(db) == [later]  # only rows at or before the committed position go
    await reader.quiet()
    assert outbox_ids(db) == []
    assert await reader.quiet() == []  # the cleanup's deletes are no events


async def test_a_crash_before_commit_republishes_with_the_same_ids(db: Db, open_source: Opener) -> None:
    create_tables(db)
    first = await open_source("public.parcel", OUTBOX, outbox=OUTBOX, snapshot_mode="never")
    kept = transfer(db, 1, "a")
    await first.take(2)
    lost = [transfer(db, 2, "b"), transfer(db, 3, "c")]
    read_once = outbox_events(await first.take(4, commit=False))
    await first.source.stop()  # a crash: nothing committed after the first transaction
    assert outbox_ids(db) == lost
    second = await open_source(
        "public.parcel", OUTBOX, position=first.committed, outbox=OUTBOX, snapshot_mode="never"
    )
    again = outbox_events(await second.take(4))
    assert [c.event_id for c in again] == [c.event_id for c in read_once] == lost
    assert [c.position for c in again] == [c.position for c in read_once]
    assert kept not in {c.event_id for c in again}
    assert outbox_ids(db) == []


@pytest.mark.parametrize(("marker", "marked"), [("timestamptz", "now()"), ("boolean", "true")])
async def test_mark_cleanup_keeps_rows_and_a_snapshot_publishes_only_unmarked_ones(
    db: Db, open_source: Opener, marker: str, marked: str
) -> None:
    create_tables(db, published=marker)
    published_before, pending = transfer(db, 1, "a"), transfer(db, 2, "b")
    mark = sql.SQL("UPDATE outbox SET published_at = {} WHERE id = %s").format(sql.SQL(marked))
    db.execute(mark, (published_before,))
    reader = await open_source("public.parcel", OUTBOX, outbox=OUTBOX, outbox_cleanup="mark")
    snapshot = outbox_events(await reader.take(3))  # two parcels and the one pending event
    assert [(c.event_id, c.snapshot) for c in snapshot] == [(pending, True)]
    streamed = transfer(db, 3, "c")
    assert [c.event_id for c in outbox_events(await reader.take(2))] == [streamed]
    assert outbox_ids(db, unmarked=True) == []
    assert len(outbox_ids(db)) == 3
    assert await reader.quiet() == []  # marking is an update: no event


async def test_an_unreadable_row_is_rejected_for_quarantine_and_the_stream_goes_on(
    db: Db, open_source: Opener
) -> None:
    create_tables(db)
    reader = await open_source("public.parcel", OUTBOX, outbox=OUTBOX, snapshot_mode="never")
    transfer(db, 1, "a", payload=["not", "an", "object"])
    good = transfer(db, 2, "b")
    changes = await reader.take(4)
    rejected = [c for c in changes if c.rejected is not None]
    assert [(c.table, c.op) for c in rejected] == [(OUTBOX, Op.CREATE)]
    assert isinstance(rejected[0].rejected, MalformedOutboxRow)
    assert [c.event_id for c in outbox_events(changes)] == [good]
    assert outbox_ids(db) == []  # quarantined rows are cleaned up too


async def test_through_the_task_events_reach_kafka_as_written_then_rows_go(
    db: Db, pg_database: str, unique: str, kafka_bootstrap: str
) -> None:
    create_tables(db)
    transferred = f"vn.gov.t{unique}.parcel-transferred.v1"
    feeds = [TableFeed(table=t, event_type=f"vn.gov.t{unique}.parcel.v1") for t in ("public.parcel", OUTBOX)]
    cfg = config(pg_database, unique, (OUTBOX,), outbox=OUTBOX, snapshot_mode="never").model_copy(
        update={"feeds": feeds}
    )
    task = ConnectorTask(cfg, bootstrap=kafka_bootstrap, positions=MemoryPositions(), contracts=accept_all)
    task.start()
    try:
        await eventually(lambda: task.status.state is TaskState.RUNNING, what="the task running")
        event_id = transfer(db, 1, "a", event_type=transferred)
        transfer(db, 2, "b", payload="not an object", event_type=transferred)
        [record] = await read_topic(kafka_bootstrap, naming.parse_event_type(transferred).topic, 1)
        [rejected] = await read_topic(kafka_bootstrap, naming.quarantine_topic(feeds[1].topic), 1)
        await eventually(lambda: not outbox_ids(db), what="outbox rows removed after the acks")
    finally:
        await task.stop()
    event = record.event()
    assert (event.id, event.type, record.key) == (event_id, transferred, b"HN-1")
    assert event.data.after == {"parcel": 1, "owner": "a"}
    assert trace_id_of(event.traceparent) == trace_id_of(TRACEPARENT)
    assert rejected.headers[QUARANTINE_CODE_HEADER] == b"outbox_row_malformed"
    assert task.status.events_published == 3 and task.status.events_quarantined == 1  # with both parcels


async def test_an_outbox_must_follow_the_convention(db: Db, pg_database: str, unique: str) -> None:
    db.execute("CREATE TABLE outbox (id uuid PRIMARY KEY, aggregate_id text, published_at int)")
    with pytest.raises(ValueError, match="must be one of the feeds' tables"):
        config(pg_database, unique, ("public.outbox",), outbox="public.other")
    with pytest.raises(ConfigurationError) as missing:
        await _check(config(pg_database, unique, (OUTBOX,), outbox=OUTBOX))
    assert missing.value.code == "column_missing"
    assert missing.value.details["missing"] == ["aggregate_type", "event_type", "payload", "created_at"]
    db.execute(
        "ALTER TABLE outbox ADD aggregate_type text, ADD event_type text, ADD payload jsonb, "
        "ADD created_at timestamptz"
    )
    with pytest.raises(ConfigurationError) as marker:
        await _check(config(pg_database, unique, (OUTBOX,), outbox=OUTBOX, outbox_cleanup="mark"))
    assert marker.value.code == "outbox_mark_column_type"
    await _check(config(pg_database, unique, (OUTBOX,), outbox=OUTBOX))


async def _check(cfg: PostgresCdcConfig) -> None:
    await asyncio.to_thread(check_config, cfg)  # as registration runs it: blocking, in a thread
