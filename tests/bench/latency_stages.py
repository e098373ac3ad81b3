"""Where commit -> Kafka latency goes: each change's stages timed, and what stalled the slow ones.

``python -m tests.bench.latency_stages [--count 3000] [--rate 1000] [--process]`` runs the
Debezium comparison's latency trial for our side only (a fresh parcel table, the ``postgres_cdc``
task, single-row transactions committed at a fixed rate by another process, every row read
back by a consumer) and stamps each change at every stage, keyed by its commit time (unique per
single-row transaction):

- ``received``: the replication stream returned the WAL frame of its transaction's Begin;
- ``read``: the source's ``read`` returned the batch holding it;
- ``handed``: the publisher handed its record to the producer (``send_many`` called: the event is
  built);
- ``acked``: the broker acknowledged it;
- ``fetched``: the bench's consumer fetched it.

Beside them: event-loop stalls (a 1 ms ticker's overshoot), garbage collections (``gc.callbacks``),
and what ran in the slow changes' time. ``--process`` runs the task in a child process (as ``hub
connect`` would), so the consumer and the task do not share one event loop; the child's stamps
come back as JSON. Written for issue 13 (item 3); the summary goes to stdout, the raw stamps to
``--json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import gc
import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bus.ports import Ack, Producer
from connectors import collector, registry
from connectors.config import ConnectorConfigBase, stored_document
from connectors.context import SourceContext
from connectors.positions import MemoryPositions
from connectors.source import Batch, Source
from connectors.status import TaskState
from connectors.task import ConnectorTask, capture_producer
from schemas.events.kafka_codec import KafkaMessage
from tests.bench import parcel_changes, parcels
from tests.bench.arrivals import watching
from tests.bench.capture_sides import created, until_streaming

PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 in Unix microseconds
STAGES = ("received", "read", "handed", "acked", "fetched")
SLOW_MS = 15.0
TICK_S = 0.001
Stamps = dict[str, dict[int, float]]  # stage -> commit time (µs) -> epoch seconds


@dataclass
class Clock:
    """Every stamp of one run, and the stalls beside them (epoch seconds)."""

    stamps: Stamps = field(default_factory=lambda: {stage: {} for stage in STAGES})
    stalls: list[tuple[float, float]] = field(default_factory=list)  # (at, ms) the loop was late
    collections: list[tuple[float, float, int]] = field(default_factory=list)  # (at, ms, generation)
    scheduled: list[float] = field(default_factory=list)  # the task thread's ms on a CPU, runnable, wall

    def stamp(self, stage: str, commit_us: int, at: float | None = None) -> None:
        self.stamps[stage].setdefault(commit_us, time.time() if at is None else at)

    def to_json(self) -> dict[str, Any]:
        return {
            "stamps": {s: {str(k): v for k, v in found.items()} for s, found in self.stamps.items()},
            "stalls": self.stalls,
            "collections": self.collections,
            "scheduled": self.scheduled,
        }

    def merge(self, document: dict[str, Any]) -> None:
        for stage, found in document["stamps"].items():
            for key, at in found.items():
                self.stamps[stage].setdefault(int(key), at)
        self.stalls += [(at, ms) for at, ms in document["stalls"]]
        self.collections += [(at, ms, generation) for at, ms, generation in document["collections"]]
        self.scheduled = document["scheduled"]


def commit_us(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // _MICROSECOND


_MICROSECOND = datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)


def _header_us(headers: Sequence[tuple[str, bytes]] | dict[str, bytes]) -> int:
    found = dict(headers)["ce_time"].decode()
    return commit_us(datetime.fromisoformat(found))


class StampedSource:
    """The real source; its replication stream's frames and its batches stamped on the way."""

    def __init__(self, real: Source, clock: Clock) -> None:
        self._real, self._clock = real, clock

    async def start(self) -> None:
        await self._real.start()
        stream = self._real._stream  # type: ignore[attr-defined]  # a diagnostic looks inside
        poll = stream.poll

        def stamped_poll(limit: int) -> Any:
            frames = poll(limit)
            now = time.time()
            for frame in frames:
                if frame.payload[:1] == b"B":  # Begin: final LSN (8), commit time (8, µs since 2000)
                    at = int.from_bytes(frame.payload[9:17], "big", signed=True) + PG_EPOCH_US
                    self._clock.stamp("received", at, now)
            return frames

        stream.poll = stamped_poll

    async def read(self) -> Batch:
        batch = await self._real.read()
        now = time.time()
        for change in batch.changes:
            if change.commit_time is not None:
                self._clock.stamp("read", commit_us(change.commit_time), now)
        return batch

    async def commit(self, position: str) -> None:
        await self._real.commit(position)

    async def stop(self) -> None:
        await self._real.stop()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class StampedProducer:
    """The task's own producer; each record stamped when handed over and when acknowledged."""

    def __init__(self, real: Producer, clock: Clock) -> None:
        self._real, self._clock = real, clock

    async def send_many(self, topic: str, messages: Sequence[KafkaMessage]) -> list[Ack]:
        now = time.time()
        keys = [_header_us(m.headers) for m in messages]
        for key in keys:
            self._clock.stamp("handed", key, now)
        acks = await self._real.send_many(topic, messages)
        for key, ack in zip(keys, acks, strict=True):
            ack.add_done_callback(functools.partial(self._acked, key))
        return acks

    def _acked(self, key: int, _done: Ack) -> None:
        self._clock.stamp("acked", key)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@asynccontextmanager
