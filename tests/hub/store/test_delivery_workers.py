"""The ``hub run`` processes' rows: written by their own beats, gone when they leave or go silent long."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from hub.store import delivery_workers, migrate
from hub.store.base import Store, utcnow
from hub.store.delivery_workers import DeliveryWorker, DeliveryWorkerRow, Holding


@pytest.fixture
def store(tmp_path: Path) -> Store:
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    migrate.upgrade(url)
    return Store(url)


def worker(worker_id: str, age_s: float = 0.0, *holds: Holding) -> DeliveryWorker:
    now = utcnow()
    return DeliveryWorker(
        worker_id, "node-1", 42, now - timedelta(hours=1), now - timedelta(seconds=age_s), holds
    )


def test_a_beat_writes_what_the_process_holds_and_the_next_one_replaces_it(store: Store) -> None:
    feed = Holding("ha-noi", "feed", ("gov.land.parcel.v1:0", "hub.ha-noi.retry:0"))
    first = worker("a", 0.0, feed)
    with store.session() as session:
        delivery_workers.beat(session, first)
    with store.session() as session:
        assert delivery_workers.list_all(session) == [first]
    later = worker("a", 0.0)
    with store.session() as session:
        delivery_workers.beat(session, later)
    with store.session() as session:
        [found] = delivery_workers.list_all(session)
    assert (found.holds, found.heartbeat_at, found.started_at) == ((), later.heartbeat_at, first.started_at)


def test_a_process_that_leaves_is_gone_and_a_long_silent_one_is_removed(store: Store) -> None:
    with store.session() as session:
        for worker_id in ("left", "killed", "alive"):
            delivery_workers.beat(session, worker(worker_id))
    with store.session() as session:
        delivery_workers.leave(session, "left")
        silent = utcnow() - timedelta(hours=1)
        session.execute(
            update(DeliveryWorkerRow)
            .where(DeliveryWorkerRow.worker_id == "killed")
            .values(heartbeat_at=silent)
        )
    with store.session() as session:
        assert ids(delivery_workers.list_all(session, remove_after_s=86_400)) == ["alive", "killed"]
        assert ids(delivery_workers.list_all(session, remove_after_s=600)) == ["alive"]  # not shown...
        delivery_workers.beat(session, worker("alive"), remove_after_s=600)  # ...and deleted by a beat
    with store.session() as session:
        assert ids(delivery_workers.list_all(session, remove_after_s=86_400)) == ["alive"]


def ids(workers: list[DeliveryWorker]) -> list[str]:
    return [w.worker_id for w in workers]
