"""Stored connectors: their configuration and operator commands, and their runtime state.

Two tables with two writers, so they never contend for a row: ``connectors`` is written by the
API (the config document, ``paused``, and counters that workers compare to notice commands:
``generation`` for a new config, ``restart_seq``, ``snapshot_seq`` with the tables still to
snapshot); ``connector_runtime`` by workers (the lease, the committed position, the last status).
``connector_workers`` holds the workers' heartbeats, which is how each knows its fair share.

The config document is stored with its secrets (a worker must connect with them): read it only
through ``stored_document``/``StoredConnector.document`` and never return it; the column is
encrypted at rest (``hub.store.crypto.EncryptedJSON``). Every function runs inside the
caller's session, so a rejected request changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from connectors.config import ConnectorConfigBase, stored_document
from hub.store.base import Base, utcnow
from hub.store.connector_tasks import StoredTask, combined, stored_tasks, sync_tasks
from hub.store.crypto import EncryptedJSON
from schemas.errors import Conflict, NotFound


class ConnectorNotFound(NotFound):
    code = "connector_not_found"


class ConnectorExists(Conflict):
    code = "connector_exists"


class ConnectorRow(Base):
    __tablename__ = "connectors"

    name: Mapped[str] = mapped_column(String(63), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    config: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON())  # Fernet, key from HUB_SECRET_KEY
    paused: Mapped[bool] = mapped_column(default=False)
    generation: Mapped[int] = mapped_column(default=1)
    restart_seq: Mapped[int] = mapped_column(default=0)
    snapshot_seq: Mapped[int] = mapped_column(default=0)
    snapshot_tables: Mapped[list[str]] = mapped_column(JSON, default=list)
    skip_seq: Mapped[int] = mapped_column(default=0)
    skip_after: Mapped[str | None] = mapped_column(Text)  # "" = before the first position
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConnectorRuntimeRow(Base):
    __tablename__ = "connector_runtime"

    name: Mapped[str] = mapped_column(
        String(63), ForeignKey("connectors.name", ondelete="CASCADE"), primary_key=True
    )
    lease_owner: Mapped[str | None] = mapped_column(String(200), index=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column()
    position: Mapped[str | None] = mapped_column(Text)
    position_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status_at: Mapped[datetime | None] = mapped_column()


class ConnectorWorkerRow(Base):
    __tablename__ = "connector_workers"

    worker_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True)
class StoredConnector:
    name: str
    kind: str
    document: dict[str, Any]  # secrets included: parse it, never return it
    paused: bool
    generation: int
    snapshot_tables: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    lease_owner: str | None
    lease_expires_at: datetime | None
    position: str | None
    status: dict[str, Any] | None
    skip_after: str | None = None  # the position of the last skip asked ("" = the start)
    tasks: tuple[StoredTask, ...] = ()  # a key-sharded connector's tasks (none for one task)

    def holder(self, now: datetime) -> str | None:
        """The worker running it now, or None when no live lease exists."""
        if self.lease_owner and self.lease_expires_at and self.lease_expires_at > now:
            return self.lease_owner
        return None


def _write_document(row: ConnectorRow, config: ConnectorConfigBase) -> None:
    """THE way a config reaches the store (encrypted by the column type)."""
    row.config = stored_document(config)


def read_document(row: ConnectorRow) -> dict[str, Any]:
    """THE way a config leaves the store (decrypted by the column type)."""
    return dict(row.config)


def _stored(
    row: ConnectorRow, runtime: ConnectorRuntimeRow | None, tasks: tuple[StoredTask, ...] = ()
) -> StoredConnector:
    """A key-sharded connector shows its tasks combined (``connector_tasks.combined``), and each."""
    owner, expires, status = (
        (runtime.lease_owner, runtime.lease_expires_at, runtime.status) if runtime else (None, None, None)
    )
    if tasks:
        owner, expires, status = combined(tasks, utcnow())
    return StoredConnector(
        name=row.name,
        kind=row.kind,
        document=read_document(row),
        paused=row.paused,
        generation=row.generation,
        snapshot_tables=tuple(row.snapshot_tables or ()),
        created_at=row.created_at,
        updated_at=row.updated_at,
        lease_owner=owner,
        lease_expires_at=expires,
        position=runtime.position if runtime and not tasks else None,
        status=status,
        skip_after=row.skip_after,
        tasks=tasks,
    )


def _row(session: Session, name: str, *, for_update: bool = False) -> ConnectorRow:
    query = select(ConnectorRow).where(ConnectorRow.name == name)
    row = session.scalars(query.with_for_update() if for_update else query).one_or_none()
    if row is None:
        raise ConnectorNotFound(f"no connector {name!r}")
    return row


def insert(session: Session, config: ConnectorConfigBase) -> StoredConnector:
    if session.get(ConnectorRow, config.name) is not None:
        raise ConnectorExists(f"connector {config.name!r} already exists")
    row = ConnectorRow(name=config.name, kind=config.kind, snapshot_tables=[])
    _write_document(row, config)
    session.add(row)
    session.add(ConnectorRuntimeRow(name=config.name))
    try:
        session.flush()
    except IntegrityError as exc:  # registered concurrently since the check above
        raise ConnectorExists(f"connector {config.name!r} already exists") from exc
    sync_tasks(session, config.name, config.task_count())
    session.flush()
    return get(session, config.name)


def get(session: Session, name: str) -> StoredConnector:
    return _stored(_row(session, name), session.get(ConnectorRuntimeRow, name), stored_tasks(session, name))


def find(session: Session, name: str) -> StoredConnector | None:
    row = session.get(ConnectorRow, name)
    if row is None:
        return None
    return _stored(row, session.get(ConnectorRuntimeRow, name), stored_tasks(session, name))


def workers(session: Session) -> list[tuple[str, datetime]]:
    """Each ``hub connect`` worker with its last heartbeat (a stopped one removes its own row)."""
    rows = session.scalars(select(ConnectorWorkerRow).order_by(ConnectorWorkerRow.worker_id))
    return [(row.worker_id, row.heartbeat_at) for row in rows]


def list_all(session: Session) -> list[StoredConnector]:
    rows = session.execute(
        select(ConnectorRow, ConnectorRuntimeRow)
        .outerjoin(ConnectorRuntimeRow, ConnectorRuntimeRow.name == ConnectorRow.name)
        .order_by(ConnectorRow.name)
    ).all()
    return [_stored(row, runtime, stored_tasks(session, row.name)) for row, runtime in rows]


def replace(session: Session, config: ConnectorConfigBase) -> StoredConnector:
    """Store a new config; a changed one bumps ``generation``, so its worker restarts the task."""
    row = _row(session, config.name, for_update=True)
    before = row.config
    _write_document(row, config)
    if row.config != before:
        row.kind = config.kind
        row.generation += 1
        row.updated_at = utcnow()
    sync_tasks(session, config.name, config.task_count())
    session.flush()
    return get(session, config.name)


def delete_connector(session: Session, name: str) -> None:
    _row(session, name, for_update=True)
    session.execute(delete(ConnectorRuntimeRow).where(ConnectorRuntimeRow.name == name))
    sync_tasks(session, name, 1)
    session.execute(delete(ConnectorRow).where(ConnectorRow.name == name))


def set_paused(session: Session, name: str, paused: bool) -> StoredConnector:
    row = _row(session, name, for_update=True)
    row.paused = paused
    row.updated_at = utcnow()
    session.flush()
    return get(session, name)


def request_restart(session: Session, name: str) -> StoredConnector:
    row = _row(session, name, for_update=True)
    row.restart_seq += 1
    row.updated_at = utcnow()
    session.flush()
    return get(session, name)


def request_skip(session: Session, name: str, after: str) -> StoredConnector:
    """Ask the worker to move past the change held right after position ``after`` (once)."""
    row = _row(session, name, for_update=True)
    row.skip_seq += 1
    row.skip_after = after
    row.updated_at = utcnow()
    session.flush()
    return get(session, name)


def request_snapshot(session: Session, name: str, tables: list[str]) -> StoredConnector:
    """Ask for ``tables`` to be snapshotted again; pending until a worker's task took them."""
    row = _row(session, name, for_update=True)
    row.snapshot_tables = list(dict.fromkeys([*(row.snapshot_tables or []), *tables]))
    row.snapshot_seq += 1
    row.updated_at = utcnow()
    session.flush()
    return get(session, name)


__all__ = [
    "ConnectorExists",
    "ConnectorNotFound",
    "ConnectorRow",
    "ConnectorRuntimeRow",
    "ConnectorWorkerRow",
    "StoredConnector",
    "delete_connector",
    "find",
    "get",
    "insert",
    "list_all",
    "read_document",
    "replace",
    "request_restart",
    "request_skip",
    "request_snapshot",
    "set_paused",
]
