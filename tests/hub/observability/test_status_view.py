"""The ops overview's judgement: which connectors and subscriptions need a human, and why."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hub.observability.connector_view import ConnectorHealth
from hub.observability.status_view import Facts, RecentAttempts, overview
from hub.services.quarantine.summary import HeldSummary, summarise
from hub.store.delivery_workers import DeliveryWorker, Holding
from hub.subscriptions.model import Subscription

NOW = datetime(2025, 7, 1, 3, 0, tzinfo=UTC)
FINE = ConnectorHealth(
    name="hotich", kind="postgres_cdc", state="running", phase="streaming", worker="w1", paused=False,
    position="0/1", events_published=10, events_quarantined=0, events_snapshot=0, errors=0, restarts=0,
    lag_seconds=0.2, lag_changes=0, last_error=None, status_age_s=1.0,
)  # fmt: skip


def subscription(sid: str, **changes: Any) -> Subscription:
    body = {"id": sid, "endpoint_url": "https://cong.hanoi.gov.vn/hook?token=x", "feeds": ["vn.gov.land.*"]}
    return Subscription.model_validate(body | {"created_at": NOW, "updated_at": NOW} | changes)


def facts(**changes: Any) -> Facts:
    base = Facts(
        connectors=[FINE], subscriptions=[subscription("hanoi")],
        recent={"hanoi": RecentAttempts(20, 0, NOW)}, lag={"hanoi": 0}, dead_letters={"hanoi": 0},
        broker="ok", window_s=900, now=NOW,
    )  # fmt: skip
    return replace(base, **changes)


def test_all_good_when_nothing_is_wrong() -> None:
    found = overview(facts())
    assert found.problems == []
    assert [c.healthy for c in found.connectors] == [True]
    line = found.subscriptions[0]
    assert (line.healthy, line.endpoint_host, line.failure_rate, line.last_delivered_at) == (
        True, "cong.hanoi.gov.vn", 0.0, NOW,
    )  # fmt: skip


def test_connector_problems() -> None:
    connectors = [
        replace(FINE, name="failed", state="failed", last_error="slot_lost: the slot vanished"),
        replace(FINE, name="silent", status_age_s=120.0),
        replace(FINE, name="behind", lag_seconds=600.0),
        replace(FINE, name="nobody", state="unassigned", status_age_s=None),
    ]
    found = overview(facts(connectors=connectors))
    assert found.problems == [
        "connector failed is failed: slot_lost: the slot vanished",
        "connector silent: no report from its worker for 120 s",
        "connector behind lags 600 s behind its source",
        "connector nobody is unassigned",
    ]
    assert not any(c.healthy for c in found.connectors)


def test_subscription_problems() -> None:
    subs = [subscription("sick", state="unhealthy", status_reason="failing for 400 s"), subscription("flaky")]
    recent = {"sick": RecentAttempts(10, 1), "flaky": RecentAttempts(10, 5, last_error="push_timeout")}
    found = overview(
        facts(subscriptions=subs, recent=recent, lag={"sick": 50_000, "flaky": 3}, dead_letters={"flaky": 2})
    )
    assert found.problems == [
        "subscription sick is unhealthy: failing for 400 s",
        "subscription sick: 50000 records behind",
        "subscription flaky: 50% of 10 recent attempts failed",
        "subscription flaky: 2 dead letter(s) waiting",
    ]
    assert found.subscriptions[1].last_error == "push_timeout"


def test_few_attempts_are_no_failure_rate_alarm() -> None:
    found = overview(facts(recent={"hanoi": RecentAttempts(2, 2)}))
    assert found.problems == []
    assert found.subscriptions[0].failure_rate == 1.0


def test_without_kafka_the_kafka_columns_are_unknown_and_the_broker_is_the_problem() -> None:
    found = overview(facts(lag=None, dead_letters=None, broker="broker_unavailable: no answer"))
    assert found.problems == ["Kafka: broker_unavailable: no answer"]
    assert (found.subscriptions[0].consumer_lag, found.subscriptions[0].dead_letters) == (None, None)


def test_a_running_connector_with_held_changes_is_a_problem_with_count_and_reasons() -> None:
    quarantined = replace(FINE, events_published=0, events_quarantined=175)
    held = {"hotich": HeldSummary(175, ["[mapping_cast_failed] field 'sex'", "[contract_violation] row"])}
    found = overview(facts(connectors=[quarantined], quarantine=held))
    assert found.problems == [
        "connector hotich: 175 change(s) held in quarantine, latest: [mapping_cast_failed] field 'sex'; "
        "[contract_violation] row (hub quarantine list --connector hotich)"
    ]
    line = found.connectors[0]
    assert (line.healthy, line.quarantine_held, len(line.quarantine_reasons)) == (False, 175, 2)


def test_held_count_unknown_without_kafka_and_zero_once_republished() -> None:
    assert overview(facts()).connectors[0].quarantine_held is None
    calm = overview(facts(quarantine={}))
    assert (calm.problems, calm.connectors[0].quarantine_held) == ([], 0)


def test_the_latest_distinct_reasons_come_first() -> None:
    at = [datetime(2025, 7, 1, hour, tzinfo=UTC) for hour in range(4)]
    summary = summarise([(at[0], "a", "old"), (at[2], "b", "x"), (at[1], "a", "newer"), (None, "c", "?")])
    assert summary == HeldSummary(4, ["[b] x", "[a] newer", "[c] ?"])


def test_each_worker_holds_the_connectors_leased_to_it_and_a_silent_one_is_a_problem() -> None:
    heard = [("w1", NOW - timedelta(seconds=2)), ("w2", NOW - timedelta(seconds=90))]
    found = overview(facts(workers=heard))
    assert [(w.id, w.process, w.holds, w.healthy) for w in found.workers] == [
        ("w1", "connect", ["hotich"], True), ("w2", "connect", [], False),
    ]  # fmt: skip
    assert found.workers[0].heartbeat_age_s == 2.0
    assert found.problems == ["worker w2: no heartbeat for 90 s"]


def test_each_hub_run_process_shows_the_partitions_each_lane_holds_and_a_silent_one_is_stale() -> None:
    feed = Holding("hanoi", "feed", ("gov.land.parcel.v1:0", "gov.land.parcel.v1:3", "hub.hanoi.retry:0"))
    backfill = Holding("hanoi", "backfill", ())
    running = [
        DeliveryWorker(
            "n1:7:aa", "n1", 7, NOW - timedelta(hours=1), NOW - timedelta(seconds=1), (feed, backfill)
        ),
        DeliveryWorker("n2:8:bb", "n2", 8, NOW - timedelta(hours=1), NOW - timedelta(seconds=45), ()),
    ]
    found = overview(facts(delivery_workers=running))
    alive, silent = found.workers
    assert (alive.process, alive.host, alive.pid, alive.healthy) == ("run", "n1", 7, True)
    assert alive.holds == [
        "hanoi (feed): gov.land.parcel.v1[0,3] hub.hanoi.retry[0]", "hanoi (backfill): no partitions",
    ]  # fmt: skip
    assert [lane.partitions for lane in alive.lanes] == [list(feed.partitions), []]
    assert (silent.healthy, silent.heartbeat_age_s) == (False, 45.0)
    assert found.problems == [
        "hub run n2:8:bb: no heartbeat for 45 s "
        "(its partitions move to the other processes once Kafka drops it)"
    ]
