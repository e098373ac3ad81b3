"""``make demo``: start the local stack, publish a few change events, read them back, print them.

This is the foundation's demo; it grows into the full end-to-end demo (connectors, hub,
receivers) as those parts land.
"""

from __future__ import annotations

import asyncio
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from rich.console import Console
from rich.table import Table

from hub.devstack import stack
from hub.settings import Settings
from schemas.errors import LocalServiceError
from schemas.events import ChangeEvent, ChangePayload, Op, SourceInfo, event_id
from schemas.events.kafka_codec import from_kafka, to_kafka

console = Console()


def sample_events(count: int) -> list[ChangeEvent]:
    events = []
    for i in range(count):
        key = f"KS-{i:06d}"
        position = f"0/{0x16B3748 + i:X}"
        source = SourceInfo(connector="civil-status", database="hotich", table="birth", position=position)
        events.append(
            ChangeEvent(
                id=event_id("civil-status", "birth", position, key, "c"),
                source="/connectors/civil-status/birth",
                type="vn.gov.civil-status.birth.v1",
                subject=key,
                data=ChangePayload(op=Op.CREATE, after={"registration_no": key}, source=source),
            )
        )
    return events


async def roundtrip(bootstrap: str, events: list[ChangeEvent]) -> list[ChangeEvent]:
    topic = f"demo.{uuid.uuid4().hex[:8]}"
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        for event in events:
            msg = to_kafka(event)
            await producer.send_and_wait(topic, msg.value, key=msg.key, headers=msg.headers)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    received: list[ChangeEvent] = []
    try:
        while len(received) < len(events):
            batch = await consumer.getmany(timeout_ms=10_000)
            if not batch:
                break
            for records in batch.values():
                received += [from_kafka(r.key, r.value, list(r.headers)) for r in records]
    finally:
        await consumer.stop()
    return received


def main() -> None:
    settings = Settings()
    try:
        endpoints = stack.ensure(settings)
    except LocalServiceError as exc:
        console.print(f"[red]error:[/red] {exc.message}")
        raise SystemExit(1) from exc
    console.print(f"kafka {endpoints.kafka_bootstrap}, postgres {endpoints.postgres_dsn}")
    received = asyncio.run(roundtrip(endpoints.kafka_bootstrap, sample_events(5)))
    table = Table(title="events read back from the broker")
    for column in ("id", "type", "key", "op"):
        table.add_column(column)
    for event in received:
        table.add_row(event.id, event.type, event.subject, event.data.op.value)
    console.print(table)
    stack.stop(settings, only=endpoints.started)
    raise SystemExit(0 if len(received) == 5 else 1)


if __name__ == "__main__":
    main()
