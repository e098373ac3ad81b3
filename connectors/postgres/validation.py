"""The registration check of a ``postgres_cdc`` config: can this connector work at all?

Run once when an operator registers the connector (blocking, in a worker thread), so a wrong
server setting or a table that cannot be captured is a clear error with a stable code at
registration instead of a connector that fails later.
"""

from __future__ import annotations

import asyncio

import psycopg
from psycopg import sql

from connectors.contracts import ContractLookup, builtin_contract
from connectors.errors import SourceUnreachable
from connectors.postgres.config import PostgresCdcConfig
from connectors.postgres.errors import (
    NoReplicationPrivilege,
    ShardKeyUnsupported,
    TasksNeedPostgres15,
    WalLevelNotLogical,
)
from connectors.postgres.outbox import outbox_capture
from connectors.postgres.preflight import check_columns, check_publication, check_slot
from connectors.postgres.shard_filter import publication_tables, shard_filter
from connectors.postgres.tables import TableSpec, inspect_table
from connectors.shards import TaskShard

_PRIVILEGES = (
    "SELECT current_setting('wal_level'), rolreplication OR rolsuper FROM pg_roles "
    "WHERE rolname = current_user"
)


def check_config(config: PostgresCdcConfig, contracts: ContractLookup = builtin_contract) -> None:
    asyncio.run(_check(config, contracts))


async def _check(config: PostgresCdcConfig, contracts: ContractLookup) -> None:
    try:
        conn = await psycopg.AsyncConnection.connect(config.conninfo(), autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        raise SourceUnreachable(f"cannot connect to the source: {exc}") from exc
    async with conn:
        cursor = await conn.execute(_PRIVILEGES)
        wal_level, can_replicate = await cursor.fetchone() or ("", False)
        if wal_level != "logical":
            raise WalLevelNotLogical(
                f"wal_level is {wal_level!r}; logical decoding needs wal_level = logical"
            )
        if not can_replicate:
            raise NoReplicationPrivilege("the connector's role lacks the REPLICATION attribute")
        specs = []
        for feed in config.feeds:
            key = tuple(feed.key) if feed.key else None
            spec = await inspect_table(conn, feed.table, key, config.on_missing_primary_key)
            if feed.table == config.outbox:
                await outbox_capture(conn, spec, config.outbox_mark_column)
            specs.append(spec)
        if config.tasks > 1:
            await _check_sharding(conn, specs)
        await check_columns(conn, config, contracts)
        await check_publication(conn, config)
        await check_slot(conn, config)


async def _check_sharding(conn: psycopg.AsyncConnection[tuple[object, ...]], specs: list[TableSpec]) -> None:
    """Row filters exist from PostgreSQL 15; each key must be hashable in one, which a trial
    publication (rolled back) proves with the server's own rules."""
    if conn.info.server_version < 150000:
        raise TasksNeedPostgres15(
            f"tasks > 1 needs PostgreSQL 15 or later (publication row filters); the source runs "
            f"{conn.info.server_version // 10000}: use tasks: 1",
            details={"server_version": conn.info.server_version},
        )
    filters = [await shard_filter(conn, spec) for spec in specs]
    trial = sql.SQL("CREATE PUBLICATION {} FOR TABLE {}").format(
        sql.Identifier("hub_shard_trial"), publication_tables(filters, TaskShard(0, 2))
    )
    try:
        async with conn.transaction(force_rollback=True):
            await conn.execute(trial)
    except psycopg.errors.InsufficientPrivilege:
        return  # the publication check names the privilege a DBA grants
    except psycopg.Error as exc:
        raise ShardKeyUnsupported(
            f"the server refuses the tasks' row filter: {exc}", details={"tables": [s.name for s in specs]}
        ) from exc
