"""The overview gathered from a real store and broker: consumer lag, dead letters, recent failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from bus.admin import KafkaAdmin
from bus.producer import KafkaProducer
from hub.delivery.sink import feed_group
from hub.observability.status_lookup import StatusLookup
from hub.settings import Settings
from hub.store import deliveries, delivery_workers
from hub.store import subscriptions as stored
from hub.store.base import Store
from hub.store.delivery_workers import DeliveryWorker, Holding
from hub.subscriptions.model import SubscriptionSpec
from hub.subscriptions.secrets import SigningSecrets, generate_secret
from schemas.naming import dlq_topic

pytestmark = pytest.mark.integration


def attempt(sid: str, n: int, outcome: str, ago_s: float) -> dict[str, object]:
    return {
        "subscription_id": sid, "event_id": f"ev-{n}", "record_key": "K", "topic": "t", "partition": 0,
        "offset": n, "attempt": 1, "stage": 0, "scheduled_at": None,
        "started_at": datetime.now(UTC) - timedelta(seconds=ago_s), "status_code": 500, "latency_ms": 1.0,
        "outcome": outcome, "error_code": None if outcome == "delivered" else "push_failed", "error": None,
    }  # fmt: skip


async def test_lag_dead_letters_and_recent_failures(
    settings: Settings, store: Store, kafka_bootstrap: str, unique: str
) -> None:
    sid, topic = f"st-{unique}", f"gov.t{unique}.birth.v1"
    with store.session() as session:
        spec = SubscriptionSpec.model_validate(
            {"id": sid, "endpoint_url": "https://cong.example.vn/hook", "feeds": [f"vn.gov.t{unique}.*"]}
        )
        stored.insert(session, spec, SigningSecrets(generate_secret()))
        outcomes = [("retrying", 3600), ("retrying", 30), ("delivered", 20), ("dead_lettered", 10)]
        deliveries.add_attempts(
            session, [attempt(sid, n, outcome, ago) for n, (outcome, ago) in enumerate(outcomes)]
        )
    await KafkaAdmin(kafka_bootstrap).create_topics([topic], partitions=1)
    producer = KafkaProducer(kafka_bootstrap)
    await producer.start()
    try:
        for n in range(5):
            await producer.send_and_wait(topic, b"{}", key=str(n).encode())
        await producer.send_and_wait(
            dlq_topic(sid), b"{}", key=b"K", headers=[("hub-dlq-reason", b"push_rejected")]
        )
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka_bootstrap, group_id=feed_group(sid), enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, 0)])
        await consumer.commit({TopicPartition(topic, 0): 2})
    finally:
        await consumer.stop()

    lookup = StatusLookup(
        store, settings.model_copy(update={"kafka_bootstrap": kafka_bootstrap}), window_s=600
    )
    found = await lookup.overview()
    (line,) = found.subscriptions
    assert found.broker == "ok"
    assert (line.consumer_lag, line.dead_letters) == (3, 1)
    assert (line.attempts_recent, line.failures_recent, line.last_error) == (3, 2, "push_failed")
    assert f"subscription {sid}: 1 dead letter(s) waiting" in found.problems

    hidden = await lookup.overview(subscription_visible=lambda _sid, _owner: False)
    assert hidden.subscriptions == []


async def test_hub_run_processes_are_listed_to_those_who_see_workers(
    settings: Settings, store: Store, kafka_bootstrap: str
) -> None:
    now = datetime.now(UTC)
    held = Holding("hanoi", "feed", ("gov.land.parcel.v1:0",))
    with store.session() as session:
        delivery_workers.beat(session, DeliveryWorker("n1:7:aa", "n1", 7, now, now, (held,)))
    lookup = StatusLookup(store, settings.model_copy(update={"kafka_bootstrap": kafka_bootstrap}))
    (line,) = (await lookup.overview()).workers
    assert (line.id, line.process, line.host, line.pid, line.healthy) == ("n1:7:aa", "run", "n1", 7, True)
    assert line.holds == ["hanoi (feed): gov.land.parcel.v1[0]"]
    assert (await lookup.overview(workers_visible=False)).workers == []
