"""The two capture pipelines the side-by-side trials compare, behind one small face.

``Ours`` is the ``postgres_cdc`` connector task (contract check, admin-unit normalisation,
idempotent ``acks=all`` producer; positions in memory). ``Debezium`` is Debezium's PostgreSQL
connector in a Kafka Connect worker (``tests.bench.kafka_connect``). Each gets its own slot and
publication on the same table and publishes to a topic of its own, created beforehand with the
feed topics' partition count, so both partition by key over the same number of partitions.
Either side reads back as ``Seen`` values: the row's parcel number and area, and the source
commit time (our ``ce_time``; Debezium's ``source.ts_us``), both PostgreSQL's commit timestamp.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Protocol

import psycopg
from aiokafka.admin import AIOKafkaAdminClient

from bus.admin import KafkaAdmin
from connectors.config import stored_document
from connectors.positions import MemoryPositions
from connectors.status import TaskState
from connectors.task import ConnectorTask
from tests.bench import parcels
from tests.bench.arrivals import Arrival
from tests.bench.kafka_connect import ConnectWorker, postgres_connector
from tests.bench.parcel_changes import Seen

READY_TIMEOUT_S = 60.0


class Side(Protocol):
    """Call order: ``prepare`` -> ``start`` -> (``pause`` -> ``resume``)* -> ``close`` (always)."""

    name: str
    bootstrap: str
    topic: str
    slot: str

    async def prepare(self) -> None:
        """Create the side's topic, so a consumer can be positioned on it before anything runs."""

    async def start(self) -> None: ...
    async def pause(self) -> None: ...
    async def resume(self) -> None: ...
    async def close(self) -> None: ...
    def read(self, arrival: Arrival) -> Seen: ...
    def pids(self) -> list[int]:
        """The processes doing the side's work (whose CPU time is the side's)."""
        ...


class Ours:
    name = "ours"

    def __init__(self, dsn: str, bootstrap: str, unique: str, *, snapshot: bool) -> None:
        self.config = parcels.cdc_config(dsn, unique, snapshot_mode="initial" if snapshot else "never")
        self.bootstrap = bootstrap
        self.topic = self.config.feeds[0].topic
        self.slot = self.config.slot
        self.positions = MemoryPositions()  # kept across pause and resume, as a store would
        self.task: ConnectorTask | None = None

    async def prepare(self) -> None:
        await created(self.bootstrap, self.topic)

    async def start(self) -> None:
        await self.resume()

    async def resume(self) -> None:
        self.task = ConnectorTask(
            self.config, bootstrap=self.bootstrap, positions=self.positions, contracts=parcels.parcel_contract
        )
        self.task.start()
        async with asyncio.timeout(READY_TIMEOUT_S):
            while self.task.status.state != TaskState.RUNNING:  # noqa: ASYNC110  # plain state
                await asyncio.sleep(0.005)

    async def pause(self) -> None:
        if self.task is not None:
            await self.task.stop()
            self.task = None

    async def close(self) -> None:
        if self.task is not None:
            assert self.task.status.events_quarantined == 0, "a valid parcel was quarantined"
        await self.pause()

    def read(self, arrival: Arrival) -> Seen:
        return read_ours(arrival)

    def pids(self) -> list[int]:
        return [os.getpid()]  # shared with the bench's own consumer: not for CPU per row


def read_ours(arrival: Arrival) -> Seen:
    after = json.loads(arrival.value)["after"]
    committed = arrival.header_time("ce_time")
    return Seen(arrival.key or b"", after["parcel_no"], after["area_m2"], committed, arrival.at)


