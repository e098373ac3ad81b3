"""The ops overview behind ``hub status`` (pure: ``status_lookup`` gathers the facts).

One document answers "is anything wrong, and where": every connector (state, lag, errors,
freshness of its report, changes held in quarantine with their latest reasons), every
subscription (state, consumer lag, recent failure rate, unresolved dead letters, last delivery),
the workers (``hub connect``: last heartbeat, connectors held; ``hub run``: host, pid, last
heartbeat, the partitions each lane's consumer holds), and ``problems``, the list of
what needs a human, worst first. Thresholds are named constants
so the screen and the alerts can agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from pydantic import BaseModel, Field

from hub.observability.connector_view import ConnectorHealth
from hub.services.quarantine.summary import HeldSummary
from hub.store.delivery_workers import DeliveryWorker, Holding
from hub.subscriptions.model import Subscription

CONNECTOR_LAG_WARN_S = 60.0
STATUS_STALE_S = 30.0  # workers report every 2 s; a lease lasts 15 s
FAILURE_RATE_WARN = 0.2
FAILURE_RATE_MIN_ATTEMPTS = 5
CONSUMER_LAG_WARN = 10_000
BAD_CONNECTOR_STATES = frozenset({"failed", "restarting", "unassigned"})
FAILED_OUTCOMES = frozenset({"retrying", "dead_lettered", "disabled"})


@dataclass(frozen=True)
class RecentAttempts:
    """A subscription's push attempts within the window (parked events, skipped copies: none)."""

    attempts: int = 0
    failures: int = 0
    last_delivered_at: datetime | None = None
    last_error: str | None = None

    @property
    def failure_rate(self) -> float | None:
        return self.failures / self.attempts if self.attempts else None


class ConnectorLine(BaseModel):
    name: str
    kind: str
    state: str
    phase: str | None
    worker: str | None
    events_published: int
    events_quarantined: int
    errors: int
    lag_seconds: float | None
    lag_changes: int | None
    status_age_s: float | None
    last_error: str | None
    quarantine_held: int | None = Field(
        default=None,
        description="changes on its quarantine topics not republished; null if Kafka did not say",
    )
    quarantine_reasons: list[str] = Field(
        default_factory=list, description="the latest reasons, newest first"
    )
    healthy: bool


class SubscriptionLine(BaseModel):
    id: str
    owner: str | None
    state: str
    status_reason: str | None
    endpoint_host: str
    consumer_lag: int | None = Field(description="feed records not yet resolved; null if Kafka did not say")
    attempts_recent: int
    failures_recent: int
    failure_rate: float | None
    dead_letters: int | None = Field(description="unresolved dead letters; null if Kafka did not say")
    last_delivered_at: datetime | None
    last_error: str | None
    healthy: bool


class LaneHolding(BaseModel):
    subscription: str
    lane: str = Field(description='"feed" (live events) or "backfill"')
    partitions: list[str] = Field(description='"topic:partition" its consumer holds now')


class WorkerLine(BaseModel):
    id: str
    process: str = Field(description='"connect": a `hub connect` worker; "run": a `hub run` process')
    heartbeat_age_s: float
    holds: list[str] = Field(
        description="connect: the connectors whose live lease it holds; run: per lane, the partitions held"
    )
    healthy: bool
    host: str | None = Field(default=None, description="run: the host it runs on")
    pid: int | None = Field(default=None, description="run: its process id")
    started_at: datetime | None = Field(default=None, description="run: when it started")
    lanes: list[LaneHolding] = Field(default_factory=list, description="run: what each lane holds")


class StatusProblem(BaseModel):
    """One problem, as a code and values besides its English sentence.

    Screens in other languages (the console's Vietnamese) say it from ``code`` and ``values``;
    scripts can match on ``code`` instead of parsing a sentence that may be reworded.
    """

    code: str = Field(description="stable, e.g. subscription_failing")
    text: str = Field(description="the English sentence (as in problems)")
    values: dict[str, str] = Field(description="what the sentence says, by name, already formatted")


