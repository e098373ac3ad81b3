"""State jobs: durable backfill and rehome jobs, their hand-over offsets, cursor and counts.

A job is ``pending`` until a hub process claims it, ``running`` while that process keeps its
lease (``updated_at`` younger than the lease: every progress write renews it), then ``done`` or
``failed``. A process that dies leaves its job ``running`` with a stale lease; the next claim
takes it over and resumes from the saved cursor. One job that has not ended per subscription
(``JobRunning`` otherwise). Offsets are stored as ``{"<topic>:<partition>": offset}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import JSON, BigInteger, Integer, String, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from bus.records import TopicPartition
from hub.store.base import Base, utcnow
from schemas.errors import JobNotFound, JobRunning

JobState = Literal["pending", "running", "done", "failed"]
JobKind = Literal["backfill", "rehome"]
OPEN: tuple[JobState, ...] = ("pending", "running")
_BIG_ID = BigInteger().with_variant(Integer(), "sqlite")


class StateJob(Base):
    __tablename__ = "state_jobs"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    subscription_id: Mapped[str] = mapped_column(String(63))
    kind: Mapped[str] = mapped_column(String(20))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    handover: Mapped[dict[str, int] | None] = mapped_column(JSON)
    lane_start: Mapped[dict[str, int] | None] = mapped_column(JSON)
    cursor: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    scanned: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[int | None] = mapped_column(BigInteger)
    selected: Mapped[int] = mapped_column(BigInteger, default=0)
    produced: Mapped[int] = mapped_column(BigInteger, default=0)
    delivered: Mapped[int] = mapped_column(BigInteger, default=0)
    started_by: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str | None] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(String(1000))


def offsets_json(offsets: Mapping[TopicPartition, int]) -> dict[str, int]:
    return {f"{tp.topic}:{tp.partition}": offset for tp, offset in sorted(offsets.items())}


def offsets_of(stored: Mapping[str, int] | None) -> dict[TopicPartition, int]:
    found: dict[TopicPartition, int] = {}
    for address, offset in (stored or {}).items():
        topic, partition = address.rsplit(":", 1)
        found[TopicPartition(topic, int(partition))] = offset
    return found


def open_job(session: Session, subscription_id: str) -> StateJob | None:
    query = select(StateJob).where(StateJob.subscription_id == subscription_id, StateJob.state.in_(OPEN))
    return session.scalars(query.limit(1)).first()


def insert(
    session: Session, subscription_id: str, kind: str, params: Mapping[str, Any], started_by: str
) -> StateJob:
    running = open_job(session, subscription_id)
    if running is not None:
        raise JobRunning(
            f"subscription {subscription_id} already has {running.kind} job {running.id} ({running.state})",
            details={"job": running.id},
        )
    job = StateJob(
        subscription_id=subscription_id, kind=kind, params=dict(params), state="pending", cursor={},
        scanned=0, selected=0, produced=0, delivered=0, started_by=started_by[:200],
    )  # fmt: skip
    session.add(job)
    session.flush()
    return job


def get(session: Session, subscription_id: str, job_id: int) -> StateJob:
    job = session.get(StateJob, job_id)
    if job is None or job.subscription_id != subscription_id:
        raise JobNotFound(f"subscription {subscription_id} has no job {job_id}")
    return job


def list_for(session: Session, subscription_id: str, limit: int = 100) -> list[StateJob]:
    query = select(StateJob).where(StateJob.subscription_id == subscription_id)
    return list(session.scalars(query.order_by(StateJob.id.desc()).limit(limit)))


def open_jobs(session: Session) -> list[StateJob]:
    return list(session.scalars(select(StateJob).where(StateJob.state.in_(OPEN)).order_by(StateJob.id)))


def claim(session: Session, job_id: int, owner: str, lease_s: float) -> bool:
    """Take ``job_id`` for ``owner`` if it is pending, already ours, or its lease went stale."""
    now = utcnow()
    stale = now - timedelta(seconds=lease_s)
    claimable = or_(
        StateJob.state == "pending",
        StateJob.owner == owner,
        StateJob.updated_at < stale,
    )
    result = session.execute(
        update(StateJob)
        .where(StateJob.id == job_id, StateJob.state.in_(OPEN), claimable)
        .values(state="running", owner=owner, updated_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


def save(session: Session, job_id: int, owner: str, **values: Any) -> bool:
    """Write progress (renewing the lease); False when another process took the job over."""
    result = session.execute(
        update(StateJob)
        .where(StateJob.id == job_id, StateJob.owner == owner, StateJob.state == "running")
        .values(updated_at=utcnow(), **values)
    )
    return bool(getattr(result, "rowcount", 0))


def finish(session: Session, job_id: int, state: JobState, error: str | None = None, **values: Any) -> None:
    now = utcnow()
    session.execute(
        update(StateJob)
        .where(StateJob.id == job_id)
        .values(state=state, ended_at=now, updated_at=now, error=error[:1000] if error else None, **values)
    )


__all__ = [
    "OPEN",
    "JobKind",
    "JobState",
    "StateJob",
    "claim",
    "finish",
    "get",
    "insert",
    "list_for",
    "offsets_json",
    "offsets_of",
    "open_job",
    "open_jobs",
    "save",
]
