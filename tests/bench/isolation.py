"""Benchmark: one slow, backlogged subscription does not raise a fast one's latency (issue 11).

One ``hub run``-like supervisor in this process, one feed. The fast subscription's portal is the
reference receiver in its own process. First the feed gets a history of ``isolation_backlog``
events, and the fast subscription, alone, delivers it and then K paced events: "alone". Then a
second subscription is created on the same feed, whose portal takes 2 s per request; it starts
from the beginning of the feed, so it works through the whole history (always behind: it
delivers 4 events/s), and from the moment it is created (its sink's start and the read of its
backlog included) the fast one gets K more paced events: "with the slow one". The store is
PostgreSQL, as in production (the delivery log and the routed events of both go there). Latency
of an event = the receiver's ``received_at`` minus the event's ``time`` (set just before it is
produced). The baseline of each row is the alone value: the ratio is the slowdown (goal: < 2).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from hub.settings import Settings
from tests.bench import parcels
from tests.bench.arrivals import percentiles
from tests.bench.report import Measurement, latency
from tests.bench.sizes import Sizes
from tests.hub.delivery.bench_throughput import receiver_process
from tests.hub.delivery.harness import Deployment, Portal, deployment
from tests.hub.store.pg_url import sqlalchemy_url

WAIT_S = 120.0
SLOW_REQUEST_S = 2.0


async def run(
    admin_dsn: str, bootstrap: str, settings: Settings, sizes: Sizes, run_id: str
) -> list[Measurement]:
    with parcels.fresh_database(admin_dsn) as dsn:  # the store of a production hub: PostgreSQL
        configured = settings.model_copy(update={"database_url": sqlalchemy_url(dsn)})
        async with deployment(configured, bootstrap, f"{run_id}i") as d:
            with receiver_process() as fast:
                alone, shared = await _measure(d, fast, sizes)
    return _report(sizes, alone, shared)


async def _measure(d: Deployment, fast: Portal, sizes: Sizes) -> tuple[list[float], list[float]]:
    backlog, k = sizes.isolation_backlog, sizes.latency_commits
    await d.publish(*(d.event(f"H{n % 500}", n) for n in range(backlog)))
    d.subscribe("fast", fast)
    async with d.hub():
        await _received(fast, backlog)  # the fast one is caught up with the history
        alone = await _paced(d, fast, "A", backlog, sizes)
        slow = await d.portal()  # in this process: it only sleeps
        await slow.control(mode="slow", delay_s=SLOW_REQUEST_S)
        d.subscribe("slow", slow, delivery={"timeout_s": SLOW_REQUEST_S * 5})
        shared = await _paced(d, fast, "B", backlog + k, sizes)  # from its start, intake included
        if (await slow.stats())["events"] >= backlog:
            raise RuntimeError("the slow subscription caught up: nothing was measured against it")
    return alone, shared


async def _paced(d: Deployment, fast: Portal, tag: str, before: int, sizes: Sizes) -> list[float]:
    """Latencies (ms) of K events produced one every ``latency_interval_s``."""
    k = sizes.latency_commits
    for n in range(k):
        await d.publish(d.event(f"{tag}{n % 50}", n))
        await asyncio.sleep(sizes.latency_interval_s)
    pushes = await _received(fast, before + k)
    return [
        (_epoch(push["received_at"]) - _epoch(event["time"])) * 1000
        for push in pushes
        for event in push["events"]
        if event["subject"].startswith(tag)
    ]


async def _received(portal: Portal, count: int) -> list[dict[str, Any]]:
    """Every push, once ``count`` events are in (polling the counter: the list is big)."""
    async with asyncio.timeout(WAIT_S):
        while (await portal.stats())["events"] < count:  # noqa: ASYNC110  # another process
            await asyncio.sleep(0.2)
    return await portal.received()


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def _report(sizes: Sizes, alone: list[float], shared: list[float]) -> list[Measurement]:
    ours, base = percentiles(shared), percentiles(alone)
    what = f"fast sub latency with a 2 s/request sub {sizes.isolation_backlog:,} behind"
    return [
        latency(
            "isolation", f"{what} {q} ({sizes.latency_commits} events)", ours[q], base[q], "fast sub alone"
        )
        for q in ("p50", "p99")
    ]


__all__ = ["run"]
