"""Benchmark: what one ``hub run`` with many subscriptions costs idle, and its memory under a
backlog (issue 13 item 5).

``hub run`` itself (the installed command, in its own process: its CPU and memory are its own)
over a fresh PostgreSQL store holding N subscriptions (``--subscriptions``, default 100) on one
feed pattern that matches ``subscriptions_feeds`` topics. Once every sink's consumer holds its
partitions (the process's presence row says so) and a few seconds have passed, "idle" is its CPU
time over ``subscriptions_idle_s`` of wall time, and its resident memory then. Then
``subscriptions_backlog`` small events are produced across the feed topics while every
subscriber's endpoint accepts requests and never answers (a slow province: nothing completes,
every sink fills its queue and its consumer's buffers), and "backlog" is the process's peak
resident memory (``VmHWM``) by ``subscriptions_hold_s`` later. Baseline of every row: the same
process with one subscription, measured the same way in the same run. Goals (the issue's):
≤ 5% of a core idle and ≤ 250 MB RSS at 100 subscriptions, whatever the backlog.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

from bus.admin import KafkaAdmin
from bus.ports import FEED_PARTITIONS
from bus.producer import KafkaProducer
from hub.settings import Settings
from hub.store import delivery_workers, migrate
from hub.store import subscriptions as stored
from hub.store.base import Store
from hub.subscriptions.model import SubscriptionSpec
from hub.subscriptions.secrets import SigningSecrets, generate_secret
from schemas.events import ChangeEvent, ChangePayload, Op, SourceInfo
from schemas.events.kafka_codec import to_kafka
from tests.bench import parcels
from tests.bench.report import Measurement
from tests.bench.sizes import Sizes
from tests.bench.subscriptions_usage import Usage, measure, memory_mb
from tests.hub.store.pg_url import sqlalchemy_url

START_WAIT_S = 420.0
SETTLE_S = 5.0  # after the last sink holds its partitions: the start's own work is done
CPU_GOAL = 0.05
RSS_GOAL_MB = 250.0
ANSWER_NEVER_S = 120.0  # the subscriptions' request timeout: the longest the model allows


@dataclass(frozen=True)
class Phase:
    started_s: float  # until every sink held its partitions
    idle: Usage
    backlog_peak_mb: float


@dataclass(frozen=True)
class Bench:
    """One run's names: its database, its feed topics, the endpoint that never answers."""

    settings: Settings
    store: Store
    bootstrap: str
    domain: str
    endpoint: str
    sizes: Sizes

    def topics(self) -> list[str]:
        return [f"gov.{self.domain}.e{n}.v1" for n in range(self.sizes.subscriptions_feeds)]


async def run(
    admin_dsn: str, bootstrap: str, settings: Settings, sizes: Sizes, run_id: str, count: int
) -> list[Measurement]:
    with parcels.fresh_database(admin_dsn) as dsn:
        url = sqlalchemy_url(dsn)
        await asyncio.to_thread(migrate.upgrade, url)
        store = Store(url)
        try:
            async with never_answering() as endpoint:
                bench = Bench(settings, store, bootstrap, f"s{run_id}", endpoint, sizes)
                await KafkaAdmin(bootstrap).create_topics(bench.topics(), FEED_PARTITIONS)
                alone = await _phase(bench, url, [f"s{run_id}-base"])
                many = await _phase(bench, url, [f"s{run_id}-{n}" for n in range(count)])
        finally:
            store.engine.dispose()
    return _report(sizes, count, many, alone)


async def _phase(bench: Bench, url: str, ids: list[str]) -> Phase:
    with bench.store.session() as session:
        for sid in ids:
            spec = SubscriptionSpec.model_validate(
                {
                    "id": sid,
                    "endpoint_url": bench.endpoint,
                    "feeds": [f"vn.gov.{bench.domain}.*"],
                    "start": "now",
                    "delivery": {"timeout_s": ANSWER_NEVER_S},
                }
            )
            stored.insert(session, spec, SigningSecrets(generate_secret()))
    try:
        with hub_run(bench, url) as process:
            started = time.monotonic()
            await _all_holding(bench.store, process, set(ids))
            started_s = time.monotonic() - started
            await asyncio.sleep(SETTLE_S)
            idle = await measure(process.pid, bench.sizes.subscriptions_idle_s)
            await _backlog(bench)
            await asyncio.sleep(bench.sizes.subscriptions_hold_s)
            peak = memory_mb(process.pid, "VmHWM")
    finally:
        with bench.store.session() as session:
            for sid in ids:
                stored.delete(session, sid)
    return Phase(started_s, idle, peak)


