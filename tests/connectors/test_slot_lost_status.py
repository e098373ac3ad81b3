"""A replication slot that disappeared under a running connector: the task reports ``failed``
with the reason (it does not restart in a loop, it does not skip), and an operator's re-snapshot
brings it back. Real PostgreSQL CDC source, real Kafka."""

from __future__ import annotations

from collections.abc import AsyncIterator

import psycopg
import pytest

from connectors.config import TableFeed
from connectors.positions import MemoryPositions
from connectors.postgres import PostgresCdcConfig
from connectors.status import TaskState
from connectors.task import ConnectorTask
from tests.connectors.postgres.test_slot_lost import drop_slot_by_hand
from tests.connectors.test_task import NoBadNames
from tests.connectors.topics import eventually

pytestmark = pytest.mark.integration


@pytest.fixture
async def task(pg_database: str, kafka_bootstrap: str, unique: str) -> AsyncIterator[ConnectorTask]:
    with psycopg.connect(pg_database, autocommit=True) as db:
        db.execute("CREATE TABLE items (id int PRIMARY KEY, name text)")
        db.execute("INSERT INTO items VALUES (1, 'a')")
    config = PostgresCdcConfig(
        name=f"slot-{unique}",
        kind="postgres_cdc",
        dsn=pg_database,
        slot_name=f"s_{unique}",
        feeds=[TableFeed(table="public.items", event_type=f"vn.gov.t{unique}.item.v1")],
        poll_interval_ms=100,
        heartbeat_interval_s=0.2,
        restart_initial_backoff_ms=1500,  # the hand-dropped slot is gone before the restart
    )
    running = ConnectorTask(
        config, bootstrap=kafka_bootstrap, positions=MemoryPositions(), contracts=NoBadNames()
    )
    running.start()
    yield running
    await running.stop()


async def test_a_vanished_slot_is_a_failed_state_with_its_reason(
    task: ConnectorTask, pg_database: str, unique: str
) -> None:
    await eventually(lambda: task.status.events_published == 1 and task.status.phase == "streaming")
    with psycopg.connect(pg_database, autocommit=True) as db:
        drop_slot_by_hand(db, f"s_{unique}")
    await eventually(lambda: task.status.state is TaskState.FAILED, what="failed after the slot vanished")
    assert task.status.last_error is not None and task.status.last_error.code == "slot_lost"
    restarts = task.status.restarts
    task.restart(snapshot_tables=("public.items",))
    await eventually(lambda: task.status.events_published == 2, what="the table snapshotted again")
    assert task.status.state is TaskState.RUNNING and task.status.restarts == restarts
