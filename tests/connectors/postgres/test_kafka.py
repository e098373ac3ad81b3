"""postgres_cdc through the connector runtime to the real Kafka broker: snapshot then streaming,
per-key commit order with before/after, and a lost slot as a failed task until re-snapshot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from connectors.positions import MemoryPositions
from connectors.status import TaskState
from connectors.task import ConnectorTask
from schemas import naming
from schemas.events import ChangeEvent, ChangePayload, Op
from tests.connectors.postgres.conftest import Db, config
from tests.connectors.postgres.test_slot_lost import drop_slot_by_hand
from tests.connectors.topics import eventually, read_topic

pytestmark = pytest.mark.integration


def accept_all(event_type: str, payload: ChangePayload) -> str | None:
    return f"urn:test:{event_type}"


@pytest.fixture
def event_type(unique: str) -> str:
    return f"vn.gov.t{unique}.parcel.v1"


@pytest.fixture
async def task(
    db: Db, pg_database: str, unique: str, kafka_bootstrap: str, event_type: str
) -> AsyncIterator[ConnectorTask]:
    db.execute("CREATE TABLE parcel (id int PRIMARY KEY, owner text)")
    db.execute("ALTER TABLE parcel REPLICA IDENTITY FULL")
    db.execute("INSERT INTO parcel VALUES (1, 'a'), (2, 'b')")
    cfg = config(pg_database, unique, ("public.parcel",), chunk_size=1, restart_initial_backoff_ms=50)
    cfg = cfg.model_copy(update={"feeds": [cfg.feeds[0].model_copy(update={"event_type": event_type})]})
    running = ConnectorTask(cfg, bootstrap=kafka_bootstrap, positions=MemoryPositions(), contracts=accept_all)
    running.start()
    yield running
    await running.stop()


def owner(row: dict[str, Any] | None) -> Any:
    return None if row is None else row["owner"]


def by_key(events: list[ChangeEvent]) -> dict[str, list[tuple[Op, Any, Any]]]:
    grouped: dict[str, list[tuple[Op, Any, Any]]] = {}
    for event in events:
        step = (event.data.op, owner(event.data.before), owner(event.data.after))
        grouped.setdefault(event.subject, []).append(step)
    return grouped


async def test_snapshot_then_transactions_reach_kafka_in_commit_order_per_key(
    db: Db, task: ConnectorTask, kafka_bootstrap: str, event_type: str
) -> None:
    topic = naming.parse_event_type(event_type).topic
    await eventually(lambda: task.status.events_published == 2, what="the snapshot published")
    with db.transaction():
        db.execute("UPDATE parcel SET owner = 'a2' WHERE id = 1")
        db.execute("INSERT INTO parcel VALUES (3, 'c')")
    db.execute("UPDATE parcel SET owner = 'a3' WHERE id = 1")
    db.execute("DELETE FROM parcel WHERE id = 2")
    events = [r.event() for r in await read_topic(kafka_bootstrap, topic, 6)]
    assert by_key(events) == {
        "1": [(Op.READ, None, "a"), (Op.UPDATE, "a", "a2"), (Op.UPDATE, "a2", "a3")],
        "2": [(Op.READ, None, "b"), (Op.DELETE, "b", None)],
        "3": [(Op.CREATE, None, "c")],
    }
    assert len({e.id for e in events}) == 6
    assert {e.data.source.snapshot for e in events if e.data.op is Op.READ} == {True}


async def test_a_lost_slot_fails_the_task_until_a_resnapshot_is_asked(
    db: Db, task: ConnectorTask, unique: str, kafka_bootstrap: str, event_type: str
) -> None:
    topic = naming.parse_event_type(event_type).topic
    await eventually(lambda: task.status.events_published == 2, what="the snapshot published")
    drop_slot_by_hand(db, f"s_{unique}")
    await eventually(lambda: task.status.state is TaskState.FAILED, what="the task failed")
    assert task.status.last_error is not None and task.status.last_error.code == "slot_lost"
    db.execute("INSERT INTO parcel VALUES (3, 'while failed')")
    task.restart(snapshot_tables=("public.parcel",))
    await eventually(lambda: task.status.state is TaskState.RUNNING, what="the task running again")
    events = [r.event() for r in await read_topic(kafka_bootstrap, topic, 5)]
    assert sorted(e.subject for e in events if e.data.op is Op.READ) == ["1", "1", "2", "2", "3"]
