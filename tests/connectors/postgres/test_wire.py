"""What postgres_cdc puts on the real Kafka broker for values JSON has no word for: a ``bytea``
column that is not UTF-8 (base64, the same from the snapshot and from the stream) and a
``TRUNCATE`` (a whole-table event the official CloudEvents SDK must accept)."""

from __future__ import annotations

import base64

import pytest
from cloudevents.core.base import BaseCloudEvent
from cloudevents.core.bindings import kafka
from cloudevents.core.formats.json import JSONFormat

from connectors.positions import MemoryPositions
from connectors.task import ConnectorTask
from schemas import naming
from schemas.events import Op
from tests.connectors.postgres.conftest import Db, config
from tests.connectors.postgres.test_kafka import accept_all
from tests.connectors.topics import Record, eventually, read_topic

pytestmark = pytest.mark.integration

SCAN = bytes([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0xFB])  # a JPEG's first bytes: not UTF-8


def sdk_event(record: Record) -> BaseCloudEvent:
    return kafka.from_binary(kafka.KafkaMessage(record.headers, record.key, record.value), JSONFormat())


async def test_bytea_goes_out_as_base64_and_a_truncate_as_an_event_about_the_table(
    db: Db, pg_database: str, unique: str, kafka_bootstrap: str
) -> None:
    db.execute("CREATE TABLE scan (id int PRIMARY KEY, content bytea)")
    db.execute("INSERT INTO scan VALUES (1, %s)", (SCAN,))
    event_type = f"vn.gov.t{unique}.scan.v1"
    cfg = config(pg_database, unique, ("public.scan",))
    cfg = cfg.model_copy(update={"feeds": [cfg.feeds[0].model_copy(update={"event_type": event_type})]})
    task = ConnectorTask(cfg, bootstrap=kafka_bootstrap, positions=MemoryPositions(), contracts=accept_all)
    task.start()
    try:
        await eventually(lambda: task.status.events_published == 1, what="the snapshot published")
        db.execute("INSERT INTO scan VALUES (2, %s)", (SCAN,))
        db.execute("TRUNCATE scan")
        records = await read_topic(kafka_bootstrap, naming.parse_event_type(event_type).topic, 3)
    finally:
        await task.stop()
    assert task.status.events_quarantined == 0, task.status
    events = {record.event().data.op: record for record in records}
    encoded = base64.b64encode(SCAN).decode()
    assert [events[op].body()["after"]["content"] for op in (Op.READ, Op.CREATE)] == [encoded, encoded]
    truncate = events[Op.TRUNCATE]
    assert truncate.key == b"public.scan"
    assert sdk_event(truncate).get_subject() == "public.scan"
    data = sdk_event(events[Op.CREATE]).get_data()
    assert isinstance(data, dict) and data["after"]["content"] == encoded
