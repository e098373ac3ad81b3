"""Connector configuration: the part every kind shares, and how secrets stay secret.

Each kind subclasses :class:`ConnectorConfigBase` with ``kind: Literal["<kind>"]`` and its own
fields (a DSN, a host, a password as ``SecretStr``...); ``connectors.registry`` combines the
registered subclasses into one discriminated union, so a YAML or JSON document parses into
exactly one config type or fails naming the field that is wrong.

Secrets are ``pydantic.SecretStr`` everywhere: ``model_dump(mode="json")`` and ``repr`` show
``**********``, which is what the API returns and what logs print. Only
:func:`stored_document` reveals them, for the control-plane store that must run the connector;
:func:`keep_masked_secrets` lets a client send back a document it read (masks included) without
wiping the stored password.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, SecretBytes, SecretStr, field_validator, model_validator
from pydantic_core import to_jsonable_python

from connectors.mapping.config import TableMapping
from schemas import naming

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
TABLE_PATTERN = r"^[A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z_][A-Za-z0-9_$]*$"
COLUMN_PATTERN = r"^[A-Za-z_][A-Za-z0-9_$]*$"
SECRET_MASK = "**********"  # noqa: S105  # what pydantic shows for a SecretStr; clients send it back

_URI_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")
_KEYWORD_PASSWORD = re.compile(r"(\bpassword\s*=\s*)(?:'(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)

Column = Annotated[str, Field(pattern=COLUMN_PATTERN, max_length=63)]


class TableFeed(BaseModel):
    """One captured table and the feed its changes are published to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    table: str = Field(pattern=TABLE_PATTERN, description='"schema.table" in the source database')
    event_type: str = Field(description="the feed's event type, e.g. vn.gov.land.parcel.v1")
    key: list[Column] | None = Field(
        default=None, min_length=1, description="record key columns; default: the table's primary key"
    )
    admin_unit_column: Column | None = Field(
        default=None, description="column holding the record's administrative unit code, if any"
    )
    mapping: TableMapping | None = Field(
        default=None,
        description="how the table's columns become the contract's fields (connectors.mapping); "
        "without one, rows are published as the table has them",
    )

    @field_validator("event_type")
    @classmethod
    def _event_type_is_a_feed_name(cls, value: str) -> str:
        try:
            naming.parse_event_type(value)
        except naming.InvalidName as exc:  # a field error, so the config error names the feed
            raise ValueError(exc.message) from exc
        return value

    @property
    def topic(self) -> str:
        return naming.parse_event_type(self.event_type).topic

    @property
    def schema_name(self) -> str:
        return self.table.split(".", 1)[0]

    @property
    def table_name(self) -> str:
        return self.table.split(".", 1)[1]


