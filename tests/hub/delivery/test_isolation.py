"""A slow subscriber does not delay a fast one; replay from a time delivers again."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta

import pytest

from hub.store import deliveries
from tests.hub.delivery.harness import Deployment
from tests.hub.delivery.waiting import eventually

SLOW_REQUEST_S = 3.0

pytestmark = pytest.mark.integration


async def test_slow_subscriber_does_not_delay_a_fast_one(hub_deployment: Deployment) -> None:
    d = hub_deployment
    slow, fast = await d.portal(), await d.portal()
    await slow.control(mode="slow", delay_s=SLOW_REQUEST_S)
    d.subscribe("slow", slow, delivery={"max_in_flight": 1, "timeout_s": 10})
    d.subscribe("fast", fast)
    async with d.hub():
        await d.publish(d.event("warm", 0))
        await eventually(lambda: fast.has(1), timeout_s=20)  # both sinks are up
        latencies = []
        for n in range(5):
            started = time.monotonic()
            await d.publish(d.event("K", n))
            await eventually(functools.partial(fast.has, n + 2), timeout_s=10)
            latencies.append(time.monotonic() - started)
        assert len(await slow.event_ids()) <= 2  # the slow one is still far behind
    # typically a few ms on loopback; waiting behind one slow request would take SLOW_REQUEST_S
    assert max(latencies) < SLOW_REQUEST_S / 2, latencies


async def test_replay_from_a_timestamp_delivers_again(hub_deployment: Deployment) -> None:
    d = hub_deployment
    portal = await d.portal()
    sid = d.subscribe("replayed", portal).id
    events = [d.event("K", n) for n in range(4)]
    before = datetime.now(UTC) - timedelta(seconds=1)
    async with d.hub():
        await d.publish(*events)
        await eventually(lambda: portal.has(4), timeout_s=20)
        with d.store.session() as session:
            request_id = deliveries.request_replay(session, sid, before).id
        await eventually(lambda: _state(d, request_id) == "done", timeout_s=20)
        await eventually(lambda: _at_least(portal.pushes(), 8), timeout_s=20)
    stats = await portal.stats()
    assert stats["duplicates"] == 4  # the same webhook-ids again: receivers can de-duplicate
    assert len([a for a in d.attempts(subscription_id=sid) if a.outcome == "delivered"]) == 8


async def test_replay_of_a_window_delivers_it_again_and_nothing_after_it(hub_deployment: Deployment) -> None:
    """[from, to) is delivered again; what came after ``to`` is not; live delivery goes on, and
    the subscription's own position never moved (an event published afterwards arrives once)."""
    d = hub_deployment
    portal = await d.portal()
    sid = d.subscribe("window", portal).id
    async with d.hub():
        await d.publish(d.event("A", 0), d.event("B", 0))
        await asyncio.sleep(0.3)
        since = datetime.now(UTC)
        await d.publish(d.event("A", 1), d.event("B", 1))
        await asyncio.sleep(0.3)
        until = datetime.now(UTC)
        await d.publish(d.event("A", 2), d.event("B", 2))
        await eventually(lambda: portal.has(6), timeout_s=20)
        with d.store.session() as session:
            request_id = deliveries.request_replay(session, sid, since, until).id
        await eventually(lambda: _state(d, request_id) == "done", timeout_s=20)
        await eventually(lambda: _at_least(portal.pushes(), 8), timeout_s=20)
        await d.publish(d.event("A", 3))
        await eventually(lambda: portal.has(7), timeout_s=20)
        await asyncio.sleep(1.0)  # time for anything wrongly re-sent to arrive
    pushed = [a.event_id for a in d.attempts(subscription_id=sid) if a.outcome == "delivered"]
    again = sorted(event_id for event_id in set(pushed) if pushed.count(event_id) > 1)
    assert again == sorted([d.event("A", 1).id, d.event("B", 1).id])
    assert pushed.count(d.event("A", 3).id) == 1 and len(pushed) == 9
    assert (await portal.stats())["duplicates"] == 2  # the same webhook-ids again
    with d.store.session() as session:
        done = deliveries.replay(session, request_id)
        assert done is not None and (done.total, done.scanned, done.queued) == (2, 2, 2)


def _state(d: Deployment, request_id: int) -> str | None:
    with d.store.session() as session:
        request = deliveries.replay(session, request_id)
        return None if request is None else request.state


async def _at_least(count: Awaitable[int], wanted: int) -> bool:
    return await count >= wanted
