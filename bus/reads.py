"""Group-less reads: records at given addresses, or a topic from its start to its current end.

Used to look back (the trace, the dead letters, the demo's count) without joining a group, so
reading never disturbs a running sink.
"""

from __future__ import annotations

import time
from collections.abc import Collection

from bus.admin import KafkaAdmin
from bus.consumer import KafkaConsumer
from bus.ports import Consumer
from bus.records import Record, TopicPartition
from schemas.errors import BusError

Address = tuple[str, int, int]  # topic, partition, offset
READ_TIMEOUT_S = 2.0
POLL_MS = 1000


async def read_at(
    bootstrap: str, addresses: Collection[Address], timeout_s: float = READ_TIMEOUT_S
) -> dict[Address, Record]:
    """The records found at ``addresses`` (each read on its own, at most ``timeout_s``); one gone
    with retention, or never there, is absent from the answer."""
    if not addresses:
        return {}
    reader = KafkaConsumer(bootstrap)
    found: dict[Address, Record] = {}
    try:
        await reader.start()
        reader.assign(sorted({TopicPartition(topic, partition) for topic, partition, _ in addresses}))
        for address in sorted(addresses):
            record = await _read_one(reader, address, timeout_s)
            if record is not None:
                found[address] = record
    finally:
        await reader.stop()
    return found


async def _read_one(reader: Consumer, address: Address, timeout_s: float) -> Record | None:
    topic, partition, offset = address
    tp = TopicPartition(topic, partition)
    reader.seek(tp, offset)  # already deleted: lands on the first kept record (then: absent)
    batch = await reader.getmany(tp, timeout_ms=int(timeout_s * 1000), max_records=1)
    records = batch.get(tp, [])
    return records[0] if records and records[0].offset == offset else None


async def read_topics(bootstrap: str, names: Collection[str], timeout_s: float | None = None) -> list[Record]:
    """Every record the topics hold now, from each partition's first kept offset to its end.

    ``timeout_s`` bounds the whole read (a ``BusError`` past it); None waits as long as it takes.
    """
    tps = await KafkaAdmin(bootstrap).partitions(names=names)
    if not tps:
        return []
    reader = KafkaConsumer(bootstrap)
    try:
        await reader.start()
        reader.assign(tps)
        bounds = await KafkaAdmin(bootstrap).bounds(tps)
        for tp, (first, _end) in bounds.items():
            reader.seek(tp, first)  # explicit: seek_to_beginning can race the reset
        return await read_until(reader, {tp: end for tp, (_first, end) in bounds.items()}, timeout_s)
    finally:
        await reader.stop()


async def read_until(
    reader: Consumer, ends: dict[TopicPartition, int], timeout_s: float | None = None
) -> list[Record]:
    """Read the assigned partitions up to (not including) ``ends``."""
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    records: list[Record] = []
    remaining = {tp for tp, end in ends.items() if end > 0}
    while remaining:
        if deadline is not None and time.monotonic() > deadline:
            raise BusError(f"read {len(records)} records of {sorted(remaining)} within {timeout_s:.0f}s")
        batch = await reader.getmany(*remaining, timeout_ms=POLL_MS)
        for tp, found in batch.items():
            records += [r for r in found if r.offset < ends[tp]]
        remaining = {tp for tp in remaining if await reader.position(tp) < ends[tp]}
    return records


__all__ = ["Address", "read_at", "read_topics", "read_until"]
