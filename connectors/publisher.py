"""Publishing a batch of changes to Kafka: contract check, quarantine, produce, wait for acks.

``Publisher.publish(changes)`` returns only when the broker acknowledged every record of the
batch (``acks=all``, idempotent producer), or raises ``BusError``; that is what lets the task
commit the source position afterwards and nothing else. Records are queued in the batch's
order, so the changes of one record (one key, one partition) keep their order.

A change whose row breaks its contract, or names an administrative unit nobody knows, is not
published on the feed: it goes to the feed's quarantine topic (``<topic>.quarantine``) with the
same key, the event's identity in CloudEvents headers, the reason in ``quarantine-code`` /
``quarantine-reason`` headers, and a JSON body ``{"reason": {...}, "event": {...}}``. The
connector goes on with the next change: one bad row never stops a feed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from opentelemetry.trace import SpanKind
from pydantic_core import PydanticSerializationError

from connectors.config import ConnectorConfigBase
from connectors.contracts import ContractCheck
from connectors.envelope import Envelope
from connectors.kafka import Ack, FeedProducer
from connectors.source import Change
from schemas import naming
from schemas.admin_units import Resolution, default_normaliser
from schemas.errors import HubError, InvalidInput
from schemas.events import ChangeEvent
from schemas.events.http_codec import to_structured
from schemas.events.kafka_codec import KafkaMessage, to_kafka
from schemas.tracing import current_traceparent, messaging_attributes, tracer

QUARANTINE_CODE_HEADER = "quarantine-code"
QUARANTINE_REASON_HEADER = "quarantine-reason"
MAX_RECORD_BYTES = 900_000  # under the producer's and the broker's 1 MiB defaults, with headroom


class UnserialisableRow(InvalidInput):
    code = "unserialisable_row"


class RecordTooLarge(InvalidInput):
    """Kafka would refuse the record forever; quarantined (without its data) instead."""

    code = "record_too_large"


class AdminUnitResolver(Protocol):
    def resolve(self, code_or_name: str) -> Resolution: ...


@dataclass(frozen=True)
class Outcome:
    published: int
    quarantined: int


@dataclass(frozen=True)
class _Record:
    topic: str
    message: KafkaMessage
    quarantined: bool


class Publisher:
    """Turns one connector's changes into acknowledged Kafka records."""

    def __init__(
        self,
        config: ConnectorConfigBase,
        producer: FeedProducer,
        contracts: ContractCheck,
        admin_units: AdminUnitResolver | None = None,
    ) -> None:
        self.envelope = Envelope(config)
        self.producer = producer
        self.contracts = contracts
        self.admin_units = admin_units or default_normaliser()
        self._feed_topics = [feed.topic for feed in config.feeds]

    async def start(self) -> None:
        await self.producer.ensure_topics(self._with_quarantine(self._feed_topics))

    async def publish(self, changes: Sequence[Change]) -> Outcome:
        records = [self.record(change) for change in changes]
        await self.producer.ensure_topics(
            self._with_quarantine({r.topic for r in records if not r.quarantined})
        )
        acks: list[Ack] = [await self.producer.send(r.topic, r.message) for r in records]
        await self.producer.acknowledged(acks)
        quarantined = sum(r.quarantined for r in records)
        return Outcome(published=len(records) - quarantined, quarantined=quarantined)

    def record(self, change: Change) -> _Record:
        """The record for one change: on its feed topic, or on the quarantine topic with why."""
        topic = self.envelope.topic(change)
        with tracer().start_as_current_span(f"send {topic}", kind=SpanKind.PRODUCER) as span:
            event = self.envelope.build(change, traceparent=current_traceparent())
            span.set_attributes(messaging_attributes("send", topic, event_id=event.id, key=event.subject))
            try:
                return _Record(topic, _encoded(self._checked(change, event)), quarantined=False)
            except InvalidInput as exc:
                span.set_attribute("error.type", exc.code)
                return _Record(
                    naming.quarantine_topic(topic), quarantine_message(event, exc), quarantined=True
                )

    def _checked(self, change: Change, event: ChangeEvent) -> ChangeEvent:
        """The event with its contract id and administrative units, or the reason it has none."""
        update: dict[str, Any] = {}
        try:
            update["dataschema"] = self.contracts(event.type, event.data)
        except PydanticSerializationError as exc:
            raise UnserialisableRow(f"row values cannot be written as JSON: {exc}") from exc
        code = self.envelope.admin_unit_code(change)
        if code is not None:
            update["adminunit"], update["adminunitorig"] = self._admin_units(code)
        return event.model_copy(update=update)

    def _admin_units(self, code: str) -> tuple[str, str | None]:
        """Today's unit and, when it differs, the code the record carries (raises if unknown).

        A pre-merger commune split between several current ones has no single successor: the
        dataset's default successor is stamped, and the original code travels alongside, so
        routing can still deliver to every commune that may hold the record.
        """
        found = self.admin_units.resolve(code)
        current = found.current or (found.candidates[0] if found.candidates else found.province)
        original = found.original.code if current.code != found.original.code else None
        return current.code, original

    def _with_quarantine(self, topics: Sequence[str] | set[str]) -> list[str]:
        return [name for topic in topics for name in (topic, naming.quarantine_topic(topic))]


def _encoded(event: ChangeEvent) -> KafkaMessage:
    try:
        message = to_kafka(event)
    except PydanticSerializationError as exc:
        raise UnserialisableRow(f"row values cannot be written as JSON: {exc}") from exc
    size = len(message.value) + sum(len(name) + len(value) for name, value in message.headers)
    if size > MAX_RECORD_BYTES:
        raise RecordTooLarge(f"event of {size} bytes exceeds the {MAX_RECORD_BYTES}-byte record limit")
    return message


def quarantine_message(event: ChangeEvent, error: HubError) -> KafkaMessage:
    """The quarantine record: the event's identity in headers, the reason in headers and body."""
    reason = {"code": error.code, "message": error.message, "details": error.details}
    body = {"reason": reason, "event": _structured(event, with_data=not isinstance(error, RecordTooLarge))}
    headers = [
        *_identity_headers(event),
        ("content-type", b"application/json"),
        (QUARANTINE_CODE_HEADER, error.code.encode()),
        (QUARANTINE_REASON_HEADER, error.message.encode()),
    ]
    value = json.dumps(body, ensure_ascii=False, default=repr).encode()
    return KafkaMessage(key=event.subject.encode(), value=value, headers=headers)


def _structured(event: ChangeEvent, *, with_data: bool) -> dict[str, Any]:
    identity = {"id": event.id, "type": event.type, "source": event.source, "subject": event.subject}
    if not with_data:
        return identity
    try:
        return to_structured(event)
    except PydanticSerializationError:  # the row itself is the problem: keep a readable trace of it
        return {**identity, "data": repr(event.data)}


def _identity_headers(event: ChangeEvent) -> list[tuple[str, bytes]]:
    headers = [
        ("ce_id", event.id),
        ("ce_type", event.type),
        ("ce_source", event.source),
        ("ce_subject", event.subject),
        ("ce_time", event.time.isoformat()),
    ]
    if event.traceparent:
        headers.append(("traceparent", event.traceparent))
    return [(name, value.encode()) for name, value in headers]


__all__ = [
    "QUARANTINE_CODE_HEADER",
    "QUARANTINE_REASON_HEADER",
    "AdminUnitResolver",
    "Outcome",
    "Publisher",
    "RecordTooLarge",
    "UnserialisableRow",
    "quarantine_message",
]
