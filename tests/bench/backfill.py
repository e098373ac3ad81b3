"""Benchmark: a backfill's rate, and what it does to another subscription's live latency.

N records are on a feed topic before anything runs. One hub (supervisor: state keeper, job
runner, lanes) then serves two subscriptions, each with its own receiver process:

- **live** (``start: now``): one event published every ``latency_interval_s``; its latency is the
  receiver's ``received_at`` minus the moment the event was sent. Measured alone first, then
  while the backfill runs: the ratio is what a backfill costs everybody else.
- **province** (``start: backfill``, batches of 100, the default backfill lane limit of
  ``HUB_BACKFILL_RATE_PER_S``): receives all N records' latest state. Its rate is records/s from
  the first push to the last, and from the job's start to its end (hand-over, keeper wait,
  counting, state reads, lane start and drain included). Baseline: the same N records delivered
  live by a third subscription starting at the earliest event (batches of 100), on the same hub,
  from its first push to its last.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

from hub.settings import Settings
from hub.store import state_jobs
from hub.store import subscriptions as stored
from hub.subscriptions.model import SubscriptionSpec
from hub.subscriptions.secrets import SigningSecrets
from tests.bench.arrivals import percentiles
from tests.bench.report import Measurement, latency, throughput
from tests.bench.sizes import Sizes
from tests.hub.delivery.bench_throughput import receiver_process
from tests.hub.delivery.harness import Deployment, Portal, deployment

WAIT_S = 300.0
BATCH = {"mode": "batch", "batch_max_events": 100, "batch_max_wait_ms": 50, "max_in_flight": 8}


async def run(bootstrap: str, settings: Settings, sizes: Sizes, run_id: str) -> list[Measurement]:
    records = sizes.batch_events
    with tempfile.TemporaryDirectory() as tmp:
        configured = settings.model_copy(
            update={
                "database_url": f"sqlite:///{Path(tmp) / 'hub.sqlite'}",
                "state_keeper_group": f"hub.state-keeper.{run_id}b",
            }
        )
        async with deployment(configured, bootstrap, f"{run_id}b") as d:
            with receiver_process() as live, receiver_process(bare=True) as target:
                return await _measure(d, live, target, records, sizes)


async def _measure(
    d: Deployment, live: Portal, target: Portal, records: int, sizes: Sizes
) -> list[Measurement]:
    await d.publish(*(d.event(f"R{n}", 1) for n in range(records)))
    d.subscribe("live", live, start="now")
    async with d.hub():
        await _probe(d, live)
        alone = await _latencies(d, live, sizes, lambda: _true())
        sid, job_id = _backfill(d, target)
        pushing = asyncio.create_task(_push_rate(target, records))
        during = await _latencies(d, live, sizes, lambda: _open(d, sid, job_id))
        await _until(lambda: _ended(d, sid, job_id))
        rate, job_rate = await pushing, _rate(d, sid, job_id)
        with receiver_process(bare=True) as replay:
            baseline = await _replay_rate(d, replay, records)
    a, b = percentiles(alone), percentiles(during)
    return [
        throughput("backfill", f"backfill {records:,} records, 100 per request", "records/s", rate, baseline,
                   "the same records delivered live"),
        throughput("backfill", f"backfill {records:,} records, job start to end", "records/s", job_rate,
                   baseline, "the same records delivered live"),
        latency("backfill", "live p50 during a backfill vs alone (ms)", b["p50"], a["p50"], "live alone"),
        latency("backfill", "live p99 during a backfill vs alone (ms)", b["p99"], a["p99"], "live alone"),
    ]  # fmt: skip


async def _true() -> bool:
    return True


async def _probe(d: Deployment, live: Portal) -> None:
    """Wait until the live lane delivers (its consumer has joined)."""
    n = 0
    while not await live.has(1):
        await d.publish(d.event("probe", n))
        n += 1
        await asyncio.sleep(0.2)


async def _latencies(
    d: Deployment, live: Portal, sizes: Sizes, going: Callable[[], Awaitable[bool]]
) -> list[float]:
    sent: dict[str, float] = {}
    tag = f"p{time.monotonic_ns()}"
    for n in range(sizes.latency_commits):
        if n >= 20 and not await going():
            break
        event = d.event(tag, n)
        sent[event.id] = time.time()
        await d.publish(event)
        await asyncio.sleep(sizes.latency_interval_s)
    await _until(lambda: _received(live, sent))
    arrived = {e["id"]: push["received_at"] for push in await live.received() for e in push["events"]}
    return [(datetime.fromisoformat(arrived[i]).timestamp() - at) * 1000 for i, at in sent.items()]


async def _received(live: Portal, sent: dict[str, float]) -> bool:
    ids = set(await live.event_ids())
    return all(i in ids for i in sent)


def _backfill(d: Deployment, target: Portal) -> tuple[str, int]:
    body = SubscriptionSpec.model_validate(
        {
            "id": f"prov-{d.domain[1:]}",
            "endpoint_url": target.hook,
            "feeds": [d.event_type],
            "delivery": BATCH,
        }
    )
    with d.store.session() as session:
        sub = stored.insert(session, body, SigningSecrets(target.secret))
        return sub.id, state_jobs.insert(session, sub.id, "backfill", {}, "bench").id


async def _open(d: Deployment, sid: str, job_id: int) -> bool:
    return not await _ended(d, sid, job_id)


async def _ended(d: Deployment, sid: str, job_id: int) -> bool:
    def read() -> bool:
        with d.store.session() as session:
            return state_jobs.get(session, sid, job_id).state in ("done", "failed")

    return await asyncio.to_thread(read)


def _rate(d: Deployment, sid: str, job_id: int) -> float:
    with d.store.session() as session:
        job = state_jobs.get(session, sid, job_id)
    assert job.state == "done" and job.ended_at is not None, job.error
    return job.delivered / (job.ended_at - job.started_at).total_seconds()


async def _replay_rate(d: Deployment, replay: Portal, records: int) -> float:
    d.subscribe("replay", replay, delivery=BATCH)
    return await _push_rate(replay, records)


async def _push_rate(portal: Portal, records: int) -> float:
    """Records per second at ``portal`` from its first push to the ``records``-th event."""
    await _until(lambda: _count_at_least(portal, 1))
    started = time.perf_counter()
    await _until(lambda: _count_at_least(portal, records))
    return records / (time.perf_counter() - started)


async def _count_at_least(portal: Portal, count: int) -> bool:
    return int((await portal.stats())["events"]) >= count


async def _until(condition: Callable[[], Awaitable[bool]]) -> None:
    async with asyncio.timeout(WAIT_S):
        while not await condition():  # noqa: ASYNC110  # polling a server and the store
            await asyncio.sleep(0.05)


__all__ = ["run"]
