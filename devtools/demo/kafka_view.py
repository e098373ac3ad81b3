"""What is on the feed topics, read straight from Kafka (not through the hub's sinks).

The demo's verdict must not trust the component it checks, so it reads the topics itself,
with the bus's plain helpers (``bus.admin``, ``bus.reads``): partitions, offsets, a group-less reader.
"""

from __future__ import annotations

import asyncio

from bus.admin import KafkaAdmin
from bus.reads import read_topics
from schemas.events import ChangeEvent
from schemas.events.kafka_codec import from_kafka
from schemas.feeds import all_feeds


def feed_topics() -> list[str]:
    return [spec.topic for spec in all_feeds()]


async def _record_count(bootstrap: str) -> int:
    """How many records the feed topics hold (never compacted in the demo)."""
    admin = KafkaAdmin(bootstrap)
    bounds = await admin.bounds(await admin.partitions(names=feed_topics()))
    return sum(end - first for first, end in bounds.values())


async def _read_all(bootstrap: str, timeout_s: float = 60.0) -> list[ChangeEvent]:
    records = await read_topics(bootstrap, feed_topics(), timeout_s)
    return [from_kafka(r.key, r.value, list(r.headers)) for r in records]


def read_feed_events(bootstrap: str) -> list[ChangeEvent]:
    return asyncio.run(_read_all(bootstrap))


def count_feed_records(bootstrap: str) -> int:
    return asyncio.run(_record_count(bootstrap))
