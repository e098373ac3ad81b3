"""What is on the feed topics, read straight from Kafka (not through the hub's sinks).

The demo's verdict must not trust the component it checks, so it reads the topics itself,
with the hub's plain Kafka helpers (``hub.delivery.bus``): partitions, offsets, a group-less reader.
"""

from __future__ import annotations

import asyncio
import time

from hub.delivery import bus
from schemas.errors import BusError
from schemas.events import ChangeEvent
from schemas.events.kafka_codec import from_kafka
from schemas.feeds import all_feeds


def feed_topics() -> list[str]:
    return [spec.topic for spec in all_feeds()]


async def _record_count(bootstrap: str) -> int:
    """How many records the feed topics hold (never compacted in the demo)."""
    partitions = await bus.partitions(bootstrap, names=feed_topics())
    bounds = await bus.bounds(bootstrap, partitions) if partitions else {}
    return sum(end - first for first, end in bounds.values())


async def _read_all(bootstrap: str, timeout_s: float = 60.0) -> list[ChangeEvent]:
    partitions = await bus.partitions(bootstrap, names=feed_topics())
    if not partitions:
        return []
    bounds = await bus.bounds(bootstrap, partitions)
    expected = sum(end - first for first, end in bounds.values())
    consumer = bus.reader(bootstrap)
    await consumer.start()
    try:
        consumer.assign(partitions)
        for partition, (first, _end) in bounds.items():
            consumer.seek(partition, first)  # explicit: seek_to_beginning can race the reset
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
    return asyncio.run(_record_count(bootstrap))
