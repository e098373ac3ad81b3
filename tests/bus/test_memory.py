"""The in-memory broker behaves like the parts of Kafka the hub relies on."""

from __future__ import annotations

import asyncio
import time

import pytest

from bus.errors import GroupBusy
from bus.memory import MemoryBroker
from bus.records import TopicPartition
from schemas.errors import BusError
from schemas.events.kafka_codec import KafkaMessage

TOPIC = "gov.t.birth.v1"


def broker_with_topic(partitions: int = 3) -> MemoryBroker:
    broker = MemoryBroker()
    broker.create(TOPIC, partitions)
    return broker


async def test_a_key_always_lands_on_the_same_partition_in_order() -> None:
    broker = broker_with_topic()
    producer = broker.producer()
    sent = [await producer.send_and_wait(TOPIC, str(n).encode(), key=b"K") for n in range(5)]
    assert {s.partition for s in sent} == {sent[0].partition}
    assert [s.offset for s in sent] == [0, 1, 2, 3, 4]


async def test_send_is_acknowledged_and_headers_come_back_with_the_record() -> None:
    broker = broker_with_topic(1)
    producer = broker.producer()
    ack = await producer.send(TOPIC, KafkaMessage(key=b"K", value=b"v", headers=[("ce_id", b"1")]))
    await producer.acknowledged([ack])
    reader = broker.consumer()
    tp = TopicPartition(TOPIC, 0)
    reader.assign([tp])
    batch = await reader.getmany(timeout_ms=10)
    (record,) = batch[tp]
    assert (record.key, record.value, record.headers, record.offset) == (b"K", b"v", (("ce_id", b"1"),), 0)


async def test_a_partition_that_does_not_exist_is_refused() -> None:
    broker = broker_with_topic(1)
    with pytest.raises(BusError, match="no partition 4"):
        await broker.producer().send_and_wait(TOPIC, b"v", partition=4)


class Recorder:
    def __init__(self) -> None:
        self.assigned: list[TopicPartition] = []

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        return None

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        self.assigned = assigned


async def test_a_group_resumes_after_its_last_commit() -> None:
    broker = broker_with_topic(1)
    for n in range(4):
        await broker.producer().send_and_wait(TOPIC, str(n).encode(), partition=0)
    tp = TopicPartition(TOPIC, 0)
    first, listener = broker.consumer("g"), Recorder()
    first.subscribe(r"^gov\..*", listener)
    await first.start()
    assert listener.assigned == [tp]
    read = await first.getmany(max_records=2)
    assert [r.value for r in read[tp]] == [b"0", b"1"]
    await first.commit({tp: 2})
    await first.stop()

    again = broker.consumer("g")
    again.subscribe(r"^gov\..*", Recorder())
    await again.start()
    assert [r.value for r in (await again.getmany())[tp]] == [b"2", b"3"]
    assert await broker.admin().committed(["g", "other"]) == {"g": {tp: 2}, "other": {}}


async def test_paused_partitions_are_not_read_until_resumed() -> None:
    broker = broker_with_topic(1)
    await broker.producer().send_and_wait(TOPIC, b"v", partition=0)
    tp = TopicPartition(TOPIC, 0)
    reader = broker.consumer()
    reader.assign([tp])
    reader.pause(tp)
    assert await reader.getmany(timeout_ms=1) == {}
    reader.resume(tp)
    assert len((await reader.getmany())[tp]) == 1
    assert await reader.position(tp) == 1


async def test_admin_lists_partitions_by_name_and_pattern_and_their_bounds() -> None:
    broker = broker_with_topic(2)
    admin = broker.admin()
    await admin.create_topics(["other.topic"], partitions=1)
    assert await admin.partitions(names=[TOPIC, "missing"]) == [
        TopicPartition(TOPIC, 0),
        TopicPartition(TOPIC, 1),
    ]
    assert await admin.partitions(pattern=r"^other\.") == [TopicPartition("other.topic", 0)]
    await broker.producer().send_and_wait(TOPIC, b"v", partition=1)
    assert await admin.bounds([TopicPartition(TOPIC, 1)]) == {TopicPartition(TOPIC, 1): (0, 1)}
    await admin.delete_topic("other.topic")
    assert await admin.partitions(pattern=r"^other\.") == []


async def test_reset_to_time_commits_the_first_offset_at_or_after_it_or_the_end() -> None:
    broker = broker_with_topic(2)
    producer = broker.producer()
    await producer.send_and_wait(TOPIC, b"old", partition=0)
    await asyncio.sleep(0.01)
    at_ms = int(time.time() * 1000)
    await asyncio.sleep(0.01)
    await producer.send_and_wait(TOPIC, b"new", partition=0)
    tps = [TopicPartition(TOPIC, 0), TopicPartition(TOPIC, 1)]
    assert await broker.admin().reset_to_time("g", tps, at_ms) == {tps[0]: 1, tps[1]: 0}
    assert (await broker.admin().committed(["g"]))["g"] == {tps[0]: 1, tps[1]: 0}


async def test_reset_is_refused_while_the_group_has_members() -> None:
    broker = broker_with_topic(1)
    member = broker.consumer("g")
    member.subscribe(r"^gov\..*", Recorder())
    await member.start()
    with pytest.raises(GroupBusy):
        await broker.admin().reset_to_time("g", [TopicPartition(TOPIC, 0)], 0)
    await member.stop()
    assert await broker.admin().reset_to_time("g", [TopicPartition(TOPIC, 0)], 0) == {
        TopicPartition(TOPIC, 0): 0
    }


async def test_a_reader_without_a_group_cannot_commit() -> None:
    reader = broker_with_topic().consumer()
    with pytest.raises(BusError, match="without a group"):
        await reader.commit({TopicPartition(TOPIC, 0): 1})
