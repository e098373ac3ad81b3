"""The replication slot and the publication: created when missing, reused when present,
and checked so a lost slot is detected rather than silently replaced.

A slot is *lost* when it no longer exists although this connector created or used it before
(dropped by hand, not carried over by a failover), or when the server invalidated it for
exceeding ``max_slot_wal_keep_size`` (``wal_status = 'lost'``). Either way the changes after
its last confirmed position are gone; :class:`SlotLost` says so, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection, sql

from connectors.postgres.errors import SlotLost
from connectors.postgres.lsn import parse_lsn

PLUGIN = "pgoutput"


@dataclass(frozen=True)
class SlotInfo:
    name: str
    plugin: str | None
    database: str | None
    active_pid: int | None
    restart_lsn: int | None
    confirmed_flush_lsn: int | None
    wal_status: str | None


def _lsn(text: str | None) -> int | None:
    return None if text is None else parse_lsn(text)


async def slot_info(conn: AsyncConnection[tuple[Any, ...]], name: str) -> SlotInfo | None:
    cursor = await conn.execute(
        "SELECT plugin, database, active_pid, restart_lsn::text, confirmed_flush_lsn::text, "
        "wal_status FROM pg_replication_slots WHERE slot_name = %s",
        (name,),
    )
    row = await cursor.fetchone()
    if row is None:
        return None
    plugin, database, pid, restart, confirmed, status = row
    return SlotInfo(name, plugin, database, pid, _lsn(restart), _lsn(confirmed), status)


def check_usable(info: SlotInfo | None, name: str, database: str) -> SlotInfo:
    """The slot, if this connector can stream from it; :class:`SlotLost` otherwise."""
    if info is None:
        raise SlotLost(
            f"replication slot {name!r} disappeared (dropped, or not carried over by a failover); "
            "changes after its last position are lost: request a re-snapshot to recover",
            details={"slot": name, "reason": "missing"},
        )
    if info.wal_status == "lost":
        raise SlotLost(
            f"replication slot {name!r} was invalidated by the server (WAL it needed was removed); "
            "request a re-snapshot to recover",
            details={"slot": name, "reason": "invalidated"},
        )
    if info.plugin != PLUGIN or info.database != database:
        raise SlotLost(
            f"replication slot {name!r} belongs to plugin {info.plugin!r} on {info.database!r}, "
            f"not {PLUGIN!r} on {database!r}",
            details={"slot": name, "reason": "foreign"},
        )
    return info


async def create_slot(conn: AsyncConnection[tuple[Any, ...]], name: str) -> int:
    """A new logical slot; returns its consistent point (every later commit is streamed)."""
    cursor = await conn.execute(
        "SELECT lsn::text FROM pg_create_logical_replication_slot(%s, %s)", (name, PLUGIN)
    )
    row = await cursor.fetchone()
    assert row is not None
    return parse_lsn(str(row[0]))


async def drop_slot(conn: AsyncConnection[tuple[Any, ...]], name: str) -> None:
    await conn.execute(
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = %s",
        (name,),
    )


def _table_identifier(table: str) -> sql.Identifier:
    schema, _, name = table.rpartition(".")
    return sql.Identifier(schema or "public", name)


async def ensure_publication(conn: AsyncConnection[tuple[Any, ...]], name: str, tables: list[str]) -> None:
    """Create the publication for ``tables``, or add the ones an existing one lacks."""
    cursor = await conn.execute("SELECT puballtables FROM pg_publication WHERE pubname = %s", (name,))
    row = await cursor.fetchone()
    targets = sql.SQL(", ").join(_table_identifier(t) for t in tables)
    if row is None:
        await conn.execute(
            sql.SQL("CREATE PUBLICATION {} FOR TABLE {}").format(sql.Identifier(name), targets)
        )
        return
    if row[0]:
        return  # FOR ALL TABLES already covers ours
    cursor = await conn.execute(
        "SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = %s", (name,)
    )
    published = {str(r[0]) for r in await cursor.fetchall()}
    missing = [t for t in tables if t not in published]  # names are "schema.table"
    if missing:
        await conn.execute(
            sql.SQL("ALTER PUBLICATION {} ADD TABLE {}").format(
                sql.Identifier(name), sql.SQL(", ").join(_table_identifier(t) for t in missing)
            )
        )
