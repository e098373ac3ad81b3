"""Tables without a primary key, keys the feed chooses, and the registration check."""

from __future__ import annotations

import psycopg
import pytest

from connectors import registry
from connectors.postgres.validation import check_config
from schemas.errors import ConfigurationError
from schemas.events import Op
from tests.connectors.postgres.conftest import Db, Opener, config

pytestmark = pytest.mark.integration


async def test_a_table_without_primary_key_is_refused_by_default(db: Db, open_source: Opener) -> None:
    db.execute("CREATE TABLE ledger (entry text, amount int)")
    with pytest.raises(ConfigurationError) as raised:
        await open_source("public.ledger")
    assert raised.value.code == "no_primary_key"
    published = db.execute("SELECT count(*) FROM pg_publication_tables WHERE tablename = 'ledger'")
    assert published.fetchone() == (0,), "a refused table must not be published"


async def test_keyed_by_all_columns_with_full_identity(db: Db, open_source: Opener) -> None:
    db.execute("CREATE TABLE ledger (entry text, amount int)")
    db.execute("ALTER TABLE ledger REPLICA IDENTITY FULL")
    db.execute("INSERT INTO ledger VALUES ('a', 1)")
    reader = await open_source("public.ledger", on_missing_primary_key="all_columns")
    (read,) = await reader.take(1)
    db.execute("DELETE FROM ledger WHERE entry = 'a'")
    (deleted,) = await reader.take(1)
    assert read.key == deleted.key == {"entry": "a", "amount": 1}
    assert deleted.op is Op.DELETE


async def test_keyed_by_the_feeds_key(db: Db, open_source: Opener) -> None:
    db.execute("CREATE TABLE ledger (entry text NOT NULL, amount int)")
    db.execute("CREATE UNIQUE INDEX ledger_entry ON ledger (entry)")
    db.execute("ALTER TABLE ledger REPLICA IDENTITY USING INDEX ledger_entry")
    reader = await open_source(
        "public.ledger", on_missing_primary_key="given_key", keys={"public.ledger": ["entry"]}
    )
    db.execute("INSERT INTO ledger VALUES ('a', 1)")
    db.execute("DELETE FROM ledger")
    created, deleted = await reader.take(2)
    assert created.key == deleted.key == {"entry": "a"} and deleted.before == {"entry": "a"}


async def test_a_key_the_replica_identity_does_not_carry_is_refused(db: Db, open_source: Opener) -> None:
    db.execute("CREATE TABLE ledger (entry text, amount int)")  # identity DEFAULT, no primary key
    with pytest.raises(ConfigurationError) as raised:
        await open_source("public.ledger", on_missing_primary_key="all_columns")
    assert raised.value.code == "replica_identity_insufficient"
    assert "REPLICA IDENTITY FULL" in raised.value.message


async def test_missing_table_and_unknown_key_column(db: Db, open_source: Opener) -> None:
    db.execute("CREATE TABLE parcel (id int PRIMARY KEY)")
    with pytest.raises(ConfigurationError) as missing:
        await open_source("public.nowhere")
    with pytest.raises(ConfigurationError) as unknown:
        await open_source("public.parcel", keys={"public.parcel": ["no_such_column"]})
    assert (missing.value.code, unknown.value.code) == ("table_missing", "key_column_missing")


def test_registration_check_accepts_a_good_config(db: Db, pg_database: str, unique: str) -> None:
    db.execute("CREATE TABLE parcel (id int PRIMARY KEY)")
    good = config(pg_database, unique, ("public.parcel",))
    registry.validate(good)  # through the registry: the kind's hook is wired
    with pytest.raises(ConfigurationError) as raised:
        check_config(config(pg_database, unique, ("public.nowhere",)))
    assert raised.value.code == "table_missing"


def test_registration_check_names_missing_privilege_and_unreachable_source(
    db: Db, pg_database: str, unique: str
) -> None:
    role = f"r_{unique}"
    db.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'pw'")  # fixed test identifier
    try:
        dsn = psycopg.conninfo.make_conninfo(pg_database, user=role, password="pw")
        with pytest.raises(ConfigurationError) as denied:
            check_config(config(dsn, unique, ("public.parcel",)))
        unreachable = psycopg.conninfo.make_conninfo(pg_database, host="127.0.0.1", port="1")
        with pytest.raises(ConfigurationError) as down:
            check_config(config(unreachable, unique, ("public.parcel",)))
    finally:
        db.execute(f"DROP ROLE {role}")
    assert (denied.value.code, down.value.code) == ("no_replication_privilege", "source_unreachable")


async def test_a_key_of_other_columns_under_the_default_identity_carries_the_primary_key(
    db: Db, open_source: Opener
) -> None:
    """Accepted: its deletes carry the primary key, which the record memory completes (ADR 009)."""
    db.execute("CREATE TABLE ledger (id int PRIMARY KEY, entry text NOT NULL, amount int)")
    db.execute("INSERT INTO ledger VALUES (7, 'a', 1)")
    reader = await open_source("public.ledger", keys={"public.ledger": ["entry"]})
    (read,) = await reader.take(1)
    db.execute("DELETE FROM ledger")
    (deleted,) = await reader.take(1)
    assert (read.key, read.identity) == ({"entry": "a"}, {"id": 7})
    assert deleted.op is Op.DELETE and deleted.before == deleted.identity == {"id": 7}
