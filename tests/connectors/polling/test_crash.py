"""Crash test: the worker is SIGKILLed in the middle of a stream of thousands of changes and
restarted; afterwards every committed change is on the topic (re-published ones with the same
event id), on SQLite and on PostgreSQL.

A polling source publishes row states, not a log: a row changed twice between two polls (or
while no worker ran) is published once, in its latest state. So "every committed change" is
checked as: every row written appears, the last event of every record is its final committed
state (including soft deletes), and every event published twice carries the same id.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer

from connectors.config import TableFeed, stored_document
from connectors.polling.cursor import Cursor
from hub.settings import REPO_ROOT
from schemas import naming
from schemas.events import ChangeEvent, Op
from schemas.events.kafka_codec import from_kafka
from tests.connectors.polling.databases import SqlItemsDatabase, polling_config
from tests.connectors.suite import items
from tests.connectors.topics import eventually

pytestmark = pytest.mark.integration

ROWS = 3000
ROWS_PER_TRANSACTION = 10
UPDATE_EVERY = 5  # transactions: each update renames a row inserted earlier
DELETE_EVERY = 15  # transactions: each soft-deletes a row inserted earlier


class Worker:
    def __init__(self, config_file: Path, positions_file: Path, bootstrap: str, log: Path) -> None:
        self.args = [sys.executable, "-m", "tests.connectors.polling.crash_worker"]
        self.args += [str(config_file), str(positions_file), bootstrap]
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(self.args, cwd=REPO_ROOT, stdout=log, stderr=log)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()


class Writer:
    """The application: thousands of inserts, with updates and soft deletes of earlier rows."""

    def __init__(self, db: SqlItemsDatabase, table: str) -> None:
        self.db, self.table = db, table
        self.transactions = 0
        self.go_on = asyncio.Event()  # the second half waits for it: the kill lands mid-stream

    async def run(self) -> None:
        for start in range(1, ROWS + 1, ROWS_PER_TRANSACTION):
            if start > ROWS // 2:
                await self.go_on.wait()
            await self.db.insert(self.table, items(range(start, start + ROWS_PER_TRANSACTION)))
            self.transactions += 1
            if self.transactions % UPDATE_EVERY == 0:
                await self.db.update(self.table, start // 2 + 1, {"name": f"renamed-{self.transactions}"})
            if self.transactions % DELETE_EVERY == 0:
                await self.db.delete(self.table, start // 3 + 2)
            await asyncio.sleep(0.002)


@pytest.fixture
async def workers(tmp_path: Path) -> AsyncIterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.kill()


async def test_sigkill_mid_stream_loses_no_committed_change(
    source_db: SqlItemsDatabase, unique: str, kafka_bootstrap: str, tmp_path: Path, workers: list[Worker]
) -> None:
    table = f"{source_db.default_schema}.items"
    await source_db.create_items_table(table)
    event_type = f"vn.gov.t{unique}.item.v1"
    feed = TableFeed(table=table, event_type=event_type, key=["id"])
    config = polling_config(
        source_db.url, f"crash-{unique}", [feed], batch_size=200, restart_initial_backoff_ms=50
    )
    config_file, positions_file = tmp_path / "config.json", tmp_path / "positions.json"
    config_file.write_text(json.dumps(stored_document(config)))

    def worker() -> Worker:
        started = Worker(config_file, positions_file, kafka_bootstrap, tmp_path / "worker.log")
        started.start()
        workers.append(started)
        return started

    first = worker()
    await eventually(
        lambda: committed(positions_file) is not None, timeout_s=60, what="the worker's first commit"
    )
    writer = Writer(source_db, table)
    writing = asyncio.create_task(writer.run())
    await eventually(lambda: (committed(positions_file) or 0) > 200, timeout_s=60, what="commits mid-stream")
    first.kill()
    killed_at = writer.transactions
    assert not writing.done(), "the worker must die mid-stream"
    writer.go_on.set()
    worker()
    await writing

    final = await final_states(source_db, table)
    events = await consume_until_final(kafka_bootstrap, naming.parse_event_type(event_type).topic, final)
    ids_by_change: dict[tuple[str, str], set[str]] = defaultdict(set)
    for event in events:
        ids_by_change[(event.subject, event.data.source.position)].add(event.id)
    assert all(len(ids) == 1 for ids in ids_by_change.values()), "a re-published change got another id"
    print(f"killed after {killed_at} transactions; {len(events)} events for {len(ids_by_change)} changes")


def committed(positions_file: Path) -> int | None:
    """The highest item id the worker committed (0 before any row), or None before any commit."""
    if not positions_file.exists():
        return None
    (position,) = json.loads(positions_file.read_text()).values()
    (progress,) = Cursor.decode(position).tables.values()
    return 0 if progress.watermark is None else int(progress.watermark.key[0])


async def final_states(db: SqlItemsDatabase, table: str) -> dict[str, tuple[str, bool]]:
    items_table = db.table(table)
    rows = await db.run(lambda: db.fetch(items_table.select()))
    assert len(rows) == ROWS
    return {str(row["id"]): (row["name"], row["deleted_at"] is not None) for row in rows}


def state_of(event: ChangeEvent) -> tuple[str, bool]:
    row = event.data.before if event.data.op is Op.DELETE else event.data.after
    assert row is not None
    return row["name"], event.data.op is Op.DELETE


async def consume_until_final(
    bootstrap: str, topic: str, final: dict[str, tuple[str, bool]], timeout_s: float = 60
) -> list[ChangeEvent]:
    """Every event of the topic, read until each record's latest event is its final state."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        metadata_max_age_ms=1000,
    )
    await consumer.start()
    events: list[ChangeEvent] = []
    latest: dict[str, tuple[str, bool]] = {}
    deadline = time.monotonic() + timeout_s
    try:
        while latest != final:
            missing = {key for key, state in final.items() if latest.get(key) != state}
            assert time.monotonic() < deadline, f"{len(missing)} records never reached their final state"
            for messages in (await consumer.getmany(timeout_ms=500)).values():
                for message in messages:
                    event = from_kafka(message.key, message.value, list(message.headers))
                    events.append(event)
                    latest[event.subject] = state_of(event)
    finally:
        await consumer.stop()
    return events
