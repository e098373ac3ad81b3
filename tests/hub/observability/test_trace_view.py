"""Trace assembly from recorded facts (no servers): hop order, statuses, decisions, redelivery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hub.observability.trace_model import Hop
from hub.observability.trace_view import EventFacts, event_trace, ordered, subscription_hops
from hub.store.deliveries import DeliveryAttempt
from hub.store.routed_events import RoutedEvent
from hub.subscriptions.model import SubscriptionSpec
from schemas.admin_units import default_normaliser
from schemas.events import ChangeEvent, ChangePayload, Op, SourceInfo
from schemas.tracing import trace_id_of

T0 = datetime(2025, 7, 1, 3, 0, tzinfo=UTC)
TOPIC = "gov.civil-status.birth.v1"
EVENT_TYPE = "vn.gov.civil-status.birth.v1"
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
HANOI_COMMUNE = "00004"


def at(ms: float) -> datetime:
    return T0 + timedelta(milliseconds=ms)


def routed(**changes: Any) -> RoutedEvent:
    fields: dict[str, Any] = {
        "event_id": "ev-1", "event_type": EVENT_TYPE, "record_key": "K1", "topic": TOPIC, "partition": 2,
        "offset": 41, "published_at": at(5), "connector": "hotich", "source_table": "public.birth",
        "position": "0/16B3F28", "txid": "771", "commit_time": at(0), "snapshot": False,
        "traceparent": f"00-{TRACE}-00f067aa0ba902b7-01", "first_routed_at": at(9),
    }  # fmt: skip
    return RoutedEvent(**(fields | changes))


_ids = iter(range(1, 10_000))


def attempt(sid: str, n: int, ms: float, outcome: str, status: int | None, **changes: Any) -> DeliveryAttempt:
    fields: dict[str, Any] = {
        "id": next(_ids), "subscription_id": sid, "event_id": "ev-1", "record_key": "K1", "topic": TOPIC,
        "partition": 2, "offset": 41, "attempt": n, "stage": 0, "scheduled_at": at(ms - 1),
        "started_at": at(ms), "status_code": status, "latency_ms": 3.5, "outcome": outcome,
        "error_code": None if status == 200 else "push_failed", "error": None if status == 200 else "HTTP",
    }  # fmt: skip
    return DeliveryAttempt(**(fields | changes))


def subscription(sid: str, *units: str, feeds: tuple[str, ...] = (EVENT_TYPE,)) -> SubscriptionSpec:
    return SubscriptionSpec.model_validate(
        {"id": sid, "endpoint_url": "https://portal.example.vn/hook", "feeds": list(feeds),
         "filter": {"admin_units": list(units)}}
    )  # fmt: skip


def event() -> ChangeEvent:
    source = SourceInfo(connector="hotich", database="hotich", table="birth", position="0/16B3F28")
    return ChangeEvent(
        id="ev-1", source="/connectors/hotich/public.birth", type=EVENT_TYPE, subject="K1",
        adminunit=HANOI_COMMUNE, data=ChangePayload(op=Op.CREATE, after={"id": "K1"}, source=source),
    )  # fmt: skip


def kinds(hops: list[Hop]) -> list[tuple[str, str | None, int | None, str | None]]:
    return [(hop.kind, hop.subscription_id, hop.status_code, hop.outcome) for hop in hops]


def test_hops_run_from_the_commit_through_each_attempt_in_order() -> None:
    facts = EventFacts(
        routed(),
        [attempt("hanoi", 1, 20, "retrying", 500), attempt("hanoi", 2, 320, "delivered", 200)],
        event(),
        committed={"hanoi": 42, "hcm": 42},
    )
    trace = event_trace(facts, [subscription("hanoi", "01"), subscription("hcm", "79")], default_normaliser())
    assert kinds(trace.hops) == [
        ("committed", None, None, None),
        ("published", None, None, None),
        ("routed", "hanoi", None, None),
        ("attempt", "hanoi", 500, "retrying"),
        ("attempt", "hanoi", 200, "delivered"),
    ]
    assert [hop.at for hop in trace.hops] == [at(0), at(5), at(19), at(20), at(320)]
    assert trace.trace_id == TRACE
    assert (trace.source.position, trace.source.commit_time, trace.kafka.offset) == ("0/16B3F28", at(0), 41)
    paths = {path.subscription_id: path for path in trace.subscriptions}
    assert (paths["hanoi"].decision, paths["hanoi"].outcome, paths["hanoi"].attempts) == (
        "matched",
        "delivered",
        2,
    )
    assert paths["hanoi"].delivered_at == at(320)
    assert (paths["hcm"].decision, paths["hcm"].outcome) == ("filtered_out", "filtered_out")
    assert "not within any of ['79']" in paths["hcm"].reason


def test_a_subscription_whose_group_has_not_passed_the_event_has_not_decided() -> None:
    facts = EventFacts(routed(), [], event(), committed={"hcm": 41, "new": None})
    trace = event_trace(facts, [subscription("hcm", "79"), subscription("new")], default_normaliser())
    assert {(p.subscription_id, p.decision, p.outcome) for p in trace.subscriptions} == {
        ("hcm", "not_reached", "pending"),
        ("new", "not_reached", "pending"),
    }
    assert "would filter it out" in next(p.reason for p in trace.subscriptions if p.subscription_id == "hcm")
    assert kinds(trace.hops) == [("committed", None, None, None), ("published", None, None, None)]


def test_subscriptions_of_other_feeds_are_not_listed() -> None:
    facts = EventFacts(routed(), [], event(), committed={})
    trace = event_trace(facts, [subscription("land", feeds=("vn.gov.land.*",))], default_normaliser())
    assert trace.subscriptions == []


def test_without_the_event_decisions_are_unknown_but_attempts_still_prove_a_match() -> None:
    facts = EventFacts(
        routed(), [attempt("hanoi", 1, 20, "delivered", 200)], None, committed={}, warnings=["Kafka away"]
    )
    trace = event_trace(facts, [subscription("hanoi", "01"), subscription("hcm", "79")], default_normaliser())
    paths = {path.subscription_id: (path.decision, path.outcome) for path in trace.subscriptions}
    assert paths == {"hanoi": ("matched", "delivered"), "hcm": ("unknown", "unknown")}
    assert trace.warnings == ["Kafka away"]


def test_dead_lettering_then_redelivery() -> None:
    rows = [
        attempt("hanoi", 1, 20, "dead_lettered", 400, error_code="push_rejected"),
        attempt("hanoi", 2, 5000, "delivered", 200, scheduled_at=at(4900)),
    ]
    hops = subscription_hops("hanoi", rows)
    assert [(hop.kind, hop.at) for hop in hops] == [
        ("routed", at(19)),
        ("attempt", at(20)),
        ("dead_lettered", at(20)),
        ("redelivered", at(4900)),
        ("attempt", at(5000)),
    ]
    assert hops[2].detail == "push_rejected"


def test_a_parked_event_is_a_hop_but_not_an_attempt() -> None:
    rows = [attempt("hanoi", 0, 20, "parked", None), attempt("hanoi", 1, 900, "delivered", 200)]
    facts = EventFacts(routed(), rows, event(), committed={})
    trace = event_trace(facts, [subscription("hanoi", "01")], default_normaliser())
    assert [hop.kind for hop in trace.hops][2:] == ["routed", "parked", "attempt"]
    assert trace.subscriptions[0].attempts == 1


def test_attempts_of_a_deleted_subscription_still_show() -> None:
    facts = EventFacts(routed(), [attempt("gone", 1, 20, "delivered", 200)], event(), committed={})
    trace = event_trace(facts, [], default_normaliser())
    assert [(p.subscription_id, p.outcome) for p in trace.subscriptions] == [("gone", "delivered")]
    assert "since deleted" in trace.subscriptions[0].reason


def test_subscriptions_interleave_by_time_and_ties_keep_causal_order() -> None:
    same = at(50)
    hops = [
        Hop(kind="redelivered", at=same, subscription_id="a"),
        Hop(kind="attempt", at=at(60), subscription_id="b"),
        Hop(kind="routed", at=same, subscription_id="a"),
        Hop(kind="attempt", at=same, subscription_id="a"),
        Hop(kind="routed", at=at(10), subscription_id="b"),
    ]
    assert [(hop.subscription_id, hop.kind) for hop in ordered(hops)] == [
        ("b", "routed"), ("a", "routed"), ("a", "attempt"), ("a", "redelivered"), ("b", "attempt"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("traceparent", "expected"),
    [(f"00-{TRACE}-00f067aa0ba902b7-01", TRACE), (None, None), ("garbage", None), ("00-abc-def-01", None)],
)
def test_trace_id_from_traceparent(traceparent: str | None, expected: str | None) -> None:
    assert trace_id_of(traceparent) == expected


def test_a_snapshot_row_says_so_and_has_no_commit_time() -> None:
    facts = EventFacts(routed(snapshot=True, commit_time=None, txid=None), [], event(), committed={})
    committed = event_trace(facts, [], default_normaliser()).hops[0]
    assert committed.at is None
    assert committed.detail == "hotich public.birth at 0/16B3F28 (snapshot read)"


def test_an_event_a_backfill_delivered_shows_the_backfill_hop() -> None:
    lane = "hub.sub.tuyen-quang.backfill"
    rows = [
        attempt("tuyen-quang", 1, 20, "delivered", 200, topic=lane, partition=2, offset=7),
        attempt("tuyen-quang", 1, 900, "delivered", 200),  # a later redelivery by the live lane
    ]
    assert subscription_hops("tuyen-quang", rows)[0].detail == f"lane=backfill ({lane} partition 2 offset 7)"
    hops = subscription_hops("tuyen-quang", rows, {(lane, 2, 7): 12})
    assert [(hop.kind, hop.detail) for hop in hops] == [
        ("routed", f"lane=backfill, job 12 ({lane} partition 2 offset 7)"),
        ("attempt", None),
        ("routed", None),
        ("attempt", None),
    ]
