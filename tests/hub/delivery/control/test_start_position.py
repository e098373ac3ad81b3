"""A subscription's first start: its ``start`` option, moved up to its grants' creation, never earlier."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from bus.admin import KafkaAdmin
from hub.delivery.control.start_position import NEVER_MS, pin_start, start_ms
from hub.subscriptions.model import SubscriptionSpec
from tests.hub.delivery.harness import Deployment

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def test_now_and_backfill_start_at_the_end_earliest_at_the_beginning() -> None:
    assert start_ms("now", None) == start_ms("backfill", T0) == NEVER_MS
    assert start_ms("earliest", None) == 0


def test_a_start_before_the_grants_is_moved_up_to_them_a_later_one_kept() -> None:
    assert start_ms("earliest", T0) == ms(T0)
    assert start_ms(T0 - timedelta(days=3), T0) == ms(T0)
    assert start_ms(T0 + timedelta(hours=1), T0) == ms(T0 + timedelta(hours=1))


def test_start_takes_a_word_or_a_time_with_its_zone() -> None:
    def spec(start: object) -> SubscriptionSpec:
        body = {"id": "tq", "endpoint_url": "https://p.example/h", "feeds": ["vn.gov.land.*"], "start": start}
        return SubscriptionSpec.model_validate(body)

    assert spec("backfill").start == "backfill"
    assert spec("2026-01-01T07:00:00+07:00").start == T0
    assert (
        SubscriptionSpec.model_validate({"id": "tq", "endpoint_url": "x", "feeds": ["a"]}).start == "earliest"
    )
    for bad in ("2026-01-01T07:00:00", "yesterday"):
        with pytest.raises(ValidationError):
            spec(bad)


@pytest.mark.integration
async def test_only_a_group_that_never_committed_is_pinned_and_never_before_the_grant(
    hub_deployment: Deployment, unique: str
) -> None:
    d = hub_deployment
    await d.publish(*(d.event(f"old{i}", 1) for i in range(20)))
    granted = datetime.now(UTC)
    await d.publish(*(d.event(f"new{i}", 1) for i in range(5)))
    group = f"hub.sub.start-{unique}"
    pinned = await pin_start(d.bootstrap, group, [d.event_type], "earliest", granted)
    assert sum(pinned.values()) == 20  # the first event at or after the grant, in each partition
    assert await pin_start(d.bootstrap, group, [d.event_type], "now", None) == {}  # kept
    fresh = await pin_start(d.bootstrap, f"{group}-now", [d.event_type], "now", None)
    assert sum(fresh.values()) == 25
    committed = (await KafkaAdmin(d.bootstrap).committed([group]))[group]
    assert sum(committed.values()) == 20
