"""The demo's stream of changes: registrations, corrections and cancellations in the ministries.

Each applied change is one row inserted, updated or deleted in one ministry database, in
small transactions, as the registries' own applications would write them. ``Ledger`` counts
what was committed, so the demo can show that every committed change became an event.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from devtools.demo.fake_rows import RecordFaker
from devtools.demo.ministry_db import MinistryDb, insert_sql, table_name
from schemas.feeds import FeedSpec

# Fields a registry legitimately corrects after registration, per entity.
_CORRECTIONS: dict[str, tuple[str, Any]] = {
    "parcel": ("land_use_purpose", "ODT"),
    "land-use-right-certificate": ("status", "replaced"),
    "birth": ("place_of_birth", "Trạm y tế xã"),
    "death": ("place_of_death", "tại nhà riêng"),
    "marriage": ("registration_date", None),
    "criminal-record-certificate": ("has_record", False),
}


@dataclass
class Ledger:
    """What the demo committed, per feed (event type) and operation."""

    committed: Counter[tuple[str, str]] = field(default_factory=Counter)
    keys: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def total(self) -> int:
        return sum(self.committed.values())

    def per_feed(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for (event_type, _op), n in self.committed.items():
            out[event_type] += n
        return out


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
                for spec in ministry.feeds:
                    for _ in range(rows_per_feed):
                        self._insert(conn, spec, "r")

    def step(self) -> None:
        """One small transaction in one ministry: mostly inserts, some updates and deletes."""
        ministry = self.rng.choice(self.ministries)
        spec = self.rng.choice(ministry.feeds)
        with psycopg.connect(self.dsns[ministry.database]) as conn:
            roll = self.rng.random()
            known = self.ledger.keys.get(spec.event_type, [])
            if roll < 0.65 or len(known) < 3:
                self._insert(conn, spec, "c")
            elif roll < 0.9:
                self._update(conn, spec, self.rng.choice(known))
            else:
                self._delete(conn, spec, known.pop(self.rng.randrange(len(known))))

    def _insert(self, conn: psycopg.Connection[Any], spec: FeedSpec, op: str) -> None:
        row = self.faker.row(spec)
        conn.execute(insert_sql(spec, row), row)
        self.ledger.keys.setdefault(spec.event_type, []).append({k: row[k] for k in spec.key_fields})
        self.ledger.committed[(spec.event_type, op)] += 1

    def _update(self, conn: psycopg.Connection[Any], spec: FeedSpec, key: dict[str, Any]) -> None:
        column, value = _CORRECTIONS[spec.entity]
        if value is None:
            value = self.faker.registration()["registration_date"]
        cursor = conn.execute(
            sql.SQL("UPDATE {} SET {} = %s WHERE {}").format(
                _table(spec), sql.Identifier(column), _where(key)
            ),
            [value, *key.values()],
        )
        if cursor.rowcount:
            self.ledger.committed[(spec.event_type, "u")] += cursor.rowcount

    def _delete(self, conn: psycopg.Connection[Any], spec: FeedSpec, key: dict[str, Any]) -> None:
        cursor = conn.execute(
            sql.SQL("DELETE FROM {} WHERE {}").format(_table(spec), _where(key)), list(key.values())
        )
        self.ledger.committed[(spec.event_type, "d")] += cursor.rowcount


def _table(spec: FeedSpec) -> sql.Identifier:
    schema_name, table = table_name(spec).split(".")
    return sql.Identifier(schema_name, table)


def _where(key: dict[str, Any]) -> sql.Composed:
    return sql.SQL(" AND ").join(sql.SQL("{} = %s").format(sql.Identifier(k)) for k in key)