PROBLEM_TEXTS = {
    "kafka_unavailable": "Kafka: {detail}",
    "connector_quarantine": "connector {name}: {count} change(s) held in quarantine, latest: {reasons} "
    "(hub quarantine list --connector {name})",
    "connector_state": "connector {name} is {state}{error}",
    "connector_silent": "connector {name}: no report from its worker for {age_s} s",
    "connector_lag": "connector {name} lags {lag_s} s behind its source",
    "subscription_state": "subscription {id} is {state}: {reason}",
    "subscription_failing": "subscription {id}: {rate} of {attempts} recent attempts failed",
    "subscription_dead_letters": "subscription {id}: {count} dead letter(s) waiting",
    "subscription_lag": "subscription {id}: {lag} records behind",
    "worker_silent": "worker {id}: no heartbeat for {age_s} s",
    "run_silent": "hub run {id}: no heartbeat for {age_s} s (its partitions move to the other processes once "
    "Kafka drops it)",
}


def problem(code: str, **values: object) -> StatusProblem:
    shown = {name: str(value) for name, value in values.items()}
    return StatusProblem(code=code, text=PROBLEM_TEXTS[code].format(**shown), values=shown)


class Overview(BaseModel):
    generated_at: datetime
    window_s: float = Field(description="how far back the recent attempts go")
    broker: str = Field(description='"ok", or why Kafka-derived figures are missing')
    connectors: list[ConnectorLine]
    subscriptions: list[SubscriptionLine]
    workers: list[WorkerLine] = Field(
        default_factory=list,
        description="`hub connect` workers and `hub run` processes (shown to those who see connectors)",
    )
    problems: list[str] = Field(description="what needs attention, worst first")
    findings: list[StatusProblem] = Field(
        default_factory=list,
        description="the same problems in the same order, each with a stable code and its values",
    )


def connector_line(
    c: ConnectorHealth, held: HeldSummary | None = None
) -> tuple[ConnectorLine, list[StatusProblem]]:
    problems = []
    if held is not None and held.count:
        problems.append(
            problem("connector_quarantine", name=c.name, count=held.count, reasons="; ".join(held.reasons))
        )
    if c.state in BAD_CONNECTOR_STATES:
        error = f": {c.last_error}" if c.last_error else ""
        problems.append(problem("connector_state", name=c.name, state=c.state, error=error))
    if c.state != "unassigned" and c.status_age_s is not None and c.status_age_s > STATUS_STALE_S:
        problems.append(problem("connector_silent", name=c.name, age_s=f"{c.status_age_s:.0f}"))
    if c.lag_seconds is not None and c.lag_seconds > CONNECTOR_LAG_WARN_S:
        problems.append(problem("connector_lag", name=c.name, lag_s=f"{c.lag_seconds:.0f}"))
    line = ConnectorLine(
        name=c.name, kind=c.kind, state=c.state, phase=c.phase, worker=c.worker,
        events_published=c.events_published, events_quarantined=c.events_quarantined, errors=c.errors,
        lag_seconds=c.lag_seconds, lag_changes=c.lag_changes, status_age_s=c.status_age_s,
        last_error=c.last_error, quarantine_held=held.count if held is not None else None,
        quarantine_reasons=held.reasons if held is not None else [], healthy=not problems,
    )  # fmt: skip
    return line, problems


def subscription_line(
    sub: Subscription, recent: RecentAttempts, lag: int | None, dead: int | None
) -> tuple[SubscriptionLine, list[StatusProblem]]:
    problems = []
    if sub.state in ("unhealthy", "disabled"):
        reason = sub.status_reason or "no reason given"
        problems.append(problem("subscription_state", id=sub.id, state=sub.state, reason=reason))
    rate = recent.failure_rate
    if rate is not None and recent.attempts >= FAILURE_RATE_MIN_ATTEMPTS and rate > FAILURE_RATE_WARN:
        problems.append(
            problem("subscription_failing", id=sub.id, rate=f"{rate:.0%}", attempts=recent.attempts)
        )
    if dead:
        problems.append(problem("subscription_dead_letters", id=sub.id, count=dead))
    if lag is not None and lag > CONSUMER_LAG_WARN:
        problems.append(problem("subscription_lag", id=sub.id, lag=lag))
    line = SubscriptionLine(
        id=sub.id, owner=sub.owner, state=sub.state, status_reason=sub.status_reason,
        endpoint_host=urlsplit(sub.endpoint_url).hostname or "?", consumer_lag=lag,
        attempts_recent=recent.attempts, failures_recent=recent.failures, failure_rate=rate,
        dead_letters=dead, last_delivered_at=recent.last_delivered_at, last_error=recent.last_error,
        healthy=not problems,
    )  # fmt: skip
    return line, problems


