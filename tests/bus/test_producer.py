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


async def test_send_many_batches_land_in_order_on_the_partition_send_picks(
    kafka_bootstrap: str, unique: str
) -> None:
    """Records queued as whole batches go where ``send`` would put their key, in order, and each
    ack carries its own record's offset (a batch overflowing into several keeps the order)."""
    topic = f"bus.t{unique}.many"
    keys = [f"key-{n % 7}".encode() for n in range(300)]
    big = b"x" * 10_000  # 300 of them overflow a 1 MiB batch
    producer = KafkaProducer(kafka_bootstrap, f"test-{unique}")
    await producer.start()
    try:
        await producer.ensure_topics([topic])
        messages = [
            KafkaMessage(key=k, value=b"%d:" % n + big, headers=[("n", b"%d" % n)])
            for n, k in enumerate(keys)
        ]
        acks = await producer.send_many(topic, messages)
        await producer.acknowledged(acks)
        single = await producer.send(topic, KafkaMessage(key=keys[0], value=b"300:single", headers=[]))
        await producer.acknowledged([single])
    finally:
        await producer.stop()
    records = await read_topics(kafka_bootstrap, [topic], timeout_s=30)
    assert len(records) == 301
    placed = {(r.partition, r.offset): r for r in records}
    for n, ack in enumerate(acks):
        record = placed[(ack.result().partition, ack.result().offset)]
        assert record.key == keys[n] and (record.value or b"").startswith(b"%d:" % n)
    assert single.result().partition == acks[0].result().partition  # the same key, the same partition
    for key in set(keys):
        numbers = [int((r.value or b"").split(b":")[0]) for r in records if r.key == key]
        assert numbers == sorted(numbers)
