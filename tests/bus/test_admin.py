"""Topics, group offsets and resets against the real broker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from bus.admin import KafkaAdmin, replication
from bus.consumer import KafkaConsumer
from bus.errors import GroupBusy
from bus.producer import KafkaProducer
from bus.records import TopicPartition

pytestmark = pytest.mark.integration


class Quiet:
    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        return None

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        return None


async def test_topics_are_created_once_listed_and_deleted(kafka_bootstrap: str, unique: str) -> None:
    admin, topic = KafkaAdmin(kafka_bootstrap), f"bus.t{unique}.admin"
    await admin.create_topics([topic], 2)
    await admin.create_topics([topic], 4)  # exists already: left as it is
    tps = [TopicPartition(topic, 0), TopicPartition(topic, 1)]
    assert await admin.visible_partitions(topic, timeout_s=10) == tps
    assert await admin.partitions(names=[topic]) == tps
    assert await admin.partitions(pattern=rf"^bus\.t{unique}\.") == tps
    assert await admin.partitions(names=[f"bus.t{unique}.missing"]) == []
    assert await admin.bounds(tps) == dict.fromkeys(tps, (0, 0))
    await admin.delete_topic(topic)


@asynccontextmanager
async def member(bootstrap: str, group: str, pattern: str) -> AsyncIterator[KafkaConsumer]:
    consumer = KafkaConsumer(bootstrap, group, range_assignment=True)
    consumer.subscribe(pattern, Quiet())
    await consumer.start()
    try:
        yield consumer
    finally:
        await consumer.stop()


async def test_a_group_is_reset_to_a_time_only_without_members(kafka_bootstrap: str, unique: str) -> None:
    admin, topic, group = KafkaAdmin(kafka_bootstrap), f"bus.t{unique}.reset", f"bus.g{unique}"
    await admin.create_topics([topic], 1)
    tp = TopicPartition(topic, 0)
    producer = KafkaProducer(kafka_bootstrap)
    await producer.start()
    try:
        old = await producer.send_and_wait(topic, b"old", partition=0)
        at_ms = old.timestamp_ms + 1
        await asyncio.sleep(0.01)
        await producer.send_and_wait(topic, b"new", partition=0)
    finally:
        await producer.stop()
    assert await admin.reset_to_time(group, [tp], at_ms) == {tp: 1}
    assert await admin.committed([group]) == {group: {tp: 1}}
    async with member(kafka_bootstrap, group, rf"^{topic}$") as consumer:
        while not consumer.assignment():  # the join completes on the first fetch
            await consumer.getmany(timeout_ms=200)
        with pytest.raises(GroupBusy):
            await admin.reset_to_time(group, [tp], 0)


@pytest.mark.parametrize(("brokers", "expected"), [(1, (1, 1)), (2, (2, 2)), (3, (3, 2)), (5, (3, 2))])
def test_replication_is_three_copies_two_in_sync_at_most(brokers: int, expected: tuple[int, int]) -> None:
    assert replication(brokers) == expected
