"""Failures and recovery on a real receiver: order kept, Retry-After honoured, 410 disables."""

from __future__ import annotations

import pytest

from hub.delivery.control import dead_letter
from tests.hub.delivery.harness import Deployment, by_key
from tests.hub.delivery.waiting import eventually

pytestmark = pytest.mark.integration


async def test_receiver_failing_then_recovering_gets_everything_in_key_order(
    hub_deployment: Deployment,
) -> None:
    d = hub_deployment
    portal = await d.portal()
    sid = d.subscribe(
        "flaky", portal, retry={"schedule_s": [0, 0.3, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], "short_attempts": 2}
    ).id
    # By count, not time: a time window can close before the sink has even joined its group.
    # With key ordering only each key's head is in flight, so 8 failures exhaust the two quick
    # tries of A0..D0 and send them through the retry topic while their keys' later events park.
    await portal.control(mode="fail", count=8)
    events = [d.event(key, n) for n in range(5) for key in ("A", "B", "C", "D")]
    async with d.hub():
        await d.publish(*events)
        await eventually(lambda: portal.has(len(events)), timeout_s=30)
    received = await portal.event_ids()
    assert sorted(received) == sorted(e.id for e in events)
    assert by_key(received) == {key: [0, 1, 2, 3, 4] for key in "ABCD"}
    attempts = d.attempts(subscription_id=sid)
    assert {"retrying", "parked", "delivered"} <= {a.outcome for a in attempts}
    assert max(a.stage for a in attempts) >= 1  # went through the retry topic, not only quick tries
    assert (await portal.stats())["by_status"]["500"] >= 1


async def test_429_retry_after_is_honoured(hub_deployment: Deployment) -> None:
    d = hub_deployment
    portal = await d.portal()
    d.subscribe("busy", portal)
    await portal.control(mode="429", count=1, retry_after_s=2)
    event = d.event("K", 0)
    async with d.hub():
        await d.publish(event)
        await eventually(lambda: portal.has(1), timeout_s=20)
    tries = sorted(d.attempts(event_id=event.id), key=lambda a: a.attempt)
    assert [(t.status_code, t.outcome) for t in tries] == [(429, "retrying"), (200, "delivered")]
    assert (tries[1].started_at - tries[0].started_at).total_seconds() >= 2.0


async def test_400_goes_to_dead_letters_and_redelivery_works(hub_deployment: Deployment) -> None:
    d = hub_deployment
    portal = await d.portal()
    sid = d.subscribe("strict", portal).id
    await portal.control(mode="400", count=1)
    bad, good = d.event("K", 0), d.event("K", 1)
    async with d.hub():
        await d.publish(bad, good)
        await eventually(lambda: portal.has(1), timeout_s=20)
        letters = await dead_letter.list_dead_letters(d.bootstrap, sid)
        assert [(x.event_id, x.reason, x.status_code) for x in letters] == [(bad.id, "push_rejected", 400)]
        assert letters[0].origin.startswith(d.topic)
        again = await dead_letter.redeliver(d.bootstrap, sid, select=[bad.id])
        assert [x.event_id for x in again] == [bad.id]
        await eventually(lambda: portal.has(2), timeout_s=20)
        assert await dead_letter.list_dead_letters(d.bootstrap, sid) == []
    assert await portal.event_ids() == [good.id, bad.id]
    assert [a.outcome for a in sorted(d.attempts(event_id=bad.id), key=lambda a: a.id)] == [
        "dead_lettered",
        "delivered",
    ]


async def test_410_gone_disables_the_subscription_and_keeps_the_event(hub_deployment: Deployment) -> None:
    d = hub_deployment
    portal = await d.portal()
    sid = d.subscribe("gone", portal).id
    await portal.control(mode="410")
    async with d.hub() as supervisor:
        await d.publish(d.event("K", 0))
        await eventually(lambda: d.subscription(sid).state == "disabled", timeout_s=20)
        await eventually(lambda: supervisor.running() == [])
    assert "410" in (d.subscription(sid).status_reason or "")
    assert [a.outcome for a in d.attempts(subscription_id=sid)] == ["disabled"]
    assert await dead_letter.list_dead_letters(d.bootstrap, sid) == []
