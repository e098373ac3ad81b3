"""Benchmark: the hub's delivery engine against a raw Kafka -> signed HTTP POST loop.

Ours: ``tests.hub.delivery.bench_throughput.measure``: N events already on a feed topic, one hub
(supervisor, sink, scheduler, signed pushes, delivery log) delivering them to the bare counting
receiver (its own process), events/s from the first push to the last; once one event per
request, once in batches.

Baseline (issue 13 item 4): a raw pipe over the same topic and to the same receiver: aiokafka
``getmany`` from the earliest offsets, each record decoded and encoded as the structured
CloudEvent (``from_kafka`` -> ``http_codec``; batches of the same size, ``webhook-id`` a uuid5 of
the members), signed the Standard Webhooks way with the subscription's secret (``signing``),
POSTed by as many workers as the subscription's ``max_in_flight`` on one pooled
``httpx.AsyncClient``; no offsets committed, no order kept, nothing logged. Both are timed the
same way (the receiver's counter, from its first event to its last). The ratio is what routing,
ordering, retry bookkeeping, batch identity and the delivery log cost on top of the pipe.

A second row keeps the older, looser baseline (the same bodies pre-built, POSTed unsigned, no
Kafka): the ceiling of the HTTP requests alone.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer

from hub.delivery.push import signing
from hub.settings import Settings
from schemas.events import ChangeEvent, http_codec
from schemas.events.kafka_codec import from_kafka
from tests.bench.report import Measurement, throughput
from tests.bench.sizes import Sizes
from tests.hub.delivery.bench_throughput import measure, receiver_process
from tests.hub.delivery.harness import Deployment, Portal, deployment

Request = tuple[str, bytes, str]  # webhook-id, body, content type
RAW_BATCH_NAMESPACE = uuid.UUID("9d3f51a0-5b7e-4c1e-9f0e-6d1c2b3a4f50")


async def run(bootstrap: str, settings: Settings, sizes: Sizes, run_id: str) -> list[Measurement]:
    in_flight = sizes.max_in_flight
    plans: list[tuple[str, int, dict[str, Any]]] = [
        ("single", sizes.single_events, {"mode": "single", "max_in_flight": in_flight}),
        ("batch", sizes.batch_events, {"mode": "batch", "batch_max_events": sizes.batch_max_events,
                                       "batch_max_wait_ms": 50, "max_in_flight": in_flight}),
    ]  # fmt: skip
    found = []
    for mode, count, options in plans:
        ours, pipe, posts = await _compare(bootstrap, settings, f"{run_id}d{mode[0]}", count, options)
        per = "1 per request" if mode == "single" else f"{sizes.batch_max_events} per request"
        name = f"deliver {count:,} events, {per}"
        against = f"raw Kafka getmany -> signed httpx POSTs x{in_flight}"
        found.append(throughput("delivery", name, "events/s", ours, pipe, against))
        found.append(
            throughput("delivery", f"{name} (vs bare POSTs)", "events/s", ours, posts,
                       f"pre-built unsigned httpx POSTs x{in_flight}, no Kafka")
        )  # fmt: skip
    return found


async def _compare(
    bootstrap: str, settings: Settings, unique: str, count: int, options: dict[str, Any]
) -> tuple[float, float, float]:
    """Events/s of the hub, of the raw pipe, and of bare POSTs of pre-built bodies."""
    with tempfile.TemporaryDirectory() as tmp:
        configured = settings.model_copy(update={"database_url": f"sqlite:///{Path(tmp) / 'hub.sqlite'}"})
        async with deployment(configured, bootstrap, unique) as d:
            with receiver_process(bare=True) as portal:
                ours = await measure(d, portal, count, options)
                per_request = options.get("batch_max_events", 1)
                workers = options["max_in_flight"]
                pipe = await _timed(portal, count, lambda: _raw_pipe(d, portal, count, per_request, workers))
                bodies = list(_bodies(_events(d, count), per_request))
                posts = await _timed(portal, count, lambda: _raw_posts(portal, bodies, workers))
                return ours, pipe, posts


async def _timed(portal: Portal, count: int, work: Callable[[], Coroutine[Any, Any, None]]) -> float:
    """Events/s of ``work`` as the receiver counts them: from its first event to its ``count``-th
    (the way ``measure`` times the hub)."""
    before = await _received(portal)
    task = asyncio.create_task(work())
    try:
        while await _received(portal) <= before:  # noqa: ASYNC110  # polling a server
            await asyncio.sleep(0.005)
        started = time.perf_counter()
        while await _received(portal) < before + count:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        await task
        return count / elapsed
    finally:
        task.cancel()


async def _received(portal: Portal) -> int:
    return int((await portal.stats())["events"])


async def _raw_pipe(d: Deployment, portal: Portal, count: int, per_request: int, workers: int) -> None:
    """aiokafka ``getmany`` -> structured CloudEvents -> signed POSTs, ``workers`` at a time."""
    queue: asyncio.Queue[Request | None] = asyncio.Queue(maxsize=workers * 4)
    limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:

        async def worker() -> None:
            while (request := await queue.get()) is not None:
                msg_id, body, content_type = request
                headers = signing.webhook_headers([portal.secret], msg_id, int(time.time()), body)
                headers["content-type"] = content_type
                response = await client.post(portal.hook, content=body, headers=headers)
                response.raise_for_status()

        posting = [asyncio.create_task(worker()) for _ in range(workers)]
        async for request in _requests(d, count, per_request):
            await queue.put(request)
        for _ in posting:
            await queue.put(None)
        await asyncio.gather(*posting)


async def _requests(d: Deployment, count: int, per_request: int) -> AsyncIterator[Request]:
    """The feed's first ``count`` records as requests of ``per_request`` events (partition by
    partition, in offset order)."""
    consumer = AIOKafkaConsumer(
        d.topic, bootstrap_servers=d.bootstrap, group_id=None, auto_offset_reset="earliest",
        enable_auto_commit=False,
    )  # fmt: skip
    await consumer.start()
    try:
        read = 0
        while read < count:
            batch = await consumer.getmany(timeout_ms=200, max_records=500)
            for records in batch.values():
                events = [from_kafka(r.key, r.value, list(r.headers)) for r in records]
                read += len(events)
                for request in _cut(events, per_request):
                    yield request
    finally:
        await consumer.stop()


def _cut(events: list[ChangeEvent], per_request: int) -> Iterator[Request]:
    if per_request == 1:
        for event in events:
            yield event.id, http_codec.encode(event), http_codec.STRUCTURED
        return
    for start in range(0, len(events), per_request):
        members = events[start : start + per_request]
        webhook_id = str(uuid.uuid5(RAW_BATCH_NAMESPACE, "\n".join(e.id for e in members)))
        yield webhook_id, http_codec.encode_batch(members), http_codec.BATCH


def _events(d: Deployment, count: int) -> list[ChangeEvent]:
    """The events ``measure`` published (same keys, ids and rows)."""
    return [d.event(f"K{n % 1000}", n) for n in range(count)]


def _bodies(events: list[ChangeEvent], per_request: int) -> Iterator[tuple[bytes, str]]:
    if per_request == 1:
        yield from ((http_codec.encode(event), http_codec.STRUCTURED) for event in events)
        return
    for start in range(0, len(events), per_request):
        yield http_codec.encode_batch(events[start : start + per_request]), http_codec.BATCH


async def _raw_posts(portal: Portal, bodies: list[tuple[bytes, str]], workers: int) -> None:
    """POST every pre-built body, ``workers`` requests at a time on one connection pool."""
    queue = iter(bodies)
    limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:

        async def worker() -> None:
            for body, content_type in queue:
                response = await client.post(
                    portal.hook, content=body, headers={"content-type": content_type}
                )
                response.raise_for_status()

        await asyncio.gather(*(worker() for _ in range(workers)))


__all__ = ["run"]
