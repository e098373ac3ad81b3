"""Reading back from Kafka what the trace and the status screen need.

THE place their aiokafka errors become ``BusError``.

- ``read_events``: the records at given addresses (topic, partition, offset), decoded; a record
  gone with retention, or never there, is simply absent from the answer;
- ``committed_offsets``: consumer groups' committed offsets (how far each subscription got);
- ``partition_bounds``: first and next offsets of partitions (how far the log goes).

Nothing here joins a consumer group: reads use group-less consumers and the admin client, so
looking never disturbs a running sink.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from hub.delivery.job import Record
from schemas.errors import BusError, InvalidInput
from schemas.events import ChangeEvent
from schemas.events.kafka_codec import from_kafka

Address = tuple[str, int, int]  # topic, partition, offset
READ_TIMEOUT_S = 2.0


def _reader(bootstrap: str) -> AIOKafkaConsumer:
    """Group-less; a wanted offset already deleted lands on the first kept record (then: absent)."""
    return AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False, auto_offset_reset="earliest"
    )


async def read_events(
    bootstrap: str, addresses: Collection[Address], timeout_s: float = READ_TIMEOUT_S
) -> dict[Address, tuple[Record, ChangeEvent]]:
    """The decodable records found at ``addresses`` (each read on its own, at most ``timeout_s``)."""
    if not addresses:
        return {}
    consumer = _reader(bootstrap)
    found: dict[Address, tuple[Record, ChangeEvent]] = {}
    try:
        await consumer.start()
        consumer.assign(sorted({TopicPartition(topic, partition) for topic, partition, _ in addresses}))
        for address in sorted(addresses):
            record = await _read_at(consumer, address, timeout_s)
            event = _decoded(record) if record is not None else None
            if record is not None and event is not None:
                found[address] = (record, event)
    except KafkaError as exc:
        raise BusError(f"cannot read events back from Kafka: {exc}") from exc
    finally:
        await consumer.stop()
    return found


async def _read_at(consumer: AIOKafkaConsumer, address: Address, timeout_s: float) -> Record | None:
    topic, partition, offset = address
    tp = TopicPartition(topic, partition)
    consumer.seek(tp, offset)
    batch = await consumer.getmany(tp, timeout_ms=int(timeout_s * 1000), max_records=1)
    messages = batch.get(tp, [])
    return Record.of(messages[0]) if messages and messages[0].offset == offset else None


def _decoded(record: Record) -> ChangeEvent | None:
    try:
        return from_kafka(record.key, record.value, list(record.event_headers()))
    except (InvalidInput, ValueError):
        return None


async def committed_offsets(
    bootstrap: str, groups: Collection[str], partitions: Collection[TopicPartition] | None = None
) -> dict[str, dict[TopicPartition, int]]:
    """Each group's committed next-offset per partition (partitions it never committed are absent)."""
    if not groups:
        return {}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    names = list(groups)
    wanted = list(partitions) if partitions is not None else None
    try:
        await admin.start()
        answers = await asyncio.gather(
            *(admin.list_consumer_group_offsets(group, partitions=wanted) for group in names)
        )
    except KafkaError as exc:
        raise BusError(f"cannot read consumer group offsets: {exc}") from exc
    finally:
        await admin.close()
    return {
        group: {tp: meta.offset for tp, meta in answer.items() if meta.offset >= 0}
        for group, answer in zip(names, answers, strict=True)
    }


async def partition_bounds(
    bootstrap: str, partitions: Collection[TopicPartition]
) -> dict[TopicPartition, tuple[int, int]]:
    """(first kept offset, next offset to be written) per partition."""
    if not partitions:
        return {}
    consumer = _reader(bootstrap)
    try:
        await consumer.start()
        starts = await consumer.beginning_offsets(list(partitions))
        ends = await consumer.end_offsets(list(partitions))
    except KafkaError as exc:
        raise BusError(f"cannot read partition offsets: {exc}") from exc
    finally:
        await consumer.stop()
    return {tp: (starts[tp], ends[tp]) for tp in partitions}


__all__ = ["Address", "committed_offsets", "partition_bounds", "read_events"]
