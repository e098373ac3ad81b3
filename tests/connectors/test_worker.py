"""Workers sharing connectors through the store's leases, with the real broker and SQL store.

Two workers in one process over one SQLite store: each runs its fair share and never a
connector the other runs; one that dies without letting go (no shutdown) loses its connectors
to the other after the lease expires, which resumes from the committed positions; operator
commands written to the store reach the running task.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from connectors.config import TableFeed
from connectors.status import TaskState
from connectors.worker import Worker
from hub.settings import Settings
from hub.store import connectors as stored
from hub.store import migrate
from hub.store.base import Store
from schemas import naming
from tests.connectors.memory_source import DATABASES, MemoryConfig, MemoryDatabase, new_database
from tests.connectors.suite import items
from tests.connectors.topics import eventually, read_topic
from tests.connectors.workers import Workers

pytestmark = pytest.mark.integration

TABLE = "public.items"


@dataclass
class Fleet(Workers):
    unique: str
    databases: dict[str, MemoryDatabase] = field(default_factory=dict)

    def register(self, index: int) -> str:
        name = f"c{index}-{self.unique}"
        self.databases[name] = db = new_database(name)
        db.tables[TABLE] = {}
        feed = TableFeed(table=TABLE, event_type=self.event_type(index), key=["id"])
        config = MemoryConfig(name=name, kind="memory", feeds=[feed], database=name, poll_interval_ms=50)
        with self.store.session() as session:
            stored.insert(session, config)
        return name

    def event_type(self, index: int) -> str:
        return f"vn.gov.t{self.unique}.item{index}.v1"

    def topic(self, index: int) -> str:
        return naming.parse_event_type(self.event_type(index)).topic


@pytest.fixture
async def fleet(settings: Settings, kafka_bootstrap: str, unique: str) -> AsyncIterator[Fleet]:
    url = settings.store_url()
    migrate.upgrade(url)
    fleet = Fleet(Store(url), kafka_bootstrap, unique)
    yield fleet
    await fleet.stop_all()
    fleet.store.engine.dispose()
    for name in fleet.databases:
        DATABASES.pop(name, None)


@pytest.fixture(autouse=True)
def _memory_kind() -> Iterator[None]:
    new_database("__install__")
    yield
    DATABASES.pop("__install__", None)


def stored_status(fleet: Fleet, name: str) -> dict[str, Any]:
    with fleet.store.session() as session:
        return stored.get(session, name).status or {}


def runs(worker: Worker) -> set[str]:
    return {name for name, r in worker.running.items() if r.task.status.state is TaskState.RUNNING}


async def test_two_workers_share_connectors_without_running_one_twice(fleet: Fleet) -> None:
    names = [fleet.register(i) for i in range(4)]
    one, two = fleet.start("w1"), fleet.start("w2")
    await eventually(lambda: len(runs(one)) == 2 and len(runs(two)) == 2, what="two connectors each")
    assert not runs(one) & runs(two)
    assert runs(one) | runs(two) == set(names)
    for i, name in enumerate(names):
        await fleet.databases[name].insert(TABLE, items(range(1, 3)))
        await read_topic(fleet.bootstrap, fleet.topic(i), 2)


async def test_a_dead_workers_connectors_are_taken_over_from_committed_positions(fleet: Fleet) -> None:
    name = fleet.register(0)
    db = fleet.databases[name]
    await db.insert(TABLE, items(range(1, 4)))
    fleet.start("w1")
    await eventually(
        lambda: stored_status(fleet, name).get("events_published") == 3, what="snapshot reported"
    )
    await fleet.kill("w1")
    await db.insert(TABLE, items(range(4, 6)))
    survivor = fleet.start("w2")
    await eventually(lambda: name in runs(survivor), timeout_s=10, what="take-over after the lease expired")
    await eventually(lambda: db.commits[-1:] == ["000000000005.000000"], what="the new rows committed")
    records = await read_topic(fleet.bootstrap, fleet.topic(0), 5)
    assert sorted(int(r.event().subject) for r in records) == [1, 2, 3, 4, 5], "no replay of committed rows"
    await eventually(
        lambda: stored_status(fleet, name).get("events_published") == 5, what="counters carried on"
    )
    assert stored_status(fleet, name)["worker"] == "w2"
    assert stored_status(fleet, name)["position"] == "000000000005.000000"


async def test_operator_commands_reach_the_running_task(fleet: Fleet) -> None:
    name = fleet.register(0)
    worker = fleet.start("w1")
    await eventually(lambda: name in runs(worker))
    task = worker.running[name].task

    def command(action: Any, *args: Any) -> None:
        with fleet.store.session() as session:
            action(session, name, *args)

    command(stored.set_paused, True)
    await eventually(lambda: task.status.state is TaskState.PAUSED)
    command(stored.set_paused, False)
    await eventually(lambda: task.status.state is TaskState.RUNNING)
    await fleet.databases[name].insert(TABLE, items(range(1, 3)))
    await eventually(lambda: task.status.events_published == 2)
    command(stored.request_snapshot, [TABLE])
    await eventually(lambda: task.status.events_published == 4, what="the table read again")
    with fleet.store.session() as session:
        assert stored.get(session, name).snapshot_tables == ()
        stored.delete_connector(session, name)
    await eventually(lambda: name not in worker.running, what="a deleted connector stops")
