"""A connector of ``tasks: 2`` run by two workers (ADR 017 part 3), real PostgreSQL and Kafka.

Each worker takes one task; between them every change of the table reaches Kafka once, each
key's changes in commit order (snapshot, inserts, updates, deletes, a key that moves to the
other task), and a worker that dies loses its task to the other, which resumes it from the
task's committed position.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest

from connectors import registry
from connectors.status import TaskState
from connectors.worker import Worker
from hub.settings import Settings
from hub.store import connectors as stored
from hub.store import migrate
from hub.store.base import Store
from schemas import naming
from tests.connectors.topics import Record, eventually, read_topic
from tests.connectors.workers import Workers

pytestmark = pytest.mark.integration


@dataclass
class Pair(Workers):
    dsn: str
    unique: str

    @property
    def name(self) -> str:
        return f"sh-{self.unique}"

    @property
    def event_type(self) -> str:
        return f"vn.gov.t{self.unique}.item.v1"

    def register(self) -> None:
        config = registry.parse_config({
            "name": self.name, "kind": "postgres_cdc", "dsn": self.dsn, "tasks": 2, "chunk_size": 50,
            "poll_interval_ms": 100, "heartbeat_interval_s": 0.2, "slot_name": f"s_{self.unique}",
            "feeds": [{"table": "public.items", "event_type": self.event_type}],
        })  # fmt: skip
        with self.store.session() as session:
            stored.insert(session, config)

    async def start_both(self) -> tuple[Worker, Worker]:
        """Both workers alive before the connector exists: each claims its share at once, so no
        task changes hands (a handover may publish a batch again, with the same event ids)."""
        one, two = self.start("w1"), self.start("w2")

        def alive() -> int:
            with self.store.session() as session:
                return len(stored.workers(session))

        await eventually(lambda: alive() == 2, what="both workers' heartbeats")
        self.register()
        await eventually(
            lambda: len(runs(one)) == 1 and len(runs(two)) == 1, timeout_s=20, what="a task each"
        )
        return one, two

    def tasks(self) -> dict[str, dict[str, Any]]:
        with self.store.session() as session:
            return {task.name: task.status or {} for task in stored.get(session, self.name).tasks}


@pytest.fixture
async def pair(
    settings: Settings, kafka_bootstrap: str, pg_database: str, unique: str
) -> AsyncIterator[Pair]:
    migrate.upgrade(settings.store_url())
    with psycopg.connect(pg_database, autocommit=True) as db:
        db.execute("CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)")
        db.execute("INSERT INTO items SELECT g, 'row ' || g FROM generate_series(1, 200) g")
    pair = Pair(Store(settings.store_url()), kafka_bootstrap, pg_database, unique)
    yield pair
    await pair.stop_all()
    pair.store.engine.dispose()


def runs(worker: Worker) -> set[str]:
    return {name for name, r in worker.running.items() if r.task.status.state is TaskState.RUNNING}


def histories(records: list[Record]) -> dict[str, list[tuple[str, str | None]]]:
    """Each key's (op, name) in Kafka order, a replayed event (same id) counted once."""
    seen: set[str] = set()
    found: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        event = record.event()
        if event.id not in seen:
            seen.add(event.id)
            found[event.subject].append((event.data.op.value, (event.data.after or {}).get("name")))
    return found


async def test_two_workers_each_run_one_task_and_publish_every_change_once_in_key_order(pair: Pair) -> None:
    one, two = await pair.start_both()
    assert runs(one) | runs(two) == {f"{pair.name}#0", f"{pair.name}#1"}
    tasks = [running.task for worker in (one, two) for running in worker.running.values()]
    await eventually(
        lambda: all(t.status.phase == "streaming" for t in tasks), timeout_s=30, what="snapshots"
    )
    with psycopg.connect(pair.dsn, autocommit=True) as db:  # after the snapshots: no row read by both
        db.execute("INSERT INTO items SELECT g, 'new ' || g FROM generate_series(201, 260) g")
        db.execute("UPDATE items SET name = 'first' WHERE id % 10 = 3")
        db.execute("UPDATE items SET name = 'second' WHERE id % 10 = 3")
        db.execute("DELETE FROM items WHERE id % 25 = 0")

        def owner(item: int) -> Any:
            return db.execute("SELECT mod(abs(hashint4(%s::int4)::int8), 2)", (item,)).fetchone()

        moved = next(i for i in range(1, 200) if i % 10 != 3 and i % 25 and owner(i) != owner(1000 + i))
        db.execute("UPDATE items SET id = %s, name = 'moved' WHERE id = %s", (1000 + moved, moved))
    topic = naming.parse_event_type(pair.event_type).topic
    expected = 200 + 60 + 26 * 2 + 10 + 2  # snapshot, inserts, two updates of 26 rows, deletes, the move
    records = await read_topic(pair.bootstrap, topic, expected, timeout_s=60)
    assert len(records) == expected and len({r.event().id for r in records}) == expected, "each change once"
    found = histories(records)
    assert found["3"] == [("r", "row 3"), ("u", "first"), ("u", "second")]
    assert found["233"] == [("c", "new 233"), ("u", "first"), ("u", "second")]
    assert found["50"] == [("r", "row 50"), ("d", None)]
    assert found[str(moved)] == [("r", f"row {moved}"), ("d", None)]
    assert found[str(1000 + moved)] == [("c", "moved")]
    await eventually(
        lambda: sum(s.get("events_published", 0) for s in pair.tasks().values()) == expected,
        what="each task reports its own counters",
    )
    assert {s.get("worker") for s in pair.tasks().values()} == {"w1", "w2"}


async def test_a_dead_workers_task_is_resumed_by_the_other_from_its_position(pair: Pair) -> None:
    one, two = await pair.start_both()
    topic = naming.parse_event_type(pair.event_type).topic
    await read_topic(pair.bootstrap, topic, 200, timeout_s=60)
    lost = next(iter(runs(one)))
    await pair.kill("w1")
    with psycopg.connect(pair.dsn, autocommit=True) as db:
        db.execute("INSERT INTO items SELECT g, 'late ' || g FROM generate_series(201, 240) g")
    await eventually(
        lambda: runs(two) == {lost, *runs(two)} and len(runs(two)) == 2, timeout_s=20, what="take-over"
    )
    records = await read_topic(pair.bootstrap, topic, 240, timeout_s=60)
    found = histories(records)
    assert sorted(int(k) for k in found) == list(range(1, 241))
    assert all(found[str(i)] == [("c", f"late {i}")] for i in range(201, 241))
    assert all(len(found[str(i)]) == 1 for i in range(1, 201)), "the snapshot was not read again"
    await eventually(
        lambda: pair.tasks()[lost].get("worker") == "w2", what="the task reported by its new worker"
    )