async def watched_loop(clock: Clock) -> AsyncIterator[None]:
    """Loop stalls (a ticker's overshoot past ``TICK_S`` by more than 2 ms) and GC pauses."""
    started: dict[str, float] = {}

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started["at"] = time.perf_counter()
        elif "at" in started:
            ms = (time.perf_counter() - started.pop("at")) * 1000
            clock.collections.append((time.time(), ms, int(info["generation"])))

    async def tick() -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(TICK_S)
            late = (time.perf_counter() - before - TICK_S) * 1000
            if late > 2.0:
                clock.stalls.append((time.time(), late))

    gc.callbacks.append(on_gc)
    ticker = asyncio.create_task(tick())
    try:
        yield
    finally:
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker
        gc.callbacks.remove(on_gc)


class SlowPositions(MemoryPositions):
    """Positions in memory, each save taking as long as a store's round trip would."""

    def __init__(self, save_ms: float) -> None:
        super().__init__()
        self.save_s = save_ms / 1000

    async def save(self, connector: str, position: str) -> None:
        await asyncio.sleep(self.save_s)
        await super().save(connector, position)


def stamped_task(
    config: ConnectorConfigBase, bootstrap: str, clock: Clock, save_ms: float = 0
) -> ConnectorTask:
    def build_source(config: ConnectorConfigBase, context: SourceContext) -> Source:
        return StampedSource(registry.build_source(config, context), clock)

    def producer(bootstrap: str, client_id: str) -> Producer:
        return StampedProducer(capture_producer(bootstrap, client_id), clock)

    return ConnectorTask(
        config, bootstrap=bootstrap, positions=SlowPositions(save_ms), contracts=parcels.parcel_contract,
        build_source=build_source, producer_factory=producer,
    )  # fmt: skip


async def _until_running(task: ConnectorTask) -> None:
    async with asyncio.timeout(60):
        while task.status.state != TaskState.RUNNING:  # noqa: ASYNC110  # plain state
            await asyncio.sleep(0.005)


