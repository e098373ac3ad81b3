"""The contract registry's store: its migration, fingerprints, and writers racing on one subject."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, get_args

import pytest
from sqlalchemy import inspect

from hub.settings import Settings
from hub.store import migrate
from hub.store.base import Store
from hub.store.contract_seed import seed_builtin_contracts
from hub.store.contracts import ContractRegistry, fingerprint
from schemas.contracts.compatibility import Mode
from schemas.feeds import builtin_contract_files, feed_for_event_type
from tests.contract_documents import contract
from tests.hub.store.pg_url import sqlalchemy_url

RACE = "vn.gov.test.race.v1"
BASE_SCHEMA: dict[str, Any] = contract(RACE, {"id": {"type": "string"}}, key=("id",), admin_unit="id")
BUILTIN = sorted((item.event_type, item.version) for item in builtin_contract_files())
WRITERS = 8


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def store_url(request: pytest.FixtureRequest, settings: Settings) -> str:
    if request.param == "postgresql":
        return sqlalchemy_url(request.getfixturevalue("pg_database"))
    return settings.store_url()


def test_fingerprint_ignores_key_order_and_whitespace_only() -> None:
    assert fingerprint({"a": 1, "b": [1, 2]}) == fingerprint({"b": [1, 2], "a": 1})
    assert fingerprint({"a": 1, "b": [1, 2]}) != fingerprint({"a": 1, "b": [2, 1]})
    assert fingerprint({"a": "é"}) != fingerprint({"a": "e"})


def test_migration_creates_the_registry_tables_once(store_url: str) -> None:
    migrate.upgrade(store_url)
    migrate.upgrade(store_url)  # a restart applies nothing twice
    engine = Store(store_url).engine
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"contract_subjects", "contract_versions"} <= tables


def test_racing_writers_each_get_their_own_version(store_url: str) -> None:
    migrate.upgrade(store_url)
    store = Store(store_url)
    with store.session() as session:
        ContractRegistry(session, Mode.BACKWARD).register(RACE, BASE_SCHEMA)

    def register(n: int) -> int:
        with store.session() as session:
            schema = {**BASE_SCHEMA, "description": f"writer {n}"}
            return ContractRegistry(session, Mode.BACKWARD).register(RACE, schema).version.version

    try:
        with ThreadPoolExecutor(WRITERS) as pool:
            numbers = list(pool.map(register, range(WRITERS)))
    finally:
        store.engine.dispose()
    assert sorted(numbers) == list(range(2, WRITERS + 2))


def test_migration_seeds_the_builtin_contracts_once(store_url: str) -> None:
    """A fresh store lists the six built-in feeds with no sync step; a restart adds nothing."""
    migrate.upgrade(store_url)
    store = Store(store_url)
    try:
        with store.session() as session:
            registry = ContractRegistry(session, Mode.BACKWARD)
            listed = [(item.subject, item.latest_version) for item in registry.subjects()]
            assert listed == BUILTIN and len(listed) == 6
            parcel = registry.document("vn.gov.land.parcel.v1")
            assert parcel is not None and parcel == feed_for_event_type("vn.gov.land.parcel.v1").schema
            assert len(registry.catalogue().feeds) == 6
        assert seed_builtin_contracts(store) == []
    finally:
        store.engine.dispose()


def test_seeding_leaves_a_deleted_builtin_contract_deleted(store_url: str) -> None:
    migrate.upgrade(store_url)
    store = Store(store_url)
    try:
        with store.session() as session:
            ContractRegistry(session, Mode.BACKWARD).delete("vn.gov.land.parcel.v1")
        migrate.upgrade(store_url)
        with store.session() as session:
            assert ContractRegistry(session, Mode.BACKWARD).document("vn.gov.land.parcel.v1") is None
    finally:
        store.engine.dispose()


def test_the_settings_offer_exactly_the_checker_modes() -> None:
    offered = Settings.model_fields["contract_compatibility"].annotation
    assert set(get_args(offered)) == {mode.value for mode in Mode}
