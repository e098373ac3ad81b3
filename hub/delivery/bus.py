"""The delivery engine's Kafka plumbing, and THE place its aiokafka errors become ``BusError``.

Where the broker is (settings or the local dev broker), how the engine's producers and consumers
are configured (idempotent producer with ``acks=all``; consumers that never auto-commit, because
offsets move only when events are resolved), and creating the per-subscription topics.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from connectors.kafka import create_topics
from hub.devstack import kafka as devkafka
from hub.settings import Settings
from schemas.errors import BusError, ConfigurationError

log = logging.getLogger(__name__)
SUBSCRIPTION_TOPIC_PARTITIONS = 3
METADATA_MAX_AGE_MS = 10_000  # how soon a pattern subscription sees a new feed topic


def bootstrap_servers(settings: Settings) -> str:
    found = settings.kafka_bootstrap or devkafka.running(settings)
    if not found:
        raise ConfigurationError("no Kafka: set HUB_KAFKA_BOOTSTRAP or start the dev stack (make up)")
    return found


def producer(bootstrap: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", linger_ms=5)


async def start(client: AIOKafkaProducer | AIOKafkaConsumer) -> None:
    """Start a client; when the broker cannot be reached, close it (no leaked connections) and raise."""
    try:
        await client.start()
    except KafkaError as exc:
        await client.stop()
        raise BusError(f"cannot connect to Kafka: {exc}") from exc


def group_consumer(bootstrap: str, group: str, **options: Any) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        metadata_max_age_ms=METADATA_MAX_AGE_MS,
        **options,
    )


def reader(bootstrap: str) -> AIOKafkaConsumer:
    """A group-less consumer for reading a topic from its start (dead letters)."""
    return AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)


async def ensure_topics(
    bootstrap: str, names: Iterable[str], partitions: int = SUBSCRIPTION_TOPIC_PARTITIONS
) -> None:
    """Create the subscription's topics that do not exist yet (the connectors' topic creation)."""
    await create_topics(bootstrap, list(names), partitions)


async def delete_topic(bootstrap: str, name: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        await admin.start()
        await admin.delete_topics([name])
    except KafkaError as exc:
        raise BusError(f"cannot delete topic {name}: {exc}") from exc
    finally:
        await admin.close()


async def committed(bootstrap: str, group: str) -> dict[TopicPartition, int]:
    """The offsets ``group`` has committed (none for an unknown group)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        await admin.start()
        found = await admin.list_consumer_group_offsets(group)
    except KafkaError as exc:
        raise BusError(f"cannot read the offsets of group {group}: {exc}") from exc
    finally:
        await admin.close()
    return {tp: meta.offset for tp, meta in found.items() if meta.offset >= 0}


async def bounds(bootstrap: str, tps: list[TopicPartition]) -> dict[TopicPartition, tuple[int, int]]:
    """Each partition's first and end offsets."""
    consumer = reader(bootstrap)
    try:
        await consumer.start()
        first = await consumer.beginning_offsets(tps)
        end = await consumer.end_offsets(tps)
    except KafkaError as exc:
        raise BusError(f"cannot read the offsets of {tps}: {exc}") from exc
    finally:
        await consumer.stop()
    return {tp: (first[tp], end[tp]) for tp in tps}


async def partitions(
    bootstrap: str, *, names: Iterable[str] = (), pattern: str | None = None
) -> list[TopicPartition]:
    """Partitions of the named topics and of those matching ``pattern``; unknown topics have none
    (never auto-created by asking)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        await admin.start()
        wanted = set(names)
        if pattern is not None:
            regex = re.compile(pattern)
            wanted |= {t for t in await admin.list_topics() if regex.match(t)}
        described = await admin.describe_topics(sorted(wanted)) if wanted else []
    except KafkaError as exc:
        raise BusError(f"cannot read topic metadata: {exc}") from exc
    finally:
        await admin.close()
    return sorted(
        TopicPartition(topic["topic"], part["partition"])
        for topic in described
        if topic["error_code"] == 0
        for part in topic["partitions"]
    )


__all__ = [
    "bootstrap_servers",
    "bounds",
    "committed",
    "delete_topic",
    "ensure_topics",
    "group_consumer",
    "partitions",
    "producer",
    "reader",
    "start",
]
