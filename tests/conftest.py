"""Fixture chain for the whole suite (after arq's): session services -> addresses -> settings ->
per-test isolated resources (a unique topic name, a fresh database).

The local Kafka and PostgreSQL are started once per run when no external server is configured
(``HUB_KAFKA_BOOTSTRAP`` / ``HUB_POSTGRES_DSN``). They are left running afterwards so parallel
or repeated runs share them; ``make down`` (and ``.ci/run``) stops them.

Only tests marked ``integration`` may use a server: one that is not, yet asks (even indirectly)
for a server fixture, fails before anything starts, so ``make unit`` runs with no servers.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from devtools.devstack import stack
from hub.settings import Settings

SERVER_FIXTURES = frozenset({"kafka_bootstrap", "postgres_dsn"})


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Refuse a server to an unmarked test before its fixtures run (so no stack is started)."""
    wanted = SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ()))
    if wanted and item.get_closest_marker("integration") is None:
        pytest.fail(
            f"{item.nodeid} uses {', '.join(sorted(wanted))} (a real server) but is not marked "
            "integration: mark it, or test the logic without the server",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def kafka_bootstrap(base_settings: Settings) -> str:
    return stack.ensure(base_settings, need_postgres=False).kafka_bootstrap


@pytest.fixture(scope="session")
def postgres_dsn(base_settings: Settings) -> str:
    return stack.ensure(base_settings, need_kafka=False).postgres_dsn


@pytest.fixture
def unique() -> str:
    """A short unique suffix for names a test creates (topics, groups, databases)."""
    return uuid.uuid4().hex[:12]


@pytest.fixture
def topic(unique: str) -> str:
    return f"test.{unique}"


def replace_database(dsn: str, database: str) -> str:
    return psycopg.conninfo.make_conninfo(dsn, dbname=database)


@pytest.fixture
def pg_database(postgres_dsn: str, unique: str) -> Iterator[str]:
    """A fresh database for one test, dropped afterwards (with its replication slots)."""
    name = f"t_{unique}"
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield replace_database(postgres_dsn, name)
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        slots = conn.execute(
            "SELECT slot_name FROM pg_replication_slots WHERE database = %s", (name,)
        ).fetchall()
        for (slot,) in slots:
            drop_slot(conn, slot)
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def drop_slot(conn: psycopg.Connection[Any], slot: str, timeout_s: float = 15.0) -> None:
    """Drop a replication slot, first ending the walsender still holding it.

    ``pg_terminate_backend`` only signals; the slot stays active until that backend is gone,
    so keep asking until the drop succeeds.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        conn.execute(
            "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots "
            "WHERE slot_name = %s AND active_pid IS NOT NULL",
            (slot,),
        )
        try:
            conn.execute("SELECT pg_drop_replication_slot(%s)", (slot,))
            return
        except psycopg.errors.UndefinedObject:
            return
        except psycopg.errors.ObjectInUse:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture
def settings(base_settings: Settings, tmp_path: Path) -> Settings:
    """Settings for one test: a private SQLite control-plane store unless one is configured."""
    url = base_settings.database_url or f"sqlite:///{tmp_path / 'hub.sqlite'}"
    # A state keeper of its own: one group shared by every test's ``hub run`` would rebalance
    # whenever any test starts or stops one, and let one test's keeper hold another's partitions.
    keeper = f"hub.state-keeper.{uuid.uuid4().hex[:12]}"
    return base_settings.model_copy(update={"database_url": url, "state_keeper_group": keeper})
