"""Benchmark: our ``postgres_cdc`` connector side by side with Debezium's PostgreSQL connector.

Same PostgreSQL, same Kafka, same parcel table, same partition count; each run in a database of
its own, runs interleaved (ours, Debezium, ours, Debezium, ...). Four trials:

- **snapshot**: N rows in the table; from starting the connector until its topic holds all N;
- **backlog**: the connector streaming, stopped; N changes (N/2 parcels inserted then updated)
  committed 1,000 per transaction; from resuming it until its topic holds all N;
- **live**: the connector streaming while another process commits N single-change transactions
  as fast as it can; changes/s from the first commit to the last record read, and how far behind
  the last commit the last record was read;
- **latency**: K single-row transactions at a fixed rate (1,000/s), each row's commit -> Kafka
  time (read by a consumer minus the PostgreSQL commit time), over every row from the first,
  against Debezium tuned to ``poll.interval.ms=10``. Ours runs in a process of its own here, as
  ``hub connect`` runs it and as Debezium runs in its JVM: in the bench's process its event loop
  would also serve the measuring consumer (1,000 records/s read and stamped), and each would
  delay the other. Ours in the bench's process is measured too, in the same rounds, and shown
  beside it (``tests.bench.latency_stages`` breaks either down by stage).

Snapshot and backlog run our task in a process of its own, as ``hub connect`` runs it, and
also as two key-sharded tasks (``tasks: 2``), each task in a process of its own as two ``hub
connect`` processes would run them (``OursProcesses``), reported as its own ratio to Debezium
in the same interleaved rounds: whether the second core helps. Both trials also measure CPU
time per row (``tests.bench.cpu_use``): our task processes' against the Kafka Connect JVM's
(the goal: less than Debezium's), and PostgreSQL's, the broker's and the whole machine's over
the same window, since all of them share the same cores.

Every trial checks what it read (``parcel_changes.check``): all changes, none extra, each key's
in commit order. Throughputs keep each side's best run; latencies pool every run's rows. The
issue's goals (#13) go beside the ratios, and into the JSON report with whether they were met.
The trial is skipped, with one line saying why, only when Java or the jars cannot be had.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace

import psycopg

from hub.settings import Settings
from schemas.errors import LocalServiceError
from tests.bench import cpu_use, kafka_connect, parcel_changes, parcels
from tests.bench.arrivals import watching
from tests.bench.capture_sides import Debezium, Ours, OursProcesses, Side, until_streaming
from tests.bench.cpu_use import CpuMeter
from tests.bench.kafka_connect import ConnectWorker
from tests.bench.parcel_changes import Change, Seen
from tests.bench.report import Measurement, latency, throughput
from tests.bench.sizes import Sizes

WAIT_S = 300.0
RATE_PER_S = 1000.0
TUNED_POLL_MS = 10
THROUGHPUT_GOAL = 2.0  # x Debezium's rows/s, snapshot and backlog
SHARDS = 2  # our key-sharded side: tasks, each in a process of its own (ADR 017 part 3)
LATENCY_GOALS_MS = {"p50": 7.0, "p99": 15.0, "max": 100.0}
log = logging.getLogger("tests.bench.debezium")

MakeSide = Callable[[str, str], Side]  # (database dsn, unique name) -> a side, not started
Trial = Callable[[Side, str], Awaitable["Run"]]


@dataclass(frozen=True)
class Run:
    value: float  # the trial's figure: rows/s, or 0 for latency (see ``seen``)
    seen: Sequence[Seen] = ()
    behind_s: float = 0.0
    cpu_us: Mapping[str, float] = field(default_factory=dict)  # CPU per row by party (cpu_use)
    cores: Mapping[str, float] = field(default_factory=dict)  # cores each party kept busy meanwhile


TRIALS = ("snapshot", "backlog", "live", "latency")


async def run(
    admin_dsn: str, bootstrap: str, settings: Settings, sizes: Sizes, run_id: str,
    trials: Sequence[str] = TRIALS,
) -> list[Measurement]:  # fmt: skip
    """The ``trials`` named (all by default), each side's runs interleaved."""
    try:
        kafka_connect.ensure_jars(settings)
    except LocalServiceError as exc:
        log.warning("debezium: skipped, Debezium cannot run here: %s", exc.message)
        return []
    async with kafka_connect.running(settings, bootstrap) as worker:
        bench = _Bench(admin_dsn, bootstrap, worker, sizes, run_id, *_servers(admin_dsn, bootstrap))
        return [found for name in TRIALS if name in trials for found in await _TRIALS[name](bench)]


