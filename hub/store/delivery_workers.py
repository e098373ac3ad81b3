"""The ``hub run`` processes' presence: who runs, since when, and which partitions each holds now.

Each process writes its own row (``beat``) when its sinks' consumer assignment changes and on a
timer, and deletes it when it stops (``leave``); a process killed without stopping leaves a row
that readers show as stale and the next beat of any process deletes after ``REMOVE_AFTER_S``.
What a process holds is Kafka's answer at the time of the beat (its consumers' assignment), so
it can lag a rebalance by one beat.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from hub.store.base import Base, utcnow

REMOVE_AFTER_S = 600.0  # a silent process's row goes after this (shown as stale before)
Write = Callable[[Session], None]


class DeliveryWorkerRow(Base):
    __tablename__ = "delivery_workers"

    worker_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]
    holds: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


@dataclass(frozen=True)
class Holding:
    """One lane of one subscription in one process and the partitions its consumer holds."""

    subscription: str
    lane: str  # "feed" or "backfill"
    partitions: tuple[str, ...]  # "topic:partition", sorted

    def as_json(self) -> dict[str, Any]:
        return {"subscription": self.subscription, "lane": self.lane, "partitions": list(self.partitions)}

    @classmethod
    def of(cls, data: dict[str, Any]) -> Holding:
        return cls(str(data["subscription"]), str(data["lane"]), tuple(map(str, data["partitions"])))


@dataclass(frozen=True)
class DeliveryWorker:
    worker_id: str
    host: str
    pid: int
    started_at: datetime
    heartbeat_at: datetime
    holds: tuple[Holding, ...]


def beat(session: Session, worker: DeliveryWorker, remove_after_s: float = REMOVE_AFTER_S) -> None:
    """Write ``worker``'s row, and delete the rows of processes silent for ``remove_after_s``."""
    holds = [holding.as_json() for holding in worker.holds]
    row = session.get(DeliveryWorkerRow, worker.worker_id)
    if row is None:
        session.add(
            DeliveryWorkerRow(
                worker_id=worker.worker_id, host=worker.host, pid=worker.pid,
                started_at=worker.started_at, heartbeat_at=worker.heartbeat_at, holds=holds,
            )
        )  # fmt: skip
    else:
        row.heartbeat_at, row.holds = worker.heartbeat_at, holds
    cutoff = utcnow() - timedelta(seconds=remove_after_s)
    session.execute(delete(DeliveryWorkerRow).where(DeliveryWorkerRow.heartbeat_at < cutoff))


def leave(session: Session, worker_id: str) -> None:
    session.execute(delete(DeliveryWorkerRow).where(DeliveryWorkerRow.worker_id == worker_id))


def list_all(session: Session, remove_after_s: float = REMOVE_AFTER_S) -> list[DeliveryWorker]:
    """Every process heard from within ``remove_after_s``, by id."""
    cutoff = utcnow() - timedelta(seconds=remove_after_s)
    rows = session.scalars(
        select(DeliveryWorkerRow)
        .where(DeliveryWorkerRow.heartbeat_at >= cutoff)
        .order_by(DeliveryWorkerRow.worker_id)
    )
    return [
        DeliveryWorker(
            row.worker_id, row.host, row.pid, row.started_at, row.heartbeat_at,
            tuple(Holding.of(item) for item in row.holds),
        )
        for row in rows
    ]  # fmt: skip


__all__ = [
    "REMOVE_AFTER_S",
    "DeliveryWorker",
    "DeliveryWorkerRow",
    "Holding",
    "Write",
    "beat",
    "leave",
    "list_all",
]
