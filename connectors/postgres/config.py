"""Configuration of the ``postgres_cdc`` kind (logical replication with pgoutput).

``outbox`` names one of the feeds' tables that follows the outbox convention
(``connectors.outbox``): its inserts are published as the application wrote them, and its rows
are deleted or marked once Kafka acknowledged them (``connectors.postgres.outbox``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

import psycopg
from pydantic import Field, SecretStr

from connectors.outbox import OutboxConfigBase
from connectors.postgres.tables import MissingKeyPolicy

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

    @property
    def slot(self) -> str:
        return self.slot_name or _default_identifier(self.name)

    @property
    def publication(self) -> str:
        return self.publication_name or _default_identifier(self.name)

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
        return {**super().claims(), f"slot:{server}/{self.slot}": f"replication slot {self.slot}"}

    def conninfo(self) -> str:
        """The DSN with the password: for connecting, never for logging."""
        if self.password is None:
            return self.dsn
        return psycopg.conninfo.make_conninfo(self.dsn, password=self.password.get_secret_value())


def _default_identifier(name: str) -> str:
    return f"hub_{name.replace('-', '_')}"[:63]
