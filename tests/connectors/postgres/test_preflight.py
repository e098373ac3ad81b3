"""Apply's pre-flight against the real PostgreSQL, as a non-superuser role made for each test: it
refuses what cannot start, and each refusal names the statement a DBA runs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import psycopg2
import psycopg2.extras
import pytest
from psycopg import sql

from connectors import registry
from connectors.postgres.validation import check_config
from schemas.errors import ConfigurationError
from tests.connectors.mapping import khai_sinh_db
from tests.connectors.mapping.khai_sinh import example_document

pytestmark = pytest.mark.integration


@pytest.fixture
def role(pg_database: str, postgres_dsn: str, unique: str) -> Iterator[str]:
    """A login role with REPLICATION that can read ``khai_sinh`` and nothing more."""
    name = f"r_{unique}"
    khai_sinh_db.create(pg_database, bad=False)
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN REPLICATION").format(sql.Identifier(name)))
        conn.execute(sql.SQL("GRANT SELECT ON khai_sinh TO {}").format(sql.Identifier(name)))
    yield name
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (name,))
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


@pytest.fixture
def dba(pg_database: str) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
    with psycopg.connect(pg_database, autocommit=True) as conn:
        yield conn


def _check(pg_database: str, role: str, unique: str, **changes: Any) -> None:
    dsn = psycopg.conninfo.make_conninfo(pg_database, user=role)
    document = example_document() | {"name": f"ks-{unique}", "dsn": dsn, "password": None,
                                      "slot_name": f"s_{unique}", "publication_name": None}  # fmt: skip
    config = registry.parse_config(document | changes)
    check_config(config)  # type: ignore[arg-type]


def _refused(code: str, *fixes: str, **check: Any) -> None:
    with pytest.raises(ConfigurationError) as caught:
        _check(**check)
    assert caught.value.code == code, caught.value.message
    for fix in fixes:
        assert fix in caught.value.message


def test_without_create_on_the_database_apply_names_the_grant(
    pg_database: str, role: str, unique: str
) -> None:
    database = pg_database.rsplit("dbname=", 1)[-1].split()[0]
    _refused("no_create_privilege", f"GRANT CREATE ON DATABASE {database} TO {role};",
             pg_database=pg_database, role=role, unique=unique)  # fmt: skip


def test_without_owning_the_table_apply_names_the_owner_change(
    pg_database: str, role: str, unique: str, dba: Any
) -> None:
    database = dba.execute("SELECT current_database()").fetchone()[0]
    dba.execute(
        sql.SQL("GRANT CREATE ON DATABASE {} TO {}").format(sql.Identifier(database), sql.Identifier(role))
    )
    _refused("not_table_owner", f"ALTER TABLE public.khai_sinh OWNER TO {role};",
             "CREATE PUBLICATION hub_ks_", pg_database=pg_database, role=role, unique=unique)  # fmt: skip
    dba.execute(sql.SQL("ALTER TABLE khai_sinh OWNER TO {}").format(sql.Identifier(role)))
    _check(pg_database, role, unique)  # now it may create its publication


def test_a_named_publication_must_exist_and_include_the_table(
    pg_database: str, role: str, unique: str, dba: Any
) -> None:
    _refused("publication_missing", "CREATE PUBLICATION hub_khai_sinh FOR TABLE public.khai_sinh;",
             pg_database=pg_database, role=role, unique=unique, publication_name="hub_khai_sinh")  # fmt: skip
    dba.execute("CREATE TABLE other (id int PRIMARY KEY)")
    dba.execute("CREATE PUBLICATION hub_khai_sinh FOR TABLE other")
    _refused("publication_lacks_table", "ALTER PUBLICATION hub_khai_sinh ADD TABLE public.khai_sinh;",
             pg_database=pg_database, role=role, unique=unique, publication_name="hub_khai_sinh")  # fmt: skip
    dba.execute("ALTER PUBLICATION hub_khai_sinh ADD TABLE khai_sinh")
    _check(pg_database, role, unique, publication_name="hub_khai_sinh")  # no CREATE needed then


def test_a_slot_another_process_streams_from_is_refused(
    pg_database: str, role: str, unique: str, dba: Any
) -> None:
    dba.execute("CREATE PUBLICATION hub_khai_sinh FOR TABLE khai_sinh")
    dba.execute("SELECT pg_create_logical_replication_slot(%s, 'pgoutput')", (f"s_{unique}",))
    stream = psycopg2.connect(
        psycopg.conninfo.make_conninfo(pg_database),
        connection_factory=psycopg2.extras.LogicalReplicationConnection,
    )
    try:
        stream.cursor().start_replication(
            slot_name=f"s_{unique}",
            decode=False,
            options={"proto_version": "1", "publication_names": "hub_khai_sinh"},
        )
        check = {
            "pg_database": pg_database,
            "role": role,
            "unique": unique,
            "publication_name": "hub_khai_sinh",
        }
        _refused("slot_in_use", "choose another slot_name", "pg_terminate_backend", **check)
    finally:
        stream.close()


def test_an_admin_unit_column_the_table_lacks_is_refused(pg_database: str, role: str, unique: str) -> None:
    feeds = example_document()["feeds"]
    feeds[0]["admin_unit_column"] = "ma_phuong"
    _refused(
        "admin_unit_column_missing",
        "ma_phuong",
        pg_database=pg_database,
        role=role,
        unique=unique,
        feeds=feeds,
    )


def test_a_mapping_onto_a_column_the_table_lacks_is_refused(pg_database: str, role: str, unique: str) -> None:
    feeds = example_document()["feeds"]
    feeds[0]["mapping"]["fields"]["full_name"] = "ten"
    _refused("mapping_unknown_column", "ten", pg_database=pg_database, role=role, unique=unique, feeds=feeds)
