"""What ``postgres_cdc`` needs from the server besides the tables: a publication it may create or
use, a free slot name, and the columns its mappings read. Checked at apply, before anything is
saved; each refusal names the statement a DBA runs to fix it.

- ``publication_missing``: ``publication_name`` names a publication that does not exist (a DBA's
  publication is never created by the connector);
- ``publication_lacks_table``: the publication exists without a captured table, and the
  connector's role could not add it (it must own both);
- ``no_create_privilege`` / ``not_table_owner``: no publication yet, and the connector's role
  cannot create one (CREATE on the database, ownership of every captured table);
- ``slot_in_use``: another process streams from the slot right now;
- ``admin_unit_column_missing``, and the mapping's own codes (``connectors.mapping.checks``).
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection

from connectors.contracts import ContractLookup
from connectors.errors import AdminUnitColumnMissing
from connectors.mapping.checks import SourceType
from connectors.mapping.pipeline import check_feed_columns
from connectors.postgres.config import PostgresCdcConfig
from connectors.postgres.tables import inspect_table
from connectors.shards import TaskShard
from schemas.errors import ConfigurationError

Conn = AsyncConnection[tuple[Any, ...]]


class PublicationMissing(ConfigurationError):
    code = "publication_missing"


class PublicationLacksTable(ConfigurationError):
    code = "publication_lacks_table"


class NoCreatePrivilege(ConfigurationError):
    code = "no_create_privilege"


class NotTableOwner(ConfigurationError):
    code = "not_table_owner"


class SlotInUse(ConfigurationError):
    code = "slot_in_use"


_PUBLICATION = "SELECT puballtables, pg_has_role(pubowner, 'USAGE') FROM pg_publication WHERE pubname = %s"
_PUBLISHED = "SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = %s"
_OWNERS = (
    "SELECT c.oid::regclass::text, pg_get_userbyid(c.relowner), pg_has_role(c.relowner, 'USAGE') "
    "FROM pg_class c WHERE c.oid = to_regclass(%s)"
)
_COLUMN_TYPES = """
SELECT a.attname::text, t.typname::text, t.typcategory::text
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
"""
_INTEGERS = {"int2", "int4", "int8"}


async def check_publication(conn: Conn, config: PostgresCdcConfig) -> None:
    if config.tasks > 1:  # the tasks' own row-filtered publications: made (or reset) at start
        for shard in config.shards():
            await _check_own_publication(conn, config.task_publication(shard), config)
        return
    name, tables = config.publication, [feed.table for feed in config.feeds]
    row = await (await conn.execute(_PUBLICATION, (name,))).fetchone()
    if row is None:
        if config.publication_name is not None:
            raise PublicationMissing(
                f"publication {name} does not exist; a DBA runs: "
                f"CREATE PUBLICATION {name} FOR TABLE {', '.join(tables)};",
                details={"publication": name},
            )
        await _check_can_create(conn, name, tables)
        return
    if row[0]:
        return  # FOR ALL TABLES
    published = {str(r[0]) for r in await (await conn.execute(_PUBLISHED, (name,))).fetchall()}
    missing = [table for table in tables if table not in published]
    if missing and not (row[1] and await _owns_all(conn, missing)):
        raise PublicationLacksTable(
            f"publication {name} does not include {', '.join(missing)}; a DBA runs: "
            f"ALTER PUBLICATION {name} ADD TABLE {', '.join(missing)};",
            details={"publication": name, "tables": missing},
        )


async def _check_own_publication(conn: Conn, name: str, config: PostgresCdcConfig) -> None:
    tables = [feed.table for feed in config.feeds]
    row = await (await conn.execute(_PUBLICATION, (name,))).fetchone()
    if row is None:
        await _check_can_create(conn, name, tables)
    elif not (row[1] and await _owns_all(conn, tables)):
        raise NotTableOwner(
            f"task publication {name} exists and the connector's role cannot reset its tables (it must "
            f"own the publication and {', '.join(tables)}); a DBA drops it: DROP PUBLICATION {name};",
            details={"publication": name},
        )


async def _check_can_create(conn: Conn, name: str, tables: list[str]) -> None:
    cursor = await conn.execute(
        "SELECT has_database_privilege(current_database(), 'CREATE'), current_database(), current_user"
    )
    can_create, database, role = await cursor.fetchone() or (False, "", "")
    if not can_create:
        raise NoCreatePrivilege(
            f"role {role} may not create publication {name} in database {database}; a DBA runs "
            f"GRANT CREATE ON DATABASE {database} TO {role}; or creates it: "
            f"CREATE PUBLICATION {name} FOR TABLE {', '.join(tables)}; and sets publication_name",
            details={"database": database, "role": role},
        )
    for table in tables:
        found = await (await conn.execute(_OWNERS, (table,))).fetchone()
        if found is not None and not found[2]:
            raise NotTableOwner(
                f"creating publication {name} needs ownership of {table} (owned by {found[1]}); a DBA "
                f"runs ALTER TABLE {table} OWNER TO {role}; or GRANT {found[1]} TO {role}; or creates "
                f"it: CREATE PUBLICATION {name} FOR TABLE {', '.join(tables)}; and sets publication_name",
                details={"table": table, "owner": found[1], "role": role},
            )


async def _owns_all(conn: Conn, tables: list[str]) -> bool:
    for table in tables:
        found = await (await conn.execute(_OWNERS, (table,))).fetchone()
        if found is None or not found[2]:
            return False
    return True


def application_name(config: PostgresCdcConfig, shard: TaskShard | None = None) -> str:
    """The replication connection's ``application_name``: how the pre-flight knows its own."""
    name = config.name if shard is None else shard.task_name(config.name)
    return f"hub-connector:{name}"[:63]