class OursProcesses:
    """Our connector's task(s) each in a process of its own (``tests.bench.task_process``), as
    ``hub connect`` processes run them: with ``tasks`` > 1, key-sharded tasks, whether the second
    core helps shows in its ratio to one task. The bench's own consumer stays out of the task's
    process, so the task's CPU time is its own, as the Kafka Connect JVM's is Debezium's."""

    def __init__(self, dsn: str, bootstrap: str, unique: str, *, snapshot: bool, tasks: int = 1) -> None:
        mode = "initial" if snapshot else "never"
        self.config = parcels.cdc_config(dsn, unique, snapshot_mode=mode, tasks=tasks)
        self.name = "ours" if tasks == 1 else f"ours tasks={tasks}"
        self.bootstrap = bootstrap
        self.topic = self.config.feeds[0].topic
        self.slot = self.config.task_slot(self.config.shards()[0])
        self.processes: list[asyncio.subprocess.Process] = []

    async def prepare(self) -> None:
        """The topic, and the task processes up (as ``hub connect`` processes would already be)."""
        await created(self.bootstrap, self.topic)
        document = json.dumps(stored_document(self.config))
        for index in range(self.config.tasks):
            self.processes.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "tests.bench.task_process",
                    document,
                    str(index),
                    self.bootstrap,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                )
            )
        await self._tell("", "ready")

    async def start(self) -> None:
        await self._tell("start", "running")

    async def pause(self) -> None:
        await self._tell("stop", "stopped")

    async def resume(self) -> None:
        await self._tell("start", "running")

    async def close(self) -> None:
        for process in self.processes:
            if process.returncode is None and process.stdin is not None:
                process.stdin.write(b"quit\n")
        for process in self.processes:
            await process.wait()
        failed = [p.returncode for p in self.processes if p.returncode]
        self.processes = []
        assert not failed, f"a task process failed: {failed}"

    async def _tell(self, command: str, answer: str) -> None:
        """Every task process at once: the tasks start (or stop) side by side; no command: wait
        for what they say by themselves."""
        for process in self.processes:
            assert process.stdin is not None
            if command:
                process.stdin.write(f"{command}\n".encode())
        async with asyncio.timeout(READY_TIMEOUT_S):
            for process in self.processes:
                assert process.stdout is not None
                said = (await process.stdout.readline()).decode().strip()
                assert said == answer, f"task process said {said!r} to {command}"

    def read(self, arrival: Arrival) -> Seen:
        return read_ours(arrival)

    def pids(self) -> list[int]:
        return [process.pid for process in self.processes]


class Debezium:
    name = "Debezium"

    def __init__(
        self, worker: ConnectWorker, dsn: str, bootstrap: str, prefix: str, *, snapshot: bool,
        poll_interval_ms: int | None = None,
    ) -> None:  # fmt: skip
        self.worker = worker
        self.bootstrap = bootstrap
        self.prefix = prefix
        self.config = postgres_connector(dsn, prefix, snapshot=snapshot, poll_interval_ms=poll_interval_ms)
        self.topic = f"{prefix}.{parcels.TABLE}"
        self.slot = self.config["slot.name"]
        self.created = False

    async def prepare(self) -> None:
        await created(self.bootstrap, self.topic)

    async def start(self) -> None:
        self.created = True
        await self.worker.create(self.prefix, self.config)

    async def pause(self) -> None:
        await self.worker.stop(self.prefix)

    async def resume(self) -> None:
        await self.worker.resume(self.prefix)

    async def close(self) -> None:
        if self.created:
            await self.worker.delete(self.prefix)

    def read(self, arrival: Arrival) -> Seen:
        value = json.loads(arrival.value)
        after = value["after"]
        committed = value["source"]["ts_us"] / 1e6
        return Seen(arrival.key or b"", after["parcel_no"], after["area_m2"], committed, arrival.at)

    def pids(self) -> list[int]:
        return [self.worker.pid]


async def created(bootstrap: str, topic: str) -> None:
    """The topic exists and every partition has a leader: neither side's first record, nor the
    bench's consumer, waits for an election (which would be charged to whichever side came first)."""
    await KafkaAdmin(bootstrap).create_topics([topic])
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        async with asyncio.timeout(READY_TIMEOUT_S):
            while True:
                [described] = await admin.describe_topics([topic])
                partitions = described["partitions"]
                if described["error_code"] == 0 and partitions and all(p["leader"] >= 0 for p in partitions):
                    return
                await asyncio.sleep(0.05)
    finally:
        await admin.close()


async def until_streaming(dsn: str, slot: str) -> None:
    """The side's walsender streams from its slot: a commit from now on is read as it happens."""
    async with (
        await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn,
        asyncio.timeout(READY_TIMEOUT_S),
    ):
        while True:
            found = await conn.execute(
                "SELECT active FROM pg_replication_slots WHERE slot_name = %s", (slot,)
            )
            row = await found.fetchone()
            if row is not None and row[0]:
                return
            await asyncio.sleep(0.02)


__all__ = ["Debezium", "Ours", "OursProcesses", "Side", "created", "until_streaming"]
