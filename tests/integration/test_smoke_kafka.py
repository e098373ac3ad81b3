"""The dev broker is a real Kafka: produce, consume through a group, commit and resume."""

from __future__ import annotations

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

pytestmark = pytest.mark.integration


async def consume(bootstrap: str, topic: str, group: str, count: int) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
        auto_offset_reset="earliest",
    )  # fmt: skip
    await consumer.start()
    try:
        values: list[bytes] = []
        while len(values) < count:
            batch = await consumer.getmany(timeout_ms=10_000, max_records=count - len(values))
            assert batch, "no records within 10s"
            values += [m.value for msgs in batch.values() for m in msgs if m.value is not None]
        await consumer.commit()
        return values
    finally:
        await consumer.stop()


async def test_group_commits_offsets_and_resumes(kafka_bootstrap: str, topic: str) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        for i in range(10):
            await producer.send_and_wait(topic, f"v{i}".encode(), key=b"same-key")
    finally:
        await producer.stop()
    group = f"{topic}.group"
    first = await consume(kafka_bootstrap, topic, group, 6)
    rest = await consume(kafka_bootstrap, topic, group, 4)
    assert first + rest == [f"v{i}".encode() for i in range(10)]
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    assert sum(meta.offset for tp, meta in offsets.items() if tp.topic == topic) == 10
