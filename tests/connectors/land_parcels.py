"""A real land-parcel table in PostgreSQL, shaped like the ``vn.gov.land.parcel.v1`` contract.

Used where a test needs rows that pass (or, on purpose, break) a real built-in contract end to
end: registration through the API, and the worker crash test.
"""

from __future__ import annotations

from typing import Any

import psycopg

EVENT_TYPE = "vn.gov.land.parcel.v1"
TABLE = "public.parcels"
DDL = """
CREATE TABLE parcels (
    commune_code text NOT NULL,
    map_sheet_no integer NOT NULL,
    parcel_no integer NOT NULL,
    area_m2 double precision NOT NULL,
    land_use_purpose text NOT NULL,
    use_until date,
    address text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (commune_code, map_sheet_no, parcel_no)
)
"""
INSERT = (
    "INSERT INTO parcels (commune_code, map_sheet_no, parcel_no, area_m2, land_use_purpose, address) "
    "VALUES (%s, %s, %s, %s, %s, %s)"
)
COMMUNE = "00004"  # Phường Ba Đình, Hà Nội: a current commune code


def parcel(number: int, purpose: str = "ODT") -> tuple[Any, ...]:
    """Parcel ``number`` on sheet 1 of one commune; a purpose outside the code list breaks the contract."""
    return (COMMUNE, 1, number, 50.0 + number, purpose, f"thửa số {number}")


def create(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(DDL)


def key(number: int) -> str:
    return f"{COMMUNE}:1:{number}"
