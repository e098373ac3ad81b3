"""``hub connect``'s contract lookup: the registry, refreshed so a new contract is found soon."""

from __future__ import annotations

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