@dataclass(frozen=True)
class Facts:
    """What ``status_lookup`` gathered; Kafka-derived maps are None when Kafka did not answer."""

    connectors: Sequence[ConnectorHealth]
    subscriptions: Sequence[Subscription]
    recent: dict[str, RecentAttempts]
    lag: dict[str, int] | None
    dead_letters: dict[str, int] | None
    broker: str
    window_s: float
    now: datetime
    quarantine: dict[str, HeldSummary] | None = None  # per connector; None when Kafka did not say
    workers: Sequence[tuple[str, datetime]] = ()  # `hub connect` worker id, last heartbeat
    delivery_workers: Sequence[DeliveryWorker] = ()  # `hub run` processes heard from lately


def worker_lines(facts: Facts) -> tuple[list[WorkerLine], list[StatusProblem]]:
    """What each worker holds comes from the connectors' live leases, so the two views agree."""
    lines: list[WorkerLine] = []
    problems: list[StatusProblem] = []
    for worker_id, heartbeat_at in facts.workers:
        age = max(0.0, (facts.now - heartbeat_at).total_seconds())
        holds = sorted(c.name for c in facts.connectors if c.worker == worker_id)
        silent = age > STATUS_STALE_S
        if silent:
            problems.append(problem("worker_silent", id=worker_id, age_s=f"{age:.0f}"))
        lines.append(
            WorkerLine(id=worker_id, process="connect", heartbeat_age_s=age, holds=holds, healthy=not silent)
        )
    for worker in facts.delivery_workers:
        line = delivery_worker_line(worker, facts.now)
        if not line.healthy:
            problems.append(problem("run_silent", id=worker.worker_id, age_s=f"{line.heartbeat_age_s:.0f}"))
        lines.append(line)
    return lines, problems


def delivery_worker_line(worker: DeliveryWorker, now: datetime) -> WorkerLine:
    """A ``hub run`` process, stale (unhealthy) after ``STATUS_STALE_S`` without a heartbeat."""
    age = max(0.0, (now - worker.heartbeat_at).total_seconds())
    return WorkerLine(
        id=worker.worker_id, process="run", heartbeat_age_s=age,
        holds=[held_text(h) for h in worker.holds], healthy=age <= STATUS_STALE_S, host=worker.host,
        pid=worker.pid, started_at=worker.started_at,
        lanes=[LaneHolding(subscription=h.subscription, lane=h.lane, partitions=list(h.partitions))
               for h in worker.holds],
    )  # fmt: skip


def held_text(held: Holding) -> str:
    """``sub (feed): topic[0,1,2] other[3]``: the lane and its partitions grouped by topic."""
    by_topic: dict[str, list[str]] = {}
    for address in held.partitions:
        topic, _, partition = address.rpartition(":")
        by_topic.setdefault(topic, []).append(partition)
    parts = " ".join(f"{topic}[{','.join(numbers)}]" for topic, numbers in by_topic.items())
    return f"{held.subscription} ({held.lane}): {parts or 'no partitions'}"


def overview(facts: Facts) -> Overview:
    connectors: list[ConnectorLine] = []
    subscriptions: list[SubscriptionLine] = []
    problems: list[StatusProblem] = []
    if facts.broker != "ok":
        problems.append(problem("kafka_unavailable", detail=facts.broker))
    for c in facts.connectors:
        held = facts.quarantine.get(c.name, HeldSummary(0, [])) if facts.quarantine is not None else None
        line, found = connector_line(c, held)
        connectors.append(line)
        problems += found
    for sub in facts.subscriptions:
        lag = facts.lag.get(sub.id) if facts.lag is not None else None
        dead = facts.dead_letters.get(sub.id) if facts.dead_letters is not None else None
        sub_line, found = subscription_line(sub, facts.recent.get(sub.id, RecentAttempts()), lag, dead)
        subscriptions.append(sub_line)
        problems += found
    workers, found = worker_lines(facts)
    problems += found
    return Overview(
        generated_at=facts.now,
        window_s=facts.window_s,
        broker=facts.broker,
        connectors=connectors,
        subscriptions=subscriptions,
        workers=workers,
        problems=[found.text for found in problems],
        findings=problems,
    )


__all__ = [
    "PROBLEM_TEXTS",
    "ConnectorLine",
    "Facts",
    "LaneHolding",
    "Overview",
    "RecentAttempts",
    "StatusProblem",
    "SubscriptionLine",
    "WorkerLine",
    "delivery_worker_line",
    "held_text",
    "overview",
    "problem",
]  # fmt: skip
