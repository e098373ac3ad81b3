"""The store's metric families: connectors as their workers reported them, read at scrape time."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client.core import Metric

from connectors import registry
from connectors.status import TaskState, TaskStatus
from hub.observability.connector_view import ConnectorHealth, connector_health
from hub.observability.store_metrics import StoreCollector, connector_families
from hub.store import connectors as stored_connectors
from hub.store.base import Store
from hub.store.connector_runtime import SqlControlPlane

NOW = datetime(2025, 7, 1, 3, 0, tzinfo=UTC)


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
