"""The delivery log (every push attempt), filter counts, and replay requests.

The log answers "where is event X": for each subscription and attempt, which feed record it
came from (topic, partition, offset, key), when it was scheduled and started, the HTTP status,
latency, outcome and error, the request's headers (secrets redacted) and the endpoint's answer
(bounded). Writes come in batches from the delivery engine's buffered writer
(``hub.delivery.pipeline.delivery_log``); reads page backwards by id (newest first).

Replay requests are how the API asks running hub processes to reset a subscription's consumer
group to a time: a process stops the subscription's sink, resets the group, marks the request
done, and starts the sink again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import JSON, BigInteger, Boolean, Integer, String, Text, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from hub.store.base import Base, utcnow

Outcome = Literal["delivered", "retrying", "dead_lettered", "parked", "disabled", "duplicate"]
OUTCOMES: tuple[Outcome, ...] = ("delivered", "retrying", "dead_lettered", "parked", "disabled", "duplicate")
# logged without a push: parked behind its key, or a second copy of an event already sent (ADR 013)
NOT_TRIES: frozenset[str] = frozenset({"parked", "duplicate"})
ReplayState = Literal["pending", "running", "done", "failed"]
_BIG_ID = BigInteger().with_variant(Integer(), "sqlite")


class DeliveryAttempt(Base):
    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    subscription_id: Mapped[str] = mapped_column(String(63))
    event_id: Mapped[str] = mapped_column(String(200))
    record_key: Mapped[str | None] = mapped_column(String(500))
    topic: Mapped[str] = mapped_column(String(249))
    partition: Mapped[int] = mapped_column()
    offset: Mapped[int] = mapped_column(BigInteger)
    attempt: Mapped[int] = mapped_column()
    stage: Mapped[int] = mapped_column()
    scheduled_at: Mapped[datetime | None] = mapped_column()
    started_at: Mapped[datetime] = mapped_column()
    status_code: Mapped[int | None] = mapped_column()
    latency_ms: Mapped[float | None] = mapped_column()
    outcome: Mapped[str] = mapped_column(String(20))
    error_code: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(String(1000))
    # what was sent and answered (``hub.delivery.push.exchange``): secret header values redacted,
    # the body at most 2 KiB; None when nothing was sent (parked, duplicate) or logged before 0026
    request_headers: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    response_content_type: Mapped[str | None] = mapped_column(String(200))
    response_body: Mapped[str | None] = mapped_column(Text)
    response_truncated: Mapped[bool] = mapped_column(Boolean, default=False)


class FilterCount(Base):
    __tablename__ = "delivery_filter_counts"

    subscription_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    topic: Mapped[str] = mapped_column(String(249), primary_key=True)
    matched: Mapped[int] = mapped_column(BigInteger, default=0)
    filtered_out: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReplayRequest(Base):
    __tablename__ = "replay_requests"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    subscription_id: Mapped[str] = mapped_column(String(63))
    from_time: Mapped[datetime] = mapped_column()
    to_time: Mapped[datetime | None] = mapped_column()  # None: the time the hub took the request
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    finished_at: Mapped[datetime | None] = mapped_column()
    detail: Mapped[str | None] = mapped_column(String(1000))
    total: Mapped[int] = mapped_column(BigInteger, default=0)  # records of the feeds in the window
    scanned: Mapped[int] = mapped_column(BigInteger, default=0)  # of them read so far
    queued: Mapped[int] = mapped_column(BigInteger, default=0)  # of them the subscription wants, re-sent


@dataclass(frozen=True)
class AttemptQuery:
    subscription_id: str | None = None
    event_id: str | None = None
    outcome: Outcome | None = None
    status_code: int | None = None
    before_id: int | None = None
    limit: int = 100


def add_attempts(session: Session, rows: Iterable[Mapping[str, object]]) -> None:
    batch = list(rows)
    if batch:
        session.execute(insert(DeliveryAttempt), batch)


def attempts(session: Session, query: AttemptQuery) -> list[DeliveryAttempt]:
    """Newest first; page with ``before_id`` = the smallest id of the previous page."""
    statement = select(DeliveryAttempt).order_by(DeliveryAttempt.id.desc()).limit(query.limit)
    conditions = {
        DeliveryAttempt.subscription_id: query.subscription_id,
        DeliveryAttempt.event_id: query.event_id,
        DeliveryAttempt.outcome: query.outcome,
        DeliveryAttempt.status_code: query.status_code,
    }
    for column, value in conditions.items():
        if value is not None:
            statement = statement.where(column == value)
    if query.before_id is not None:
        statement = statement.where(DeliveryAttempt.id < query.before_id)
    return list(session.scalars(statement))


def attempt(session: Session, attempt_id: int) -> DeliveryAttempt | None:
    return session.get(DeliveryAttempt, attempt_id)


def add_filter_counts(session: Session, counts: Mapping[tuple[str, str], tuple[int, int]]) -> None:
    """Add (matched, filtered out) per (subscription, topic) to the running totals."""
    for (subscription_id, topic), (matched, filtered_out) in counts.items():
        row = session.get(FilterCount, (subscription_id, topic), with_for_update=True)
        if row is None:
            row = FilterCount(subscription_id=subscription_id, topic=topic, matched=0, filtered_out=0)
            session.add(row)
        row.matched += matched
        row.filtered_out += filtered_out
        row.updated_at = utcnow()


def filter_counts(session: Session, subscription_id: str) -> list[FilterCount]:
    query = select(FilterCount).where(FilterCount.subscription_id == subscription_id)
    return list(session.scalars(query.order_by(FilterCount.topic)))


def request_replay(
    session: Session, subscription_id: str, from_time: datetime, to_time: datetime | None = None
) -> ReplayRequest:
    row = ReplayRequest(
        subscription_id=subscription_id, from_time=from_time, to_time=to_time, state="pending",
        total=0, scanned=0, queued=0,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


def claim_replay(session: Session, request_id: int, to_time: datetime) -> bool:
    """Take a pending request for this process (``running``), fixing its end; False if taken."""
    result = session.execute(
        update(ReplayRequest)
        .where(ReplayRequest.id == request_id, ReplayRequest.state == "pending")
        .values(state="running", to_time=to_time)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]  # CursorResult of an UPDATE


def replay_progress(session: Session, request_id: int, *, total: int, scanned: int, queued: int) -> None:
    session.execute(
        update(ReplayRequest)
        .where(ReplayRequest.id == request_id)
        .values(total=total, scanned=scanned, queued=queued)
    )


def pending_replays(session: Session) -> list[ReplayRequest]:
    query = select(ReplayRequest).where(ReplayRequest.state == "pending").order_by(ReplayRequest.id)
    return list(session.scalars(query))


def replay(session: Session, request_id: int) -> ReplayRequest | None:
    return session.get(ReplayRequest, request_id)


def finish_replay(session: Session, request_id: int, state: ReplayState, detail: str | None = None) -> None:
    session.execute(
        update(ReplayRequest)
        .where(ReplayRequest.id == request_id, ReplayRequest.state.in_(("pending", "running")))
        .values(state=state, finished_at=utcnow(), detail=detail)
    )


__all__ = [
    "NOT_TRIES",
    "OUTCOMES",
    "AttemptQuery",
    "DeliveryAttempt",
    "FilterCount",
    "Outcome",
    "ReplayRequest",
    "add_attempts",
    "add_filter_counts",
    "attempt",
    "attempts",
    "claim_replay",
    "filter_counts",
    "finish_replay",
    "pending_replays",
    "replay",
    "replay_progress",
    "request_replay",
]
