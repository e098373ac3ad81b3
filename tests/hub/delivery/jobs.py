"""Builders of events, records and jobs for delivery unit tests."""

from __future__ import annotations

from hub.delivery.pipeline.job import Job, Origin, Record
from schemas.events import ChangeEvent, ChangePayload, Op, SourceInfo
from schemas.events.kafka_codec import to_kafka

TOPIC = "gov.civil-status.birth.v1"


def make_event(key: str = "KS-1", n: int = 0, *, adminunit: str | None = None) -> ChangeEvent:
    source = SourceInfo(connector="hotich", database="hotich", table="birth", position=f"0/{n}")
    return ChangeEvent(
        id=f"e-{key}-{n}",
        source="/connectors/hotich/birth",
        type="vn.gov.civil-status.birth.v1",
        subject=key,
        adminunit=adminunit,
        data=ChangePayload(op=Op.CREATE, after={"id": key, "n": n}, source=source),
    )


def make_record(event: ChangeEvent, *, topic: str = TOPIC, partition: int = 0, offset: int = 0) -> Record:
    message = to_kafka(event)
    return Record(topic, partition, offset, message.key, message.value, tuple(message.headers))


def make_job(
    key: str = "KS-1",
    n: int = 0,
    *,
    offset: int = 0,
    due: float = 0.0,
    from_retry: bool = False,
    partition: int = 0,
) -> Job:
    event = make_event(key, n)
    record = make_record(event, offset=offset, partition=partition)
    return Job(record, event, Origin(record.topic, partition, offset), from_retry=from_retry, due=due)
