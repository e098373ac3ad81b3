"""A ``hub run`` process's presence: written when what it holds changes, else once per heartbeat."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bus.ports import FEED_PARTITIONS
from bus.records import TopicPartition
from hub.delivery.control.presence import Presence, holding
from hub.store import delivery_workers, migrate
from hub.store.base import Store
from hub.store.delivery_workers import Holding
from tests.hub.delivery.harness import Deployment
from tests.hub.delivery.waiting import eventually


@pytest.fixture
def store(tmp_path: Path) -> Store:
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    migrate.upgrade(url)
    return Store(url)


def stored(store: Store) -> list[delivery_workers.DeliveryWorker]:
    with store.session() as session:
        return delivery_workers.list_all(session)


def test_a_holding_lists_partitions_in_order() -> None:
    found = holding(
        "ha-noi", "feed", {TopicPartition("b", 1), TopicPartition("a", 10), TopicPartition("a", 2)}
    )
    assert found.partitions == ("a:2", "a:10", "b:1")


async def test_a_change_is_written_at_once_and_the_same_holdings_once_per_heartbeat(store: Store) -> None:
    presence = Presence(store, "node-1:42:ab", heartbeat_s=3600.0)
    feed = holding("ha-noi", "feed", [TopicPartition("gov.land.parcel.v1", 0)])
    await presence.report([feed])
    [first] = stored(store)
    assert (first.worker_id, first.pid, first.holds) == ("node-1:42:ab", presence.pid, (feed,))
    await presence.report([feed])  # unchanged, within the heartbeat: nothing written
    assert stored(store)[0].heartbeat_at == first.heartbeat_at
    await presence.report([])  # the rebalance took the partition away
    [moved] = stored(store)
    assert moved.holds == () and moved.heartbeat_at > first.heartbeat_at
    presence.heartbeat_s = 0.0
    await presence.report([])
    assert stored(store)[0].heartbeat_at > moved.heartbeat_at
    await presence.leave()
    assert stored(store) == []


async def test_a_store_that_does_not_answer_never_stops_the_process(tmp_path: Path) -> None:
    presence = Presence(Store(f"sqlite:///{tmp_path / 'never-migrated.sqlite'}"), "w")
    await presence.report([])  # no table: logged, retried next round
    await presence.leave()


async def test_run_reports_what_the_lanes_hold_until_stopped_then_leaves(store: Store) -> None:
    held = [holding("ha-noi", "feed", [TopicPartition("gov.land.parcel.v1", 0)])]
    stop = asyncio.Event()
    running = asyncio.create_task(Presence(store, "w").run(lambda: list(held), stop, check_s=0.01))
    await eventually(lambda: _has(store, tuple(held)))
    held.append(holding("tq", "backfill", []))
    await eventually(lambda: _has(store, tuple(held)))
    stop.set()
    await running
    assert stored(store) == []


async def _has(store: Store, holds: tuple[Holding, ...]) -> bool:
    return [w.holds for w in stored(store)] == [holds]


@pytest.mark.integration
async def test_two_hub_run_processes_report_the_share_of_partitions_each_holds(
    hub_deployment: Deployment,
) -> None:
    d = hub_deployment
    sid = d.subscribe("share", await d.portal()).id

    def held() -> dict[str, set[str]]:
        return {
            w.worker_id: {p for h in w.holds if h.subscription == sid for p in h.partitions}
            for w in stored(d.store)
        }

    async def shared() -> bool:
        found = held()
        feed = {p for ps in found.values() for p in ps if p.startswith(f"{d.topic}:")}
        return len(found) == 2 and all(found.values()) and len(feed) == FEED_PARTITIONS

    async with d.hub(), d.hub():
        await eventually(shared, timeout_s=40)
        first, second = held().values()
        assert not first & second  # one group: no partition is held twice
    assert stored(d.store) == []  # each process removed its row when it stopped