@contextlib.contextmanager
def hub_run(bench: Bench, url: str) -> Iterator[subprocess.Popen[bytes]]:
    """``hub run`` over the bench's store, stopped (SIGTERM, as an operator would) at the end."""
    env = {
        **os.environ,
        "HUB_DATABASE_URL": url,
        "HUB_KAFKA_BOOTSTRAP": bench.bootstrap,
        "HUB_AUTH_ENABLED": "false",
        "HUB_ENDPOINT_ALLOWLIST": "127.0.0.0/8",
        # its own state keeper: the shared group of other hubs on the broker would rebalance with it
        "HUB_STATE_KEEPER_GROUP": f"hub.state-keeper.{bench.domain}",
    }
    out = bench.settings.state_dir / "bench" / "subscriptions-hub.log"
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [str(Path(sys.executable).parent / "hub"), "run"]
    with out.open("ab") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def _all_holding(store: Store, process: subprocess.Popen[bytes], ids: set[str]) -> None:
    """Until the process reports that each subscription's feed lane holds partitions."""
    async with asyncio.timeout(START_WAIT_S):
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"hub run exited with {process.returncode} (see subscriptions-hub.log)")
            workers = await asyncio.to_thread(_workers, store)
            holding = {
                h.subscription
                for w in workers
                if w.pid == process.pid
                for h in w.holds
                if h.lane == "feed" and h.partitions
            }
            if ids <= holding:
                return
            await asyncio.sleep(1.0)


def _workers(store: Store) -> list[delivery_workers.DeliveryWorker]:
    with store.session() as session:
        return delivery_workers.list_all(session)


async def _backlog(bench: Bench) -> None:
    """``subscriptions_backlog`` small events, spread over the feed topics."""
    producer = KafkaProducer(bench.bootstrap)
    await producer.start()
    try:
        topics, total = bench.topics(), bench.sizes.subscriptions_backlog
        # the same records on every topic (their type matches every subscription's pattern):
        # encoding each once keeps the bench's own CPU out of the hub's way
        messages = [to_kafka(_event(topics[0], n)) for n in range(total // len(topics))]
        for topic in topics:
            await producer.acknowledged(await producer.send_many(topic, messages))
    finally:
        await producer.stop()


def _event(topic: str, n: int) -> ChangeEvent:
    key = f"K{n % 1000}"
    source = SourceInfo(connector="bench", database="bench", table="item", position=str(n))
    return ChangeEvent(
        id=f"{topic}-{n}",
        source="/connectors/bench/item",
        type=f"vn.{topic}",  # gov.<domain>.<entity>.v1 carries vn.gov.<domain>.<entity>.v1
        subject=key,
        data=ChangePayload(op=Op.CREATE, after={"id": key, "n": n}, source=source),
    )


@contextlib.asynccontextmanager
async def never_answering() -> AsyncIterator[str]:
    """An endpoint that reads each request and never answers (until the bench ends)."""

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while await reader.read(65536):
                pass
        writer.close()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        server.close()


def _report(sizes: Sizes, count: int, many: Phase, alone: Phase) -> list[Measurement]:
    subs = f"{count} subscriptions"
    base = "1 subscription"
    idle_cpu = many.idle.cpu_share * 100
    backlog = f"{sizes.subscriptions_backlog:,} events behind on {sizes.subscriptions_feeds} topics"
    return [
        Measurement(
            "subscriptions", f"time until every sink reads, {subs}", "s", many.started_s, alone.started_s,
            base, "lower",
        ),
        Measurement(
            "subscriptions", f"CPU idle, {subs} ({sizes.subscriptions_idle_s:.0f} s)", "% of a core",
            idle_cpu, alone.idle.cpu_share * 100, base, "lower", "≤ 5% of a core", idle_cpu <= CPU_GOAL * 100,
        ),
        Measurement(
            "subscriptions", f"RSS idle, {subs}", "MB", many.idle.rss_mb, alone.idle.rss_mb, base, "lower",
            "≤ 250 MB", many.idle.rss_mb <= RSS_GOAL_MB,
        ),
        Measurement(
            "subscriptions",
            f"peak RSS, {subs}, {backlog}",
            "MB", many.backlog_peak_mb, alone.backlog_peak_mb, base, "lower", "≤ 250 MB",
            many.backlog_peak_mb <= RSS_GOAL_MB,
        ),
    ]  # fmt: skip


__all__ = ["run"]
