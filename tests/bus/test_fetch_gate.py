"""A capped consumer holds at most its cap or one record batch, whatever the partitions' backlog,
loses nothing for it, and keeps the application's pauses apart from its own."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from bus.admin import KafkaAdmin
from bus.consumer import KafkaConsumer
from bus.producer import KafkaProducer
from bus.records import TopicPartition
from schemas.events.kafka_codec import KafkaMessage
from tests.bus.assignment import AssignedListener

pytestmark = pytest.mark.integration
PARTITIONS = 6
PER_PARTITION = 300  # ~300 records of ~250 bytes: one record batch of ~80 KB per partition
CAP = 16 * 1024  # far below one batch, as a hundred sinks' share of the budget is


async def _backlog(bootstrap: str, topic: str) -> dict[int, int]:
    """Records in one big batch per partition (``send_many``, as a connector publishes); how many
    each partition got."""
    producer = KafkaProducer(bootstrap)
    await producer.start()
    try:
        messages = [KafkaMessage(f"k{n}".encode(), b"v" * 250, []) for n in range(PARTITIONS * PER_PARTITION)]
        acks = await producer.send_many(topic, messages)
        await producer.acknowledged(acks)
    finally:
        await producer.stop()
    return dict(Counter(ack.result().partition for ack in acks))


@asynccontextmanager
async def _gated(bootstrap: str, unique: str) -> AsyncIterator[tuple[KafkaConsumer, dict[int, int]]]:
    """A capped consumer over a fresh topic whose partitions each hold one big batch, after the
    fetcher's first rounds with nothing read; and how many records each partition got."""
    topic = f"gate-{unique}"
    await KafkaAdmin(bootstrap).create_topics([topic], PARTITIONS)
    counts = await _backlog(bootstrap, topic)
    consumer = KafkaConsumer(bootstrap, f"gate-{unique}", buffer_bytes=CAP)
    listener = AssignedListener()
    consumer.subscribe_topics([topic], listener)
    await consumer.start()
    try:
        async with asyncio.timeout(30):
            await listener.event.wait()
        await asyncio.sleep(1.5)  # the fetcher's rounds, with nothing read
        yield consumer, counts
    finally:
        await consumer.stop()
        await KafkaAdmin(bootstrap).delete_topic(topic)


async def _read_all(consumer: KafkaConsumer, want: int) -> dict[TopicPartition, list[int]]:
    offsets: dict[TopicPartition, list[int]] = {}
    async with asyncio.timeout(30):
        while sum(map(len, offsets.values())) < want:
            for tp, records in (await consumer.getmany(timeout_ms=200, max_records=100)).items():
                offsets.setdefault(tp, []).extend(r.offset for r in records)
    return offsets


async def test_a_backlog_of_big_batches_is_held_one_batch_at_a_time_and_read_whole(
    kafka_bootstrap: str, unique: str
) -> None:
    async with _gated(kafka_bootstrap, unique) as (consumer, counts):
        gate = consumer._gate
        assert gate is not None
        held = gate.buffered()
        # before the gate: one whole batch for every partition, whatever the cap (6 x ~80 KB)
        assert len(held) == 1, held
        offsets = await _read_all(consumer, PARTITIONS * PER_PARTITION)
        assert {tp.partition: seen for tp, seen in offsets.items()} == {
            p: list(range(n)) for p, n in counts.items()
        }  # nothing skipped, nothing twice, in order
        assert consumer.paused() == set()  # the gate's pauses are its own


async def test_a_partition_the_application_pauses_stays_paused_when_the_gate_opens(
    kafka_bootstrap: str, unique: str
) -> None:
    async with _gated(kafka_bootstrap, unique) as (consumer, counts):
        assert consumer._gate is not None
        holding = {TopicPartition(tp.topic, tp.partition) for tp in consumer._gate.buffered()}
        kept = min(consumer.assignment() - holding)  # paused by the gate now
        consumer.pause(kept)
        assert consumer.paused() == {kept}
        offsets = await _read_all(consumer, PARTITIONS * PER_PARTITION - counts[kept.partition])
        assert kept not in offsets
        consumer.resume(kept)
        assert consumer.paused() == set()
        rest = await _read_all(consumer, counts[kept.partition])
        assert rest == {kept: list(range(counts[kept.partition]))}


async def test_small_events_never_close_the_gate_so_every_partition_keeps_fetching(
    kafka_bootstrap: str, unique: str
) -> None:
    """Regression: counting a whole ``fetch_max_bytes`` as the next response closed the gate
    whenever anything was held, so a consumer of small events paused its other partitions after
    each fetch and a live event on one of them waited behind the long poll."""
    topic = f"gate-small-{unique}"
    await KafkaAdmin(kafka_bootstrap).create_topics([topic], PARTITIONS)
    consumer = KafkaConsumer(kafka_bootstrap, f"gate-small-{unique}", buffer_bytes=CAP)
    listener = AssignedListener()
    consumer.subscribe_topics([topic], listener)
    await consumer.start()
    producer = KafkaProducer(kafka_bootstrap)
    await producer.start()
    try:
        async with asyncio.timeout(30):
            await listener.event.wait()
        gate = consumer._gate
        assert gate is not None and gate.cap_bytes < consumer._consumer._fetcher._fetch_max_bytes * 2
        for n in range(PARTITIONS * 5):  # one small record per send: small batches on every partition
            await producer.acknowledged(
                await producer.send_many(topic, [KafkaMessage(f"k{n}".encode(), b"v", [])])
            )
        async with asyncio.timeout(30):
            while not gate.buffered():  # noqa: ASYNC110  # fetched by aiokafka's routine, not read yet
                await asyncio.sleep(0.05)
        gate.check()
        assert not gate.closed  # nothing held back while what is held is far below the cap
        offsets = await _read_all(consumer, PARTITIONS * 5)
        assert sum(map(len, offsets.values())) == PARTITIONS * 5
    finally:
        await producer.stop()
        await consumer.stop()
        await KafkaAdmin(kafka_bootstrap).delete_topic(topic)