@dataclass
class _Bench:
    admin_dsn: str
    bootstrap: str
    worker: ConnectWorker
    sizes: Sizes
    run_id: str
    postgres_pid: int | None = None
    kafka_pid: int | None = None
    made: int = 0

    def unique(self) -> str:
        self.made += 1
        return f"{self.run_id}z{self.made}"

    def sides(
        self, *, snapshot: bool, tuned: bool = False, sharded: bool = False, own_process: bool = False
    ) -> list[MakeSide]:
        """Ours and Debezium. With ``sharded``, ours in task processes (one task, then ``SHARDS``
        key-sharded ones) so their CPU time is theirs alone; with ``own_process``, ours first as
        one task in a process of its own, then ours in this one, then Debezium."""
        poll = TUNED_POLL_MS if tuned else None
        debezium: MakeSide = lambda dsn, u: Debezium(  # noqa: E731
            self.worker, dsn, self.bootstrap, f"bench{u}", snapshot=snapshot, poll_interval_ms=poll
        )
        here: MakeSide = lambda dsn, u: Ours(dsn, self.bootstrap, u, snapshot=snapshot)  # noqa: E731
        alone: MakeSide = lambda dsn, u: OursProcesses(dsn, self.bootstrap, u, snapshot=snapshot)  # noqa: E731
        if sharded:
            return [
                alone, debezium,
                lambda dsn, u: OursProcesses(dsn, self.bootstrap, u, snapshot=snapshot, tasks=SHARDS),
            ]  # fmt: skip
        return [alone, here, debezium] if own_process else [here, debezium]

    def meter(self, side: Side) -> CpuMeter:
        return CpuMeter(side.pids, self.postgres_pid, self.kafka_pid)

    async def interleaved(
        self, name: str, makers: list[MakeSide], trial: Trial, rows: int = 0
    ) -> list[list[Run]]:
        """Each side's runs, taken in turn: ours, Debezium, ours, Debezium..."""
        runs: list[list[Run]] = [[] for _ in makers]
        for round_ in range(self.sizes.debezium_rounds):
            for index, make in enumerate(makers):
                with parcels.fresh_database(self.admin_dsn) as dsn:
                    if rows:
                        await asyncio.to_thread(parcels.write, dsn, range(1, rows + 1))
                    side = make(dsn, self.unique())
                    try:
                        found = await trial(side, dsn)
                    finally:
                        await side.close()
                runs[index].append(found)
                log.info("debezium %s round %d %s: %.1f", name, round_ + 1, side.name, found.value)
        return runs


async def _snapshots(bench: _Bench) -> list[Measurement]:
    rows = bench.sizes.debezium_rows
    runs = await bench.interleaved(
        "snapshot", bench.sides(snapshot=True, sharded=True), _snapshot(rows, bench), rows
    )
    return [
        _rate(f"snapshot {rows:,} rows", "rows/s", runs, goal=THROUGHPUT_GOAL),
        _rate(f"snapshot {rows:,} rows, ours tasks={SHARDS}", "rows/s", _sharded(runs), goal=THROUGHPUT_GOAL),
        *_cpu(f"snapshot {rows:,} rows", runs),
    ]


async def _backlogs(bench: _Bench) -> list[Measurement]:
    rows = bench.sizes.debezium_rows
    runs = await bench.interleaved(
        "backlog", bench.sides(snapshot=False, sharded=True), _backlog(rows, bench)
    )
    return [
        _rate(f"backlog {rows:,} changes", "changes/s", runs, goal=THROUGHPUT_GOAL),
        _rate(
            f"backlog {rows:,} changes, ours tasks={SHARDS}",
            "changes/s",
            _sharded(runs),
            goal=THROUGHPUT_GOAL,
        ),
        *_cpu(f"backlog {rows:,} changes", runs),
    ]


async def _lives(bench: _Bench) -> list[Measurement]:
    count = bench.sizes.debezium_live
    live = await bench.interleaved("live", bench.sides(snapshot=False), _live(count))
    return [
        _rate(f"live {count:,} tx", "changes/s", live, goal=None),
        latency("debezium", f"live {count:,} tx: last read after last commit",
                min(r.behind_s for r in live[0]) * 1000, min(r.behind_s for r in live[1]) * 1000, "Debezium"),
    ]  # fmt: skip


