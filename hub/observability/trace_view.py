"""Assembling an event's trace from what was recorded (pure: no I/O, the lookup gathers the facts).

Facts and where they come from:

- the routed event (``hub.store.routed_events``): Kafka address, publish time, source position,
  commit time, trace context;
- the delivery log (``hub.store.deliveries``): every push attempt, with its outcome;
- the event itself, read back from Kafka, and each subscription's committed offset on its
  partition: together they give each subscription's filter decision. Routing is pure
  (``hub.routing.decide``), so the decision is replayed here with the subscription's current
  filter; a subscription whose consumer group has not committed past the event has not
  decided yet (``not_reached``). Attempts prove a match whatever the filter says today.

Redelivery is read from the log too: an attempt after a dead-lettered one is a redelivery,
requested at that attempt's ``scheduled_at``. Re-homing (ADR 012) is read from the log and the
loaded administrative-units versions: an attempt of the record's re-homing move-out
(``hub.routing.rehome.rehomed_out_id``), or a subscription's first attempts of an event published
before a version whose load started a re-homing job for it, all after that load.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from hub.observability.trace_model import (
    DecisionKind,
    EventTrace,
    Hop,
    KafkaPoint,
    PathOutcome,
    SourcePoint,
    SubscriptionPath,
)
from hub.routing import AdminUnitIndex, Decision, decide
from hub.routing.feeds import first_match
from hub.routing.rehome import rehomed_out_id
from hub.store.deliveries import NOT_TRIES, DeliveryAttempt
from hub.store.routed_events import RoutedEvent
from hub.subscriptions.model import SubscriptionBase
from schemas.events import ChangeEvent
from schemas.naming import SUBSCRIPTION_TOPIC_PREFIX
from schemas.tracing import trace_id_of

HOP_RANK = {
    "routed": 0, "rehomed": 0, "attempt": 1, "parked": 1, "duplicate": 1,
    "dead_lettered": 2, "redelivered": 3,
}  # fmt: skip
ATTEMPT_OUTCOMES: dict[str, PathOutcome] = {
    "delivered": "delivered",
    "retrying": "retrying",
    "dead_lettered": "dead_lettered",
    "parked": "parked",
    "disabled": "disabled",
}


@dataclass(frozen=True)
class Rehoming:
    """One loaded administrative-units version: when, and the subscriptions it re-homed."""

    version: str
    loaded_at: datetime
    subscription_ids: frozenset[str]


@dataclass(frozen=True)
class EventFacts:
    """Everything known about one event, gathered by the lookup."""

    routed: RoutedEvent
    attempts: Sequence[DeliveryAttempt]  # oldest first
    event: ChangeEvent | None  # read back from Kafka; None when it is gone or Kafka is away
    committed: dict[str, int | None]  # subscription id -> its group's offset on the partition
    warnings: list[str] = field(default_factory=list)
    rehomings: Sequence[Rehoming] = ()
    backfill_jobs: Mapping[tuple[str, int, int], int] = field(default_factory=dict)  # attempt address -> job


def event_trace(
    facts: EventFacts, subscriptions: Iterable[SubscriptionBase], units: AdminUnitIndex
) -> EventTrace:
    routed = facts.routed
    by_subscription = _attempts_by_subscription(facts.attempts)
    paths = [
        _path(facts, sub, by_subscription.get(sub.id, []), units)
        for sub in subscriptions
        if sub.id in by_subscription or first_match(sub.feeds, (routed.event_type, routed.topic))
    ]
    known = {path.subscription_id for path in paths}
    paths += [_deleted_path(sid, attempts) for sid, attempts in by_subscription.items() if sid not in known]
    hub_hops = [
        hop
        for sid, attempts in by_subscription.items()
        for hop in [
            *rehoming_hops(facts, sid, attempts),
            *subscription_hops(sid, attempts, facts.backfill_jobs),
        ]
    ]
    return EventTrace(
        event_id=routed.event_id,
        event_type=routed.event_type,
        record_key=routed.record_key,
        trace_id=trace_id_of(routed.traceparent),
        admin_unit_version=facts.event.adminunitversion if facts.event else None,
        source=_source_point(routed),
        kafka=KafkaPoint.model_validate(routed, from_attributes=True),
        subscriptions=sorted(paths, key=lambda path: path.subscription_id),
        hops=[*source_hops(routed), *ordered(hub_hops)],
        warnings=facts.warnings,
    )


def _source_point(routed: RoutedEvent) -> SourcePoint:
    return SourcePoint(
        connector=routed.connector,
        table=routed.source_table,
        position=routed.position,
        txid=routed.txid,
        commit_time=routed.commit_time,
        snapshot=routed.snapshot,
    )


def source_hops(routed: RoutedEvent) -> list[Hop]:
    where = f"{routed.connector or '?'} {routed.source_table or '?'} at {routed.position or '?'}"
    committed = Hop(
        kind="committed",
        at=routed.commit_time,
        detail=f"{where}" + (" (snapshot read)" if routed.snapshot else "")
        + (f", transaction {routed.txid}" if routed.txid else ""),
    )  # fmt: skip
    published = Hop(
        kind="published",
        at=routed.published_at,
        detail=f"{routed.topic} partition {routed.partition} offset {routed.offset}",
    )
    return [committed, published]


def rehoming_hops(facts: EventFacts, subscription_id: str, attempts: Sequence[DeliveryAttempt]) -> list[Hop]:
    """The re-homing that brought this event to the subscription, or told it the record left."""
    event_id = facts.routed.event_id
    for rehoming in facts.rehomings:
        out_id = rehomed_out_id(event_id, rehoming.version)
        moved_out = [row for row in attempts if row.event_id == out_id]
        if moved_out:
            detail = f"administrative units {rehoming.version}: the record left this subscription's scope"
            return [
                Hop(kind="rehomed", at=_first_time(moved_out), subscription_id=subscription_id, detail=detail)
            ]
        published = facts.routed.published_at
        if (
            subscription_id in rehoming.subscription_ids
            and published is not None
            and published < rehoming.loaded_at
            and all((row.scheduled_at or row.started_at) >= rehoming.loaded_at for row in attempts)
        ):
            detail = f"administrative units {rehoming.version}: the record entered this subscription's scope"
            return [
                Hop(kind="rehomed", at=_first_time(attempts), subscription_id=subscription_id, detail=detail)
            ]
    return []


def _first_time(attempts: Sequence[DeliveryAttempt]) -> datetime:
    return attempts[0].scheduled_at or attempts[0].started_at


def subscription_hops(
    subscription_id: str,
    attempts: Sequence[DeliveryAttempt],
    backfill_jobs: Mapping[tuple[str, int, int], int] | None = None,
) -> list[Hop]:
    """Routed, then each attempt; dead-lettering and redelivery where the log shows them. An event
    a backfill delivered is routed by the backfill lane (its detail says so, with the topic)."""
    if not attempts:
        return []
    hops: list[Hop] = []
    previous: DeliveryAttempt | None = None
    for row in attempts:
        lane = _lane(row, backfill_jobs or {})
        if previous is None or lane != _lane(previous, backfill_jobs or {}):  # a backfill, then live again
            at = row.scheduled_at or row.started_at
            hops.append(Hop(kind="routed", at=at, subscription_id=subscription_id, detail=lane))
        elif previous.outcome == "dead_lettered":
            hops.append(
                Hop(
                    kind="redelivered", at=row.scheduled_at or row.started_at, subscription_id=subscription_id
                )
            )
        hops += _attempt_hops(subscription_id, row)
        previous = row
    return hops


def is_backfill(row: DeliveryAttempt) -> bool:
    return row.topic.startswith(SUBSCRIPTION_TOPIC_PREFIX) and row.topic.endswith(".backfill")


def _lane(row: DeliveryAttempt, jobs: Mapping[tuple[str, int, int], int]) -> str | None:
    """``lane=backfill`` and its job for an attempt read from a backfill topic (ADR 011); None: live."""
    if not is_backfill(row):
        return None
    job = jobs.get((row.topic, row.partition, row.offset))
    where = f"{row.topic} partition {row.partition} offset {row.offset}"
    return f"lane=backfill, job {job} ({where})" if job is not None else f"lane=backfill ({where})"


def _attempt_hops(subscription_id: str, row: DeliveryAttempt) -> list[Hop]:
    if row.outcome == "parked":
        detail = "parked behind an earlier event of the same key"
        return [Hop(kind="parked", at=row.started_at, subscription_id=subscription_id, detail=detail)]
    if row.outcome == "duplicate":
        detail = (
            f"a second copy of the event in the feed ({row.topic}:{row.partition}:{row.offset}), "
            "not sent: the first copy was sent in a batch"
        )
        return [Hop(kind="duplicate", at=row.started_at, subscription_id=subscription_id, detail=detail)]
    attempt = Hop(
        kind="attempt",
        at=row.started_at,
        subscription_id=subscription_id,
        attempt=row.attempt,
        status_code=row.status_code,
        latency_ms=row.latency_ms,
        outcome=row.outcome,
        detail=f"{row.error_code}: {row.error}" if row.error_code else None,
    )
    if row.outcome != "dead_lettered":
        return [attempt]
    letter = Hop(
        kind="dead_lettered", at=row.started_at, subscription_id=subscription_id, detail=row.error_code
    )
    return [attempt, letter]


def ordered(hops: Iterable[Hop]) -> list[Hop]:
    """By time; at equal times routed < attempt < dead-lettered < redelivered (their causal order)."""
    indexed = list(enumerate(hops))
    indexed.sort(key=lambda item: (item[1].at or datetime.max, HOP_RANK[item[1].kind], item[0]))
    return [hop for _, hop in indexed]


def _attempts_by_subscription(attempts: Iterable[DeliveryAttempt]) -> dict[str, list[DeliveryAttempt]]:
    found: dict[str, list[DeliveryAttempt]] = {}
    for row in sorted(attempts, key=lambda row: row.id):
        found.setdefault(row.subscription_id, []).append(row)
    return found


def _path(
    facts: EventFacts, sub: SubscriptionBase, attempts: list[DeliveryAttempt], units: AdminUnitIndex
) -> SubscriptionPath:
    decision = decide(facts.event, sub, units, topic=facts.routed.topic) if facts.event else None
    if attempts:
        reason = decision.reason if decision and decision.matched else "matched when routed (attempts logged)"
        return _delivered_path(sub.id, "matched", reason, attempts)
    kind, reason, outcome = _undelivered(facts, sub.id, decision)
    return SubscriptionPath(subscription_id=sub.id, decision=kind, reason=reason, outcome=outcome)


def _undelivered(
    facts: EventFacts, subscription_id: str, decision: Decision | None
) -> tuple[DecisionKind, str, PathOutcome]:
    """A subscription with no attempt: filtered out, not reached yet, or (rarely) unexplained."""
    if decision is None:
        return "unknown", "the event could not be read back from Kafka to replay the filter", "unknown"
    committed = facts.committed.get(subscription_id)
    if committed is None or committed <= facts.routed.offset:
        would = "match" if decision.matched else "filter it out"
        reason = f"its consumer group has not passed offset {facts.routed.offset} yet (would {would})"
        return "not_reached", reason, "pending"
    if decision.matched:
        return "matched", f"{decision.reason}; no attempt logged (filter changed since?)", "unknown"
    return "filtered_out", decision.reason, "filtered_out"


def _delivered_path(
    subscription_id: str, kind: DecisionKind, reason: str, attempts: list[DeliveryAttempt]
) -> SubscriptionPath:
    copies = [row for row in attempts if row.outcome == "duplicate"]
    last = next((row for row in reversed(attempts) if row.outcome != "duplicate"), attempts[-1])
    delivered = [row.started_at for row in attempts if row.outcome == "delivered"]
    return SubscriptionPath(
        subscription_id=subscription_id,
        decision=kind,
        reason=reason,
        outcome="pending" if len(copies) == len(attempts) else ATTEMPT_OUTCOMES.get(last.outcome, "unknown"),
        attempts=sum(row.outcome not in NOT_TRIES for row in attempts),
        delivered_at=delivered[-1] if delivered else None,
    )


def _deleted_path(subscription_id: str, attempts: list[DeliveryAttempt]) -> SubscriptionPath:
    return _delivered_path(
        subscription_id, "matched", "matched when routed (subscription since deleted)", attempts
    )


__all__ = [
    "EventFacts",
    "Rehoming",
    "event_trace",
    "is_backfill",
    "ordered",
    "rehoming_hops",
    "source_hops",
    "subscription_hops",
]
