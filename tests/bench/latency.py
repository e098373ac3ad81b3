"""Benchmark: real-time latency, from a commit in PostgreSQL to the event on its topic, and on to
the portal.

Commit -> Kafka: the ``postgres_cdc`` connector task runs on a parcel table; K single-row
transactions are committed, one every ``latency_interval_s``; an event's latency is the moment
a consumer fetched it minus its commit time (``ce_time``: PostgreSQL's commit timestamp).
Baseline: the broker's own round trip, the same records re-sent by a bare idempotent producer
(``acks=all``, no linger) at the same pace; latency = fetched - sent.

Commit -> portal: the hub (delivery supervisor, one subscription, one event per request) pushes
the feed to the reference receiver, run as its own process as a portal would be; latency = the
receiver's ``received_at`` minus the commit time. Baseline: a bare relay over the same hops
minus PostgreSQL and the hub: each record of the round trip above POSTed, signed, to the same
receiver the moment it is fetched; latency = received_at - sent.

Commit -> portal at 1,000 events/s (issue 13's goal: p99 <= 50 ms): another process commits
single-row transactions at 1,000/s while the hub pushes the feed to the receiver in batches with
a short wait (``BATCH_DELIVERY``); latency = received_at - commit time, every row from the first.
As in production, the connector task runs in a process of its own (``task_process``) and the
hub's store is PostgreSQL.

In the other trials everything but the receiver and the writer shares one event loop, as
connector and hub would not in production: those numbers are an upper bound.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import psycopg
from aiokafka import AIOKafkaProducer

from bus.admin import KafkaAdmin
from connectors.positions import MemoryPositions
from connectors.status import TaskState
from connectors.task import ConnectorTask
from hub.delivery.push import signing
from hub.settings import Settings
from hub.store import subscriptions as stored
from schemas.events import http_codec
from schemas.events.kafka_codec import from_kafka
from tests.bench import parcel_changes, parcels, task_process
from tests.bench.arrivals import Arrival, percentiles, watching
from tests.bench.report import Measurement, latency
from tests.bench.sizes import Sizes
from tests.connectors import land_parcels
from tests.hub.delivery.bench_throughput import receiver_process
from tests.hub.delivery.harness import Deployment, Portal, deployment
from tests.hub.store.pg_url import sqlalchemy_url

WAIT_S = 60.0
WARM_UP_WAIT_S = 180.0  # the new subscription's first 2K events, on a loaded machine
RATE_PER_S = 1000.0
PORTAL_GOAL_P99_MS = 50.0
BATCH_DELIVERY = {"mode": "batch", "batch_max_events": 100, "batch_max_wait_ms": 10, "max_in_flight": 8}
SENT = "bench-sent"
RELAY = "relay-"
Latencies = list[float]


async def run(
    admin_dsn: str, bootstrap: str, settings: Settings, sizes: Sizes, run_id: str
) -> list[Measurement]:
    with parcels.fresh_database(admin_dsn) as dsn, parcels.fresh_database(admin_dsn) as store_dsn:
        # the store of a production hub: PostgreSQL (on SQLite, one writer: the ledger's record of
        # each request waited behind the delivery log's flush)
        configured = settings.model_copy(update={"database_url": sqlalchemy_url(store_dsn)})
        async with deployment(configured, bootstrap, f"{run_id}l") as d:
            with receiver_process() as portal:
                return await _measure(d, portal, dsn, sizes)


async def _measure(d: Deployment, portal: Portal, dsn: str, sizes: Sizes) -> list[Measurement]:
    config = parcels.cdc_config(dsn, d.domain, event_type=d.event_type, snapshot_mode="never")
    task = ConnectorTask(
        config, bootstrap=d.bootstrap, positions=MemoryPositions(), contracts=parcels.parcel_contract
    )
    twin = f"bench.{d.domain}.rtt"
    await KafkaAdmin(d.bootstrap).create_topics(
        [twin]
    )  # early: its leaders are elected by the time it is used
    task.start()
    try:
        await _until(lambda: task.status.state == TaskState.RUNNING, "the connector to run")
        captured, records = await _capture(d, dsn, sizes)
        round_trips, relayed = await _bare(d.bootstrap, portal, records, sizes, twin)
        delivered = await _deliver(d, portal, dsn, sizes)
    finally:
        await task.stop()
    async with task_process.running_elsewhere(config, d.bootstrap):  # the same slot, from where it stopped
        at_rate = await _deliver_at_rate(d, portal, dsn, sizes)
    return [
        *_report(sizes.latency_commits, captured, round_trips, delivered, relayed),
        _at_rate(sizes.portal_rate_events, at_rate),
    ]


def _report(k: int, captured: Latencies, round_trips: Latencies, delivered: Latencies,
            relayed: Latencies) -> list[Measurement]:  # fmt: skip
    ours, bare = percentiles(captured), percentiles(round_trips)
    hub, relay = percentiles(delivered), percentiles(relayed)
    return [
        *(latency("latency", f"commit -> Kafka {q} ({k} tx)", ours[q], bare[q], "raw produce -> consume")
          for q in ("p50", "p95", "p99")),
        *(latency("latency", f"commit -> portal {q} ({k} tx)", hub[q], relay[q], "Kafka hop + signed POST")
          for q in ("p50", "p95")),
    ]  # fmt: skip


def _at_rate(count: int, delivered: Latencies) -> Measurement:
    p99 = percentiles(delivered)["p99"]
    found = latency("latency", f"commit -> portal p99 ({count:,} tx at {RATE_PER_S:,.0f}/s, batches)",
                    p99, PORTAL_GOAL_P99_MS, "the goal")  # fmt: skip
    return replace(found, target=f"<= {PORTAL_GOAL_P99_MS:g} ms", met=p99 <= PORTAL_GOAL_P99_MS)


async def _capture(d: Deployment, dsn: str, sizes: Sizes) -> tuple[Latencies, list[Arrival]]:
    """Latencies of parcels 1..K, committed one by one, as fetched from the feed topic."""
    k = sizes.latency_commits
    async with watching(d.bootstrap, d.topic) as watch:
        await _commit_paced(dsn, range(1, k + 1), sizes.latency_interval_s)
        await watch.wait_for(k, WAIT_S)
    return [(a.at - a.header_time("ce_time")) * 1000 for a in watch.arrivals], watch.arrivals


async def _commit_paced(dsn: str, numbers: Iterable[int], interval_s: float) -> None:
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
        for number in numbers:
            await conn.execute(land_parcels.INSERT, parcels.parcel(number))
            await asyncio.sleep(interval_s)


async def _bare(
    bootstrap: str, portal: Portal, records: Sequence[Arrival], sizes: Sizes, topic: str
) -> tuple[Latencies, Latencies]:
    """The broker round trip of the same records, and the same with a signed POST after it."""
    sent: dict[str, float] = {}

    async def relay(arrival: Arrival) -> None:
        event = from_kafka(arrival.key, arrival.value, list(arrival.headers.items()))
        msg_id, body = f"{RELAY}{event.id}", http_codec.encode(event)
        headers = signing.webhook_headers([portal.secret], msg_id, int(time.time()), body)
        sent[msg_id] = arrival.header_time(SENT)
        response = await portal.http.post(
            portal.hook, content=body, headers={**headers, "content-type": http_codec.STRUCTURED}
        )
        response.raise_for_status()

    async with watching(bootstrap, topic, relay) as watch:
        await _send_paced(bootstrap, topic, records, sizes.latency_interval_s)
        await watch.wait_for(len(records), WAIT_S)
        await watch.settled()
    round_trips = [(a.at - a.header_time(SENT)) * 1000 for a in watch.arrivals]
    pushes = await _pushes(portal, lambda found: len(_relayed(found)) >= len(records))
    return round_trips, [(at - sent[msg_id]) * 1000 for msg_id, at in _relayed(pushes).items()]


async def _send_paced(bootstrap: str, topic: str, records: Sequence[Arrival], interval_s: float) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        for record in records:
            headers = [*record.headers.items(), (SENT, repr(time.time()).encode())]
            await producer.send(topic, record.value, key=record.key, headers=headers)
            await asyncio.sleep(interval_s)
        await producer.flush()
    finally:
        await producer.stop()


async def _deliver(d: Deployment, portal: Portal, dsn: str, sizes: Sizes) -> Latencies:
    """Parcels K+1..2K committed once the hub has delivered the first K (so it is warm)."""
    k = sizes.latency_commits
    d.subscribe("latency", portal)
    before = await _accepted(portal)
    async with d.hub():
        await _until_accepted(portal, before + k)
        await _commit_paced(dsn, range(k + 1, 2 * k + 1), sizes.latency_interval_s)
        await _until_accepted(portal, before + 2 * k)
        pushes = await portal.received()
    return [(at - committed) * 1000 for at, committed in _delivered(pushes, first=k + 1).values()]


async def _deliver_at_rate(d: Deployment, portal: Portal, dsn: str, sizes: Sizes) -> Latencies:
    """Parcels 2K+1.. committed at 1,000/s by another process, pushed in batches with a short wait.

    The one-per-request subscription is gone by then; this one starts at the feed's start, so it
    delivers the first 2K in batches (warming up) before the paced commits begin.
    """
    k, count = sizes.latency_commits, sizes.portal_rate_events
    with d.store.session() as session:
        stored.delete(session, f"latency-{d.domain[1:]}")
    d.subscribe("rate", portal, delivery=BATCH_DELIVERY)
    first = 2 * k + 1
    before = await _accepted(portal)
    async with d.hub():
        await _until_accepted(portal, before + 2 * k, WARM_UP_WAIT_S)
        paced = ("--inserts", f"--first={first}", f"--rate={RATE_PER_S}")
        await parcel_changes.commit_elsewhere(dsn, count, *paced)
        await _until_accepted(portal, before + 2 * k + count)
        pushes = await portal.received()
    if _batched(pushes) < 2 * k:
        raise AssertionError(f"the warm-up was not delivered in batches ({_batched(pushes)} of {2 * k})")
    return [(at - committed) * 1000 for at, committed in _delivered(pushes, first=first).values()]


def _batched(pushes: list[dict[str, Any]]) -> int:
    """Events the hub pushed in batches: a batch's webhook id is its own, a single event's is the
    event's (and the relay's are marked)."""
    hub = [push for push in pushes if not push["webhook_id"].startswith(RELAY)]
    batches = [push for push in hub if [e["id"] for e in push["events"]] != [push["webhook_id"]]]
    return len({event["subject"] for push in batches for event in push["events"]})


def _relayed(pushes: list[dict[str, Any]]) -> dict[str, float]:
    """Relay webhook id -> when the receiver got it."""
    return {p["webhook_id"]: _epoch(p["received_at"]) for p in pushes if p["webhook_id"].startswith(RELAY)}


def _delivered(pushes: list[dict[str, Any]], first: int) -> dict[int, tuple[float, float]]:
    """Parcel number (from ``first``) -> (received, committed), for the hub's own pushes."""
    found = {}
    for push in pushes:
        if push["webhook_id"].startswith(RELAY):
            continue
        for event in push["events"]:
            number = int(event["subject"].rsplit(":", 1)[1])
            if number >= first:
                found[number] = (_epoch(push["received_at"]), _epoch(event["time"]))
    return found


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


async def _accepted(portal: Portal) -> int:
    """Events the receiver accepted so far (its counter: cheap to read, unlike the list)."""
    return int((await portal.stats())["events"])


async def _until_accepted(portal: Portal, events: int, wait_s: float = WAIT_S) -> None:
    """Wait for the receiver's counter. Polling ``/received`` instead (every push so far, each
    time) loaded the receiver and this process while the latencies were being measured."""
    async with asyncio.timeout(wait_s):
        while await _accepted(portal) < events:  # noqa: ASYNC110  # another process
            await asyncio.sleep(0.05)


async def _pushes(
    portal: Portal, enough: Callable[[list[dict[str, Any]]], bool], wait_s: float = WAIT_S
) -> list[dict[str, Any]]:
    async with asyncio.timeout(wait_s):
        while not enough(found := await portal.received()):  # noqa: ASYNC110  # another process
            await asyncio.sleep(0.2)
    return found


async def _until(condition: Callable[[], bool], what: str) -> None:
    try:
        async with asyncio.timeout(WAIT_S):
            while not condition():  # noqa: ASYNC110  # the task's status is plain state
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise TimeoutError(f"waited {WAIT_S:g}s for {what}") from None


__all__ = ["run"]