class ConnectorConfigBase(BaseModel):
    """What every connector has; kinds add their own fields and narrow ``kind`` to a Literal."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=SLUG_PATTERN, description="unique connector name (lower-case slug)")
    kind: str = Field(description="source kind, e.g. postgres_cdc or sql_polling")
    feeds: list[TableFeed] = Field(min_length=1, description="captured tables and their feeds")
    batch_size: int = Field(default=500, ge=1, le=50_000, description="most changes read per batch")
    poll_interval_ms: int = Field(
        default=1000, ge=10, le=600_000, description="longest wait of one read when the source is idle"
    )
    restart_initial_backoff_ms: int = Field(
        default=1000, ge=10, le=3_600_000, description="first restart delay"
    )
    restart_max_backoff_ms: int = Field(
        default=60_000, ge=10, le=86_400_000, description="longest restart delay"
    )
    mapping_salt: SecretStr | None = Field(
        default=None, description="secret key of the mappings' `hash: sha256` fields (HMAC-SHA-256)"
    )

    @model_validator(mode="after")
    def _tables_are_unique(self) -> ConnectorConfigBase:
        tables = [feed.table for feed in self.feeds]
        repeated = sorted({table for table in tables if tables.count(table) > 1})
        if repeated:
            raise ValueError(f"table(s) listed twice in feeds: {', '.join(repeated)}")
        if self.mapping_salt is None and any(f.mapping and f.mapping.uses_hash() for f in self.feeds):
            raise ValueError("a mapping hashes a column: set mapping_salt (a secret of the connector)")
        return self

    def task_count(self) -> int:
        """How many key-sharded tasks run this connector (``connectors.shards``); kinds override it."""
        return 1

    def feed_for_table(self, table: str) -> TableFeed | None:
        return next((feed for feed in self.feeds if feed.table == table), None)

    def database_label(self) -> str:
        """The source database's name in events (``source.database``); kinds override it."""
        return self.name

    def source_identity(self) -> str | None:
        """Which database this connector reads (server and database, no credentials); kinds override it."""
        return None

    def connection_target(self) -> dict[str, str]:
        """Where the connector connects and as whom: every connection parameter but the password.

        The hub refuses a change of any of them that keeps the stored password by sending its
        mask back: the password would go to a server the caller chose. Kinds override it.
        """
        return {}

    def connection_hosts(self) -> list[str]:
        """Every network host (name or IP literal) or socket path the connector may connect to.

        Checked against the hub's connector host allow-list; kinds override it.
        """
        return []

    def claims(self) -> dict[str, str]:
        """What no two connectors may share (claim -> what it is): here each table's feed, per source.

        Two connectors on one table and feed would publish every change twice.
        """
        source = self.source_identity()
        if source is None:
            return {}
        return {
            f"table:{source}/{feed.table}/{feed.event_type}": f"table {feed.table} -> {feed.event_type}"
            for feed in self.feeds
        }


def stored_document(config: BaseModel) -> dict[str, Any]:
    """The config as JSON with its secrets revealed: for the store only, never for a response."""
    revealed = _reveal(config.model_dump(mode="python", by_alias=True))
    document: dict[str, Any] = to_jsonable_python(revealed)
    return document


def public_document(config: BaseModel) -> dict[str, Any]:
    """The config as JSON with every secret masked: what the API returns and logs may print.

    Besides ``SecretStr`` fields, a password written inside a connection string (a URI's
    ``user:password@`` or libpq's ``password=...``) is masked too: a user's habit must not leak.
    """
    document: dict[str, Any] = _mask_embedded(config.model_dump(mode="json", by_alias=True))
    return document


def keep_masked_secrets(new: Mapping[str, Any], stored: Mapping[str, Any]) -> dict[str, Any]:
    """``new`` with each masked value (sent back as read) replaced by the stored secret."""
    merged: dict[str, Any] = {}
    for name, value in new.items():
        old = stored.get(name)
        if isinstance(value, str) and SECRET_MASK in value and _masks(old, value):
            merged[name] = old
        elif isinstance(value, Mapping) and isinstance(old, Mapping):
            merged[name] = keep_masked_secrets(value, old)
        else:
            merged[name] = value
    return merged


def _masks(stored: Any, sent: str) -> bool:
    """Whether ``sent`` is ``stored`` as the API showed it (wholly or partly masked)."""
    return isinstance(stored, str) and (sent == SECRET_MASK or _mask_embedded(stored) == sent)


def _mask_embedded(value: Any) -> Any:
    if isinstance(value, str):
        return _KEYWORD_PASSWORD.sub(
            rf"\g<1>{SECRET_MASK}", _URI_PASSWORD.sub(rf"\g<1>{SECRET_MASK}@", value)
        )
    if isinstance(value, dict):
        return {k: _mask_embedded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_embedded(v) for v in value]
    return value


def _reveal(value: Any) -> Any:
    if isinstance(value, SecretStr | SecretBytes):
        return value.get_secret_value()
    if isinstance(value, dict):
        return {k: _reveal(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_reveal(v) for v in value]
    return value


__all__ = [
    "SECRET_MASK",
    "ConnectorConfigBase",
    "TableFeed",
    "keep_masked_secrets",
    "public_document",
    "stored_document",
]
