"""The task loop against the real Kafka broker, fed by the in-memory test source.

Covers: publish in per-record order then commit; a bad row quarantined with its reason while the
rows after it are published; no position committed while Kafka refuses to acknowledge; restart
with backoff after a retriable failure (its last error cleared once it runs again); a permanent
failure waits for an operator; pause, resume, re-snapshot; a lost lease stops the task; a running
task has frozen the garbage collector's survivors.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from bus.producer import KafkaProducer
from connectors.config import TableFeed
from connectors.positions import LeaseLost, MemoryPositions
from connectors.publisher import QUARANTINE_CODE_HEADER
from connectors.record_memory import MemoryRecords
from connectors.status import TaskState
from connectors.task import ConnectorTask
from schemas import naming
from schemas.errors import ContractViolation, SourceError
from schemas.events import ChangePayload, Op
from tests.connectors.memory_source import (
    DATABASES,
    MemoryConfig,
    MemoryDatabase,
    PermanentSourceFailure,
    new_database,
)
from tests.connectors.suite import items
from tests.connectors.topics import eventually, read_topic

pytestmark = pytest.mark.integration

TABLE = "public.items"


class NoBadNames:
    """A small real contract: a row's name must not start with "bad"."""

    def __call__(self, event_type: str, payload: ChangePayload) -> str | None:
        if str((payload.after or {}).get("name", "")).startswith("bad"):
            raise ContractViolation(
                "row breaks the contract", details=[{"field": "name", "message": "must not start with bad"}]
            )
        return f"urn:vn-gov-hub:contract:{event_type}:v1"


class PoisonBreaks(NoBadNames):
    """A row named "poison..." breaks the contract check itself: the change cannot be published."""

    def __call__(self, event_type: str, payload: ChangePayload) -> str | None:
        if str((payload.after or {}).get("name", "")).startswith("poison"):
            raise RuntimeError("the contract check crashed on this row")
        return super().__call__(event_type, payload)


class TakenOver(MemoryPositions):
    """Positions of a connector another worker took over after the first commit."""

    async def save(self, connector: str, position: str) -> None:
        if connector in self.saved:
            raise LeaseLost(f"connector {connector} is owned by another worker")
        await super().save(connector, position)


@pytest.fixture
def db(unique: str) -> Iterator[MemoryDatabase]:
    database = new_database(unique)
    database.tables[TABLE] = {}
    yield database
    DATABASES.pop(unique, None)


@pytest.fixture
def event_type(unique: str) -> str:
    return f"vn.gov.t{unique}.item.v1"


@pytest.fixture
def feed_topic(event_type: str) -> str:
    return naming.parse_event_type(event_type).topic


def memory_config(unique: str, event_type: str, **options: Any) -> MemoryConfig:
    feed = TableFeed(table=TABLE, event_type=event_type, key=["id"])
    defaults: dict[str, Any] = {"poll_interval_ms": 50, "restart_initial_backoff_ms": 50}
    return MemoryConfig(
        name=f"c-{unique}", kind="memory", feeds=[feed], database=unique, **defaults | options
    )


@pytest.fixture
async def run(kafka_bootstrap: str, unique: str, event_type: str) -> AsyncIterator[Any]:
    """Starts tasks over the memory source; stops every one of them after the test."""
    started: list[ConnectorTask] = []

    def start(positions: MemoryPositions | None = None, **options: Any) -> ConnectorTask:
        task = ConnectorTask(
            memory_config(unique, event_type, **options.pop("config", {})),
            bootstrap=kafka_bootstrap,
            positions=positions or MemoryPositions(),
            **({"contracts": NoBadNames()} | options),
        )
        task.start()
        started.append(task)
        return task

    yield start
    for task in started:
        await task.stop()


async def test_publishes_in_record_order_and_commits_after_acks(
    run: Any, db: MemoryDatabase, kafka_bootstrap: str, feed_topic: str, event_type: str
) -> None:
    await db.insert(TABLE, items(range(1, 4)))
    positions = MemoryPositions()
    task = run(positions, config={"batch_size": 2})
    await eventually(lambda: task.status.events_published == 3, what="the snapshot published")
    await db.insert(TABLE, items(range(4, 6)))
    await db.update(TABLE, 2, {"name": "renamed"})
    records = await read_topic(kafka_bootstrap, feed_topic, 6)
    events = [record.event() for record in records]
    by_key = {key: [e for e in events if e.subject == key] for key in {e.subject for e in events}}
    assert [e.data.op for e in by_key["2"]] == [Op.READ, Op.UPDATE]
    assert {e.subject for e in events} == {"1", "2", "3", "4", "5"}
    assert all(e.type == event_type and e.dataschema for e in events)
    assert records[0].headers["ce_specversion"] == b"1.0"
    await eventually(lambda: positions.saved.get(task.name) == db.commits[-1] == "000000000006.000000")
    assert task.status.events_published == 6
    assert task.status.state is TaskState.RUNNING


