"""``hub trace``: the timeline drawn from a trace document, and the command against a real API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from hub.cli.errors import ExitCode
from hub.cli.trace import event_view, record_view
from hub.settings import Settings
from hub.store.base import Store
from tests.hub.cli.conftest import Hub
from tests.hub.observability.recorded import birth, publish, record_routed

TRACE: dict[str, Any] = {
    "event_id": "ev-1",
    "event_type": "vn.gov.civil-status.birth.v1",
    "record_key": "K1",
    "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
    "source": {"connector": "hotich", "table": "public.birth", "position": "0/AB12", "txid": "7",
               "commit_time": "2025-07-01T03:00:00Z", "snapshot": False},
    "kafka": {"topic": "gov.civil-status.birth.v1", "partition": 2, "offset": 41,
              "published_at": "2025-07-01T03:00:00.012Z"},
    "subscriptions": [
        {"subscription_id": "hanoi", "decision": "matched", "reason": "feed 'vn.gov.civil-status.*'",
         "outcome": "delivered", "attempts": 2, "delivered_at": "2025-07-01T03:00:00.350Z"},
        {"subscription_id": "hcm", "decision": "filtered_out", "reason": "admin unit: ['00004'] not within",
         "outcome": "filtered_out", "attempts": 0, "delivered_at": None},
    ],
    "hops": [
        {"kind": "committed", "at": "2025-07-01T03:00:00Z", "subscription_id": None, "attempt": None,
         "status_code": None, "latency_ms": None, "outcome": None, "detail": "hotich public.birth at 0/AB12"},
        {"kind": "published", "at": "2025-07-01T03:00:00.012Z", "subscription_id": None, "attempt": None,
         "status_code": None, "latency_ms": None, "outcome": None, "detail": "partition 2 offset 41"},
        {"kind": "routed", "at": "2025-07-01T03:00:00.020Z", "subscription_id": "hanoi", "attempt": None,
         "status_code": None, "latency_ms": None, "outcome": None, "detail": None},
        {"kind": "attempt", "at": "2025-07-01T03:00:00.025Z", "subscription_id": "hanoi", "attempt": 1,
         "status_code": 503, "latency_ms": 12.25, "outcome": "retrying", "detail": "push_failed: HTTP 503"},
        {"kind": "attempt", "at": "2025-07-01T03:00:00.350Z", "subscription_id": "hanoi", "attempt": 2,
         "status_code": 200, "latency_ms": 3.5, "outcome": "delivered", "detail": None},
    ],
    "warnings": ["Kafka did not answer (bus_error): filter decisions could not be replayed"],
}  # fmt: skip


def drawn(view: Any) -> list[str]:
    console = Console(width=200, record=True, force_terminal=False)
    console.print(view)
    return [line.strip() for line in console.export_text().splitlines()]


def test_the_timeline_shows_each_hop_with_its_offset_from_the_commit_status_and_latency() -> None:
    lines = drawn(event_view(TRACE))
    hops = [line.split() for line in lines if line[:2].isdigit()]
    assert [row[1:3] for row in hops] == [
        ["+0", "●"], ["+12", "●"], ["+20", "→"], ["+25", "✗"], ["+350", "✓"],
    ]  # fmt: skip
    retry = next(line for line in lines if "attempt 1" in line)
    assert (
        "(retrying)" in retry and "503" in retry and "12.2 ms" in retry and "push_failed: HTTP 503" in retry
    )
    assert any("attempt 2 (delivered)" in line and " 200 " in line for line in lines)
    assert any(line.startswith("source") and "hotich public.birth at 0/AB12" in line for line in lines)
    assert any(line.startswith("trace") and "4bf92f3577b34da6a3ce929d0e0e4736" in line for line in lines)
    decisions = {line.split()[0]: line for line in lines if line.startswith(("hanoi", "hcm"))}
    assert "matched" in decisions["hanoi"] and "delivered" in decisions["hanoi"]
    assert "filtered out" in decisions["hcm"] and "not within" in decisions["hcm"]
    assert lines[-1].startswith("warning: Kafka did not answer")


def test_a_record_lists_its_events_in_order() -> None:
    second = TRACE | {"event_id": "ev-2"}
    lines = drawn(record_view({"topic": "gov.x.y.v1", "record_key": "K1", "events": [TRACE, second],
                               "truncated": True}))  # fmt: skip
    assert lines[0] == "record K1 on gov.x.y.v1: 2 event(s) (older ones left out: raise --limit)"
    assert [line.split()[1] for line in lines if line.startswith("event ")] == ["ev-1", "ev-2"]


@pytest.fixture
def settings(base_settings: Settings, tmp_path: Path, kafka_bootstrap: str) -> Settings:
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    return base_settings.model_copy(update={"database_url": url, "kafka_bootstrap": kafka_bootstrap})


@pytest.fixture
def store(settings: Settings, api_url: str) -> Iterator[Store]:
    made = Store(settings.store_url())  # migrated by the API server's startup
    yield made
    made.engine.dispose()


@pytest.mark.integration
async def test_trace_an_event_and_a_record_through_the_api(
    hub: Hub, store: Store, kafka_bootstrap: str, unique: str
) -> None:
    event = birth(unique, "K/1")
    topic = f"gov.t{unique}.birth.v1"
    offset, published = await publish(kafka_bootstrap, topic, event)
    record_routed(store, event, topic, offset, published, [])
    shown = hub("trace", event.id)
    assert shown.exit_code == 0, shown.output
    assert "committed" in shown.output and "published" in shown.output
    assert "no subscription reads this feed" in shown.output
    as_json = json.loads(hub("trace", event.id, "--json").output)
    assert [hop["kind"] for hop in as_json["hops"]] == ["committed", "published"]
    record = hub("trace", "--record", event.type, "K/1", "--json")
    assert [e["event_id"] for e in json.loads(record.output)["events"]] == [event.id]


@pytest.mark.integration  # the module's hub runs against the real broker
def test_problems_are_reported_with_their_codes(hub: Hub) -> None:
    unknown = hub("trace", "no-such-event")
    assert unknown.exit_code == ExitCode.NOT_FOUND and "event_not_found" in unknown.output
    bad = hub("trace", "--record", "not-a-feed", "K")
    assert bad.exit_code == ExitCode.REFUSED and "invalid_name" in bad.output
    neither = hub("trace")
    assert neither.exit_code == ExitCode.USAGE and "--record" in neither.output
