"""Benchmark: ``Publisher.publish`` against a bare idempotent producer sending the same bytes.

Ours: N parcel changes through the connectors' publisher, ``publish_batch`` per call as the task
calls it: contract check (the real parcel contract), administrative-unit normalisation (codes of
both eras), CloudEvents encoding, the capture/send spans, then the idempotent ``acks=all``
producer, returning once Kafka acknowledged the batch. Baseline: an ``AIOKafkaProducer`` with
the same settings sending the very records the publisher built (same keys, values, headers),
pre-encoded, to a twin topic, batch by batch, waiting for the acknowledgements the same way.
The ratio is what validation and encoding cost on top of Kafka itself.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import TypeVar

from aiokafka import AIOKafkaProducer

from bus import producer as kafka
from bus.admin import KafkaAdmin
from connectors.publisher import Publisher
from connectors.source import Change
from schemas.events import Op
from schemas.events.kafka_codec import KafkaMessage
from tests.bench import parcels
from tests.bench.report import Measurement, throughput
from tests.bench.sizes import Sizes

T = TypeVar("T")
COLUMNS = [name.strip() for name in parcels.COLUMNS.split(",")]


def changes(count: int) -> list[Change]:
    """Inserted parcels as the CDC source hands them over (commit time, LSN-ordered positions)."""
    now = datetime.now(UTC)
    found = []
    for number in range(1, count + 1):
        row = {
            **dict(zip(COLUMNS, parcels.parcel(number), strict=True)),
            "use_until": None,
            "updated_at": now,
        }
        key = {"commune_code": row["commune_code"], "map_sheet_no": 1, "parcel_no": number}
        found.append(
            Change(table=parcels.TABLE, op=Op.CREATE, key=key, before=None, after=row,
                   position=f"{number:016X}", txid=str(number // 1000), commit_time=now)
        )  # fmt: skip
    return found


async def run(bootstrap: str, sizes: Sizes, run_id: str) -> list[Measurement]:
    config = parcels.cdc_config("dbname=unused", f"{run_id}p")
    twin = f"{config.feeds[0].topic}.raw"
    await KafkaAdmin(bootstrap).create_topics([twin])  # early: its leaders are elected by the time it is used
    producer = kafka.KafkaProducer(bootstrap, f"bench-{run_id}-publisher")
    await producer.start()
    try:
        publisher = Publisher(config, producer, parcels.parcel_contract)
        await publisher.start()
        batches = _batches(changes(sizes.publish_changes), sizes.publish_batch)
        messages = [[publisher.record(change).message for change in batch] for batch in batches]
        warm_up = await publisher.publish(batches[0])  # connections and metadata, not timed
        assert warm_up.quarantined == 0, "a valid parcel was quarantined"
        ours = await _timed(publisher.publish, batches)
    finally:
        await producer.stop()
    baseline = await _raw(bootstrap, twin, messages)
    name = f"publish {sizes.publish_changes:,} changes"
    return [throughput("publish", name, "events/s", ours, baseline, "raw idempotent producer")]


async def _raw(bootstrap: str, topic: str, batches: Sequence[Sequence[KafkaMessage]]) -> float:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", linger_ms=kafka.LINGER_MS,
        max_batch_size=kafka.MAX_BATCH_BYTES,
    )  # fmt: skip
    await producer.start()

    async def send(batch: Sequence[KafkaMessage]) -> None:
        acks = [await producer.send(topic, m.value, key=m.key, headers=m.headers) for m in batch]
        await asyncio.gather(*acks)

    try:
        await send(batches[0])  # warm-up, as for ours
        return await _timed(send, batches)
    finally:
        await producer.stop()


async def _timed(send: Callable[[Sequence[T]], Awaitable[object]], batches: Sequence[Sequence[T]]) -> float:
    started = time.perf_counter()
    for batch in batches:
        await send(batch)
    return sum(map(len, batches)) / (time.perf_counter() - started)


def _batches(items: list[Change], size: int) -> list[list[Change]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


__all__ = ["changes", "run"]
