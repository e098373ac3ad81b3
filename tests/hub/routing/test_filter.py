"""Routing decisions: feed, administrative unit, predicates, each refusal naming its cause."""

from __future__ import annotations

from hub.routing import Decision, decide
from schemas.errors import UnknownAdminUnit
from tests.hub.routing.events import change, subscription

# A tiny stand-in for the normaliser: province 01 (new) absorbed legacy commune 00004;
# legacy code 00004's current code is 00005.
PARENT = {"00004": "01", "00005": "01", "00100": "79"}
KNOWN = {*PARENT, "01", "79"}


class Units:
    def contains(self, filter_code: str, unit_code: str) -> bool:
        if unit_code not in KNOWN:
            raise UnknownAdminUnit(unit_code)
        return filter_code in (unit_code, PARENT.get(unit_code))


UNITS = Units()


def test_feed_wildcard_matches_event_type() -> None:
    decision = decide(change(), subscription(["vn.gov.civil-status.*"]), UNITS)
    assert decision == Decision(True, decision.reason)
    assert "vn.gov.civil-status.*" in decision.reason


def test_feed_mismatch_is_refused_with_reason() -> None:
    decision = decide(change(type_="vn.gov.land.parcel.v1"), subscription(), UNITS)
    assert not decision.matched
    assert decision.reason.startswith("feed:")


def test_feed_can_name_the_topic() -> None:
    sub = subscription(["gov.civil-status.birth.v1"])
    assert decide(change(), sub, UNITS, topic="gov.civil-status.birth.v1").matched
    assert not decide(change(), sub, UNITS, topic="gov.land.parcel.v1").matched


def test_pre_merger_commune_matched_by_new_province_filter() -> None:
    event = change(adminunit="00004")
    assert decide(event, subscription(admin_units=["01"]), UNITS).matched
    assert not decide(event, subscription(admin_units=["79"]), UNITS).matched


def test_original_code_is_tried_when_current_does_not_match() -> None:
    event = change(adminunit="00100", adminunitorig="00004")
    decision = decide(event, subscription(admin_units=["01"]), UNITS)
    assert decision.matched
    assert "'00004' within '01'" in decision.reason


def test_admin_filter_refuses_event_without_unit() -> None:
    decision = decide(change(), subscription(admin_units=["01"]), UNITS)
    assert not decision.matched
    assert "no administrative unit" in decision.reason


def test_unknown_event_unit_matches_nothing() -> None:
    decision = decide(change(adminunit="99999"), subscription(admin_units=["01"]), UNITS)
    assert not decision.matched
    assert decision.reason.startswith("admin unit:")


def test_predicates_all_must_hold() -> None:
    preds = [
        {"path": "after.status", "op": "eq", "value": "registered"},
        {"path": "after.place.commune", "op": "prefix", "value": "000"},
    ]
    good = change(after={"status": "registered", "place": {"commune": "00004"}})
    bad = change(after={"status": "registered", "place": {"commune": "79001"}})
    assert decide(good, subscription(predicates=preds), UNITS).matched
    refused = decide(bad, subscription(predicates=preds), UNITS)
    assert not refused.matched
    assert refused.reason.startswith("predicate: after.place.commune prefix")
    assert "79001" not in refused.reason  # payload values stay out of traces
