"""Benchmark: the hub's delivery engine against bare HTTP POSTs to the same receiver.

Ours: ``tests.hub.delivery.bench_throughput.measure``: N events already on a feed topic, one hub
(supervisor, sink, scheduler, signed pushes, delivery log) delivering them to the bare counting
receiver (its own process), events/s from the first push to the last; once one event per
request, once in batches. Baseline: the same bodies (``http_codec.encode`` / ``encode_batch`` of
the same events) POSTed with one pooled ``httpx.AsyncClient`` by as many workers as the
subscription's ``max_in_flight``, to the same receiver. The ratio is what consuming Kafka,
routing, signing, retry bookkeeping and the delivery log cost on top of the HTTP requests.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from hub.settings import Settings
from schemas.events import ChangeEvent, http_codec
from tests.bench.report import Measurement, throughput
from tests.bench.sizes import Sizes
from tests.hub.delivery.bench_throughput import measure, receiver_process
from tests.hub.delivery.harness import Deployment, Portal, deployment


async def run(bootstrap: str, settings: Settings, sizes: Sizes, run_id: str) -> list[Measurement]:
    in_flight = sizes.max_in_flight
    plans: list[tuple[str, int, dict[str, Any]]] = [
        ("single", sizes.single_events, {"mode": "single", "max_in_flight": in_flight}),
        ("batch", sizes.batch_events, {"mode": "batch", "batch_max_events": sizes.batch_max_events,
                                       "batch_max_wait_ms": 50, "max_in_flight": in_flight}),
    ]  # fmt: skip
    found = []
    for mode, count, options in plans:
        ours, baseline = await _compare(bootstrap, settings, f"{run_id}d{mode[0]}", count, options)
        per = "1 per request" if mode == "single" else f"{sizes.batch_max_events} per request"
        name = f"deliver {count:,} events, {per}"
        found.append(
            throughput("delivery", name, "events/s", ours, baseline, f"raw httpx POSTs x{in_flight}")
        )
    return found


async def _compare(
    bootstrap: str, settings: Settings, unique: str, count: int, options: dict[str, Any]
) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        configured = settings.model_copy(update={"database_url": f"sqlite:///{Path(tmp) / 'hub.sqlite'}"})
        async with deployment(configured, bootstrap, unique) as d:
            with receiver_process(bare=True) as portal:
                ours = await measure(d, portal, count, options)
                per_request = options.get("batch_max_events", 1)
                bodies = list(_bodies(_events(d, count), per_request))
                baseline = await _raw_posts(portal, bodies, options["max_in_flight"])
                return ours, count / baseline


def _events(d: Deployment, count: int) -> list[ChangeEvent]:
    """The events ``measure`` published (same keys, ids and rows)."""
    return [d.event(f"K{n % 1000}", n) for n in range(count)]


def _bodies(events: list[ChangeEvent], per_request: int) -> Iterator[tuple[bytes, str]]:
    if per_request == 1:
        yield from ((http_codec.encode(event), http_codec.STRUCTURED) for event in events)
        return
    for start in range(0, len(events), per_request):
        yield http_codec.encode_batch(events[start : start + per_request]), http_codec.BATCH


async def _raw_posts(portal: Portal, bodies: list[tuple[bytes, str]], workers: int) -> float:
    """Seconds to POST every body, ``workers`` requests at a time on one connection pool."""
    queue = iter(bodies)
    limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:

        async def worker() -> None:
            for body, content_type in queue:
                response = await client.post(
                    portal.hook, content=body, headers={"content-type": content_type}
                )
                response.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(workers)))
        return time.perf_counter() - started


__all__ = ["run"]
