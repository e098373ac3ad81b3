"""Co-partitioning on the real Kafka: two hub processes share one subscription and keep key order
through retries; a retry topic with another partition count is recreated or refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bus.admin import KafkaAdmin
from bus.producer import KafkaProducer
from hub.delivery.control.supervisor import Supervisor
from hub.delivery.pipeline import copartition
from schemas.naming import retry_topic
from tests.devtools.portal.serving import serving
from tests.hub.delivery.harness import Deployment, Portal, by_key
from tests.hub.delivery.waiting import eventually

pytestmark = pytest.mark.integration
KEYS = [f"K{k}" for k in range(12)]
FAILING = set(KEYS[::2])  # the first event of these keys fails once, so it goes to the retry topic


class FirstTryFails:
    """A receiver that answers 500 to the first push of each event in ``failing``, 200 after."""

    def __init__(self, failing: set[str]) -> None:
        self.failing = set(failing)
        self.arrivals: list[str] = []

    async def hook(self, request: Request) -> JSONResponse:
        event_id = json.loads(await request.body())["id"]
        if event_id in self.failing:
            self.failing.discard(event_id)
            return JSONResponse({"error": "first try fails"}, status_code=500)
        if event_id not in self.arrivals:
            self.arrivals.append(event_id)
        return JSONResponse({"accepted": True})


def owned(supervisor: Supervisor, sid: str) -> set[Any]:
    sink = supervisor.sink(sid)
    return sink.assignment() if sink is not None else set()


def shared_evenly(first: Supervisor, second: Supervisor, sid: str) -> Callable[[], bool]:
    def check() -> bool:
        a, b = owned(first, sid), owned(second, sid)
        return bool(a) and bool(b) and not a & b and len(a | b) == 2 * copartition.RETRY_PARTITIONS

    return check


def same_numbers(partitions: set[Any]) -> bool:
    """Feed partition i and retry partition i belong to the same member."""
    numbers: dict[str, set[int]] = {}
    for tp in partitions:
        numbers.setdefault("retry" if tp.topic.startswith("hub.") else "feed", set()).add(tp.partition)
    return numbers.get("retry") == numbers.get("feed")


async def test_two_hubs_keep_each_keys_order_through_retries(hub_deployment: Deployment) -> None:
    d = hub_deployment
    events = [d.event(key, n) for n in range(4) for key in KEYS]
    receiver = FirstTryFails({d.event(key, 0).id for key in FAILING})
    url = await d.stack.enter_async_context(
        serving(Starlette(routes=[Route("/hook", receiver.hook, methods=["POST"])]))
    )
    portal = Portal(url, "", None, None)  # type: ignore[arg-type]  # only its URL is used
    sid = d.subscribe("pair", portal, retry={"short_attempts": 1}).id
    async with d.hub() as first, d.hub() as second:
        await eventually(shared_evenly(first, second, sid), timeout_s=30)
        assert same_numbers(owned(first, sid)) and same_numbers(owned(second, sid))
        await d.publish(*events)
        await eventually(lambda: len(receiver.arrivals) == len(events), timeout_s=30)
        sinks = [s.sink(sid) for s in (first, second)]
        await eventually(lambda: all(sink is not None and len(sink.keys) == 0 for sink in sinks))
    assert sorted(receiver.arrivals) == sorted(e.id for e in events)
    assert by_key(receiver.arrivals) == {key: [0, 1, 2, 3] for key in KEYS}
    outcomes = {(a.event_id, a.outcome) for a in d.attempts(subscription_id=sid)}
    parked = {event_id for event_id, outcome in outcomes if outcome == "parked"}
    assert {d.event(key, n).id for key in FAILING for n in (1, 2, 3)} <= parked


async def test_an_empty_retry_topic_with_another_partition_count_is_recreated(
    kafka_bootstrap: str, unique: str
) -> None:
    topic = retry_topic(f"old-{unique}")
    await KafkaAdmin(kafka_bootstrap).create_topics([topic], 3)
    await copartition.ensure_retry_topic(kafka_bootstrap, topic, [])
    assert len(await KafkaAdmin(kafka_bootstrap).partitions(names=[topic])) == copartition.RETRY_PARTITIONS


async def test_a_retry_topic_with_pending_records_and_another_count_is_refused(
    kafka_bootstrap: str, unique: str
) -> None:
    topic = retry_topic(f"busy-{unique}")
    await KafkaAdmin(kafka_bootstrap).create_topics([topic], 3)
    producer = KafkaProducer(kafka_bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"{}", key=b"K")
    finally:
        await producer.stop()
    with pytest.raises(copartition.RetryTopicMismatch, match="pending retries"):
        await copartition.ensure_retry_topic(kafka_bootstrap, topic, [])
    assert len(await KafkaAdmin(kafka_bootstrap).partitions(names=[topic])) == 3
