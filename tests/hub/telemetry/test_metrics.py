"""The metric definitions: what the engine's calls count, and a registry served on its own port."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bus.memory import MemoryBroker
from bus.records import TopicPartition
from hub.telemetry import metrics


def sample(name: str, **labels: str) -> float | None:
    return metrics.REGISTRY.get_sample_value(name, labels)


def test_attempts_count_by_outcome_and_deliveries_measure_from_the_commit(unique: str) -> None:
    sid = f"m-{unique}"
    committed = datetime.now(UTC) - timedelta(seconds=3)
    metrics.observe_attempt(sid, "retrying", latency_ms=40.0, committed_at=committed)
    metrics.observe_attempt(sid, "delivered", latency_ms=10.0, committed_at=committed)
    metrics.observe_attempt(sid, "parked", latency_ms=None, committed_at=committed)
    assert sample("hub_delivery_attempts_total", subscription=sid, outcome="retrying") == 1
    assert sample("hub_delivery_attempts_total", subscription=sid, outcome="delivered") == 1
    assert sample("hub_push_duration_seconds_count", subscription=sid) == 2
    assert sample("hub_push_duration_seconds_sum", subscription=sid) == pytest.approx(0.05)
    assert sample("hub_delivery_latency_seconds_count", subscription=sid) == 1
    assert sample("hub_delivery_latency_seconds_bucket", subscription=sid, le="2.5") == 0
    assert sample("hub_delivery_latency_seconds_bucket", subscription=sid, le="5.0") == 1


def test_routing_decisions_count_matched_and_filtered_out(unique: str) -> None:
    sid = f"m-{unique}"
    for matched in (True, False, False):
        metrics.observe_decision(sid, matched)
    assert sample("hub_routing_decisions_total", subscription=sid, decision="matched") == 1
    assert sample("hub_routing_decisions_total", subscription=sid, decision="filtered_out") == 2


async def test_consumer_lag_sums_what_fetched_partitions_have_left_and_goes_away_with_the_sink(
    unique: str,
) -> None:
    sid = f"m-{unique}"
    broker = MemoryBroker()
    broker.create("feed", partitions=3)
    producer = broker.producer()
    for partition, count in ((0, 120), (1, 50)):
        for _ in range(count):
            await producer.send_and_wait("feed", b"{}", partition=partition)
    consumer = broker.consumer("g")
    consumer.assign([TopicPartition("feed", n) for n in range(3)])
    consumer.seek(TopicPartition("feed", 0), 100)
    consumer.seek(TopicPartition("feed", 1), 50)
    await metrics.measure_consumer_lag(sid, consumer)
    assert sample("hub_subscription_consumer_lag_records", subscription=sid) == 20
    metrics.forget_subscription(sid)
    metrics.forget_subscription(sid)  # twice is harmless
    assert sample("hub_subscription_consumer_lag_records", subscription=sid) is None


def test_a_process_without_the_api_serves_its_registry_on_its_own_port() -> None:
    server = metrics.serve(0)
    try:
        port = server.server_address[1]
        body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    finally:
        server.shutdown()
        server.server_close()
    assert "hub_build_info" in body and "process_cpu_seconds_total" in body
