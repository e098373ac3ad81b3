"""The benchmarks' data: land parcels in a fresh PostgreSQL database, and the feed they publish.

Rows are shaped like the built-in ``vn.gov.land.parcel.v1`` contract (``tests.connectors.land_parcels``)
and spread over every commune code of both eras, so the publisher really checks contracts and
really normalises pre-merger codes. Each benchmark publishes on a feed of its own
(``vn.gov.b<unique>.parcel.v1``) so nothing it writes lands on a topic anyone else reads; its
contract check is the parcel contract all the same.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql

from connectors.config import TableFeed
from connectors.contracts import Contracts
from connectors.postgres import PostgresCdcConfig
from schemas.admin_units import Era, Level, default_normaliser
from schemas.feeds import feed_for_event_type
from tests.conftest import drop_slot, replace_database
from tests.connectors import land_parcels

TABLE = land_parcels.TABLE
COLUMNS = "commune_code, map_sheet_no, parcel_no, area_m2, land_use_purpose, address"
ROWS_PER_TRANSACTION = 1000  # a bulk migration commits in chunks like this


@functools.cache
def commune_codes() -> tuple[str, ...]:
    """Every commune code of both eras, current and pre-merger interleaved."""
    units = default_normaliser()
    current = [u.code for u in units.units(Era.CURRENT, Level.COMMUNE)]
    legacy = [u.code for u in units.units(Era.LEGACY, Level.COMMUNE)]
    return tuple(code for pair in zip(legacy, current * 4, strict=False) for code in pair)


def parcel(number: int) -> tuple[Any, ...]:
    """Parcel ``number`` (from 1, as the contract wants) in one commune of either era."""
    codes = commune_codes()
    return (codes[number % len(codes)], 1, number, 50.0 + number % 500, "ODT", f"thửa số {number}")


PARCEL_CONTRACT = feed_for_event_type(land_parcels.EVENT_TYPE).schema


# The real contract check, whatever the benchmark's own event type is called: compiled once, as
# a connector under ``hub connect`` compiles each contract version once (``Contracts``).
parcel_contract = Contracts(lambda _event_type: PARCEL_CONTRACT)


def feed(unique: str, event_type: str | None = None) -> TableFeed:
    event_type = event_type or f"vn.gov.b{unique}.parcel.v1"
    return TableFeed(table=TABLE, event_type=event_type, admin_unit_column="commune_code")


def cdc_config(dsn: str, unique: str, event_type: str | None = None, **options: Any) -> PostgresCdcConfig:
    feeds = [feed(unique, event_type)]
    return PostgresCdcConfig(name=f"bench-{unique}", kind="postgres_cdc", dsn=dsn, feeds=feeds, **options)


@contextmanager
def fresh_database(admin_dsn: str) -> Iterator[str]:
    """A new database holding an empty parcel table; dropped afterwards with its slots."""
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        dsn = replace_database(admin_dsn, name)
        land_parcels.create(dsn)
        yield dsn
    finally:
        _drop(admin_dsn, name)


def _drop(admin_dsn: str, name: str) -> None:
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        slots = conn.execute("SELECT slot_name FROM pg_replication_slots WHERE database = %s", (name,))
        for (slot,) in slots.fetchall():
            drop_slot(conn, slot)
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def write(dsn: str, numbers: Sequence[int]) -> None:
    """Insert parcels ``numbers`` with COPY, ``ROWS_PER_TRANSACTION`` per committed transaction."""
    statement = f"COPY {TABLE} ({COLUMNS}) FROM STDIN"
    with psycopg.connect(dsn) as conn:
        for start in range(0, len(numbers), ROWS_PER_TRANSACTION):
            with conn.transaction(), conn.cursor() as cursor, cursor.copy(statement) as copy:
                for number in numbers[start : start + ROWS_PER_TRANSACTION]:
                    copy.write_row(parcel(number))


__all__ = ["cdc_config", "commune_codes", "feed", "fresh_database", "parcel", "parcel_contract", "write"]
