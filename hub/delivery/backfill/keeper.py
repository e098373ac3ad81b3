"""The state keeper: every feed record copied to its feed topic's compacted state topic.

Runs in ``hub run`` under its own consumer group (``Settings.state_keeper_group``), over the feed
topics some subscription names. For each feed record it writes, to ``<feed topic>.state``
(``schemas.naming.state_topic``, created compacted with the feed's partition count):

- the same key, to the SAME partition number (explicit), with the record's headers plus
  ``hub-source-topic/-partition/-offset``;
- the record's value, or a tombstone (no value, same headers) for a delete, so compaction drops
  deleted records.

Offsets are committed only after Kafka acknowledged the copies (at-least-once: a crash copies a
few records twice, identical). Each state partition is thus written in its feed partition's
offset order, which is what ``prefix`` relies on. A job reads the group's committed offsets to
know how far the state is complete (``copied_up_to``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Collection

from bus import headers
from bus.admin import KafkaAdmin
from bus.consumer import KafkaConsumer
from bus.ports import Ack
from bus.producer import KafkaProducer
from bus.records import Record, TopicPartition
from hub.delivery.pipeline.feeds import topic_pattern
from schemas.errors import BusError
from schemas.naming import state_topic

log = logging.getLogger(__name__)
POLL_MS = 200
BATCH = 2000


def is_delete(value: bytes | None) -> bool:
    """A change payload whose ``op`` is a delete (the keeper's only look inside a value)."""
    if value is None:
        return True
    try:
        return bool(json.loads(value).get("op") == "d")
    except (ValueError, AttributeError):
        return False


def copy_headers(record: Record) -> list[headers.Header]:
    return [
        *record.event_headers(),
        (headers.SOURCE_TOPIC, headers.text(record.topic)),
        (headers.SOURCE_PARTITION, headers.integer(record.partition)),
        (headers.SOURCE_OFFSET, headers.integer(record.offset)),
    ]


class _NoRebalanceWork:
    """Nothing to do on a rebalance: every batch is committed before the next poll."""

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        return None

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        return None


class StateKeeper:
    def __init__(self, bootstrap: str, producer: KafkaProducer, group: str, feeds: Collection[str]) -> None:
        self.bootstrap = bootstrap
        self.producer = producer
        self.group = group
        self.feeds = frozenset(feeds)
        self._ready: set[str] = set()  # state topics known to exist

    async def run(self) -> None:
        """Copy until cancelled."""
        consumer = KafkaConsumer(self.bootstrap, self.group)
        consumer.subscribe(topic_pattern(self.feeds), _NoRebalanceWork())
        try:
            await consumer.start()
            while True:
                batch = await consumer.getmany(timeout_ms=POLL_MS, max_records=BATCH)
                if batch:
                    await self._copy(consumer, batch)
        finally:
            await consumer.stop()

    async def _copy(self, consumer: KafkaConsumer, batch: dict[TopicPartition, list[Record]]) -> None:
        await self._ensure_state_topics({tp.topic for tp in batch})
        acks: list[Ack] = []
        for tp, records in batch.items():
            target = state_topic(tp.topic)
            for record in records:
                value = None if is_delete(record.value) else record.value
                acks.append(
                    await self.producer.send_record(
                        target, value, key=record.key, headers=copy_headers(record), partition=tp.partition
                    )
                )
        await self.producer.acknowledged(acks)
        try:
            await consumer.commit({tp: records[-1].offset + 1 for tp, records in batch.items()})
        except BusError as exc:  # a rebalance: the new owner copies those records again (identical)
            log.warning("state keeper commit failed (%s); records will be copied again", exc)

    async def _ensure_state_topics(self, topics: set[str]) -> None:
        missing = topics - self._ready
        if not missing:
            return
        admin = KafkaAdmin(self.bootstrap)
        counts: dict[str, int] = {}
        for tp in await admin.partitions(names=missing):
            counts[tp.topic] = counts.get(tp.topic, 0) + 1
        for topic, count in counts.items():
            await admin.create_compacted_topics([state_topic(topic)], count)
            await admin.visible_partitions(state_topic(topic), 10.0)
        self._ready |= missing


async def copied_up_to(
    bootstrap: str, group: str, partitions: Collection[TopicPartition]
) -> dict[TopicPartition, int]:
    """The keeper's committed next source offset per feed partition (0 where it has none)."""
    found = (await KafkaAdmin(bootstrap).committed([group], partitions))[group]
    return {tp: found.get(tp, 0) for tp in partitions}


async def run_keeper(keeper: StateKeeper, restart_s: float = 2.0) -> None:
    """Run ``keeper``, restarting it after a broker failure, until cancelled."""
    while True:
        try:
            await keeper.run()
        except BusError as exc:
            log.warning("state keeper stopped (%s); restarting in %.0fs", exc, restart_s)
            await asyncio.sleep(restart_s)


__all__ = ["StateKeeper", "copied_up_to", "copy_headers", "is_delete", "run_keeper"]
