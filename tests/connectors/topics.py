"""Reading what connectors published, from the real broker: records of a topic, decoded."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer

from schemas.events import ChangeEvent
from schemas.events.kafka_codec import from_kafka


@dataclass(frozen=True)
class Record:
    key: bytes | None
    value: bytes
    headers: dict[str, bytes]
    partition: int
    offset: int
    timestamp_ms: int = 0

    def event(self) -> ChangeEvent:
        return from_kafka(self.key, self.value, list(self.headers.items()))

    def body(self) -> Any:
        return json.loads(self.value)


async def read_topic(bootstrap: str, topic: str, count: int, timeout_s: float = 20.0) -> list[Record]:
    """At least ``count`` records of ``topic`` from its start (all partitions), or a failed assertion."""
    records = await collect(bootstrap, topic, lambda got: len(got) >= count, timeout_s)
    assert len(records) >= count, f"{topic}: {len(records)} of {count} records within {timeout_s}s"
    return records


async def collect(
    bootstrap: str, topic: str, enough: Callable[[list[Record]], bool], timeout_s: float = 20.0
) -> list[Record]:
    """Records of ``topic`` from its start until ``enough(records)`` or the timeout (then as many as came)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        metadata_max_age_ms=1000,
    )
    await consumer.start()
    records: list[Record] = []
    deadline = time.monotonic() + timeout_s
    try:
        while not enough(records) and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for messages in batch.values():
                records += [
                    Record(m.key, m.value or b"", dict(m.headers), m.partition, m.offset, m.timestamp)
                    for m in messages
                ]
    finally:
        await consumer.stop()
    return records


async def eventually(
    check: Callable[[], bool | Awaitable[bool]], timeout_s: float = 15.0, what: str = ""
) -> None:
    """Poll ``check`` until it holds (the suite's alternative to sleeping)."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result if isinstance(result, bool) else await result:
            return
        assert time.monotonic() < deadline, f"not within {timeout_s}s: {what or check}"
        await asyncio.sleep(0.05)
