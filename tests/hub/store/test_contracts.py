"""The contract registry's store: its migration, fingerprints, and writers racing on one subject."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, get_args

import pytest
from sqlalchemy import inspect

from hub.settings import Settings
from hub.store import migrate
from hub.store.base import Store
from hub.store.contracts import ContractRegistry, fingerprint
from schemas.contracts.compatibility import Mode
from tests.hub.store.pg_url import sqlalchemy_url

BASE_SCHEMA: dict[str, Any] = {"type": "object", "properties": {"id": {"type": "string"}}}
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
        ContractRegistry(session, Mode.BACKWARD).register("race", BASE_SCHEMA)

    def register(n: int) -> int:
        with store.session() as session:
            schema = {**BASE_SCHEMA, "description": f"writer {n}"}
            return ContractRegistry(session, Mode.BACKWARD).register("race", schema).version.version

    try:
        with ThreadPoolExecutor(WRITERS) as pool:
            numbers = list(pool.map(register, range(WRITERS)))
    finally:
        store.engine.dispose()
    assert sorted(numbers) == list(range(2, WRITERS + 2))


def test_the_settings_offer_exactly_the_checker_modes() -> None:
    offered = Settings.model_fields["contract_compatibility"].annotation
    assert set(get_args(offered)) == {mode.value for mode in Mode}
