"""What is on the feed topics, read straight from Kafka (not through the hub).

The demo's verdict must not trust the component it checks, so it reads the topics itself.
"""

from __future__ import annotations

import asyncio
import time

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from schemas.errors import BusError
from schemas.events import ChangeEvent
from schemas.events.kafka_codec import from_kafka
from schemas.feeds import all_feeds


def feed_topics() -> list[str]:
    return [spec.topic for spec in all_feeds()]


async def _partitions(bootstrap: str) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(feed_topics())
    finally:
        await admin.close()
    return [TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]]


async def end_offsets_total(bootstrap: str) -> int:
    """How many records the feed topics hold (they are never compacted in the demo)."""
    partitions = await _partitions(bootstrap)
    if not partitions:
        return 0
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        if not partitions:
            return 0
        return sum((await consumer.end_offsets(partitions)).values())
    finally:
        await consumer.stop()


async def _read_all(bootstrap: str, timeout_s: float = 60.0) -> list[ChangeEvent]:
    partitions = await _partitions(bootstrap)
    if not partitions:
        return []
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        consumer.assign(partitions)
        starts = await consumer.beginning_offsets(partitions)
        ends = await consumer.end_offsets(partitions)
        for partition, offset in starts.items():
            consumer.seek(partition, offset)  # explicit: seek_to_beginning can race the reset
        expected = sum(ends.values()) - sum(starts.values())
        events: list[ChangeEvent] = []
        deadline = time.monotonic() + timeout_s
        while len(events) < expected:
            if time.monotonic() > deadline:
                raise BusError(f"read {len(events)} of {expected} feed records within {timeout_s:.0f}s")
            batch = await consumer.getmany(timeout_ms=1000)
            for records in batch.values():
                events += [from_kafka(r.key, r.value, list(r.headers)) for r in records]
        return events
    finally:
        await consumer.stop()


def read_feed_events(bootstrap: str) -> list[ChangeEvent]:
    return asyncio.run(_read_all(bootstrap))


def count_feed_records(bootstrap: str) -> int:
    return asyncio.run(end_offsets_total(bootstrap))
