"""The outbox through the real connector task: events on Kafka as the application wrote them,
rows removed only once Kafka acknowledged them."""

from __future__ import annotations

import pytest

from connectors.config import TableFeed
from connectors.positions import MemoryPositions
from connectors.task import ConnectorTask
from schemas import naming
from tests.connectors.polling.crash_worker import any_row
from tests.connectors.polling.databases import SqlItemsDatabase, polling_config
from tests.connectors.topics import eventually, read_topic

pytestmark = pytest.mark.integration


async def test_outbox_events_reach_kafka_with_their_own_identity(
    source_db: SqlItemsDatabase, unique: str, kafka_bootstrap: str
) -> None:
    outbox = f"{source_db.default_schema}.outbox"
    await source_db.create_outbox_table(outbox)
    event_type = f"vn.gov.t{unique}.parcel-transferred.v1"
    events = [
        {"id": f"evt-{i}", "aggregate_id": f"HN-{i % 3}", "event_type": event_type, "payload": {"seq": i}}
        for i in range(20)
    ]
    await source_db.write_events(outbox, events)
    feed = TableFeed(table=outbox, event_type=event_type)
    config = polling_config(source_db.url, f"outbox-{unique}", [feed], outbox=outbox)
    task = ConnectorTask(config, bootstrap=kafka_bootstrap, positions=MemoryPositions(), contracts=any_row)
    task.start()
    try:
        records = await read_topic(kafka_bootstrap, naming.parse_event_type(event_type).topic, 20)
        published = [record.event() for record in records]
        assert sorted(event.id for event in published) == sorted(f"evt-{i}" for i in range(20))
        assert {event.type for event in published} == {event_type}
        by_id = {event.id: event for event in published}
        assert by_id["evt-4"].subject == "HN-1" and by_id["evt-4"].data.after == {"seq": 4}
        await eventually(lambda: _empty(source_db, outbox), what="outbox rows removed after the acks")
    finally:
        await task.stop()


async def _empty(db: SqlItemsDatabase, table: str) -> bool:
    return await db.count(table) == 0
