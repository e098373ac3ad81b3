"""The demo's stream of changes: registrations, corrections, cancellations and moves in the ministries.

Each applied change is one row inserted, updated or deleted in one ministry database, in
small transactions, as the registries' own applications would write them. ``Ledger`` counts
what was committed, so the demo can show that every committed change became an event.

A *move* changes a land-use right certificate's commune to one in the other demo province
(Hà Nội <-> Tuyên Quang), as a boundary correction would: the province it left must hear that
it moved, the one it joined gets the record.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from devtools.demo.fake_rows import RecordFaker
from devtools.demo.ministry_db import MinistryDb, insert_sql
from devtools.demo.source_tables import SourceTable

# Fields a registry legitimately corrects after registration, per entity.
_CORRECTIONS: dict[str, tuple[str, Any]] = {
    "parcel": ("land_use_purpose", "ODT"),
    "land-use-right-certificate": ("status", "replaced"),
    "birth": ("place_of_birth", "Trạm y tế xã"),
    "death": ("place_of_death", "tại nhà riêng"),
    "marriage": ("registration_date", None),
    "criminal-record-certificate": ("has_record", False),
}
MOVABLE = "land-use-right-certificate"  # keyed by serial: its commune can change without a new key


@dataclass
class Known:
    """A row the demo inserted: how to find it again, and its record's commune."""

    where: dict[str, Any]
    unit: str | None


@dataclass
class Ledger:
    """What the demo committed, per feed (event type) and operation (r, c, u, d, move)."""

    committed: Counter[tuple[str, str]] = field(default_factory=Counter)
    rows: dict[str, list[Known]] = field(default_factory=dict)

    def total(self) -> int:
        return sum(self.committed.values())

    def per_feed(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for (event_type, _op), n in self.committed.items():
            out[event_type] += n
        return out

    def count(self, op: str) -> int:
        return sum(n for (_type, kind), n in self.committed.items() if kind == op)


class ChangeGenerator:
    def __init__(self, dsns: dict[str, str], ministries: list[MinistryDb], seed: int = 11) -> None:
        self.dsns = dsns
        self.ministries = ministries
        self.faker = RecordFaker(seed)
        self.rng = random.Random(seed)
        self.ledger = Ledger()

    def seed(self, rows_per_feed: int) -> None:
        """Rows present before the connectors start: they arrive as the initial snapshot."""
        for ministry in self.ministries:
            with psycopg.connect(self.dsns[ministry.database]) as conn:
                for table in ministry.tables:
                    for _ in range(rows_per_feed):
                        self._insert(conn, table, "r")

    def step(self) -> None:
        """One small transaction in one ministry: mostly inserts, some updates, deletes and moves."""
        ministry = self.rng.choice(self.ministries)
        table = self.rng.choice(ministry.tables)
        with psycopg.connect(self.dsns[ministry.database]) as conn:
            roll = self.rng.random()
            known = self.ledger.rows.get(table.spec.event_type, [])
            if roll < 0.55 or len(known) < 3:
                self._insert(conn, table, "c")
            elif roll < 0.8:
                self._update(conn, table, self.rng.choice(known))
            elif roll < 0.9 and table.spec.entity == MOVABLE:
                self._move(conn, table, self.rng.choice(known))
            else:
                self._delete(conn, table, known.pop(self.rng.randrange(len(known))))

    def _insert(self, conn: psycopg.Connection[Any], table: SourceTable, op: str) -> None:
        record = self.faker.row(table.spec)
        row = table.source_row(record)
        conn.execute(insert_sql(table, row), row)
        unit = record.get(table.spec.admin_unit_field)
        known = Known(table.source_key(row), None if unit is None else str(unit))
        self.ledger.rows.setdefault(table.spec.event_type, []).append(known)
        self.ledger.committed[(table.spec.event_type, op)] += 1

    def _update(self, conn: psycopg.Connection[Any], table: SourceTable, known: Known) -> None:
        field_name, value = _CORRECTIONS[table.spec.entity]
        if value is None:
            value = self.faker.registration()["registration_date"]
        if self._set(conn, table, known, field_name, value):
            self.ledger.committed[(table.spec.event_type, "u")] += 1

    def _move(self, conn: psycopg.Connection[Any], table: SourceTable, known: Known) -> None:
        """The record's commune becomes one in the other demo province."""
        leaving_capital = known.unit is not None and self.faker.province_of(known.unit) == "01"
        commune = self.rng.choice(self.faker.communes["absorbing" if leaving_capital else "capital"])
        if self._set(conn, table, known, table.spec.admin_unit_field, commune):
            known.unit = commune
            self.ledger.committed[(table.spec.event_type, "move")] += 1

    def _set(
        self, conn: psycopg.Connection[Any], table: SourceTable, known: Known, field_name: str, value: Any
    ) -> int:
        cursor = conn.execute(
            sql.SQL("UPDATE {} SET {} = %s WHERE {}").format(
                _table(table), sql.Identifier(table.column(field_name)), _where(known.where)
            ),
            [table.source_value(field_name, value), *known.where.values()],
        )
        return cursor.rowcount

    def _delete(self, conn: psycopg.Connection[Any], table: SourceTable, known: Known) -> None:
        cursor = conn.execute(
            sql.SQL("DELETE FROM {} WHERE {}").format(_table(table), _where(known.where)),
            list(known.where.values()),
        )
        self.ledger.committed[(table.spec.event_type, "d")] += cursor.rowcount


def _table(table: SourceTable) -> sql.Identifier:
    return sql.Identifier(*table.name.split(".", 1))


def _where(key: dict[str, Any]) -> sql.Composed:
    return sql.SQL(" AND ").join(sql.SQL("{} = %s").format(sql.Identifier(k)) for k in key)
