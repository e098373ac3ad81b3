"""What the connector must know about each captured table before it streams a single row:
its record key and whether the server will send enough of the old row to rebuild that key.

The record key is the primary key unless the feed names one. A table without a primary key
is refused by default; configured otherwise it is keyed by all its columns or by the feed's
key. In both cases the table's replica identity must carry the key columns in the old row of
updates and deletes (``REPLICA IDENTITY FULL`` or ``USING INDEX``), or at least its primary key
(the default identity), from which the connector's record memory completes a delete (ADR 009):
without any of these PostgreSQL itself rejects UPDATE/DELETE on a published table, which would
break the ministry's application, so the connector refuses before it publishes the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from psycopg import AsyncConnection

from connectors.errors import TableMissing
from connectors.postgres.errors import KeyColumnMissing, NoPrimaryKey, ReplicaIdentityInsufficient


class MissingKeyPolicy(StrEnum):
    REFUSE = "refuse"
    ALL_COLUMNS = "all_columns"
    GIVEN_KEY = "given_key"


@dataclass(frozen=True)
class TableSpec:
    name: str  # "schema.table"
    key: tuple[str, ...]
    columns: tuple[str, ...]
    replica_identity: str  # d(efault), f(ull), i(ndex), n(othing)
    primary_key: tuple[str, ...]
    oid: int = 0  # pg_class oid: how a renamed table is recognised in the stream

    @property
    def full_identity(self) -> bool:
        return self.replica_identity == "f"

    def key_of(self, row: dict[str, object]) -> dict[str, object]:
        return {column: row.get(column) for column in self.key}

    def identity_of(self, row: dict[str, object]) -> dict[str, object] | None:
        """The primary key's values when the record key is other columns (the record memory's key)."""
        if not self.primary_key or self.primary_key == self.key:
            return None
        return {column: row.get(column) for column in self.primary_key}


def qualified(table: str) -> str:
    return table if "." in table else f"public.{table}"


_COLUMNS = """
SELECT c.relreplident, c.oid::int8,
  ARRAY(SELECT attname::text FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0
        AND NOT attisdropped ORDER BY attnum),
  ARRAY(SELECT a.attname::text FROM pg_index i JOIN pg_attribute a
        ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
        WHERE i.indrelid = c.oid AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)),
  ARRAY(SELECT a.attname::text FROM pg_index i JOIN pg_attribute a
        ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
        WHERE i.indrelid = c.oid AND i.indisreplident)
FROM pg_class c WHERE c.oid = to_regclass(%s)
"""


async def inspect_table(
    conn: AsyncConnection[tuple[Any, ...]],
    table: str,
    key: tuple[str, ...] | None,
    policy: MissingKeyPolicy,
) -> TableSpec:
    """The table's spec, or a :class:`ConfigurationError` saying why it cannot be captured."""
    name = qualified(table)
    cursor = await conn.execute(_COLUMNS, (name,))
    row = await cursor.fetchone()
    if row is None or row[0] is None:
        raise TableMissing(f"table {name} does not exist")
    identity, oid, columns, primary, index_identity = (
        str(row[0]),
        int(row[1]),
        tuple(row[2]),
        tuple(row[3]),
        tuple(row[4]),
    )
    chosen = _choose_key(name, key, primary, columns, policy)
    _check_identity(name, chosen, identity, primary, index_identity, columns)
    return TableSpec(name, chosen, columns, identity, primary, oid)


def _choose_key(
    name: str,
    key: tuple[str, ...] | None,
    primary: tuple[str, ...],
    columns: tuple[str, ...],
    policy: MissingKeyPolicy,
) -> tuple[str, ...]:
    if not primary and policy is MissingKeyPolicy.REFUSE:
        raise NoPrimaryKey(
            f"table {name} has no primary key; give the feed a key and set on_missing_primary_key"
        )
    if not primary and policy is MissingKeyPolicy.ALL_COLUMNS and not key:
        return columns
    chosen = key or primary
    if not chosen:
        raise NoPrimaryKey(f"table {name} has no primary key and the feed names no key")
    unknown = [c for c in chosen if c not in columns]
    if unknown:
        raise KeyColumnMissing(f"key column(s) {unknown} not in table {name}")
    return chosen


def _check_identity(
    name: str,
    key: tuple[str, ...],
    identity: str,
    primary: tuple[str, ...],
    index_identity: tuple[str, ...],
    columns: tuple[str, ...],
) -> None:
    carried = set({"f": columns, "d": primary, "i": index_identity}.get(identity, ()))
    if set(key) <= carried:
        return
    if primary and set(primary) <= carried:
        return  # deletes carry the primary key: the record memory completes them (ADR 009)
    raise ReplicaIdentityInsufficient(
        f"table {name}: its replica identity carries neither the key {list(key)} nor a primary key in "
        f"deletes; run ALTER TABLE {name} REPLICA IDENTITY FULL (or USING INDEX on a unique key index)"
    )