async def _latency_runs(bench: _Bench) -> list[Measurement]:
    count = bench.sizes.debezium_commits
    sides = bench.sides(snapshot=False, tuned=True, own_process=True)
    own, here, theirs = await bench.interleaved("latency", sides, _latency(count))
    size = f"({count:,} tx at {RATE_PER_S:,.0f}/s, every row)"
    shared = _latencies(f"{size}, ours in the bench's process", [here, theirs], goals=False)
    return [*_latencies(size, [own, theirs]), *shared]


_TRIALS: dict[str, Callable[[_Bench], Awaitable[list[Measurement]]]] = {
    "snapshot": _snapshots, "backlog": _backlogs, "live": _lives, "latency": _latency_runs,
}  # fmt: skip


# -- trials -------------------------------------------------------------------------------------


def _snapshot(rows: int, bench: _Bench) -> Trial:
    changes: list[Change] = [("insert", n) for n in range(1, rows + 1)]

    async def trial(side: Side, dsn: str) -> Run:
        async with watching_side(side) as read:
            meter = bench.meter(side)
            before, started = meter.read(), time.time()
            await side.start()
            seen = await read(len(changes))
            used = meter.used(before)
        parcel_changes.check(seen, changes, f"{side.name} snapshot")
        rate = rows / (seen[-1].at - started)
        return Run(rate, seen, cpu_us=cpu_use.per_row_us(used, rows), cores=cpu_use.cores(used))

    return trial


def _backlog(count: int, bench: _Bench) -> Trial:
    changes = parcel_changes.workload(count)
    warm = len(changes) + 1  # a parcel outside the workload: proves the side streams before it stops

    async def trial(side: Side, dsn: str) -> Run:
        async with watching_side(side) as read:
            await side.start()
            await asyncio.to_thread(parcel_changes.commit, dsn, [("insert", warm)])
            await read(1)
            await side.pause()
            await asyncio.to_thread(parcel_changes.commit, dsn, changes, per_transaction=1000)
            meter = bench.meter(side)
            before, started = meter.read(), time.time()
            await side.resume()
            seen = [one for one in await read(1 + len(changes)) if one.parcel != warm]
            used = meter.used(before)
        _checked(seen, changes, f"{side.name} backlog")
        rate = len(changes) / (seen[-1].at - started)
        return Run(rate, seen, cpu_us=cpu_use.per_row_us(used, len(changes)), cores=cpu_use.cores(used))

    return trial


def _live(count: int) -> Trial:
    changes = parcel_changes.workload(count)

    async def trial(side: Side, dsn: str) -> Run:
        async with watching_side(side) as read:
            await side.start()
            await until_streaming(dsn, side.slot)
            started, ended = await parcel_changes.commit_elsewhere(dsn, count)
            seen = await read(len(changes))
        _checked(seen, changes, f"{side.name} live")
        return Run(len(changes) / (seen[-1].at - started), seen, behind_s=max(0.0, seen[-1].at - ended))

    return trial


def _latency(count: int) -> Trial:
    changes = parcel_changes.workload(count, inserts_only=True)

    async def trial(side: Side, dsn: str) -> Run:
        async with watching_side(side) as read:
            await side.start()
            await until_streaming(dsn, side.slot)
            await parcel_changes.commit_elsewhere(dsn, count, "--inserts", f"--rate={RATE_PER_S}")
            seen = await read(len(changes))
        _checked(seen, changes, f"{side.name} latency")
        return Run(0.0, seen)

    return trial


def _checked(seen: Sequence[Seen], changes: Sequence[Change], who: str) -> None:
    verdict = parcel_changes.check(seen, changes, who)
    if verdict.duplicates:
        log.warning("debezium: %s read %d change(s) twice", who, verdict.duplicates)


@asynccontextmanager
async def watching_side(side: Side) -> AsyncIterator[Callable[[int], Awaitable[list[Seen]]]]:
    """The side's topic watched from its end; ``read(n)`` waits for n records, read as ``Seen``."""
    await side.prepare()
    async with watching(side.bootstrap, side.topic) as watch:

        async def read(count: int) -> list[Seen]:
            await watch.wait_for(count, WAIT_S)
            return [side.read(arrival) for arrival in watch.arrivals]

        yield read


# -- measurements -------------------------------------------------------------------------------


