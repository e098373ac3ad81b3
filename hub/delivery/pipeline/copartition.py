"""Co-partitioning: the process that owns a key's feed partition also owns its retry partition.

With ``ordering: key`` a feed event whose key has an earlier event in retry is parked behind it
(``parking``); that only works when the process reading the key's feed partition is also the one
reading the key's retry records, or the parked key never clears there. Kafka Streams' answer,
taken here:

- the retry topic has ``RETRY_PARTITIONS`` partitions, the feed topics' count (``FEED_PARTITIONS``);
- a record goes to the retry partition with the NUMBER of the feed partition it came from
  (explicit, so it holds whatever partitioner the publisher used);
- one consumer group per subscription reads the feeds and the retry topic together (one pattern)
  with the range assignor, which gives partition ``i`` of every subscribed topic with the same
  partition count to the same member. So feed partition ``i`` and retry partition ``i`` change
  owner together, in the same rebalance.

A feed topic created with another partition count breaks the alignment for that topic only
(it is logged at start): ordering through retries then holds within one process, as before.
A retry topic left by an older hub with another partition count is recreated when nothing in
it is pending (every record consumed, by the old retry group or the current group, or expired);
otherwise the sink refuses to start with ``RetryTopicMismatch`` rather than mis-order events.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Iterable

from bus.admin import KafkaAdmin
from bus.ports import FEED_PARTITIONS
from bus.records import TopicPartition
from hub.delivery.pipeline.feeds import topic_pattern
from schemas.errors import ConfigurationError

log = logging.getLogger(__name__)
RETRY_PARTITIONS = FEED_PARTITIONS
RANGE = True  # the consumer's range assignment (module docstring)
RECREATE_TIMEOUT_S = 30.0


class RetryTopicMismatch(ConfigurationError):
    """The retry topic has another partition count and still holds pending records."""

    code = "retry_topic_partitions"


def subscription_pattern(feeds: Iterable[str], retry_topic: str) -> str:
    """One regex for the sink's single consumer: its feed topics and its retry topic."""
    return rf"^(?:{topic_pattern(feeds)}|{re.escape(retry_topic)})$"


def retry_partition(origin_partition: int) -> int:
    return origin_partition % RETRY_PARTITIONS


async def ensure_retry_topic(bootstrap: str, topic: str, groups: Iterable[str]) -> None:
    """Create the retry topic with ``RETRY_PARTITIONS``; fix an old one (module docstring)."""
    await KafkaAdmin(bootstrap).create_topics([topic], RETRY_PARTITIONS)
    tps = await KafkaAdmin(bootstrap).visible_partitions(topic, RECREATE_TIMEOUT_S)
    if len(tps) == RETRY_PARTITIONS:
        return
    if not await _drained(bootstrap, tps, groups):
        raise RetryTopicMismatch(
            f"retry topic {topic} has {len(tps)} partitions, {RETRY_PARTITIONS} are needed, and it "
            "still holds pending retries: let an older hub drain it, or move its records and delete it"
        )
    log.warning("recreating drained retry topic %s with %d partitions", topic, RETRY_PARTITIONS)
    await KafkaAdmin(bootstrap).delete_topic(topic)
    await _recreate(bootstrap, topic)


async def _drained(bootstrap: str, tps: list[TopicPartition], groups: Iterable[str]) -> bool:
    admin = KafkaAdmin(bootstrap)
    done: dict[TopicPartition, int] = {}
    for group in groups:
        for tp, offset in (await admin.committed([group]))[group].items():
            done[tp] = max(done.get(tp, 0), offset)
    bounds = await admin.bounds(tps)
    return all(first == end or done.get(tp, 0) >= end for tp, (first, end) in bounds.items())


async def _recreate(bootstrap: str, topic: str) -> None:
    """Kafka deletes asynchronously: create again until the new topic has the right count."""
    deadline = time.monotonic() + RECREATE_TIMEOUT_S
    while time.monotonic() < deadline:
        await KafkaAdmin(bootstrap).create_topics([topic], RETRY_PARTITIONS)
        if len(await KafkaAdmin(bootstrap).partitions(names=[topic])) == RETRY_PARTITIONS:
            return
        await asyncio.sleep(0.2)
    raise RetryTopicMismatch(f"retry topic {topic} was deleted but could not be recreated")


async def misaligned_feeds(bootstrap: str, feeds: Iterable[str]) -> list[str]:
    """Feed topics whose partition count differs from the retry topic's (logged, not fatal)."""
    counts: dict[str, int] = {}
    for tp in await KafkaAdmin(bootstrap).partitions(pattern=topic_pattern(feeds)):
        counts[tp.topic] = counts.get(tp.topic, 0) + 1
    return sorted(topic for topic, count in counts.items() if count != RETRY_PARTITIONS)


__all__ = [
    "RANGE",
    "RETRY_PARTITIONS",
    "RetryTopicMismatch",
    "ensure_retry_topic",
    "misaligned_feeds",
    "retry_partition",
    "subscription_pattern",
]
