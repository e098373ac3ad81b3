"""When records reach a topic: a group-less consumer on every partition, from the end.

The consumer's positions are resolved before ``watching`` yields, so a record produced after
that is never skipped by a late "latest" lookup. Each record is stamped with the wall clock
the moment its fetch returned; the commit times it is compared with come from the same host.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime

from aiokafka import AIOKafkaConsumer

OnArrival = Callable[["Arrival"], Awaitable[None]]


@dataclass(frozen=True)
class Arrival:
    key: bytes | None
    value: bytes
    headers: dict[str, bytes]
    at: float  # time.time() when the fetch returned

    def header_time(self, name: str) -> float:
        """A header holding an RFC 3339 time (``ce_time``) or epoch seconds, as epoch seconds."""
        text = self.headers[name].decode()
        try:
            return float(text)
        except ValueError:
            return datetime.fromisoformat(text).timestamp()


@dataclass
class Watch:
    arrivals: list[Arrival] = field(default_factory=list)
    callbacks: set[asyncio.Task[None]] = field(default_factory=set)  # never hold up the next fetch

    def call(self, callback: Awaitable[None]) -> None:
        task = asyncio.ensure_future(callback)
        self.callbacks.add(task)
        task.add_done_callback(self.callbacks.discard)

    async def settled(self) -> None:
        """Every callback finished (the first failure re-raised)."""
        await asyncio.gather(*self.callbacks)

    async def wait_for(self, count: int, timeout_s: float) -> None:
        async with asyncio.timeout(timeout_s):
            while len(self.arrivals) < count:  # noqa: ASYNC110  # filled by the consumer task
                await asyncio.sleep(0.01)


@asynccontextmanager
async def watching(bootstrap: str, topic: str, on_arrival: OnArrival | None = None) -> AsyncIterator[Watch]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False, metadata_max_age_ms=500
    )
    await consumer.start()
    try:
        await _positioned_at_end(consumer)
        watch = Watch()
        reader = asyncio.create_task(_read(consumer, watch, on_arrival))
        try:
            yield watch
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
    finally:
        await consumer.stop()


async def _positioned_at_end(consumer: AIOKafkaConsumer, timeout_s: float = 20.0) -> None:
    """Every partition assigned (without a group: all of them) and its end offset looked up."""
    async with asyncio.timeout(timeout_s):
        while not consumer.assignment():  # noqa: ASYNC110  # aiokafka offers no event for it
            await asyncio.sleep(0.05)
    partitions = sorted(consumer.assignment())
    await consumer.seek_to_end(*partitions)
    for partition in partitions:
        await consumer.position(partition)


async def _read(consumer: AIOKafkaConsumer, watch: Watch, on_arrival: OnArrival | None) -> None:
    while True:
        fetched = await consumer.getmany(timeout_ms=100)
        now = time.time()
        for records in fetched.values():
            for record in records:
                headers = {name: bytes(value) for name, value in record.headers}
                arrival = Arrival(record.key, record.value, headers, now)
                watch.arrivals.append(arrival)
                if on_arrival is not None:
                    watch.call(on_arrival(arrival))


def percentiles(values_ms: Sequence[float]) -> dict[str, float]:
    """p50, p95 and p99 (inclusive method: defined from two values up)."""
    cuts = statistics.quantiles(values_ms, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98]}


__all__ = ["Arrival", "Watch", "percentiles", "watching"]