async def test_a_running_task_has_frozen_what_its_start_built(run: Any, db: MemoryDatabase) -> None:
    """No full garbage collection walks the warmed-up process mid-stream (``connectors.collector``)."""
    gc.unfreeze()
    task = run()
    await eventually(lambda: task.status.state is TaskState.RUNNING, what="the task running")
    assert gc.get_freeze_count() > 0


async def test_bad_row_goes_to_quarantine_and_the_rows_after_it_are_published(
    run: Any, db: MemoryDatabase, kafka_bootstrap: str, feed_topic: str
) -> None:
    rows = items(range(1, 6))
    rows[2]["name"] = "bad-3"
    await db.insert(TABLE, rows)
    task = run()
    published = await read_topic(kafka_bootstrap, feed_topic, 4)
    assert sorted(r.event().subject for r in published) == ["1", "2", "4", "5"]
    (quarantined,) = await read_topic(kafka_bootstrap, naming.quarantine_topic(feed_topic), 1)
    assert quarantined.key == b"3"
    assert quarantined.headers[QUARANTINE_CODE_HEADER] == b"contract_violation"
    body = quarantined.body()
    assert body["reason"]["details"] == [{"field": "name", "message": "must not start with bad"}]
    assert body["event"]["data"]["after"]["name"] == "bad-3"
    await eventually(lambda: task.status.events_quarantined == 1 and task.status.events_published == 4)


async def test_an_operator_skips_the_change_that_cannot_be_published(
    run: Any, db: MemoryDatabase, kafka_bootstrap: str, feed_topic: str
) -> None:
    """Stuck on one change, the task restarts forever; a skip quarantines that change (and only
    it) as skipped_by_operator, the rest of the batch is published, and a later skip is a no-op."""
    rows = items(range(1, 6))
    rows[2]["name"] = "poison-3"
    await db.insert(TABLE, rows)
    positions = MemoryPositions()
    task = run(positions, contracts=PoisonBreaks())
    await eventually(lambda: task.status.restarts >= 2 and task.status.last_error is not None)
    assert task.status.events_published == 0 and task.name not in positions.saved
    task.skip("")  # the position it is held after: none committed yet
    published = await read_topic(kafka_bootstrap, feed_topic, 4)
    assert sorted(r.event().subject for r in published) == ["1", "2", "4", "5"]
    (skipped,) = await read_topic(kafka_bootstrap, naming.quarantine_topic(feed_topic), 1)
    assert (skipped.key, skipped.headers[QUARANTINE_CODE_HEADER]) == (b"3", b"skipped_by_operator")
    assert "the contract check crashed" in skipped.body()["reason"]["message"]
    await eventually(lambda: task.status.events_published == 4 and task.status.events_quarantined == 1)
    assert task.status.skipped is not None and task.status.skipped["table"] == TABLE
    assert task.name in positions.saved and task.status.state is TaskState.RUNNING
    task.skip("")  # stale: the position moved on, so nothing more is skipped
    await db.insert(TABLE, items(range(6, 8)))
    await read_topic(kafka_bootstrap, feed_topic, 6)
    assert task.status.events_quarantined == 1


