"""Connector tables: registration rows, and the workers' leases, fenced positions and heartbeats.

Runs on SQLite and on PostgreSQL (the production backend), since leases rely on conditional
UPDATEs whose row counts must mean the same on both.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Literal

import pytest
from pydantic import SecretStr
from sqlalchemy import inspect

from connectors.config import ConnectorConfigBase, TableFeed
from connectors.positions import LeaseLost
from hub.settings import Settings
from hub.store import connectors as stored
from hub.store import migrate
from hub.store.base import Store, utcnow
from hub.store.connector_runtime import SqlControlPlane
from tests.hub.store.pg_url import sqlalchemy_url


class SecretConfig(ConnectorConfigBase):
    kind: Literal["secretive"]
    password: SecretStr


def config(name: str = "land-db", batch_size: int = 500) -> SecretConfig:
    feed = TableFeed(table="public.parcels", event_type="vn.gov.land.parcel.v1")
    return SecretConfig(
        name=name, kind="secretive", feeds=[feed], password=SecretStr("s3cret"), batch_size=batch_size
    )


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def store(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Store]:
    url = settings.store_url()
    if request.param == "postgresql":
        url = sqlalchemy_url(request.getfixturevalue("pg_database"))
    migrate.upgrade(url)
    store = Store(url)
    yield store
    store.engine.dispose()


def register(store: Store, *names: str) -> None:
    with store.session() as session:
        for name in names:
            stored.insert(session, config(name))


def test_migration_creates_the_connector_tables(store: Store) -> None:
    tables = set(inspect(store.engine).get_table_names())
    assert {"connectors", "connector_runtime", "connector_workers"} <= tables


def test_the_store_keeps_the_secret_and_a_changed_config_bumps_the_generation(store: Store) -> None:
    register(store, "land-db")
    with store.session() as session:
        first = stored.get(session, "land-db")
        same = stored.replace(session, config("land-db"))
        changed = stored.replace(session, config("land-db", batch_size=10))
    assert first.document["password"] == "s3cret"
    assert (first.generation, same.generation, changed.generation) == (1, 1, 2)


def test_registering_a_name_twice_is_a_conflict(store: Store) -> None:
    register(store, "land-db")
    with pytest.raises(stored.ConnectorExists), store.session() as session:
        stored.insert(session, config("land-db"))


def test_deleting_removes_runtime_state_too(store: Store) -> None:
    register(store, "land-db")
    with store.session() as session:
        stored.delete_connector(session, "land-db")
    with store.session() as session:
        assert stored.list_all(session) == []
        with pytest.raises(stored.ConnectorNotFound):
            stored.get(session, "land-db")


async def test_one_connector_is_leased_by_one_worker_only(store: Store) -> None:
    register(store, "a", "b", "c")
    first, second = SqlControlPlane(store, "w1"), SqlControlPlane(store, "w2")
    claims = await asyncio.gather(first.claim(3), second.claim(3))
    assert sorted(claims[0] + claims[1]) == ["a", "b", "c"]
    assert not set(claims[0]) & set(claims[1])
    assert await second.renew(claims[0]) == set()


async def test_an_expired_lease_is_taken_over_and_fences_the_old_owner(store: Store) -> None:
    register(store, "a")
    old = SqlControlPlane(store, "old", lease_ttl_s=0.2)
    assert await old.claim(1) == ["a"]
    await old.save("a", "0/10")
    await asyncio.sleep(0.3)
    new = SqlControlPlane(store, "new")
    assert await new.claim(1) == ["a"]
    with pytest.raises(LeaseLost):
        await old.save("a", "0/20")
    assert await new.load("a") == "0/10"
    assert await old.renew(["a"]) == set()


async def test_assignments_carry_commands_and_pending_snapshots(store: Store) -> None:
    register(store, "a")
    plane = SqlControlPlane(store, "w1")
    await plane.claim(1)
    with store.session() as session:
        stored.set_paused(session, "a", True)
        stored.request_restart(session, "a")
        stored.request_snapshot(session, "a", ["public.parcels"])
    wanted = (await plane.assignments(["a"]))["a"]
    assert (wanted.paused, wanted.restart_seq, wanted.snapshot_tables) == (True, 1, ("public.parcels",))
    await plane.snapshot_taken("a", wanted.snapshot_seq)
    assert (await plane.assignments(["a"]))["a"].snapshot_tables == ()


async def test_heartbeats_count_live_workers_and_leaving_frees_leases(store: Store) -> None:
    register(store, "a")
    first, second = SqlControlPlane(store, "w1"), SqlControlPlane(store, "w2")
    assert await first.heartbeat() == 1
    assert await second.heartbeat() == 2
    await first.claim(1)
    await first.report({"a": {"state": "running"}})
    await first.leave()
    assert await second.heartbeat() == 1
    assert await second.claim(1) == ["a"]
    with store.session() as session:
        assert stored.get(session, "a").status == {"state": "running"}


async def test_workers_are_listed_with_their_last_heartbeat_until_they_stop(store: Store) -> None:
    first, second = SqlControlPlane(store, "w1"), SqlControlPlane(store, "w2")
    await first.heartbeat()
    await second.heartbeat()
    with store.session() as session:
        seen = stored.workers(session)
    assert [worker_id for worker_id, _ in seen] == ["w1", "w2"]
    assert all(abs((utcnow() - at).total_seconds()) < 30 for _, at in seen)
    await first.leave()
    with store.session() as session:
        assert [worker_id for worker_id, _ in stored.workers(session)] == ["w2"]
