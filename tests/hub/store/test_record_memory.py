"""The record memory in the store: saved with the position in one fenced transaction, recalled in
one query, upserted (the last state of a key wins), gone with its connector. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from connectors.positions import LeaseLost
from connectors.record_memory import RecordState
from hub.store import connectors as stored
from hub.store.base import Store
from hub.store.connector_runtime import SqlControlPlane
from hub.store.record_memory import ConnectorRecordRow
from tests.hub.store.test_connectors import register, store  # noqa: F401  # the store fixture

TABLE = "public.certificates"


def state(key: str, unit: str, position: str, *, deleted: bool = False) -> RecordState:
    return RecordState(
        TABLE, key, "vn.gov.land.land-use-right-certificate.v1", f"DA {key}", {"serial": f"DA {key}"},
        unit, unit, deleted, position,
    )  # fmt: skip


async def test_states_are_saved_with_the_position_and_recalled(store: Store) -> None:  # noqa: F811
    register(store, "a")
    plane = SqlControlPlane(store, "w1")
    await plane.claim(1)
    await plane.save_with_position("a", "0/10", [state("1", "00004", "0/9"), state("2", "00004", "0/10")])
    await plane.save_with_position(
        "a", "0/20", [state("1", "31120", "0/11"), state("1", "31120", "0/12", deleted=True)]
    )
    found = await plane.recall("a", [(TABLE, "1"), (TABLE, "2"), (TABLE, "3")])
    assert found[(TABLE, "1")] == state("1", "31120", "0/12", deleted=True)
    assert found[(TABLE, "2")].admin_unit == "00004" and (TABLE, "3") not in found
    assert found[(TABLE, "2")].key_fields == {"serial": "DA 2"}
    assert await plane.load("a") == "0/20"
    assert await plane.recall("b", [(TABLE, "1")]) == {}


async def test_a_worker_without_the_lease_saves_neither_position_nor_states(store: Store) -> None:  # noqa: F811
    register(store, "a")
    old = SqlControlPlane(store, "old", lease_ttl_s=0.2)
    await old.claim(1)
    await asyncio.sleep(0.3)
    await SqlControlPlane(store, "new").claim(1)
    with pytest.raises(LeaseLost):
        await old.save_with_position("a", "0/30", [state("9", "00004", "0/30")])
    assert await old.recall("a", [(TABLE, "9")]) == {}
    assert await old.load("a") is None


async def test_a_deleted_connector_takes_its_records_along(store: Store) -> None:  # noqa: F811
    register(store, "a")
    plane = SqlControlPlane(store, "w1")
    await plane.claim(1)
    await plane.save_with_position("a", "0/1", [state("1", "00004", "0/1")])
    with store.session() as session:
        stored.delete_connector(session, "a")
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(ConnectorRecordRow)) == 0
