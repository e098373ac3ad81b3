"""Which rows a key-sharded task owns, as one SQL condition used end to end (ADR 017 part 3).

Task ``i`` of ``N`` owns the rows where ``mod(abs(h(k1)::int8 + h(k2)::int8 ...), N) = i``, ``h``
being each key column type's own hash function (``hashint8``, ``hashtext``...). The same
condition is the row filter of the task's publication (so PostgreSQL streams it only its keys)
and part of each snapshot chunk's ``WHERE``. Why these functions and no ``::text``: a row filter
may call only immutable built-in functions and PostgreSQL refuses I/O casts there; the int8 sum
cannot overflow (at most 8 key columns of int4 hashes), so the walsender never fails on a row.

A row filter on an update or delete reads the old row's key, so the key columns must be in the
table's replica identity, else PostgreSQL rejects the application's updates: refused at apply.
An update that moves a row to another task's keys reaches the old task as a delete and the new
one as an insert (PostgreSQL's row filter transformation), so each key's changes still go
through one task, in commit order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection, sql

from connectors.postgres.errors import ShardKeyNotInReplicaIdentity, ShardKeyUnsupported
from connectors.postgres.tables import TableSpec
from connectors.shards import TaskShard

HASH_FUNCTIONS = {
    "int2": "hashint2", "int4": "hashint4", "int8": "hashint8", "text": "hashtext",
    "varchar": "hashtext", "bpchar": "hashbpchar", "uuid": "uuid_hash", "numeric": "hash_numeric",
}  # fmt: skip

_KEY_COLUMNS = """
SELECT a.attname::text, t.typname::text,
  c.relreplident = 'f' OR EXISTS (
    SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND a.attnum = ANY(i.indkey)
      AND ((c.relreplident = 'd' AND i.indisprimary) OR (c.relreplident = 'i' AND i.indisreplident)))
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped
"""


@dataclass(frozen=True)
class ShardFilter:
    """One table's key columns with their hash functions: renders a task's condition."""

    table: str
    hashed: tuple[tuple[str, str], ...]  # (column, hash function)

    def condition(self, shard: TaskShard, alias: str | None = None) -> sql.Composable:
        terms = sql.SQL(" + ").join(
            sql.SQL("{}({})::int8").format(
                sql.Identifier(function), sql.Identifier(alias, column) if alias else sql.Identifier(column)
            )
            for column, function in self.hashed
        )
        count, index = sql.Literal(shard.count), sql.Literal(shard.index)
        return sql.SQL("mod(abs({}), {}) = {}").format(terms, count, index)


async def shard_filter(conn: AsyncConnection[tuple[Any, ...]], spec: TableSpec) -> ShardFilter:
    """The table's filter; refused when a key column cannot be hashed in a row filter or is not
    in the replica identity."""
    found = {
        str(r[0]): (str(r[1]), bool(r[2]))
        for r in await (await conn.execute(_KEY_COLUMNS, (spec.name,))).fetchall()
    }
    hashed = []
    for column in spec.key:
        type_name, in_identity = found[column]
        function = HASH_FUNCTIONS.get(type_name)
        if function is None:
            raise ShardKeyUnsupported(
                f"{spec.name}.{column} is of type {type_name}, which tasks > 1 cannot hash in a row "
                f"filter (supported: {', '.join(sorted(HASH_FUNCTIONS))}); use tasks: 1 or another key",
                details={"table": spec.name, "column": column, "type": type_name},
            )
        if not in_identity:
            raise ShardKeyNotInReplicaIdentity(
                f"{spec.name}.{column} is not in the table's replica identity, so PostgreSQL would "
                f"reject updates under a row filter on it; a DBA runs: ALTER TABLE {spec.name} "
                "REPLICA IDENTITY FULL; or use tasks: 1",
                details={"table": spec.name, "column": column},
            )
        hashed.append((column, function))
    return ShardFilter(spec.name, tuple(hashed))


def _table(name: str) -> sql.Identifier:
    schema, _, table = name.partition(".")
    return sql.Identifier(schema, table)


def publication_tables(filters: list[ShardFilter], shard: TaskShard) -> sql.Composable:
    """``t1 WHERE (...), t2 WHERE (...)``: the table list of a task's publication."""
    return sql.SQL(", ").join(
        sql.SQL("{} WHERE ({})").format(_table(f.table), f.condition(shard)) for f in filters
    )


async def ensure_shard_publication(
    conn: AsyncConnection[tuple[Any, ...]], name: str, filters: list[ShardFilter], shard: TaskShard
) -> None:
    """Create the task's publication, or set its tables and filters to these (idempotent)."""
    exists = await (await conn.execute("SELECT 1 FROM pg_publication WHERE pubname = %s", (name,))).fetchone()
    statement = "ALTER PUBLICATION {} SET TABLE {}" if exists else "CREATE PUBLICATION {} FOR TABLE {}"
    await conn.execute(sql.SQL(statement).format(sql.Identifier(name), publication_tables(filters, shard)))


__all__ = ["HASH_FUNCTIONS", "ShardFilter", "ensure_shard_publication", "publication_tables", "shard_filter"]
