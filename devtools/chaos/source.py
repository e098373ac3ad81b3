"""The chaos suite's source: land parcels in a real PostgreSQL table, changed one small
transaction at a time, each change carrying its own version label.

The table is the demo's contract-shaped ``public.parcel`` (feed ``vn.gov.land.parcel.v1``).
A record is a parcel number; its ``address`` ends with the label of its latest change (``v0``
at insert, ``v1``, ``v2``... at each update), so every event says which change it is, and the
driver's ledger of committed (record, label) is what every portal must end up with
(``devtools.chaos.verdict``).
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import sql

from devtools.chaos.verdict import DELETED, Change, version_label
from devtools.demo.ministry_db import insert_sql
from devtools.demo.source_tables import ContractTable
from schemas.feeds import all_feeds

FEED = "vn.gov.land.parcel.v1"
RECORD_FIELD = "parcel_no"
LABEL_FIELD = "address"
COMMUNE = "00004"  # Ba Đình, Hà Nội: routing is not what this suite tests


def parcel_table() -> ContractTable:
    (spec,) = [spec for spec in all_feeds() if spec.event_type == FEED]
    return ContractTable(spec)


def create_table(dsn: str) -> ContractTable:
    table = parcel_table()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(*table.name.split("."))))
        conn.execute(table.create_sql())
    return table


@dataclass
class Ledger:
    """What the driver committed: every (record, label), and the records still alive with their
    latest version."""

    committed: list[Change] = field(default_factory=list)
    alive: dict[int, int] = field(default_factory=dict)
    next_record: int = 1


class ChangeDriver:
    """Commits ``total`` changes at up to ``rate_per_s`` (inserts, updates, deletes) from a thread."""

    def __init__(
        self,
        dsn: str,
        table: ContractTable,
        total: int,
        rate_per_s: float,
        *,
        first_record: int = 1,
        seed: int = 7,
    ) -> None:
        self.dsn, self.table, self.total, self.rate_per_s = dsn, table, total, rate_per_s
        self.rng = random.Random(seed)
        self.ledger = Ledger(next_record=first_record)
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="chaos-source", daemon=True)
        self._lock = threading.Lock()

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout_s: float | None = None) -> bool:
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def committed(self) -> list[Change]:
        with self._lock:
            return list(self.ledger.committed)

    def _run(self) -> None:
        try:
            with psycopg.connect(self.dsn, autocommit=True) as conn:
                started = time.monotonic()
                for n in range(self.total):
                    self._step(conn)
                    ahead = started + (n + 1) / self.rate_per_s - time.monotonic()
                    if ahead > 0:
                        time.sleep(ahead)
        except BaseException as exc:  # reported by the scenario, which watches the driver
            self.error = exc

    def _step(self, conn: psycopg.Connection[Any]) -> None:
        alive = self.ledger.alive
        roll = self.rng.random()
        if roll < 0.45 or len(alive) < 20:
            self._insert(conn)
        elif roll < 0.92:
            self._update(conn, self.rng.choice(list(alive)))
        else:
            self._delete(conn, self.rng.choice(list(alive)))

    def _insert(self, conn: psycopg.Connection[Any]) -> None:
        record = self.ledger.next_record
        row = {
            "commune_code": COMMUNE, "map_sheet_no": 1, "parcel_no": record, "area_m2": 100.0,
            "land_use_purpose": "ODT", "use_until": None, "address": _address(0),
            "updated_at": datetime.now(UTC),
        }  # fmt: skip
        conn.execute(insert_sql(self.table, row), row)
        self._record(record, version_label(0), alive=0)
        self.ledger.next_record += 1

    def _update(self, conn: psycopg.Connection[Any], record: int) -> None:
        version = self.ledger.alive[record] + 1
        conn.execute(
            "UPDATE public.parcel SET address = %s, updated_at = %s WHERE parcel_no = %s",
            (_address(version), datetime.now(UTC), record),
        )
        self._record(record, version_label(version), alive=version)

    def _delete(self, conn: psycopg.Connection[Any], record: int) -> None:
        conn.execute("DELETE FROM public.parcel WHERE parcel_no = %s", (record,))
        self._record(record, DELETED, alive=None)

    def _record(self, record: int, label: str, *, alive: int | None) -> None:
        with self._lock:
            self.ledger.committed.append((record, label))
            if alive is None:
                self.ledger.alive.pop(record, None)
            else:
                self.ledger.alive[record] = alive


def _address(version: int) -> str:
    return f"thửa đất thử nghiệm {version_label(version)}"


__all__ = ["FEED", "LABEL_FIELD", "RECORD_FIELD", "ChangeDriver", "create_table", "parcel_table"]
