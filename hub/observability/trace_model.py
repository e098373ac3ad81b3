"""The trace document: an event's path from the source commit to every subscriber, as the API returns it.

``hops`` is the timeline, in order: the source commit, its quarantine when its connector held
it back (``hub.observability.quarantine_trace``), and the publish on Kafka first (causal order, whatever the
clocks of the database and the connector say), then every hop the hub saw,
by time: routed (a subscription's filter matched), re-homed (a newer administrative-units
version moved the record into or out of a subscription's scope: ADR 012), each push attempt
with its HTTP status and latency, parked behind an earlier event of the key, dead-lettered, redelivered.
``subscriptions`` holds each interested subscription's decision (matched, filtered out with the
reason, or not reached yet) and where its delivery stands; filtered-out decisions are not hops,
so a feed read by 35 provinces does not drown the timeline.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

HopKind = Literal[
    "committed", "quarantined", "published", "routed", "rehomed", "attempt", "parked", "duplicate",
    "dead_lettered", "redelivered",
]  # fmt: skip
DecisionKind = Literal["matched", "filtered_out", "not_reached", "unknown"]
PathOutcome = Literal[
    "delivered", "retrying", "dead_lettered", "parked", "disabled", "pending", "filtered_out", "unknown"
]


class SourcePoint(BaseModel):
    connector: str | None
    table: str | None
    position: str | None = Field(description="LSN for PostgreSQL CDC, watermark for polling sources")
    txid: str | None
    commit_time: datetime | None
    snapshot: bool


class KafkaPoint(BaseModel):
    topic: str
    partition: int
    offset: int
    published_at: datetime | None = Field(description="the record's Kafka timestamp (producer time)")


class Hop(BaseModel):
    kind: HopKind
    at: datetime | None
    subscription_id: str | None = None
    attempt: int | None = None
    status_code: int | None = None
    latency_ms: float | None = None
    outcome: str | None = None
    detail: str | None = None


class SubscriptionPath(BaseModel):
    subscription_id: str
    decision: DecisionKind
    reason: str
    outcome: PathOutcome
    attempts: int = 0
    delivered_at: datetime | None = None


class EventTrace(BaseModel):
    event_id: str
    event_type: str
    record_key: str
    trace_id: str | None = Field(description="the W3C trace id, to open the trace in a tracing backend")
    admin_unit_version: str | None = Field(
        default=None, description="the administrative-units version the publisher stamped (adminunitversion)"
    )
    source: SourcePoint
    kafka: KafkaPoint
    subscriptions: list[SubscriptionPath]
    hops: list[Hop]
    warnings: list[str] = Field(
        default_factory=list, description="what could not be looked up (e.g. Kafka unreachable)"
    )


class RecordTrace(BaseModel):
    topic: str
    record_key: str
    events: list[EventTrace] = Field(description="the record's events in log order")
    truncated: bool = Field(description="older events exist beyond the limit")


__all__ = [
    "DecisionKind",
    "EventTrace",
    "Hop",
    "HopKind",
    "KafkaPoint",
    "PathOutcome",
    "RecordTrace",
    "SourcePoint",
    "SubscriptionPath",
]