async def trial(
    admin_dsn: str,
    bootstrap: str,
    count: int,
    rate: float,
    *,
    process: bool,
    freeze: bool = True,
    profile: Path | None = None,
    save_ms: float = 0,
) -> Clock:
    """One run; without ``freeze``, the task leaves the garbage collector as it is (the before)."""
    _set_freezing(freeze)
    clock = Clock()
    unique = f"st{int(time.time() * 1000) % 10**9}"
    with parcels.fresh_database(admin_dsn) as dsn:
        config = parcels.cdc_config(dsn, unique, snapshot_mode="never")
        topic = config.feeds[0].topic
        await created(bootstrap, topic)
        async with watching(bootstrap, topic) as watch, watched_loop(clock):
            child = await _child(config, bootstrap, freeze, profile) if process else None
            task = None if process else stamped_task(config, bootstrap, clock, save_ms)
            if task is not None:
                task.start()
                await _until_running(task)
            await until_streaming(dsn, config.slot)
            await parcel_changes.commit_elsewhere(dsn, count, "--inserts", f"--rate={rate}")
            await watch.wait_for(count, 120)
            if task is not None:
                await task.stop()
            if child is not None:
                clock.merge(await _child_stamps(child))
        for arrival in watch.arrivals:
            clock.stamp("fetched", _header_us(arrival.headers), arrival.at)
    return clock


def _set_freezing(freeze: bool) -> None:
    collector.freeze_survivors = _FREEZE if freeze else lambda: None


_FREEZE = collector.freeze_survivors


async def bare_trial(bootstrap: str, count: int, rate: float) -> dict[str, list[float]]:
    """The broker alone, as a floor for the same minutes: ``count`` small records sent one by one
    on schedule (``rate``/s) by the connectors' own producer (idempotent, ``acks=all``, no linger),
    no PostgreSQL and no event building; ms from send to acknowledged and to fetched."""
    topic = f"bench.st{int(time.time() * 1000) % 10**9}.bare"
    await created(bootstrap, topic)
    producer = capture_producer(bootstrap, "latency-stages-bare")
    await producer.start()
    sent: dict[bytes, float] = {}
    acked: dict[bytes, float] = {}
    try:
        async with watching(bootstrap, topic) as watch:
            started = time.perf_counter()
            for n in range(count):
                key = str(n).encode()
                sent[key] = time.time()
                [ack] = await producer.send_many(topic, [KafkaMessage(key=key, value=b"x" * 600, headers=[])])
                ack.add_done_callback(
                    functools.partial(lambda k, _done: acked.setdefault(k, time.time()), key)
                )
                if (delay := started + (n + 1) / rate - time.perf_counter()) > 0:
                    await asyncio.sleep(delay)
            await watch.wait_for(count, 120)
    finally:
        await producer.stop()
    fetched = {a.key: a.at for a in watch.arrivals if a.key is not None}
    return {
        "acked": [(acked[k] - at) * 1000 for k, at in sent.items() if k in acked],
        "fetched": [(fetched[k] - at) * 1000 for k, at in sent.items() if k in fetched],
    }


