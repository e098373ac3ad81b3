"""Reading events back and groups' offsets from the real broker, without joining any group."""

from __future__ import annotations

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from bus.admin import KafkaAdmin
from bus.producer import KafkaProducer
from hub.observability.kafka_reads import committed_offsets, partition_bounds, read_events
from schemas.events import ChangeEvent, ChangePayload, Op, SourceInfo
from schemas.events.kafka_codec import to_kafka

pytestmark = pytest.mark.integration


def event(n: int) -> ChangeEvent:
    source = SourceInfo(connector="hotich", database="hotich", table="birth", position=str(n))
    return ChangeEvent(
        id=f"ev-{n}", source="/connectors/hotich/birth", type="vn.gov.civil-status.birth.v1", subject="K",
        data=ChangePayload(op=Op.CREATE, after={"n": n}, source=source),
    )  # fmt: skip


async def test_events_are_read_back_at_their_addresses_and_groups_say_how_far_they_got(
    kafka_bootstrap: str, unique: str
) -> None:
    topic = f"gov.t{unique}.birth.v1"
    await KafkaAdmin(kafka_bootstrap).create_topics([topic], partitions=1)
    producer = KafkaProducer(kafka_bootstrap)
    await producer.start()
    try:
        for n in range(3):
            message = to_kafka(event(n))
            await producer.send_and_wait(topic, message.value, key=message.key, headers=message.headers)
        await producer.send_and_wait(topic, b"not an event", key=b"K")
    finally:
        await producer.stop()
    tp = TopicPartition(topic, 0)
    group = f"hub.sub.r-{unique}"
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign([tp])
        await consumer.commit({tp: 2})
    finally:
        await consumer.stop()

    found = await read_events(
        kafka_bootstrap, [(topic, 0, 2), (topic, 0, 0), (topic, 0, 3), (topic, 0, 99)], 1.0
    )
    assert {address: pair[1].id for address, pair in found.items()} == {
        (topic, 0, 0): "ev-0",
        (topic, 0, 2): "ev-2",
    }
    assert found[(topic, 0, 2)][0].timestamp_ms > 0  # the record comes too: its publish time
    assert await committed_offsets(kafka_bootstrap, [group, f"hub.sub.none-{unique}"], [tp]) == {
        group: {tp: 2},
        f"hub.sub.none-{unique}": {},
    }
    assert await partition_bounds(kafka_bootstrap, [tp]) == {tp: (0, 4)}
