"""The Kafka producer against the real broker (and an unreachable one)."""

from __future__ import annotations

import pytest

from bus.admin import KafkaAdmin
from bus.producer import KafkaProducer
from bus.reads import read_topics
from schemas.errors import BusError
from schemas.events.kafka_codec import KafkaMessage

pytestmark = pytest.mark.integration


async def test_an_unreachable_broker_is_a_bus_error_at_start() -> None:
    producer = KafkaProducer("127.0.0.1:1", "never-started")
    with pytest.raises(BusError, match=r"cannot connect to Kafka at 127\.0\.0\.1:1"):
        await producer.start()


async def test_queued_records_are_acknowledged_and_land_in_order(kafka_bootstrap: str, unique: str) -> None:
    topic = f"bus.t{unique}.order"
    producer = KafkaProducer(kafka_bootstrap, f"test-{unique}")
    await producer.start()
    try:
        await producer.ensure_topics([topic])
        acks = [
            await producer.send(topic, KafkaMessage(key=b"K", value=str(n).encode(), headers=[]))
            for n in range(5)
        ]
        await producer.acknowledged(acks)
        sent = await producer.send_and_wait(topic, b"last", key=b"K", headers=[("ce_id", b"x")])
    finally:
        await producer.stop()
    assert len(await KafkaAdmin(kafka_bootstrap).partitions(names=[topic])) == 6
    records = [
        r for r in await read_topics(kafka_bootstrap, [topic], timeout_s=30) if r.partition == sent.partition
    ]
    assert [r.value for r in records] == [b"0", b"1", b"2", b"3", b"4", b"last"]
    assert records[-1].headers == (("ce_id", b"x"),)
    assert sent.offset == records[-1].offset
