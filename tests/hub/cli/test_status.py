"""``hub status``: the ops screen drawn from an overview, and the command against a real API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from hub.cli.status import overview_view
from hub.settings import Settings
from hub.store import subscriptions as stored
from hub.store.base import Store
from hub.subscriptions.model import SubscriptionSpec
from hub.subscriptions.secrets import SigningSecrets, generate_secret
from tests.hub.cli.conftest import Hub

OVERVIEW: dict[str, Any] = {
    "generated_at": "2025-07-01T03:00:00Z",
    "window_s": 900.0,
    "broker": "ok",
    "connectors": [
        {"name": "hotich", "kind": "postgres_cdc", "state": "running", "phase": "streaming", "worker": "w1",
         "events_published": 120000, "events_quarantined": 4, "errors": 0, "lag_seconds": 0.35,
         "lag_changes": None, "status_age_s": 1.0, "last_error": None, "healthy": True},
        {"name": "dat-dai", "kind": "sql_polling", "state": "failed", "phase": None, "worker": "w2",
         "events_published": 0, "events_quarantined": 0, "errors": 3, "lag_seconds": None,
         "lag_changes": None, "status_age_s": 1.0, "last_error": "source_error: login failed",
         "healthy": False},
    ],
    "subscriptions": [
        {"id": "hanoi", "owner": None, "state": "active", "status_reason": None,
         "endpoint_host": "cong.hanoi.vn", "consumer_lag": 0, "attempts_recent": 200, "failures_recent": 0,
         "failure_rate": 0.0,
         "dead_letters": 0, "last_delivered_at": "2025-07-01T02:59:30Z", "last_error": None, "healthy": True},
        {"id": "hue", "owner": None, "state": "unhealthy", "status_reason": "failing for 400 s",
         "endpoint_host": "hue.gov.vn", "consumer_lag": 5300, "attempts_recent": 40, "failures_recent": 30,
         "failure_rate": 0.75, "dead_letters": 12, "last_delivered_at": "2025-07-01T01:00:00Z",
         "last_error": "push_timeout", "healthy": False},
    ],
    "problems": ["connector dat-dai is failed: source_error: login failed", "subscription hue is unhealthy"],
}  # fmt: skip


def drawn(overview: dict[str, Any]) -> str:
    console = Console(width=200, record=True, force_terminal=False)
    console.print(overview_view(overview))
    return console.export_text()


def test_problems_come_first_then_connectors_and_subscriptions() -> None:
    text = drawn(OVERVIEW)
    assert text.index("problems (2)") < text.index("connectors") < text.index("subscriptions")
    assert "• connector dat-dai is failed: source_error: login failed" in text
    rows = {line.split()[1]: line for line in text.splitlines() if line.startswith("│ ")}
    assert "running" in rows["hotich"] and "120,000" in rows["hotich"]
    assert "failed" in rows["dat-dai"] and " 3 " in rows["dat-dai"]
    assert "30/40 (75%)" in rows["hue"] and " 12 " in rows["hue"] and "5,300" in rows["hue"]
    assert "2h ago" in rows["hue"]
    assert "0/200" in rows["hanoi"] and "30s ago" in rows["hanoi"]


def test_all_good_and_kafka_away_are_said_plainly() -> None:
    calm = OVERVIEW | {"problems": [], "broker": "bus_error: no broker"}
    text = drawn(calm)
    assert "all good" in text
    assert "Kafka: bus_error: no broker (lag and dead letters unknown)" in text


@pytest.fixture
def settings(base_settings: Settings, tmp_path: Path, kafka_bootstrap: str) -> Settings:
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    return base_settings.model_copy(update={"database_url": url, "kafka_bootstrap": kafka_bootstrap})


@pytest.mark.integration
def test_status_through_the_api(hub: Hub, settings: Settings, api_url: str, unique: str) -> None:
    store = Store(settings.store_url())
    try:
        with store.session() as session:
            spec = SubscriptionSpec.model_validate(
                {
                    "id": f"st-{unique}",
                    "endpoint_url": "https://cong.example.vn/hook",
                    "feeds": [f"vn.gov.t{unique}.*"],
                }
            )
            stored.insert(session, spec, SigningSecrets(generate_secret()))
            stored.set_state(session, f"st-{unique}", "disabled", "endpoint answered 410 Gone")
    finally:
        store.engine.dispose()
    shown = hub("status")
    assert shown.exit_code == 0, shown.output
    assert f"subscription st-{unique} is disabled: endpoint answered 410 Gone" in shown.output.replace(
        "\n", " "
    )
    document = json.loads(hub("status", "--json", "--window", "5").output)
    assert document["window_s"] == 300 and document["broker"] == "ok"
    assert [line["id"] for line in document["subscriptions"]] == [f"st-{unique}"]


def test_the_workers_follow_with_their_heartbeat_and_what_they_hold() -> None:
    workers = [
        {"id": "h-101", "process": "connect", "heartbeat_age_s": 1.2, "holds": ["hotich"], "healthy": True},
        {"id": "h-102", "process": "connect", "heartbeat_age_s": 95.0, "holds": [], "healthy": False},
    ]
    text = drawn(OVERVIEW | {"workers": workers})
    assert text.index("subscriptions") < text.index("workers")
    rows = {line.split()[1]: line for line in text.splitlines() if line.startswith("│ ")}
    assert "connect" in rows["h-101"] and "1s ago" in rows["h-101"] and "hotich" in rows["h-101"]
    assert "95s ago" in rows["h-102"] and " - " in rows["h-102"]
    assert "workers" not in drawn(OVERVIEW)  # none known (or not visible): no empty table


def test_a_hub_run_process_shows_its_host_pid_and_each_lane_on_its_own_line() -> None:
    run = {
        "id": "n1:7:aa", "process": "run", "heartbeat_age_s": 40.0, "healthy": False, "host": "n1", "pid": 7,
        "holds": ["hanoi (feed): gov.land.parcel.v1[0,3]", "tq (feed): gov.land.parcel.v1[1]"],
    }  # fmt: skip
    text = drawn(OVERVIEW | {"workers": [run]})
    lines = [line for line in text[text.index("workers") :].splitlines() if line.startswith("│ ")]
    assert "run n1 pid 7" in lines[0] and "40s ago (stale)" in lines[0] and "hanoi (feed)" in lines[0]
    assert "tq (feed): gov.land.parcel.v1[1]" in lines[1]
