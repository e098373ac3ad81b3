"""The re-homing hop in a trace: a move-out from re-homing, and a record a re-homing brought in (ADR 012)."""

from __future__ import annotations

from hub.observability.trace_view import EventFacts, Rehoming, event_trace
from hub.routing.rehome import rehomed_out_id
from hub.store.deliveries import DeliveryAttempt
from tests.fixtures.admin_units.versions import merged_units
from tests.hub.observability.test_trace_view import at, attempt, event, kinds, routed, subscription

LOADED = Rehoming("2026.01", at(1000), frozenset({"thai-nguyen", "tuyen-quang"}))


def stamped_facts(*attempts: DeliveryAttempt) -> EventFacts:
    found = event().model_copy(update={"adminunit": "01849", "adminunitversion": "2025.07"})
    return EventFacts(routed(), list(attempts), found, committed={}, rehomings=[LOADED])


def test_a_rehoming_move_out_is_a_hop_before_its_attempt() -> None:
    out = attempt("thai-nguyen", 1, 1500, "delivered", 200, event_id=rehomed_out_id("ev-1", "2026.01"))
    trace = event_trace(stamped_facts(out), [subscription("thai-nguyen", "19")], merged_units())
    assert kinds(trace.hops)[2:] == [
        ("rehomed", "thai-nguyen", None, None),
        ("routed", "thai-nguyen", None, None),
        ("attempt", "thai-nguyen", 200, "delivered"),
    ]
    assert trace.hops[2].detail == "administrative units 2026.01: the record left this subscription's scope"
    assert trace.admin_unit_version == "2025.07"


def test_a_record_brought_in_by_rehoming_is_a_hop() -> None:
    arrived = attempt("tuyen-quang", 1, 1500, "delivered", 200)
    trace = event_trace(stamped_facts(arrived), [subscription("tuyen-quang", "08")], merged_units())
    rehomed = [hop for hop in trace.hops if hop.kind == "rehomed"]
    assert [(hop.subscription_id, hop.detail) for hop in rehomed] == [
        ("tuyen-quang", "administrative units 2026.01: the record entered this subscription's scope")
    ]
    assert trace.subscriptions[0].decision == "matched"  # replayed under the new version


def test_an_ordinary_delivery_is_no_rehoming() -> None:
    before = attempt("tuyen-quang", 1, 20, "delivered", 200)  # delivered before the version was loaded
    trace = event_trace(stamped_facts(before), [subscription("tuyen-quang", "08")], merged_units())
    assert "rehomed" not in [hop.kind for hop in trace.hops]
    other = attempt("ha-noi", 1, 1500, "delivered", 200)  # after, but it had no re-homing job
    assert "rehomed" not in [hop.kind for hop in event_trace(stamped_facts(other), [], merged_units()).hops]
