"""The "done when" of connectors: kill -9 a worker in the middle of a stream, restart, lose nothing.

A real ``hub connect`` process runs a postgres_cdc connector on a real PostgreSQL table; once
the initial snapshot is done, a writer commits thousands of changes in small transactions. The
worker is killed with SIGKILL mid-stream and another one takes over. Every committed change must
then be on the feed topic (duplicates allowed, with the same event id), and a row that breaks
the contract is on the quarantine topic with its reason while the rows after it are published.

The feed's event type is unique to the test (its contract registered in the store like a
ministry would), so the topic holds exactly this test's events.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from connectors.config import TableFeed
from connectors.postgres import PostgresCdcConfig
from hub.settings import Settings
from hub.store import connectors as stored
from hub.store import migrate
from hub.store.base import Store
from hub.store.contracts import ContractRegistry
from schemas import naming
from schemas.contracts.compatibility import Mode
from schemas.events import Op
from tests.connectors import land_parcels
from tests.connectors.topics import Record, collect, eventually
from tests.contract_documents import retyped

pytestmark = pytest.mark.integration

SNAPSHOT_ROWS = 500
STREAM_ROWS = 3000
ROWS_PER_TRANSACTION = 10
BAD_ROW = SNAPSHOT_ROWS + STREAM_ROWS // 3  # its land-use purpose is not a code: quarantined
KILL_AFTER_EVENTS = 1200
HUB = Path(sys.executable).with_name("hub")


def register_contract(store: Store, event_type: str) -> None:
    """The land-parcel contract, registered under this test's own event type."""
    with store.session() as session:
        ContractRegistry(session, Mode.BACKWARD).register(event_type, retyped(event_type))


def register_connector(store: Store, name: str, dsn: str, event_type: str) -> None:
    config = PostgresCdcConfig(
        name=name,
        kind="postgres_cdc",
        dsn=dsn,
        feeds=[TableFeed(table=land_parcels.TABLE, event_type=event_type, admin_unit_column="commune_code")],
        batch_size=200,
        poll_interval_ms=100,
        heartbeat_interval_s=0.5,
        restart_initial_backoff_ms=200,
    )
    with store.session() as session:
        stored.insert(session, config)


class Workers:
    """``hub connect`` processes of one test, each logging to its own file."""

    def __init__(self, settings: Settings, bootstrap: str, logs: Path) -> None:
        self.env = {
            **os.environ,
            "HUB_DATABASE_URL": settings.store_url(),
            "HUB_KAFKA_BOOTSTRAP": bootstrap,
        }
        self.logs = logs
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, worker_id: str) -> subprocess.Popen[bytes]:
        command = [str(HUB), "connect", "--worker-id", worker_id, "--heartbeat-s", "0.2", "--lease-s", "2"]
        with (self.logs / f"{worker_id}.log").open("wb") as log:  # the child keeps its own descriptor
            process = subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.running.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(30)


@pytest.fixture
def workers(settings: Settings, kafka_bootstrap: str, tmp_path: Path) -> Iterator[Workers]:
    fleet = Workers(settings, kafka_bootstrap, tmp_path)
    yield fleet
    fleet.stop_all()


def write_changes(dsn: str) -> None:
    """Stream inserts in small transactions, and update every tenth row once (in its own)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        first = SNAPSHOT_ROWS + 1
        for start in range(first, first + STREAM_ROWS, ROWS_PER_TRANSACTION):
            numbers = range(start, min(start + ROWS_PER_TRANSACTION, first + STREAM_ROWS))
            with conn.transaction():
                rows = [land_parcels.parcel(n, "XXX" if n == BAD_ROW else "ODT") for n in numbers]
                conn.cursor().executemany(land_parcels.INSERT, rows)
            if start % 100 == 1:
                conn.execute(
                    "UPDATE parcels SET area_m2 = area_m2 + 1000 WHERE parcel_no = %s", (start - 50,)
                )


def expected_changes() -> set[tuple[str, str]]:
    """(record key, op) of every committed change the feed must carry."""
    reads = {(land_parcels.key(n), Op.READ.value) for n in range(1, SNAPSHOT_ROWS + 1)}
    first = SNAPSHOT_ROWS + 1
    inserts = {
        (land_parcels.key(n), Op.CREATE.value) for n in range(first, first + STREAM_ROWS) if n != BAD_ROW
    }
    updates = {
        (land_parcels.key(start - 50), Op.UPDATE.value)
        for start in range(first, first + STREAM_ROWS, ROWS_PER_TRANSACTION)
        if start % 100 == 1
    }
    return reads | inserts | updates


def reported(store: Store, unique: str) -> dict[str, Any]:
    with store.session() as session:
        return stored.get(session, f"crash-{unique}").status or {}


def changes_of(records: list[Record]) -> dict[tuple[str, str], set[str]]:
    """(key, op) -> the event ids seen for it."""
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    for record in records:
        event = record.event()
        found[(event.subject, event.data.op.value)].add(event.id)
    return found


async def test_sigkill_mid_stream_loses_no_committed_change(
    settings: Settings, kafka_bootstrap: str, pg_database: str, workers: Workers, unique: str
) -> None:
    event_type = f"vn.gov.t{unique}.parcel.v1"
    topic = naming.parse_event_type(event_type).topic
    land_parcels.create(pg_database)
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.cursor().executemany(
            land_parcels.INSERT, [land_parcels.parcel(n) for n in range(1, SNAPSHOT_ROWS + 1)]
        )
    migrate.upgrade(settings.store_url())
    store = Store(settings.store_url())
    register_contract(store, event_type)
    register_connector(store, f"crash-{unique}", pg_database, event_type)

    first = workers.start("worker-a")
    await eventually(lambda: reported(store, unique).get("phase") == "streaming", 60, "the snapshot done")
    writer = threading.Thread(target=write_changes, args=(pg_database,))
    writer.start()
    try:
        seen = await collect(kafka_bootstrap, topic, lambda got: len(got) >= KILL_AFTER_EVENTS, timeout_s=60)
        assert len(seen) >= KILL_AFTER_EVENTS, f"only {len(seen)} events before the kill; see worker-a.log"
        first.send_signal(signal.SIGKILL)
        assert first.wait(10) == -signal.SIGKILL
        workers.start("worker-b")
    finally:
        await asyncio.to_thread(writer.join)

    wanted = expected_changes()
    records = await collect(
        kafka_bootstrap, topic, lambda got: wanted <= changes_of(got).keys(), timeout_s=90
    )
    found = changes_of(records)
    missing = sorted(wanted - found.keys())
    assert not missing, f"{len(missing)} committed changes missing, e.g. {missing[:5]}"
    assert all(len(ids) == 1 for ids in found.values()), "a change re-published under another event id"
    assert (land_parcels.key(BAD_ROW), Op.CREATE.value) not in found

    (bad,) = await collect(kafka_bootstrap, naming.quarantine_topic(topic), lambda got: len(got) >= 1)
    assert bad.key == land_parcels.key(BAD_ROW).encode()
    assert bad.headers["quarantine-code"] == b"contract_violation"
    assert any(detail["field"] == "land_use_purpose" for detail in bad.body()["reason"]["details"])

    def taken_over() -> bool:
        status = reported(store, unique)
        return status.get("worker") == "worker-b" and status.get("state") == "running"

    await eventually(taken_over, what="worker-b reports the connector running")
    store.engine.dispose()