def _sharded(runs: list[list[Run]]) -> list[list[Run]]:
    """The key-sharded side's runs in ours' place, beside Debezium's (same interleaved rounds)."""
    return [runs[2], runs[1]]


def _rate(name: str, unit: str, runs: list[list[Run]], goal: float | None) -> Measurement:
    ours, theirs = (max(r.value for r in side) for side in runs[:2])
    found = throughput("debezium", name, unit, ours, theirs, "Debezium")
    if goal is None:
        return found
    return replace(found, target=f">= {goal:g}x Debezium", met=found.ratio >= goal)


def _cpu(trial: str, runs: list[list[Run]]) -> list[Measurement]:
    """CPU per row in each side's fastest run (the one its rows/s come from): the side's own
    processes against Debezium's JVM (goal: below it), and the cores they kept busy; then each
    shared server's CPU per row and the whole machine's busy cores over the same windows (no
    goal: where the cores went)."""
    ours, theirs, sharded = (max(side, key=lambda r: r.value) for side in runs)
    found: list[Measurement] = []
    for who, mine in (("ours", ours), (f"ours tasks={SHARDS}", sharded)):
        side, other = mine.cpu_us[cpu_use.SIDE], theirs.cpu_us[cpu_use.SIDE]
        found += [
            replace(
                _per_row(f"{trial}: CPU of {who} (task processes)", side, other, "Debezium (Connect JVM)"),
                target="< Debezium", met=side < other,
            ),
            _cores(f"{trial}: cores used by {who} (task processes)", mine, theirs, cpu_use.SIDE,
                   "Debezium (Connect JVM)"),
        ]  # fmt: skip
        found += [
            _per_row(f"{trial}: {party} CPU while {who} ran", mine.cpu_us[party], theirs.cpu_us[party],
                     "while Debezium ran")
            for party in (cpu_use.POSTGRES, cpu_use.KAFKA)
            if party in mine.cpu_us and party in theirs.cpu_us
        ]  # fmt: skip
        if cpu_use.MACHINE in mine.cpu_us and cpu_use.MACHINE in theirs.cpu_us:
            found.append(
                _cores(f"{trial}: cores busy on the machine while {who} ran", mine, theirs,
                       cpu_use.MACHINE, "while Debezium ran")
            )  # fmt: skip
    return found


def _cores(name: str, ours: Run, theirs: Run, party: str, against: str) -> Measurement:
    """Cores a party kept busy over the CPU window (from just before the start until every
    record was read)."""
    unit = f"cores of {os.cpu_count()}"
    return Measurement("debezium", name, unit, ours.cores[party], theirs.cores[party], against, "lower")


def _per_row(name: str, ours: float, theirs: float, against: str) -> Measurement:
    return Measurement("debezium", name, "µs/row", ours, theirs, against, "lower")


def _servers(admin_dsn: str, bootstrap: str) -> tuple[int | None, int | None]:
    """The local PostgreSQL's and broker's pids (for their CPU time), None for one not on this host."""
    port = psycopg.conninfo.conninfo_to_dict(admin_dsn).get("port") or 5432
    kafka_port = int(bootstrap.split(",")[0].rpartition(":")[2])
    return cpu_use.listening_pid(int(port)), cpu_use.listening_pid(kafka_port)


def _latencies(size: str, runs: list[list[Run]], *, goals: bool = True) -> list[Measurement]:
    """p50, p99 and max beside Debezium's; with ``goals``, the issue's goal beside each, met or not."""
    ours, theirs = (_pooled(side) for side in runs)
    found = [
        latency("debezium", f"commit -> Kafka {q} {size}", ours[q], theirs[q],
                f"Debezium poll.interval.ms={TUNED_POLL_MS}")
        for q in LATENCY_GOALS_MS
    ]  # fmt: skip
    if not goals:
        return found
    return [
        replace(one, target=f"<= {goal:g} ms and < Debezium", met=ours[q] <= goal and ours[q] < theirs[q])
        for one, (q, goal) in zip(found, LATENCY_GOALS_MS.items(), strict=True)
    ]


def _pooled(runs: Sequence[Run]) -> dict[str, float]:
    """p50, p99 and max of every row of every run, in ms."""
    values = sorted((one.at - one.committed) * 1000 for r in runs for one in r.seen)
    return {"p50": _cut(values, 0.50), "p99": _cut(values, 0.99), "max": values[-1]}


def _cut(ordered: Sequence[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


__all__ = ["TRIALS", "run"]
