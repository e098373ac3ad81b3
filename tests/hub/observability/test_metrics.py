"""The metric definitions: what the engine's calls count, and the families read from connector status."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from prometheus_client.core import Metric

from bus.memory import MemoryBroker
from bus.records import TopicPartition
from connectors import registry
from connectors.status import TaskState, TaskStatus
from hub.observability.connector_view import ConnectorHealth, connector_health
from hub.observability.store_metrics import StoreCollector, connector_families
from hub.store import connectors as stored_connectors
from hub.store.base import Store
from hub.store.connector_runtime import SqlControlPlane
from hub.telemetry import metrics

NOW = datetime(2025, 7, 1, 3, 0, tzinfo=UTC)


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


HEALTHY = ConnectorHealth(
    name="hotich", kind="postgres_cdc", state="running", phase="snapshot", worker="w1", paused=False,
    position="0/1", events_published=1200, events_quarantined=3, events_snapshot=1000, errors=2, restarts=1,
    lag_seconds=0.25, lag_changes=None, last_error=None, status_age_s=1.5,
)  # fmt: skip


def samples(families: list[Metric]) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for family in families for s in family.samples}


def test_connector_families_from_reported_status() -> None:
    found = samples(
        connector_families([HEALTHY, replace(HEALTHY, name="tuphap", state="failed", phase="streaming")])
    )
    assert found[("hub_connector_events_total", (("connector", "hotich"), ("result", "published")))] == 1200
    assert found[("hub_connector_events_total", (("connector", "hotich"), ("result", "quarantined")))] == 3
    assert found[("hub_connector_snapshot_events_total", (("connector", "hotich"),))] == 1000
    assert found[("hub_connector_snapshotting", (("connector", "hotich"),))] == 1
    assert found[("hub_connector_snapshotting", (("connector", "tuphap"),))] == 0
    assert found[("hub_connector_errors_total", (("connector", "hotich"),))] == 2
    assert found[("hub_connector_lag_seconds", (("connector", "hotich"),))] == 0.25
    assert ("hub_connector_lag_changes", (("connector", "hotich"),)) not in found  # the source cannot tell
    assert found[("hub_connector_state", (("connector", "tuphap"), ("state", "failed")))] == 1
    assert found[("hub_connector_state", (("connector", "tuphap"), ("state", "running")))] == 0


def _config(name: str) -> Any:
    return registry.parse_config({
        "name": name, "kind": "sql_polling", "url": "sqlite:///nowhere.db",
        "feeds": [{"table": "main.birth", "event_type": "vn.gov.civil-status.birth.v1"}],
    })  # fmt: skip


async def test_a_connector_reads_as_its_worker_reported_it_while_the_lease_lives(store: Store) -> None:
    with store.session() as session:
        stored_connectors.insert(session, _config("hotich"))
        stored_connectors.insert(session, _config("tuphap"))
    worker = SqlControlPlane(store, "w1", lease_ttl_s=60)
    assert await worker.claim(1) == ["hotich"]
    status = TaskStatus(
        state=TaskState.RUNNING, phase="polling", events_published=7, errors=1, lag_seconds=2.0
    )
    status.updated_at = datetime.now(UTC) - timedelta(seconds=4)
    await worker.report({"hotich": status.document()})
    with store.session() as session:
        hotich, tuphap = (connector_health(c) for c in stored_connectors.list_all(session))
    assert (hotich.state, hotich.worker, hotich.events_published, hotich.errors) == ("running", "w1", 7, 1)
    assert hotich.status_age_s == pytest.approx(4, abs=2)
    assert (tuphap.state, tuphap.worker, tuphap.status_age_s) == ("unassigned", None, None)
    found = samples(list(StoreCollector(store).collect()))
    assert found[("hub_connector_events_total", (("connector", "hotich"), ("result", "published")))] == 7
    assert found[("hub_connector_state", (("connector", "tuphap"), ("state", "unassigned")))] == 1


def test_a_connector_whose_lease_expired_is_unassigned_whatever_it_last_said() -> None:
    stored = stored_connectors.StoredConnector(
        name="hotich", kind="postgres_cdc", document={}, paused=False, generation=1, snapshot_tables=(),
        created_at=NOW, updated_at=NOW, lease_owner="w1", lease_expires_at=NOW - timedelta(seconds=1),
        position="0/1", status={"state": "running", "updated_at": (NOW - timedelta(seconds=40)).isoformat()},
    )  # fmt: skip
    health = connector_health(stored, NOW)
    assert (health.state, health.worker, health.status_age_s) == ("unassigned", None, 40)


def test_a_process_without_the_api_serves_its_registry_on_its_own_port() -> None:
    server = metrics.serve(0)
    try:
        port = server.server_address[1]
        body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    finally:
        server.shutdown()
        server.server_close()
    assert "hub_build_info" in body and "process_cpu_seconds_total" in body
