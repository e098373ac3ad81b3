"""The record selectors of state jobs: which latest states a backfill hands to a subscription."""

from __future__ import annotations

import pytest

from hub.routing.selection import SELECTORS, Selected, backfill_selector, selector_for
from schemas.errors import UnknownJobKind
from tests.hub.routing.events import change, subscription
from tests.hub.routing.test_filter import UNITS

TOPIC = "gov.civil-status.birth.v1"


def test_backfill_selects_a_record_in_the_subscriptions_units_as_it_is() -> None:
    event = change(adminunit="00005")
    chosen = backfill_selector(subscription(admin_units=["01"]), UNITS, {})(event, TOPIC)
    assert chosen.event is event
    assert "within '01'" in chosen.reason


def test_backfill_selects_a_record_still_on_a_pre_merger_code() -> None:
    event = change(adminunit="00005", adminunitorig="00004")
    assert backfill_selector(subscription(admin_units=["00004"]), UNITS, {})(event, TOPIC).event is event


def test_backfill_skips_a_record_outside_the_units_with_the_reason() -> None:
    chosen = backfill_selector(subscription(admin_units=["79"]), UNITS, {})(change(adminunit="00005"), TOPIC)
    assert chosen == Selected(None, chosen.reason)
    assert chosen.reason.startswith("admin unit:")


def test_backfill_skips_a_record_that_only_left_the_subscribers_unit() -> None:
    event = change(adminunit="00100").model_copy(update={"adminunitprev": "00005"})
    chosen = backfill_selector(subscription(admin_units=["01"]), UNITS, {})(event, TOPIC)
    assert chosen.event is None
    assert chosen.reason.startswith("not held by the subscriber")


def test_backfill_skips_other_feeds() -> None:
    chosen = backfill_selector(subscription(["vn.gov.land.*"]), UNITS, {})(change(), TOPIC)
    assert chosen.event is None and chosen.reason.startswith("feed:")


def test_selectors_are_registered_by_kind_and_an_unknown_kind_is_refused() -> None:
    assert SELECTORS["backfill"] is backfill_selector
    assert selector_for("backfill", subscription(), UNITS, {})(change(), TOPIC).event is not None
    with pytest.raises(UnknownJobKind) as refused:
        selector_for("teleport", subscription(), UNITS, {})
    assert refused.value.code == "unknown_job_kind"
