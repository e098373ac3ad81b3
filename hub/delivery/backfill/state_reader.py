"""Reading one state partition in offset order, between two offsets, without a consumer group."""

from __future__ import annotations

from collections.abc import AsyncIterator

from bus.consumer import KafkaConsumer
from bus.records import Record, TopicPartition

POLL_MS = 500
MAX_RECORDS = 2000


async def end_offset(bootstrap: str, tp: TopicPartition) -> int:
    reader = KafkaConsumer(bootstrap)
    try:
        await reader.start()
        return (await reader.end_offsets([tp]))[tp]
    finally:
        await reader.stop()


async def read_batches(
    bootstrap: str, tp: TopicPartition, start: int, stop: int
) -> AsyncIterator[list[Record]]:
    """Batches of the records of ``tp`` with ``start <= offset < stop`` (compaction leaves gaps)."""
    if start >= stop:
        return
    reader = KafkaConsumer(bootstrap)
    try:
        await reader.start()
        reader.assign([tp])
        reader.seek(tp, start)
        while await reader.position(tp) < stop:
            batch = (await reader.getmany(tp, timeout_ms=POLL_MS, max_records=MAX_RECORDS)).get(tp, [])
            records = [record for record in batch if record.offset < stop]
            if records:
                yield records
    finally:
        await reader.stop()


__all__ = ["end_offset", "read_batches"]
