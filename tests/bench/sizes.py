"""How much each benchmark does: large enough to be steady, small enough that the whole of
``make bench`` stays within about three minutes on two cores (``--quick``: well under one)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    capture_rows: int  # committed changes streamed, then the same table snapshotted
    publish_changes: int
    publish_batch: int  # changes per Publisher.publish call (the task's default batch size)
    latency_commits: int  # single-row transactions, one every latency_interval_s
    latency_interval_s: float
    portal_rate_events: int  # single-row transactions at 1,000/s, pushed to the portal in batches
    single_events: int  # delivered one per request
    batch_events: int  # delivered in batches of batch_max_events
    batch_max_events: int
    max_in_flight: int
    routed_events: int
    isolation_backlog: int  # the slow subscription's history to work through
    debezium_rows: int  # side by side with Debezium: snapshot rows, and backlog changes
    debezium_live: int  # single-change transactions committed as fast as one writer can
    debezium_commits: int  # single-row transactions at 1,000/s, for commit -> Kafka latency
    debezium_rounds: int  # runs of each side, interleaved
    subscriptions_feeds: int  # feed topics the subscriptions' one pattern matches
    subscriptions_idle_s: float  # how long idle CPU is measured
    subscriptions_backlog: int  # events produced across those topics, none ever answered
    subscriptions_hold_s: float  # how long after the backlog the peak memory is read


FULL = Sizes(
    capture_rows=50_000, publish_changes=20_000, publish_batch=500, latency_commits=300,
    latency_interval_s=0.02, portal_rate_events=3_000, single_events=2_000, batch_events=10_000,
    batch_max_events=100, max_in_flight=8, routed_events=20_000, isolation_backlog=5_000,
    debezium_rows=20_000, debezium_live=10_000, debezium_commits=3_000, debezium_rounds=2,
    subscriptions_feeds=20, subscriptions_idle_s=30.0, subscriptions_backlog=200_000,
    subscriptions_hold_s=30.0,
)  # fmt: skip
QUICK = Sizes(
    capture_rows=5_000, publish_changes=2_000, publish_batch=500, latency_commits=60,
    latency_interval_s=0.02, portal_rate_events=1_000, single_events=400, batch_events=2_000,
    batch_max_events=100, max_in_flight=8, routed_events=4_000, isolation_backlog=2_000,
    debezium_rows=3_000, debezium_live=2_000, debezium_commits=1_000, debezium_rounds=2,
    subscriptions_feeds=5, subscriptions_idle_s=10.0, subscriptions_backlog=20_000,
    subscriptions_hold_s=10.0,
)  # fmt: skip

__all__ = ["FULL", "QUICK", "Sizes"]
