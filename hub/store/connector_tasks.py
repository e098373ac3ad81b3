"""The tasks of key-sharded connectors (``tasks: N > 1``, ADR 017 part 3): one row per task.

Each row is what a ``connector_runtime`` row is for a connector of one task: the lease a
worker holds on it, the task's committed position and its last status, under the task's name
``<connector>#<i>`` (``connectors.shards``). The rows follow the config: written with it
(:func:`sync_tasks`, in the same transaction), so a change of ``tasks`` replaces them (a
re-shard) and the workers holding the old ones lose their leases at the next renewal.
``snapshot_seq`` is the last re-snapshot request the task took: the connector's pending tables
are cleared only once every task took the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from connectors.shards import task_names
from hub.store.base import Base


class ConnectorTaskRow(Base):
    __tablename__ = "connector_tasks"

    name: Mapped[str] = mapped_column(String(70), primary_key=True)
    connector: Mapped[str] = mapped_column(
        String(63), ForeignKey("connectors.name", ondelete="CASCADE"), index=True
    )
    snapshot_seq: Mapped[int] = mapped_column(default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(200), index=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column()
    position: Mapped[str | None] = mapped_column(Text)
    position_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status_at: Mapped[datetime | None] = mapped_column()


@dataclass(frozen=True)
class StoredTask:
    name: str
    lease_owner: str | None
    lease_expires_at: datetime | None
    position: str | None
    status: dict[str, Any] | None

    def holder(self, now: datetime) -> str | None:
        if self.lease_owner and self.lease_expires_at and self.lease_expires_at > now:
            return self.lease_owner
        return None


def sync_tasks(session: Session, connector: str, count: int) -> None:
    """The connector's task rows are exactly those of ``count`` tasks (none for one task)."""
    wanted = set(task_names(connector, count)) if count > 1 else set()
    existing = set(
        session.scalars(select(ConnectorTaskRow.name).where(ConnectorTaskRow.connector == connector))
    )
    if stale := existing - wanted:
        session.execute(delete(ConnectorTaskRow).where(ConnectorTaskRow.name.in_(stale)))
    for name in sorted(wanted - existing):
        session.add(ConnectorTaskRow(name=name, connector=connector, snapshot_seq=0))


def stored_tasks(session: Session, connector: str) -> tuple[StoredTask, ...]:
    rows = session.scalars(
        select(ConnectorTaskRow)
        .where(ConnectorTaskRow.connector == connector)
        .order_by(ConnectorTaskRow.name)
    )
    return tuple(StoredTask(r.name, r.lease_owner, r.lease_expires_at, r.position, r.status) for r in rows)


__all__ = ["ConnectorTaskRow", "StoredTask", "stored_tasks", "sync_tasks"]
