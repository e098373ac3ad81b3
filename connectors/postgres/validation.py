"""The registration check of a ``postgres_cdc`` config: can this connector work at all?

Run once when an operator registers the connector (blocking, in a worker thread), so a wrong
server setting or a table that cannot be captured is a clear error with a stable code at
registration instead of a connector that fails later.
"""

from __future__ import annotations

import asyncio

import psycopg

from connectors.contracts import ContractLookup, builtin_contract
from connectors.errors import SourceUnreachable
from connectors.postgres.config import PostgresCdcConfig
from connectors.postgres.errors import NoReplicationPrivilege, WalLevelNotLogical
from connectors.postgres.outbox import outbox_capture
from connectors.postgres.preflight import check_columns, check_publication, check_slot
from connectors.postgres.tables import inspect_table

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
        for feed in config.feeds:
            key = tuple(feed.key) if feed.key else None
            spec = await inspect_table(conn, feed.table, key, config.on_missing_primary_key)
            if feed.table == config.outbox:
                await outbox_capture(conn, spec, config.outbox_mark_column)
        await check_columns(conn, config, contracts)
        await check_publication(conn, config)
        await check_slot(conn, config)
