"""A key-sharded connector (``tasks: N``) in the store and the API: leased task by task, shown
combined and task by task, re-sharded by a config change, re-snapshotted by every task."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from connectors import registry
from connectors.status import TaskState, TaskStatus
from hub.cli.connectors import status_lines
from hub.store import connectors as stored
from hub.store.base import Store
from hub.store.connector_runtime import SqlControlPlane

TABLE = "public.parcel"


def _config(tasks: int) -> Any:
    return registry.parse_config({
        "name": "land", "kind": "postgres_cdc", "dsn": "postgresql://db.example/land", "tasks": tasks,
        "feeds": [{"table": TABLE, "event_type": "vn.gov.land.parcel.v1"}],
    })  # fmt: skip


async def test_two_workers_lease_a_task_each_and_the_status_shows_both(
    api_app: FastAPI, client: httpx.AsyncClient
) -> None:
    store: Store = api_app.state.store
    with store.session() as session:
        stored.insert(session, _config(2))
    one, two = SqlControlPlane(store, "w-1"), SqlControlPlane(store, "w-2")
    assert await one.connector_count() == 2, "the connector's own row is no lease unit"
    assert await one.claim(1) == ["land#0"] and await two.claim(5) == ["land#1"]
    for worker, task, published in ((one, "land#0", 3), (two, "land#1", 4)):
        await worker.save(task, f"position of {task}")
        status = TaskStatus(state=TaskState.RUNNING, events_published=published, worker=worker.worker_id)
        await worker.report({task: status.document()})
    assert await one.load("land#0") == "position of land#0"

    found = (await client.get("/v1/connectors/land/status")).json()
    assert (found["state"], found["worker"], found["events_published"]) == ("running", "w-1, w-2", 7)
    assert [(t["name"], t["worker"], t["position"]) for t in found["tasks"]] == [
        ("land#0", "w-1", "position of land#0"), ("land#1", "w-2", "position of land#1"),
    ]  # fmt: skip
    assert "  task land#1: running    worker: w-2    published: 4    position: position of land#1" in (
        status_lines(found)
    )
    await two.release(["land#1"])
    assert (await client.get("/v1/connectors/land/status")).json()["state"] == "unassigned"


async def test_a_changed_task_count_replaces_the_tasks_and_their_leases(api_app: FastAPI) -> None:
    store: Store = api_app.state.store
    with store.session() as session:
        stored.insert(session, _config(2))
    worker = SqlControlPlane(store, "w-1")
    assert await worker.claim(5) == ["land#0", "land#1"]
    with store.session() as session:
        stored.replace(session, _config(3))
    assert await worker.renew(["land#0", "land#1"]) == set(), "a re-shard: the old tasks are gone"
    assert await worker.claim(5) == ["land#0", "land#1", "land#2"]
    with store.session() as session:
        stored.replace(session, _config(1))
    assert await worker.claim(5) == ["land"], "one task again: the connector's own row"


async def test_a_snapshot_request_stays_pending_until_every_task_took_it(api_app: FastAPI) -> None:
    store: Store = api_app.state.store
    with store.session() as session:
        stored.insert(session, _config(2))
        stored.request_snapshot(session, "land", [TABLE])
    worker = SqlControlPlane(store, "w-1")
    await worker.claim(5)
    asked = await worker.assignments(["land#0", "land#1"])
    assert {name: a.snapshot_tables for name, a in asked.items()} == {"land#0": (TABLE,), "land#1": (TABLE,)}
    await worker.snapshot_taken("land#0", asked["land#0"].snapshot_seq)
    after_one = await worker.assignments(["land#0", "land#1"])
    assert (after_one["land#0"].snapshot_tables, after_one["land#1"].snapshot_tables) == ((), (TABLE,))
    with store.session() as session:
        assert stored.get(session, "land").snapshot_tables == (TABLE,)
    await worker.snapshot_taken("land#1", asked["land#1"].snapshot_seq)
    with store.session() as session:
        assert stored.get(session, "land").snapshot_tables == ()