def bare_summary(found: dict[str, list[float]], out: Any = sys.stdout) -> None:
    for leg, values in found.items():
        ordered = sorted(values)
        p50, p99 = ordered[len(ordered) // 2], ordered[round(0.99 * (len(ordered) - 1))]
        print(
            f"broker alone, send -> {leg}: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {ordered[-1]:.1f} ms",
            file=out,
        )


async def _child(
    config: ConnectorConfigBase, bootstrap: str, freeze: bool, profile: Path | None
) -> asyncio.subprocess.Process:
    """The task's process, running; with ``profile``, watched by ``py-spy record`` (raw stacks, idle
    included) from then until it exits."""
    document = json.dumps(stored_document(config))
    options = () if freeze else ("--no-freeze",)
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", __spec__.name, *options, "--child", document, bootstrap,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert child.stdout is not None
    assert (await child.stdout.readline()).strip() == b"running"
    if profile is not None:
        spy = Path(sys.executable).parent / "py-spy"
        await asyncio.create_subprocess_exec(
            spy, "record", "-r", "200", "-f", "raw", "--idle", "-o", profile, "--pid", str(child.pid),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        await asyncio.sleep(0.5)  # attached before the first commit
    return child


async def _child_stamps(child: asyncio.subprocess.Process) -> dict[str, Any]:
    """The stamps the child wrote to the file it names on its last line, once told to stop."""
    out, _ = await child.communicate(b"stop\n")
    return await asyncio.to_thread(_taken, Path(out.splitlines()[-1].decode()))


def _taken(path: Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(path.read_text())
    path.unlink()
    return found


async def serve_child(document: dict[str, Any], bootstrap: str) -> None:
    """The task alone in this process; once told to stop, its stamps in a JSON file it names."""
    clock = Clock()
    async with watched_loop(clock):
        task = stamped_task(registry.parse_config(document), bootstrap, clock)
        task.start()
        await _until_running(task)
        print("running", flush=True)
        before = _schedstat()
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        clock.scheduled = [b - a for a, b in zip(before, _schedstat(), strict=True)]
        await task.stop()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as out:
        json.dump(clock.to_json(), out)
    print(out.name, flush=True)


def _schedstat() -> list[float]:
    """This thread's ms on a CPU and ms runnable but waiting for one (Linux), and the wall clock's:
    how much of the run the machine did not give the task."""
    path = Path(f"/proc/self/task/{threading.get_native_id()}/schedstat")
    on_cpu, waiting = (int(n) / 1e6 for n in path.read_text().split()[:2])
    return [on_cpu, waiting, time.monotonic() * 1000]


# -- the summary --------------------------------------------------------------------------------


def summary(clock: Clock, out: Any = sys.stdout) -> dict[str, Any]:
    s = clock.stamps
    rows = sorted(k for k in s["fetched"] if all(k in s[stage] for stage in STAGES))
    if not rows:
        raise SystemExit("no change was stamped at every stage")
    start = rows[0] / 1e6
    total = {k: (s["fetched"][k] - k / 1e6) * 1000 for k in rows}
    legs = ("commit", *STAGES)

    def leg(k: int, i: int) -> float:
        before = k / 1e6 if i == 0 else s[legs[i]][k]
        return (s[legs[i + 1]][k] - before) * 1000

    ordered = sorted(total.values())
    cut = {q: ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] for q in (0.5, 0.99)}
    print(
        f"{len(rows)} changes: p50 {cut[0.5]:.1f} ms, p99 {cut[0.99]:.1f} ms, max {ordered[-1]:.1f} ms",
        file=out,
    )
    firsts = ("/".join(f"{leg(k, i):.1f}" for i in range(len(STAGES))) for k in rows[:8])
    print(f"first changes, ms per stage: {'; '.join(firsts)}", file=out)
    print("per stage (ms)      p50     p99     max", file=out)
    for i in range(len(STAGES)):
        values = sorted(leg(k, i) for k in rows)
        p50, p99 = statistics.median(values), values[round(0.99 * (len(values) - 1))]
        print(f"  {legs[i]:>8} -> {legs[i + 1]:<8} {p50:6.1f}  {p99:6.1f}  {values[-1]:6.1f}", file=out)
    slow = [k for k in rows if total[k] > SLOW_MS]
    print(f"slow (> {SLOW_MS:g} ms): {len(slow)}; by second of the run:", file=out)
    per_second: dict[int, list[int]] = {}
    for k in slow:
        per_second.setdefault(int(k / 1e6 - start), []).append(k)
    for second, keys in sorted(per_second.items()):
        worst = max(keys, key=lambda k: total[k])
        where = max(range(len(STAGES)), key=lambda i: leg(worst, i))
        at = worst / 1e6 - start
        print(
            f"  s{second:>3}: {len(keys):4} slow, worst {total[worst]:6.1f} ms at +{at:7.3f}s, "
            f"mostly {legs[where]}->{legs[where + 1]} ({leg(worst, where):.1f} ms)",
            file=out,
        )
    stalls = [(at - start, ms) for at, ms in clock.stalls if ms > 5]
    print(f"loop stalls > 5 ms: {len(stalls)}, total {sum(ms for _, ms in stalls):.0f} ms; worst:", file=out)
    for at, ms in sorted(stalls, key=lambda x: -x[1])[:12]:
        print(f"  +{at:7.3f}s {ms:6.1f} ms", file=out)
    if clock.scheduled:
        on_cpu, waiting, wall = clock.scheduled
        print(
            f"task thread, from running to stop ({wall:.0f} ms): on a CPU {on_cpu:.0f} ms, "
            f"runnable but waiting for a CPU {waiting:.0f} ms",
            file=out,
        )
    gcs = [(at - start, ms, gen) for at, ms, gen in clock.collections]
    print(
        f"GC: {len(gcs)} collections, {sum(ms for _, ms, _ in gcs):.0f} ms; gen2: "
        f"{[(round(at, 3), round(ms, 1)) for at, ms, gen in gcs if gen == 2]}; worst: "
        f"{[(round(at, 3), round(ms, 1), gen) for at, ms, gen in sorted(gcs, key=lambda x: -x[1])[:5]]}",
        file=out,
    )
    return {"p50": cut[0.5], "p99": cut[0.99], "max": ordered[-1], "slow": len(slow)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.latency_stages")
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--process", action="store_true", help="the task in a process of its own")
    parser.add_argument("--json", type=Path, help="where to write the raw stamps")
    parser.add_argument("--profile", type=Path, help="with --process: py-spy's raw stacks of the task here")
    parser.add_argument("--save-ms", type=float, default=0, help="in this process: each position save's time")
    parser.add_argument("--bare", action="store_true", help="then the broker alone, paced the same")
    parser.add_argument("--no-freeze", action="store_true", help="no gc freeze once the task runs")
    parser.add_argument("--rounds", type=int, default=0, help="with --compare: how many pairs of runs")
    parser.add_argument(
        "--compare", choices=("freeze", "process"), default="freeze",
        help="with --rounds: runs without then with the freeze, or in the bench's process then in its own",
    )  # fmt: skip
    parser.add_argument("--child", nargs=2, metavar=("CONFIG", "BOOTSTRAP"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _set_freezing(not args.no_freeze)
        asyncio.run(serve_child(json.loads(args.child[0]), args.child[1]))
        return 0
    from hub.settings import Settings  # only the parent reads the environment

    settings = Settings()
    admin_dsn, bootstrap = settings.postgres_dsn or "", settings.kafka_bootstrap or ""
    if args.rounds:
        return _compare(admin_dsn, bootstrap, args)
    run = trial(
        admin_dsn, bootstrap, args.count, args.rate, process=args.process, freeze=not args.no_freeze,
        profile=args.profile, save_ms=args.save_ms,
    )  # fmt: skip
    clock = asyncio.run(run)
    summary(clock)
    if args.bare:
        bare_summary(asyncio.run(bare_trial(bootstrap, args.count, args.rate)))
    if args.json:
        args.json.write_text(json.dumps(clock.to_json()))
    return 0


def _compare(admin_dsn: str, bootstrap: str, args: argparse.Namespace) -> int:
    """Pairs of runs, the two settings interleaved: ``--compare freeze`` runs each in a fresh
    process of its own (a freeze is for the life of a process), ``process`` in this one."""
    found: dict[bool, list[dict[str, Any]]] = {False: [], True: []}
    for round_ in range(args.rounds):
        for on in (False, True):
            print(f"-- round {round_ + 1}, {args.compare}={on}", flush=True)
            freeze = on if args.compare == "freeze" else not args.no_freeze
            process = on if args.compare == "process" else True
            run = trial(admin_dsn, bootstrap, args.count, args.rate, process=process, freeze=freeze)
            found[on].append(summary(asyncio.run(run)))
    for on, runs in found.items():
        cells = ", ".join(f"{r['p50']:.1f}/{r['p99']:.1f}/{r['max']:.1f}" for r in runs)
        print(f"{args.compare}={on}: p50/p99/max ms per run: {cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
