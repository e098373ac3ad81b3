"""The values that cross the bus boundary: partitions and consumed records, free of aiokafka types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from bus.headers import Headers, find, without_hub


class TopicPartition(NamedTuple):
    """Equal to (and hashed like) aiokafka's own, so either can key the same dict."""

    topic: str
    partition: int


@dataclass(frozen=True, slots=True)
class Record:
    """One consumed record: what the hub reads of it."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Headers
    timestamp_ms: int = 0

    @classmethod
    def of(cls, message: Any) -> Record:
        """From an aiokafka ``ConsumerRecord``."""
        headers = tuple((name, bytes(value or b"")) for name, value in message.headers or ())
        return cls(
            message.topic,
            message.partition,
            message.offset,
            message.key,
            message.value,
            headers,
            message.timestamp,
        )

    @property
    def tp(self) -> tuple[str, int]:
        return (self.topic, self.partition)

    def header(self, name: str) -> str | None:
        return find(self.headers, name)

    def event_headers(self) -> Headers:
        """The original headers, without the hub's bookkeeping."""
        return without_hub(self.headers)


class Sent(NamedTuple):
    """Where an acknowledged record was written."""

    partition: int
    offset: int
    timestamp_ms: int


Offsets = dict[TopicPartition, int]
Bounds = dict[TopicPartition, tuple[int, int]]  # (first kept offset, next offset to be written)

__all__ = ["Bounds", "Offsets", "Record", "Sent", "TopicPartition"]
