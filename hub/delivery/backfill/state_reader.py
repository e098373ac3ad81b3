"""Reading state partitions in offset order, between two offsets, with one group-less consumer.

A job reads each state partition three times (count, learn, produce); one reader, started once
per job, serves every read (connecting costs more than a small partition's read).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from bus.consumer import KafkaConsumer
from bus.records import Record, TopicPartition

POLL_MS = 500
MAX_RECORDS = 500


class StateReader:
    def __init__(self, bootstrap: str) -> None:
        self._consumer = KafkaConsumer(bootstrap)
        self._started = False

    async def _ready(self) -> KafkaConsumer:
        if not self._started:
            self._started = True  # so ``close`` stops it, even when cancelled while connecting
            await self._consumer.start()
        return self._consumer

    async def close(self) -> None:
        if self._started:
            await self._consumer.stop()
            self._started = False

    async def end_offset(self, tp: TopicPartition) -> int:
        return (await (await self._ready()).end_offsets([tp]))[tp]

    async def batches(self, tp: TopicPartition, start: int, stop: int) -> AsyncIterator[list[Record]]:
        """Batches of the records of ``tp`` with ``start <= offset < stop`` (compaction leaves gaps)."""
        if start >= stop:
            return
        reader = await self._ready()
        reader.assign([tp])
        reader.seek(tp, start)
        while await reader.position(tp) < stop:
            batch = (await reader.getmany(tp, timeout_ms=POLL_MS, max_records=MAX_RECORDS)).get(tp, [])
            records = [record for record in batch if record.offset < stop]
            if records:
                yield records


__all__ = ["MAX_RECORDS", "StateReader"]
