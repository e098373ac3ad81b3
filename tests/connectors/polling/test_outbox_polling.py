"""Outbox mode of the polling source: events published as written, cleaned up only after commit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Boolean, DateTime, insert
from sqlalchemy.types import TypeEngine

from connectors.outbox import MalformedOutboxRow
from schemas.events import Op
from tests.connectors.polling.conftest import OpenSource
from tests.connectors.polling.databases import SqlItemsDatabase, feed, polling_config
from tests.connectors.suite import items

pytestmark = pytest.mark.integration


def events(*ids: int) -> list[dict[str, Any]]:
    return [{"id": f"evt-{i}", "aggregate_id": f"HN-{i % 2}", "payload": {"seq": i}} for i in ids]


async def outbox_table(db: SqlItemsDatabase, *, published: TypeEngine[Any] | None = None) -> str:
    table = f"{db.default_schema}.outbox"
    await db.create_outbox_table(table, published=published)
    return table


async def test_events_are_published_as_written_and_deleted_after_commit(
    source_db: SqlItemsDatabase, unique: str, open_source: OpenSource
) -> None:
    outbox = await outbox_table(source_db)
    await source_db.write_events(outbox, events(1, 2, 3))
    reader = await open_source(polling_config(source_db.url, unique, [feed(outbox)], outbox=outbox))
    batch = await reader.source.read()
    assert [(c.event_id, c.op, c.table, c.after) for c in batch.changes] == [
        (f"evt-{i}", Op.CREATE, "land.parcel", {"seq": i}) for i in (1, 2, 3)
    ]
    assert {c.event_type for c in batch.changes} == {"vn.gov.land.parcel.v1"}
    assert [c.key for c in batch.changes] == [{"aggregate_id": k} for k in ("HN-1", "HN-0", "HN-1")]
    assert await source_db.count(outbox) == 3  # Kafka has not acknowledged yet
    assert (await reader.source.read()).changes == []  # in flight: not read twice
    assert batch.position is not None
    await reader.source.commit(batch.position)
    assert await source_db.count(outbox) == 0


async def test_a_crash_before_commit_republishes_with_the_same_ids(
    source_db: SqlItemsDatabase, unique: str, open_source: OpenSource
) -> None:
    outbox = await outbox_table(source_db)
    config = polling_config(source_db.url, unique, [feed(outbox)], outbox=outbox)
    await source_db.write_events(outbox, events(1, 2))
    first = await open_source(config)
    await first.take(2)
    await source_db.write_events(outbox, events(3, 4))
    lost = await first.take(2, commit=False)
    await first.source.stop()
    second = await open_source(config, first.committed)
    again = await second.take(2)
    assert [c.event_id for c in again] == [c.event_id for c in lost] == ["evt-3", "evt-4"]
    assert await second.quiet() == []
    assert await source_db.count(outbox) == 0


@pytest.mark.parametrize(
    "marker", [DateTime(timezone=True), DateTime(), Boolean()], ids=["aware", "naive", "flag"]
)
async def test_mark_cleanup_keeps_rows_and_never_rereads_them(
    source_db: SqlItemsDatabase, unique: str, open_source: OpenSource, marker: TypeEngine[Any]
) -> None:
    outbox = await outbox_table(source_db, published=marker)
    config = polling_config(source_db.url, unique, [feed(outbox)], outbox=outbox, outbox_cleanup="mark")
    await source_db.write_events(outbox, events(1, 2))
    first = await open_source(config)
    await first.take(2)
    await first.source.stop()
    assert await source_db.count(outbox, published_at=None) == 0
    assert await source_db.count(outbox) == 2
    if isinstance(marker, DateTime):
        marks = await source_db.run(lambda: source_db.fetch(source_db.table(outbox).select()))
        assert all(abs(_age_s(row["published_at"])) < 60 for row in marks)
    await source_db.write_events(outbox, events(3))
    second = await open_source(config, first.committed)
    assert [c.event_id for c in await second.take(1)] == ["evt-3"]


async def test_a_late_outbox_row_needs_no_window(
    source_db: SqlItemsDatabase, unique: str, open_source: OpenSource
) -> None:
    outbox = await outbox_table(source_db)
    config = polling_config(source_db.url, unique, [feed(outbox)], outbox=outbox, safety_window_s=0)
    reader = await open_source(config)
    late_stamp = source_db.stamp() - timedelta(seconds=30)
    await source_db.write_events(outbox, events(2))
    assert [c.event_id for c in await reader.take(1, commit=False)] == ["evt-2"]
    row = {**events(1)[0], "aggregate_type": "land.parcel", "event_type": "vn.gov.land.parcel.v1"}
    await source_db.execute(insert(source_db.table(outbox)), [{**row, "created_at": late_stamp}])
    assert [c.event_id for c in await reader.take(1)] == ["evt-1"]
    assert await source_db.count(outbox) == 0  # the commit covered both batches


async def test_outbox_and_tables_in_one_connector(
    source_db: SqlItemsDatabase, unique: str, open_source: OpenSource
) -> None:
    outbox = await outbox_table(source_db)
    table = f"{source_db.default_schema}.items"
    await source_db.create_items_table(table)
    await source_db.insert(table, items(range(1, 3)))
    await source_db.write_events(outbox, events(1))
    reader = await open_source(
        polling_config(source_db.url, unique, [feed(table), feed(outbox)], outbox=outbox)
    )
    try:
        got = await reader.take(3)
        assert sorted((c.table, c.event_id or str(c.key["id"])) for c in got) == [
            ("land.parcel", "evt-1"),
            (table, "1"),
            (table, "2"),
        ]
        assert await source_db.count(outbox) == 0
    finally:
        await reader.source.stop()


async def test_a_payload_that_is_no_json_object_stops_the_read_and_moves_nothing(
    source_db: SqlItemsDatabase, unique: str, open_source: OpenSource
) -> None:
    outbox = await outbox_table(source_db)
    table = f"{source_db.default_schema}.items"
    await source_db.create_items_table(table)
    await source_db.insert(table, items(range(1, 3)))
    await source_db.write_events(
        outbox, [{"id": "evt-1", "aggregate_id": "HN-1", "payload": "not an object"}]
    )
    config = polling_config(
        source_db.url, unique, [feed(table), feed(outbox)], outbox=outbox, safety_window_s=0
    )
    reader = await open_source(config)
    with pytest.raises(MalformedOutboxRow):
        await reader.source.read()
    assert await source_db.count(outbox) == 1  # neither published nor dropped
    outbox_rows = source_db.table(outbox)
    await source_db.execute(outbox_rows.update().values(payload={"fixed": True}))
    got = await reader.take(3)  # the same source: the failed read had moved no watermark
    assert sorted(c.event_id or str(c.key["id"]) for c in got) == ["1", "2", "evt-1"]


def _age_s(stamp: datetime) -> float:
    """Seconds since ``stamp``; a naive one is UTC, the zone the test config uses."""
    aware = stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=UTC)
    return (datetime.now(UTC) - aware).total_seconds()
