"""A consumer's buffer cap holds over the partitions it is assigned, and follows a new cap."""

from __future__ import annotations

import asyncio

import pytest

from bus.admin import KafkaAdmin
from bus.consumer import KafkaConsumer
from bus.fetch_limits import MIB
from tests.bus.assignment import AssignedListener

pytestmark = pytest.mark.integration


async def test_each_partition_fetches_its_part_of_the_cap(kafka_bootstrap: str, unique: str) -> None:
    topic = f"buffer-{unique}"
    await KafkaAdmin(kafka_bootstrap).create_topics([topic], 8)
    consumer = KafkaConsumer(kafka_bootstrap, f"buffer-{unique}", buffer_bytes=1 * MIB)
    listener = AssignedListener()
    consumer.subscribe_topics([topic], listener)
    await consumer.start()
    try:
        async with asyncio.timeout(30):
            while not listener.event.is_set():
                await consumer.getmany(timeout_ms=100)
        fetcher = consumer._consumer._fetcher
        assert fetcher._max_partition_fetch_bytes == 1 * MIB // 8  # 8 partitions share 1 MiB
        consumer.limit_buffer(256 * 1024)  # more sinks in the process now: a smaller share
        assert fetcher._max_partition_fetch_bytes == 32 * 1024
    finally:
        await consumer.stop()
        await KafkaAdmin(kafka_bootstrap).delete_topic(topic)


async def test_the_lag_of_fetched_partitions_is_read_without_asking_the_broker(
    kafka_bootstrap: str, unique: str
) -> None:
    from bus.producer import KafkaProducer

    topic = f"lag-{unique}"
    await KafkaAdmin(kafka_bootstrap).create_topics([topic], 1)
    producer = KafkaProducer(kafka_bootstrap)
    await producer.start()
    try:
        await producer.acknowledged(
            [await producer.send_record(topic, b"x", key=None, headers=[], partition=0) for _ in range(30)]
        )
    finally:
        await producer.stop()
    consumer = KafkaConsumer(kafka_bootstrap, f"lag-{unique}")
    listener = AssignedListener()
    consumer.subscribe_topics([topic], listener)
    await consumer.start()
    try:
        async with asyncio.timeout(30):
            read = 0
            while read < 10:
                read += sum(
                    len(r) for r in (await consumer.getmany(timeout_ms=200, max_records=10 - read)).values()
                )
        assert consumer.fetched_lag() == 20
    finally:
        await consumer.stop()
        await KafkaAdmin(kafka_bootstrap).delete_topic(topic)
