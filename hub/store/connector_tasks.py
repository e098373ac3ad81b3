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


_COUNTERS = ("events_published", "events_quarantined", "events_snapshot", "errors", "restarts")
_WORST_FIRST = ("failed", "restarting", "starting", "paused", "stopped", "running")


def combined(
    tasks: tuple[StoredTask, ...], now: datetime
) -> tuple[str | None, datetime | None, dict[str, Any]]:
    """The connector as one: held only while every task is (by the workers holding them), in its
    least healthy task's state, with the tasks' counters summed and lag the largest."""
    holders = [task.holder(now) for task in tasks]
    owner = ", ".join(sorted({h for h in holders if h})) if all(holders) else None
    expires = min((t.lease_expires_at for t in tasks if t.lease_expires_at), default=None)
    statuses = [task.status or {} for task in tasks]
    states = [str(status.get("state")) for status in statuses if status.get("state")]
    status: dict[str, Any] = {name: sum(int(s.get(name) or 0) for s in statuses) for name in _COUNTERS}
    status["state"] = next((state for state in _WORST_FIRST if state in states), None)
    status["phase"] = "; ".join(dict.fromkeys(str(s["phase"]) for s in statuses if s.get("phase"))) or None
    status["last_error"] = next((s["last_error"] for s in statuses if s.get("last_error")), None)
    status["lag_seconds"] = max(
        (float(s["lag_seconds"]) for s in statuses if s.get("lag_seconds") is not None), default=None
    )
    return owner, expires, status


def sync_tasks(session: Session, connector: str, count: int) -> None:
    """The connector's task rows are exactly those of ``count`` tasks (none for one task); a
    new count replaces every row, even of names the two counts share."""
    wanted = set(task_names(connector, count)) if count > 1 else set()
    existing = set(
        session.scalars(select(ConnectorTaskRow.name).where(ConnectorTaskRow.connector == connector))
    )
    if existing == wanted:
        return
    # another count shares the keys out otherwise: no position or lease of the old tasks holds
    session.execute(delete(ConnectorTaskRow).where(ConnectorTaskRow.connector == connector))
    session.flush()
    for name in sorted(wanted):
        session.add(ConnectorTaskRow(name=name, connector=connector, snapshot_seq=0))


def stored_tasks(session: Session, connector: str) -> tuple[StoredTask, ...]:
    rows = session.scalars(
        select(ConnectorTaskRow)
        .where(ConnectorTaskRow.connector == connector)
        .order_by(ConnectorTaskRow.name)
    )
    return tuple(StoredTask(r.name, r.lease_owner, r.lease_expires_at, r.position, r.status) for r in rows)


__all__ = ["ConnectorTaskRow", "StoredTask", "combined", "stored_tasks", "sync_tasks"]
