"""``hub connect``'s contract lookup: the registry, refreshed so a new contract is found soon."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hub.services import contract_lookup
from hub.settings import Settings
from hub.store import migrate
from hub.store.base import Store
from hub.store.contracts import ContractRegistry
from schemas import naming
from schemas.contracts.compatibility import Mode
from tests.contract_documents import retyped

NEW = "vn.gov.test.late.v1"


def test_the_lookup_reads_the_registry_and_finds_a_contract_registered_later(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrate.upgrade(settings.store_url())
    store = Store(settings.store_url())
    monkeypatch.setattr(contract_lookup, "MISSING_CONTRACT_REFRESH_S", 0.0)
    try:
        lookup = contract_lookup.RegistryLookup(store, Mode.BACKWARD)
        parcel = lookup("vn.gov.land.parcel.v1")  # a built-in one, seeded at migration
        assert parcel is not None and parcel["$id"] == naming.contract_id("vn.gov.land.parcel.v1", 1)
        assert lookup(NEW) is None
        with store.session() as session:
            ContractRegistry(session, Mode.BACKWARD).register(NEW, retyped(NEW))
        found = lookup(NEW)
        assert found is not None and found["$id"] == naming.contract_id(NEW, 1)
        assert lookup(NEW) is found  # cached now
    finally:
        store.engine.dispose()


async def test_an_expired_contract_is_read_again_off_the_loop_while_the_cached_one_serves(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrate.upgrade(settings.store_url())
    store = Store(settings.store_url())
    try:
        lookup = contract_lookup.RegistryLookup(store, Mode.BACKWARD)
        assert lookup(NEW) is None
        monkeypatch.setattr(contract_lookup, "MISSING_CONTRACT_REFRESH_S", 0.0)
        parcel = lookup("vn.gov.land.parcel.v1")
        monkeypatch.setattr(contract_lookup, "CONTRACT_REFRESH_S", 0.0)
        queried: list[str] = []
        real_query = lookup._query

        def query(event_type: str) -> dict[str, Any] | None:
            queried.append(event_type)
            return real_query(event_type)

        monkeypatch.setattr(lookup, "_query", query)
        assert lookup("vn.gov.land.parcel.v1") is parcel  # served from the cache, not queried here
        assert queried == []
        async with asyncio.timeout(10):
            while not queried:  # noqa: ASYNC110  # the refresh runs in a worker thread
                await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        assert queried[0] == "vn.gov.land.parcel.v1"
        assert lookup("vn.gov.land.parcel.v1") is parcel  # unchanged: the same object (its validator kept)
    finally:
        store.engine.dispose()
