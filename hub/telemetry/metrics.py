"""THE metric definitions of a hub process (one registry), and the calls the engine makes to them.

In-process families, updated where the facts happen (the delivery log sees every attempt and
every routing decision, the sink knows its consumers' positions)::

    hub_delivery_attempts_total{subscription,outcome}      every push attempt, by what followed it:
                                                           delivered, retrying, dead_lettered,
                                                           parked, disabled
    hub_push_duration_seconds{subscription}                HTTP time of one attempt
    hub_delivery_latency_seconds{subscription}             source commit -> delivered (2xx)
    hub_routing_decisions_total{subscription,decision}     matched / filtered_out
    hub_subscription_consumer_lag_records{subscription}    feed records not yet read by this process
    hub_delivery_log_dropped_total                         log entries lost while the store was away
    hub_build_info{version}, process_*, python_*           process health

Connector and subscription-state families are not here: they are read from the control-plane
store when scraped (``hub.observability.store_metrics``), because connectors never import the
hub and move between workers; see that module for why.

Each process exposes ``REGISTRY``: ``hub api`` at ``/metrics`` (with the store families),
``hub run --metrics-port`` on its own port, ``make dev`` everything at the API's ``/metrics``.
"""

from __future__ import annotations

import contextlib
import functools
from datetime import UTC, datetime
from importlib.metadata import version
from wsgiref.simple_server import WSGIServer

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
    start_http_server,
)
from prometheus_client.gc_collector import GCCollector

from bus.ports import Consumer

# The *_created series would double the output, and no dashboard reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]
REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

# Commit-to-portal latency spans milliseconds (live) to hours (a subscriber down for a while).
END_TO_END_BUCKETS_S = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400)
PUSH_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

BUILD = Info("hub_build", "Version of the running hub.", registry=REGISTRY)
BUILD.info({"version": version("gov-data-hub")})

ATTEMPTS = Counter(
    "hub_delivery_attempts",
    "Push attempts per subscription, by the outcome that followed the attempt.",
    ["subscription", "outcome"],
    registry=REGISTRY,
)
PUSH_DURATION = Histogram(
    "hub_push_duration_seconds",
    "HTTP time of one push attempt (answered or not).",
    ["subscription"],
    buckets=PUSH_BUCKETS_S,
    registry=REGISTRY,
)
END_TO_END = Histogram(
    "hub_delivery_latency_seconds",
    "From the source commit (or event time) to the subscriber's 2xx.",
    ["subscription"],
    buckets=END_TO_END_BUCKETS_S,
    registry=REGISTRY,
)
DECISIONS = Counter(
    "hub_routing_decisions",
    "Feed events each subscription's filter matched or filtered out.",
    ["subscription", "decision"],
    registry=REGISTRY,
)
CONSUMER_LAG = Gauge(
    "hub_subscription_consumer_lag_records",
    "Feed records in the partitions this process reads for the subscription, not read yet.",
    ["subscription"],
    registry=REGISTRY,
)
LOG_DROPPED = Counter(
    "hub_delivery_log_dropped",
    "Delivery-log entries dropped because the store stayed unavailable past the buffer.",
    registry=REGISTRY,
)


def observe_attempt(
    subscription_id: str, outcome: str, *, latency_ms: float | None, committed_at: datetime | None
) -> None:
    """One logged attempt; a delivery also measures the whole way from the source commit."""
    _attempts(subscription_id, outcome).inc()
    if latency_ms is not None:
        _push_duration(subscription_id).observe(latency_ms / 1000)
    if outcome == "delivered" and committed_at is not None:
        waited = (datetime.now(UTC) - committed_at).total_seconds()
        _end_to_end(subscription_id).observe(max(waited, 0.0))


def observe_decision(subscription_id: str, matched: bool) -> None:
    _decisions(subscription_id, "matched" if matched else "filtered_out").inc()


# The labelled series of the per-event families, looked up once: ``labels()`` on every event was
# a tenth of a batch's CPU in step 4 and a twentieth in step 1. These series are never removed
# (only the consumer lag is, in ``forget_subscription``), so what is remembered stays current.
@functools.cache
def _attempts(subscription_id: str, outcome: str) -> Counter:
    return ATTEMPTS.labels(subscription_id, outcome)


@functools.cache
def _push_duration(subscription_id: str) -> Histogram:
    return PUSH_DURATION.labels(subscription_id)


@functools.cache
def _end_to_end(subscription_id: str) -> Histogram:
    return END_TO_END.labels(subscription_id)


@functools.cache
def _decisions(subscription_id: str, decision: str) -> Counter:
    return DECISIONS.labels(subscription_id, decision)


def set_consumer_lag(subscription_id: str, records: int) -> None:
    CONSUMER_LAG.labels(subscription_id).set(records)


async def measure_consumer_lag(subscription_id: str, consumer: Consumer) -> None:
    """Records between what ``consumer`` (a ``bus`` consumer) read and each partition's end.

    Only partitions it has fetched from count (their end is known from the last fetch, so this
    asks the broker nothing: ``Consumer.fetched_lag``).
    """
    CONSUMER_LAG.labels(subscription_id).set(consumer.fetched_lag())


def log_dropped(count: int = 1) -> None:
    LOG_DROPPED.inc(count)


def serve(port: int, host: str = "127.0.0.1") -> WSGIServer:
    """Expose ``REGISTRY`` on ``http://host:port/metrics`` from a background thread (``hub run``)."""
    server, _thread = start_http_server(port, addr=host, registry=REGISTRY)
    return server


def forget_subscription(subscription_id: str) -> None:
    """A sink stopped here: its lag is no longer this process's to report."""
    with contextlib.suppress(KeyError):
        CONSUMER_LAG.remove(subscription_id)


__all__ = [
    "REGISTRY",
    "forget_subscription",
    "log_dropped",
    "measure_consumer_lag",
    "observe_attempt",
    "observe_decision",
    "serve",
    "set_consumer_lag",
]