_SLOT = """
SELECT s.active, s.active_pid, s.plugin, s.database = current_database(), r.application_name
FROM pg_replication_slots s LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid
WHERE s.slot_name = %s
"""


async def check_slot(conn: Conn, config: PostgresCdcConfig) -> None:
    """Refuse a slot (one per task) another process streams from, or one made for another
    database or plugin."""
    for shard in config.shards():
        await _check_task_slot(conn, config.task_slot(shard), application_name(config, shard))


async def _check_task_slot(conn: Conn, slot: str, own: str) -> None:
    row = await (await conn.execute(_SLOT, (slot,))).fetchone()
    if row is None:
        return
    active, pid, plugin, same_database, streamer = row
    if not same_database or plugin != "pgoutput":
        raise SlotInUse(
            f"replication slot {slot} exists for another database or plugin ({plugin}): choose "
            "another slot_name",
            details={"slot": slot, "plugin": plugin},
        )
    if active and streamer != own:
        raise SlotInUse(
            f"replication slot {slot} is in use by {streamer or 'another process'} (server process "
            f"{pid}): choose another slot_name, or stop its user (SELECT pg_terminate_backend({pid});)",
            details={"slot": slot, "pid": pid},
        )


async def column_types(conn: Conn, table: str) -> dict[str, SourceType]:
    rows = await (await conn.execute(_COLUMN_TYPES, (table,))).fetchall()
    return {str(name): _source_type(str(type_name), str(category)) for name, type_name, category in rows}


def _source_type(type_name: str, category: str) -> SourceType:
    if category == "N":
        return SourceType.INTEGER if type_name in _INTEGERS else SourceType.NUMBER
    if category == "D":
        return SourceType.DATE if type_name == "date" else SourceType.TIMESTAMP
    return {"S": SourceType.STRING, "B": SourceType.BOOLEAN}.get(category, SourceType.OTHER)


async def check_columns(conn: Conn, config: PostgresCdcConfig, contracts: ContractLookup) -> None:
    """The admin-unit column and each mapping, against the table's columns and the contract."""
    for feed in config.feeds:
        columns = await column_types(conn, feed.table)
        contract = check_feed_columns(feed, columns, contracts)
        if feed.mapping is not None and contract is not None:
            key = [rule.column for name, rule in feed.mapping.fields.items() if name in contract.key_fields]
            # deletes must carry the columns the contract's key is made of
            await inspect_table(conn, feed.table, tuple(c for c in key if c), config.on_missing_primary_key)


__all__ = [
    "AdminUnitColumnMissing",
    "NoCreatePrivilege",
    "NotTableOwner",
    "PublicationLacksTable",
    "PublicationMissing",
    "SlotInUse",
    "application_name",
    "check_columns",
    "check_publication",
    "check_slot",
    "column_types",
]
