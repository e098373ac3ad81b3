"""A receiver that de-duplicates by ``webhook-id`` sees each event once, and attempt numbers go on
counting after a restart (ADR 013): real Kafka, the real store, the reference receiver."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter

import pytest

from hub.store import deliveries
from schemas.events import ChangeEvent
from tests.hub.delivery.harness import Deployment
from tests.hub.delivery.test_crash import hub_process
from tests.hub.delivery.waiting import eventually

pytestmark = pytest.mark.integration
BATCH = {"mode": "batch", "batch_max_events": 10, "batch_max_wait_ms": 200}


def twice(event_ids: list[str]) -> list[str]:
    return [event_id for event_id, n in Counter(event_ids).items() if n > 1]


async def test_a_batch_received_but_timed_out_is_retried_whole_under_its_webhook_id(
    hub_deployment: Deployment,
) -> None:
    d = hub_deployment
    portal = await d.portal()
    delivery = {**BATCH, "timeout_s": 0.3, "max_in_flight": 2}
    d.subscribe("timedout", portal, delivery=delivery, retry={"short_attempts": 1})
    # The receiver takes (and records) the first requests, but answers after the hub gave up.
    await portal.control(mode="slow", delay_s=0.6, count=4)
    events = [d.event(f"K{n % 7}", n) for n in range(80)]
    await d.publish(*events)
    async with d.hub():
        await eventually(lambda: portal.has(len(events)), timeout_s=60)
        await asyncio.sleep(1.0)  # room for a wrongly re-cut batch to arrive under a new id
    received = await portal.event_ids()
    assert twice(received) == []
    assert sorted(received) == sorted(e.id for e in events)


async def test_sigkill_mid_batch_resends_the_same_batches(hub_deployment: Deployment) -> None:
    d = hub_deployment
    portal = await d.portal()
    d.subscribe("batchcrash", portal, delivery={**BATCH, "max_in_flight": 4})
    await portal.control(mode="slow", delay_s=0.05)  # requests in flight when the process dies
    events = [d.event(f"K{n % 20}", n) for n in range(600)]
    # A live stream: batches are cut as events arrive, while after the restart the same events
    # are read again as a backlog, where a new cut would make bigger batches.
    publishing = asyncio.create_task(trickle(d, events))
    with hub_process(d) as first:
        await eventually(lambda: portal.has(len(events) // 3), timeout_s=60)
        first.send_signal(signal.SIGKILL)
        await asyncio.to_thread(first.wait)
    await publishing
    assert len(await portal.event_ids()) < len(events), "killed too late to prove anything"
    with hub_process(d):
        await eventually(lambda: portal.has(len(events)), timeout_s=90)
        await asyncio.sleep(1.0)
    received = await portal.event_ids()
    assert twice(received) == []
    assert sorted(received) == sorted(e.id for e in events)


async def trickle(d: Deployment, events: list[ChangeEvent], per_step: int = 3) -> None:
    for start in range(0, len(events), per_step):
        await d.publish(*events[start : start + per_step])
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("mode", ["single", "batch"])
async def test_attempt_numbers_go_on_counting_after_a_restart(hub_deployment: Deployment, mode: str) -> None:
    d = hub_deployment
    portal = await d.portal()
    sub = d.subscribe(f"count{mode}", portal, delivery={**BATCH, "mode": mode}, retry={"short_attempts": 2})
    await portal.control(mode="fail")
    events = [d.event(f"K{n}", n) for n in range(3)]
    await d.publish(*events)
    for _ in range(2):  # two runs of the hub, each trying the events several times
        await run_until_tried(d, sub.id, events[0].id, tries_of(d, sub.id, events[0].id) + 3)
    for event in events:
        numbers = numbers_of(d, sub.id, event.id)
        assert len(numbers) >= 4 and len(set(numbers)) == len(numbers), numbers  # no number twice


def numbers_of(d: Deployment, subscription_id: str, event_id: str) -> list[int]:
    """The event's attempt numbers in the delivery log, oldest first (parking is not a try)."""
    rows = d.attempts(subscription_id=subscription_id, event_id=event_id)
    return sorted(row.attempt for row in rows if row.outcome != "parked")


async def run_until_tried(d: Deployment, subscription_id: str, event_id: str, goal: int) -> None:
    async with d.hub():
        await eventually(lambda: tries_of(d, subscription_id, event_id) >= goal, timeout_s=30)


def tries_of(d: Deployment, subscription_id: str, event_id: str) -> int:
    return len(numbers_of(d, subscription_id, event_id))


async def test_a_copy_of_an_event_published_again_by_a_restarted_connector_is_not_sent_again(
    hub_deployment: Deployment,
) -> None:
    """A connector killed after publishing, before saving its position, publishes its last
    changes again: the feed holds those events twice. In batch mode each copy would travel in
    another request, under another ``webhook-id``; the receiver must get each event once."""
    d = hub_deployment
    portal = await d.portal()
    sub = d.subscribe("copies", portal, delivery={**BATCH, "max_in_flight": 2})
    first = [d.event(f"K{n % 5}", n) for n in range(30)]
    later = [d.event(f"K{n % 5}", n) for n in range(30, 40)]
    await d.publish(*first, first[0])  # a backlog holding a copy: maybe in the first's own request
    async with d.hub():
        await eventually(lambda: portal.has(len(first)), timeout_s=60)
        await d.publish(*first[20:], *later)  # the restarted connector: its last 10 again, then new ones
        await d.publish(first[5], first[5])  # and one copy twice in a row: both in one request
        await eventually(lambda: portal.has(len(first) + len(later)), timeout_s=60)
        await eventually(lambda: len(copies_logged(d, sub.id)) == 13, timeout_s=30)
        await asyncio.sleep(1.0)  # room for a copy to arrive under a new webhook-id
    received = await portal.event_ids()
    assert twice(received) == []
    assert sorted(received) == sorted(e.id for e in [*first, *later])
    logged = copies_logged(d, sub.id)
    assert Counter(row.event_id for row in logged) == Counter(
        [first[0].id, *(e.id for e in first[20:]), first[5].id, first[5].id]
    )
    for row in logged:  # the copy was skipped, never the record the event was delivered from
        (sent,) = [
            a for a in d.attempts(subscription_id=sub.id, event_id=row.event_id) if a.outcome == "delivered"
        ]
        assert (sent.partition, sent.offset) != (row.partition, row.offset)
        assert sent.offset < row.offset


def copies_logged(d: Deployment, subscription_id: str) -> list[deliveries.DeliveryAttempt]:
    return [row for row in d.attempts(subscription_id=subscription_id) if row.outcome == "duplicate"]
