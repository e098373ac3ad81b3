"""Reading back from Kafka what the trace and the status screen need (through ``bus``).

- ``read_events``: the records at given addresses (topic, partition, offset), decoded; a record
  gone with retention, or never there, or undecodable, is simply absent from the answer;
- ``committed_offsets``: consumer groups' committed offsets (how far each subscription got);
- ``partition_bounds``: first and next offsets of partitions (how far the log goes).

Nothing here joins a consumer group, so looking never disturbs a running sink.
"""

from __future__ import annotations

from collections.abc import Collection

from bus.admin import KafkaAdmin
from bus.reads import READ_TIMEOUT_S, Address, read_at
from bus.records import Bounds, Record, TopicPartition
from schemas.errors import InvalidInput
from schemas.events import ChangeEvent
from schemas.events.kafka_codec import from_kafka


async def read_events(
    bootstrap: str, addresses: Collection[Address], timeout_s: float = READ_TIMEOUT_S
) -> dict[Address, tuple[Record, ChangeEvent]]:
    """The decodable records found at ``addresses`` (each read on its own, at most ``timeout_s``)."""
    found: dict[Address, tuple[Record, ChangeEvent]] = {}
    for address, record in (await read_at(bootstrap, addresses, timeout_s)).items():
        event = _decoded(record)
        if event is not None:
            found[address] = (record, event)
    return found


def _decoded(record: Record) -> ChangeEvent | None:
    try:
        return from_kafka(record.key, record.value, list(record.event_headers()))
    except (InvalidInput, ValueError):
        return None


async def committed_offsets(
    bootstrap: str, groups: Collection[str], partitions: Collection[TopicPartition] | None = None
) -> dict[str, dict[TopicPartition, int]]:
    """Each group's committed next-offset per partition (partitions it never committed are absent)."""
    return await KafkaAdmin(bootstrap).committed(groups, partitions)


async def partition_bounds(bootstrap: str, partitions: Collection[TopicPartition]) -> Bounds:
    """(first kept offset, next offset to be written) per partition."""
    return await KafkaAdmin(bootstrap).bounds(partitions)


__all__ = ["Address", "committed_offsets", "partition_bounds", "read_events"]
