"""An event on a real topic and in the store as the delivery engine records it, for trace tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bus.admin import KafkaAdmin
from bus.producer import KafkaProducer
from hub.store import deliveries, routed_events
from hub.store.base import Store
from schemas.events import ChangeEvent, ChangePayload, Op, SourceInfo
from schemas.events.kafka_codec import to_kafka

COMMIT = datetime(2025, 7, 1, 3, 0, tzinfo=UTC)
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def birth(unique: str, key: str, adminunit: str | None = None) -> ChangeEvent:
    source = SourceInfo(
        connector="hotich", database="hotich", schema="public", table="birth", position="0/AB12",
        commit_time=COMMIT,
    )  # fmt: skip
    return ChangeEvent(
        id=f"ev-{unique}", source="/connectors/hotich/public.birth", type=f"vn.gov.t{unique}.birth.v1",
        subject=key, adminunit=adminunit, traceparent=TRACEPARENT,
        data=ChangePayload(op=Op.CREATE, after={"id": key}, source=source),
    )  # fmt: skip


async def publish(bootstrap: str, topic: str, event: ChangeEvent) -> tuple[int, datetime]:
    """Produce ``event`` on a one-partition ``topic``: its offset and publish time."""
    await KafkaAdmin(bootstrap).create_topics([topic], partitions=1)
    producer = KafkaProducer(bootstrap)
    await producer.start()
    try:
        message = to_kafka(event)
        meta = await producer.send_and_wait(topic, message.value, key=message.key, headers=message.headers)
    finally:
        await producer.stop()
    return meta.offset, datetime.fromtimestamp(meta.timestamp_ms / 1000, UTC)


def record_routed(
    store: Store, event: ChangeEvent, topic: str, offset: int, published: datetime, delivered_to: list[str]
) -> None:
    """The routed event, and one delivered attempt (200) per subscription in ``delivered_to``."""
    routed = {
        "event_id": event.id, "event_type": event.type, "record_key": event.subject, "topic": topic,
        "partition": 0, "offset": offset, "published_at": published, "connector": "hotich",
        "source_table": "public.birth", "position": "0/AB12", "txid": None, "commit_time": COMMIT,
        "snapshot": False, "traceparent": event.traceparent, "first_routed_at": published,
    }  # fmt: skip
    with store.session() as session:
        routed_events.add(session, [routed])
        deliveries.add_attempts(
            session, [_delivered(event, sid, topic, offset, published) for sid in delivered_to]
        )


def _delivered(event: ChangeEvent, sid: str, topic: str, offset: int, at: datetime) -> dict[str, Any]:
    return {
        "subscription_id": sid, "event_id": event.id, "record_key": event.subject, "topic": topic,
        "partition": 0, "offset": offset, "attempt": 1, "stage": 0, "scheduled_at": at, "started_at": at,
        "status_code": 200, "latency_ms": 4.2, "outcome": "delivered", "error_code": None, "error": None,
    }  # fmt: skip
