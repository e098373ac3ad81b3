"""What N key-sharded slots cost the server (ADR 017 part 3): each slot decodes the whole WAL.

``python -m tests.bench.slot_cost [DSN] [ROWS]`` writes ROWS inserts then ROWS updates into a
fresh table, with three slots on it: one on an unfiltered publication (one task) and one per
task of two on row-filtered publications (``connectors.postgres.shard_filter``). Each slot's
changes are decoded through ``pg_logical_slot_peek_binary_changes`` (pgoutput, as a walsender
would, without the network), timed twice. The sum of the per-task slots against the single
slot is the server's price of sharding.
"""

from __future__ import annotations

import os
import sys
import time
import uuid

import psycopg
from psycopg import sql

DROP_SLOT = "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = %s"
PEEK = (
    "SELECT count(*) FROM pg_logical_slot_peek_binary_changes("
    "%s, NULL, NULL, 'proto_version', '1', 'publication_names', %s)"
)


def measure(dsn: str, rows: int) -> dict[str, float]:
    """Seconds to decode every change, per slot (the best of two reads)."""
    table = f"slot_cost_{uuid.uuid4().hex[:8]}"
    names = {"all": f"{table}_all", "0of2": f"{table}_0of2", "1of2": f"{table}_1of2"}
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE TABLE {} (id bigint PRIMARY KEY, v text)").format(sql.Identifier(table)))
        try:
            for label, name in names.items():
                where: sql.Composable = sql.SQL("")
                if label != "all":
                    where = sql.SQL(" WHERE (mod(abs(hashint8(id)::int8), 2) = {})").format(
                        sql.Literal(int(label[0]))
                    )
                conn.execute(
                    sql.SQL("CREATE PUBLICATION {} FOR TABLE {}{}").format(
                        sql.Identifier(name), sql.Identifier(table), where
                    )
                )
                conn.execute("SELECT pg_create_logical_replication_slot(%s, 'pgoutput')", (name,))
            insert = "INSERT INTO {} SELECT g, md5(g::text) FROM generate_series(1, %s) g"
            conn.execute(sql.SQL(insert).format(sql.Identifier(table)), (rows,))
            conn.execute(sql.SQL("UPDATE {} SET v = v || 'x'").format(sql.Identifier(table)))
            return {label: _best_of_two(conn, name) for label, name in names.items()}
        finally:
            for name in names.values():
                conn.execute(DROP_SLOT, (name,))
                conn.execute(sql.SQL("DROP PUBLICATION IF EXISTS {}").format(sql.Identifier(name)))
            conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(table)))


def _best_of_two(conn: psycopg.Connection[tuple[object, ...]], slot: str) -> float:
    times = []
    for _ in range(2):
        started = time.perf_counter()
        conn.execute(PEEK, (slot, slot))
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    dsn = sys.argv[1] if len(sys.argv) > 1 else os.environ["HUB_POSTGRES_DSN"]
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    found = measure(dsn, rows)
    changes = 2 * rows
    for label, seconds in found.items():
        print(f"slot {label}: {seconds:.3f} s, {seconds / changes * 1e6:.2f} us per change")
    extra = found["0of2"] + found["1of2"] - found["all"]
    print(f"two task slots over one: {extra:+.3f} s, {extra / changes * 1e6:+.2f} us per change")


if __name__ == "__main__":
    main()
