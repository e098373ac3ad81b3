"""Configuration of the ``postgres_cdc`` kind (logical replication with pgoutput).

``outbox`` names one of the feeds' tables that follows the outbox convention
(``connectors.outbox``): its inserts are published as the application wrote them, and its rows
are deleted or marked once Kafka acknowledged them (``connectors.postgres.outbox``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

import psycopg
from pydantic import Field, SecretStr, model_validator

from connectors.outbox import OutboxConfigBase
from connectors.postgres.tables import MissingKeyPolicy
from connectors.shards import MAX_TASKS, TaskShard

IDENTIFIER = r"^[a-z_][a-z0-9_]{0,62}$"  # slot names allow only these; publications follow suit


class SnapshotMode(StrEnum):
    INITIAL = "initial"  # snapshot every table at the first start, then stream
    NEVER = "never"  # stream only; rows that never change are never published
    WHEN_NEEDED = "when_needed"  # initial, and re-snapshot by itself after a lost slot


class PostgresCdcConfig(OutboxConfigBase):
    kind: Literal["postgres_cdc"]
    dsn: str = Field(description="libpq URI or key=value string, without the password")
    password: SecretStr | None = Field(default=None, description="kept out of the DSN so it is masked")
    slot_name: str | None = Field(
        default=None,
        pattern=IDENTIFIER,
        description="logical replication slot; default hub_<connector name> (apply refuses a slot "
        "another process streams from or another connector uses)",
    )
    publication_name: str | None = Field(
        default=None,
        pattern=IDENTIFIER,
        description="a publication a DBA made (it must exist and include every feed table); without it "
        "the connector creates hub_<connector name>, which needs CREATE on the database and table ownership",
    )
    snapshot_mode: SnapshotMode = Field(
        default=SnapshotMode.INITIAL,
        description="initial: snapshot every table at the first start; never: stream only; "
        "when_needed: initial, and again by itself after a lost slot",
    )
    chunk_size: int = Field(default=4096, ge=1, le=100_000, description="rows per snapshot chunk")
    heartbeat_interval_s: float = Field(
        default=10.0, gt=0, le=300, description="standby status interval (keep below wal_sender_timeout)"
    )
    on_missing_primary_key: MissingKeyPolicy = Field(
        default=MissingKeyPolicy.REFUSE,
        description="refuse a table without primary key, key it by all columns, or by the feed's key",
    )
    tasks: int = Field(
        default=1,
        ge=1,
        le=MAX_TASKS,
        description="key-sharded tasks (PostgreSQL 15+ for more than 1): task i streams the rows whose "
        "key hashes to i through its own row-filtered publication and slot (<name>_<i>of<N>), so "
        "several hub connect processes share the load; changing it is a re-shard (ADR 017)",
    )

    @model_validator(mode="after")
    def _sharding_is_possible(self) -> PostgresCdcConfig:
        if self.tasks > 1 and self.publication_name is not None:
            raise ValueError("tasks > 1 creates its own row-filtered publications: omit publication_name")
        if self.tasks > 1 and self.outbox is not None:
            raise ValueError("an outbox is cleaned up by transaction, across keys: it needs tasks = 1")
        return self

    @property
    def slot(self) -> str:
        return self.slot_name or _default_identifier(self.name)

    @property
    def publication(self) -> str:
        return self.publication_name or _default_identifier(self.name)

    def task_count(self) -> int:
        return self.tasks

    def task_slot(self, shard: TaskShard | None) -> str:
        """The slot one task streams from; a single task keeps the connector's own."""
        return self.slot if shard is None else _derived(self.slot, shard)

    def task_publication(self, shard: TaskShard | None) -> str:
        return self.publication if shard is None else _derived(self.publication, shard)

    def shards(self) -> list[TaskShard | None]:
        """Each task's share of the keys (``[None]``: one task owning every key)."""
        if self.tasks == 1:
            return [None]
        return [TaskShard(index, self.tasks) for index in range(self.tasks)]

    def source_identity(self) -> str:
        found = psycopg.conninfo.conninfo_to_dict(self.dsn)
        return f"postgresql://{found.get('host', '')}:{found.get('port', 5432)}/{found.get('dbname', '')}"

    def connection_target(self) -> dict[str, str]:
        found = {"port": "5432"} | psycopg.conninfo.conninfo_to_dict(self.dsn)
        return {name: str(value) for name, value in found.items() if name != "password"}

    def connection_hosts(self) -> list[str]:
        """The DSN's hosts and host addresses; none means libpq's local default (``localhost``).

        A ``service`` is listed as ``service=NAME``: its hosts live in a file the hub cannot vouch for.
        """
        found = psycopg.conninfo.conninfo_to_dict(self.dsn)
        hosts = [
            host.strip()
            for name in ("host", "hostaddr")
            for host in str(found.get(name) or "").split(",")
            if host.strip()
        ]
        if "service" in found:
            hosts.append(f"service={found['service']}")
        return hosts or ["localhost"]

    def claims(self) -> dict[str, str]:
        """Besides the tables, the replication slot: slots belong to the whole server."""
        server = self.source_identity().rsplit("/", 1)[0]
        slots = [self.task_slot(shard) for shard in self.shards()]
        return {**super().claims(), **{f"slot:{server}/{slot}": f"replication slot {slot}" for slot in slots}}

    def conninfo(self) -> str:
        """The DSN with the password: for connecting, never for logging."""
        if self.password is None:
            return self.dsn
        return psycopg.conninfo.make_conninfo(self.dsn, password=self.password.get_secret_value())


def _default_identifier(name: str) -> str:
    return f"hub_{name.replace('-', '_')}"[:63]


def _derived(base: str, shard: TaskShard) -> str:
    suffix = f"_{shard.label}"
    return base[: 63 - len(suffix)] + suffix