async def test_nothing_is_committed_while_kafka_refuses_to_acknowledge(
    run: Any, db: MemoryDatabase, kafka_bootstrap: str, feed_topic: str
) -> None:
    """A topic whose records may not exceed 100 bytes: the broker refuses every event."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(feed_topic, 1, 1, topic_configs={"max.message.bytes": "100"})])
        await db.insert(TABLE, items(range(1, 4)))
        positions = MemoryPositions()
        task = run(positions, producer_factory=lambda b, c: KafkaProducer(b, c, ack_timeout_s=1))
        await eventually(lambda: task.status.restarts >= 1, what="a restart after the refused produce")
        assert task.status.last_error is not None and task.status.last_error.code == "bus_error"
        assert positions.saved == {} and db.commits == []
        resource = ConfigResource(
            ConfigResourceType.TOPIC, feed_topic, configs={"max.message.bytes": "1048588"}
        )
        await admin.alter_configs([resource])
        await eventually(lambda: positions.saved.get(task.name) is not None, timeout_s=30)
    finally:
        await admin.close()
    records = await read_topic(kafka_bootstrap, feed_topic, 3)
    assert {r.event().subject for r in records} == {"1", "2", "3"}


async def test_retriable_failure_restarts_with_backoff(
    run: Any, db: MemoryDatabase, kafka_bootstrap: str, feed_topic: str
) -> None:
    await db.insert(TABLE, items(range(1, 3)))
    db.fail_reads(SourceError("database restarting"), SourceError("database restarting"))
    task = run()
    await eventually(lambda: task.status.state is TaskState.RUNNING and task.status.restarts == 2)
    assert db.starts == 3 and task.status.errors == 2
    await read_topic(kafka_bootstrap, feed_topic, 2)
    await eventually(lambda: task.status.last_error is None)  # it runs again: the failure is history


async def test_permanent_failure_is_reported_and_waits_for_an_operator(
    run: Any, db: MemoryDatabase, kafka_bootstrap: str, feed_topic: str
) -> None:
    await db.insert(TABLE, items(range(1, 3)))
    db.fail_reads(PermanentSourceFailure("replication slot hub_c vanished"))
    task = run()
    await eventually(lambda: task.status.state is TaskState.FAILED)
    assert task.status.last_error is not None
    assert (task.status.last_error.code, task.status.last_error.message) == (
        "replication_slot_missing",
        "replication slot hub_c vanished",
    )
    assert db.starts == 1 and task.status.restarts == 0
    task.restart()
    await eventually(lambda: task.status.state is TaskState.RUNNING)
    await read_topic(kafka_bootstrap, feed_topic, 2)


async def test_pause_stops_publishing_and_resume_continues(
    run: Any, db: MemoryDatabase, kafka_bootstrap: str, feed_topic: str
) -> None:
    positions = MemoryPositions()
    task = run(positions)
    await eventually(lambda: task.status.state is TaskState.RUNNING)
    await db.insert(TABLE, items(range(1, 2)))
    await eventually(lambda: positions.saved.get(task.name) == "000000000001.000000")
    task.pause()
    await eventually(lambda: task.status.state is TaskState.PAUSED)
    starts = db.starts
    await db.insert(TABLE, items(range(2, 4)))
    assert positions.saved[task.name] == "000000000001.000000"
    task.resume()
    await eventually(lambda: positions.saved.get(task.name) == "000000000003.000000")
    assert db.starts == starts + 1
    await read_topic(kafka_bootstrap, feed_topic, 3)


async def test_restart_with_snapshot_reads_the_table_again(
    run: Any, db: MemoryDatabase, kafka_bootstrap: str, feed_topic: str
) -> None:
    await db.insert(TABLE, items(range(1, 3)))
    task = run()
    await eventually(lambda: task.status.events_published == 2)
    task.restart(snapshot_tables=(TABLE,))
    await eventually(lambda: task.status.events_published == 4)
    records = await read_topic(kafka_bootstrap, feed_topic, 4)
    assert sorted(r.event().data.op for r in records) == [Op.READ] * 4


async def test_lost_lease_stops_the_task_without_committing(run: Any, db: MemoryDatabase) -> None:
    await db.insert(TABLE, items(range(1, 3)))
    positions = TakenOver()
    task = run(positions, config={"batch_size": 1})
    await eventually(lambda: task.done)
    assert task.status.state is TaskState.STOPPED
    assert task.status.last_error is not None and task.status.last_error.code == "lease_lost"
    assert positions.saved  # the first save went through, the next found the lease gone
    # the source hears of saved positions only (between two reads: a read under way when the lease
    # is lost ends the run before the first save is told, which a restart reads again from the store)
    assert set(db.commits) <= set(positions.saved.values())


async def test_record_states_are_saved_with_the_position_the_task_commits(
    run: Any, db: MemoryDatabase, kafka_bootstrap: str, feed_topic: str
) -> None:
    await db.insert(TABLE, items(range(1, 3)))
    memory = MemoryRecords()
    task = run(records=memory)
    await eventually(lambda: task.status.events_published == 2, what="the snapshot published")
    # the source hears of a saved position between two reads, so it may come a read later
    await eventually(lambda: bool(db.commits) and memory.positions.get(task.name) == db.commits[-1])
    remembered = {key: state.record_key for (_, _, key), state in memory.states.items()}
    assert remembered == {"1": "1", "2": "2"}
    await db.delete(TABLE, 2)
    events = [record.event() for record in await read_topic(kafka_bootstrap, feed_topic, 3)]
    assert [(e.subject, e.data.op) for e in events if e.data.op is Op.DELETE] == [("2", Op.DELETE)]
    await eventually(lambda: memory.states[(task.name, TABLE, "2")].deleted, what="the delete remembered")
