"""Publishing a batch of changes to Kafka: contract check, quarantine, produce, wait for acks.

``Publisher.publish(changes)`` returns only when the broker acknowledged every record of the
batch (``acks=all``, idempotent producer), or raises ``BusError``; that is what lets the task
commit the source position afterwards and nothing else. ``queue(changes)`` is its first half:
the records built and queued, returned as ``Queued`` whose ``acknowledged()`` is the second, so
the task reads the next batch while Kafka works on this one. Records are queued in the batch's
order, so the changes of one record (one key, one partition) keep their order.

A mapped feed's change is first reshaped into its contract's fields (``connectors.mapping``).
A change the mapping cannot read (a failed cast, an unlisted code), whose row breaks its
contract, names an administrative unit nobody knows, or that its source already rejected
(``Change.rejected``, e.g. an unreadable outbox row), is not published on the feed: it goes to
the feed's quarantine topic (``<topic>.quarantine``) with the same key, the event's identity in
CloudEvents headers, the reason in ``quarantine-code`` / ``quarantine-reason`` headers, and a
JSON body ``{"reason": {...}, "event": {...}, "change": {...}}``. ``change`` is the source
change as read, before any mapping (``connectors.held_change``): what ``hub quarantine
republish`` maps and checks again once the mapping or the contract is fixed. A record too large
for Kafka (a huge or unencodable row) is bounded first (``connectors.quarantine_record``), so the
connector always goes on with the next change: one bad row never stops a feed.

With a record memory (``connectors.record_memory``), each batch first recalls the last published
state of its records: a delete whose row lacks the record key or the unit (default replica
identity) is completed from it (or quarantined as ``record_unknown``), a change that moves a
record to another unit carries ``adminunitprev``, and every published change updates the state.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from opentelemetry.trace import Span, SpanKind, Status, StatusCode, set_span_in_context
from pydantic_core import PydanticSerializationError

from bus.ports import Ack, Producer
from connectors.config import ConnectorConfigBase
from connectors.contracts import ContractCheck, Contracts, builtin_contract
from connectors.envelope import Envelope, record_key, wire_row
from connectors.mapping.pipeline import Mappers
from connectors.mapping.rows import MappingKeyMissing
from connectors.quarantine_record import (
    MAX_RECORD_BYTES,
    QUARANTINE_CODE_HEADER,
    QUARANTINE_REASON_HEADER,
    quarantine_message,
    size_of,
)
from connectors.record_memory import (
    RecordBook,
    RecordMemory,
    RecordState,
    RecordUnknown,
    completed_delete,
    moved_from,
    source_key,
)
from connectors.source import Change
from connectors.warm_up import warm_up
from schemas import naming
from schemas.admin_units import AdminUnitResolver, default_normaliser
from schemas.errors import InvalidInput
from schemas.events import ChangeEvent, ChangePayload, Op
from schemas.events.http_codec import to_structured
from schemas.events.kafka_codec import KafkaMessage, to_kafka
from schemas.tracing import (
    capture_attributes,
    context_from,
    messaging_attributes,
    trace_id_of,
    traceparent_of,
    tracer,
)

log = logging.getLogger(__name__)


class UnserialisableRow(InvalidInput):
    code = "unserialisable_row"


class RecordTooLarge(InvalidInput):
    """Kafka would refuse the record forever; quarantined (without its data) instead."""

    code = "record_too_large"


class SkippedByOperator(InvalidInput):
    """A change that could not be published, sent to quarantine because an operator chose to move
    past it (``hub connectors skip``); republish it once the cause is fixed."""

    code = "skipped_by_operator"


@dataclass(frozen=True)
class Outcome:
    published: int
    quarantined: int

    def __add__(self, other: Outcome) -> Outcome:
        return Outcome(self.published + other.published, self.quarantined + other.quarantined)


@dataclass(frozen=True)
class _Record:
    topic: str
    message: KafkaMessage
    quarantined: bool
    span: Span  # ``send <topic>``: ends when Kafka acknowledges the record


class Queued:
    """A batch's records, queued to Kafka in order and not yet known to be acknowledged."""

    def __init__(self, producer: Producer, records: Sequence[_Record], acks: Sequence[Ack]) -> None:
        self._producer, self._records, self._acks = producer, records, acks

    async def acknowledged(self) -> Outcome:
        """Once the broker acknowledged every record (or ``BusError``): what was published."""
        try:
            await self._producer.acknowledged(self._acks)
        finally:
            _end_send_spans(self._records, self._acks)
        quarantined = sum(r.quarantined for r in self._records)
        return Outcome(published=len(self._records) - quarantined, quarantined=quarantined)


class Publisher:
    """Turns one connector's changes into acknowledged Kafka records."""

    def __init__(
        self,
        config: ConnectorConfigBase,
        producer: Producer,
        contracts: ContractCheck,
        admin_units: AdminUnitResolver | None = None,
        records: RecordMemory | None = None,
    ) -> None:
        self.envelope = Envelope(config)
        # the mapping reads the same contracts the checks use (the hub's registry under hub connect)
        self.mappers = Mappers(
            config, contracts.lookup if isinstance(contracts, Contracts) else builtin_contract
        )
        self.kind = config.kind
        self.producer = producer
        self.contracts = contracts
        self.admin_units = admin_units or default_normaliser()
        self._feed_topics = [feed.topic for feed in config.feeds]
        self._with_unit = {f.table for f in config.feeds if f.mapping or f.admin_unit_column}
        tracked = [feed.table for feed in config.feeds]
        self.book = RecordBook(config.name, records, tracked) if records is not None else None
        self._tracer = tracer()  # a proxy until a provider is installed: asking once per change costs

    async def start(self) -> None:
        """Topics exist, and the first change will not pay for one-time work (``warm_up``)."""
        topics = self.producer.ensure_topics(self._with_quarantine(self._feed_topics))
        await asyncio.gather(topics, *([warm_up(self.admin_units)] if self._with_unit else []))

    async def publish(self, changes: Sequence[Change]) -> Outcome:
        return await (await self.queue(changes)).acknowledged()

    async def queue(self, changes: Sequence[Change]) -> Queued:
        """The batch's records built and queued in order; ``Queued.acknowledged`` waits for Kafka.

        Between the two, the caller may read the next batch while the broker works on this one.
        """
        if self.book is not None:
            await self.book.recall(changes)
        records = [self.record(one) for change in changes for one in self._with_old_key_deleted(change)]
        try:
            await self.producer.ensure_topics(
                self._with_quarantine({r.topic for r in records if not r.quarantined})
            )
            acks = await self._send(records)
        except BaseException:
            _end_send_spans(records, [])
            raise
        return Queued(self.producer, records, acks)

    async def _send(self, records: Sequence[_Record]) -> list[Ack]:
        """Each topic's records queued as batches at once; the acks in the records' order."""
        by_topic: dict[str, list[int]] = {}
        for index, record in enumerate(records):
            by_topic.setdefault(record.topic, []).append(index)
        acks: list[Ack | None] = [None] * len(records)
        for topic, indexes in by_topic.items():
            sent = await self.producer.send_many(topic, [records[i].message for i in indexes])
            for index, ack in zip(indexes, sent, strict=True):
                acks[index] = ack
        return [ack for ack in acks if ack is not None]

    async def skip(self, change: Change, error: BaseException) -> Outcome:
        """Send ``change`` to its quarantine topic as ``skipped_by_operator`` (why it could not be
        published in the reason), without mapping or checking it again: an operator chose to move
        past it, and the quarantine keeps it for ``hub quarantine republish`` once it can go."""
        topic = self.envelope.topic(change)
        event = self.envelope.build(change, traceparent=change.traceparent)
        cause = f"[{getattr(error, 'code', type(error).__name__)}] {error}"
        skipped = SkippedByOperator(f"skipped by an operator: it could not be published: {cause}"[:1000])
        message = quarantine_message(event, skipped, change, structured=None)
        ack = await self.producer.send(naming.quarantine_topic(topic), message)
        await self.producer.acknowledged([ack])
        log.warning(
            "change %s of %s at %s skipped by an operator: %s",
            *(event.id, change.table, change.position, cause),
            extra={"event_id": event.id, "connector": self.envelope.connector},
        )  # fmt: skip
        return Outcome(published=0, quarantined=1)

    def record(self, change: Change) -> _Record:
        """The record for one change: on its feed topic, or on the quarantine topic with why.

        Two spans start the change's trace (under the application's own, for an outbox row that
        carries one): ``capture <table>``, from the source commit when known, and its child
        ``send <topic>``, whose context the event carries to the hub and to the subscribers.
        """
        topic = self.envelope.topic(change)
        capture = self._capture_span(change)
        span = self._tracer.start_span(
            f"send {topic}", context=set_span_in_context(capture), kind=SpanKind.PRODUCER
        )
        capture.end()
        traceparent, shaped = traceparent_of(span), change
        try:
            prior = self.book.prior(change) if self.book is not None else None
            shaped = self._shaped(change, prior)  # a mapped table's row in its contract's fields
            payload = self.envelope.payload(shaped)
            attributes = self._checked(shaped, payload)
            attributes["adminunitprev"] = moved_from(prior, shaped, attributes.get("adminunit"))
            event = self.envelope.build(shaped, payload, traceparent=traceparent, **attributes)
            found = _Record(topic, _encoded(event), quarantined=False, span=span)
            self._remember(change, shaped, event)
        except InvalidInput as exc:  # quarantined as built (as read, if the mapping failed)
            event = self.envelope.build(shaped, traceparent=traceparent)
            span.set_attribute("error.type", exc.code)
            log.warning(
                "change %s of %s quarantined: [%s] %s", event.id, change.table, exc.code, exc.message,
                extra={"event_id": event.id, "connector": self.envelope.connector,
                       "trace_id": trace_id_of(event.traceparent)},
            )  # fmt: skip
            structured = _structured(event, with_data=not isinstance(exc, RecordTooLarge))
            message = quarantine_message(event, exc, change, structured=structured)
            found = _Record(naming.quarantine_topic(topic), message, quarantined=True, span=span)
        if span.is_recording():  # attributes of a dropped span would be built for nothing
            span.set_attributes(
                messaging_attributes("send", found.topic, event_id=event.id, key=event.subject)
            )
        return found

    def _with_old_key_deleted(self, change: Change) -> list[Change]:
        """The change, after a delete of the record's old key when the change gave it a new one.

        Under the default replica identity an update of a record-key column that is not the
        primary key comes as a plain update: without this, subscribers would keep the old key.
        """
        prior = self.book.prior(change) if self.book is not None else None
        if prior is None or prior.deleted or change.op in (Op.DELETE, Op.TRUNCATE):
            return [change]
        try:
            new_key = record_key(self.mappers(change))
        except InvalidInput:  # quarantined by ``record``, which says why
            return [change]
        if new_key == prior.record_key:
            return [change]
        gone = dataclasses.replace(change, op=Op.DELETE, before=None, after=None, unchanged_toast=())
        return [completed_delete(gone, prior), change]

    def _shaped(self, change: Change, prior: RecordState | None) -> Change:
        """The change in its contract's fields; a delete lacking its key or unit completed from memory."""
        if change.op is not Op.DELETE or self.book is None or not self.book.tracks(change):
            return self.mappers(change)
        try:
            shaped: Change | None = self.mappers(change)
        except MappingKeyMissing:  # only the primary key came: the contract's key is elsewhere
            shaped = None
        if shaped is not None and self._complete(shaped):
            return shaped
        if prior is None:
            table, key = source_key(change)
            raise RecordUnknown(
                f"delete of {table} row {key} carries neither its record key nor its administrative "
                "unit, and the connector never published that row: snapshot the table to remember it",
                details={"table": table, "source_key": key},
            )
        return completed_delete(change, prior)

    def _complete(self, delete: Change) -> bool:
        """Whether a delete's own row names its record and, for a feed with units, its unit."""
        if None in delete.key.values():
            return False
        return delete.table not in self._with_unit or self.envelope.admin_unit_code(delete) is not None

    def _remember(self, change: Change, shaped: Change, event: ChangeEvent) -> None:
        if self.book is None or not self.book.tracks(change):
            return
        self.book.remember(
            RecordState(
                table=change.table, source_key=source_key(change)[1], event_type=event.type,
                record_key=event.subject, key_fields=wire_row(shaped.key) or {},
                admin_unit=event.adminunit, original=self.envelope.admin_unit_code(shaped),
                deleted=change.op is Op.DELETE, position=change.position,
            )
        )  # fmt: skip

    def _capture_span(self, change: Change) -> Span:
        """Started without being made current: entering and leaving the context costs per change."""
        span = self._tracer.start_span(
            f"capture {change.table}",
            context=context_from(change.traceparent),
            kind=SpanKind.INTERNAL,
            start_time=_capture_start_ns(change),
        )
        if span.is_recording():
            span.set_attributes(
                capture_attributes(
                    self.kind, self.envelope.connector, change.table, change.op.name.lower(),
                    change.position, change.commit_time,
                )
            )  # fmt: skip
        return span

    def _checked(self, change: Change, payload: ChangePayload) -> dict[str, Any]:
        """The event's contract id and administrative units, or the reason it has none.

        Checked on the payload before the event exists, so the event is built once, complete.
        """
        if change.rejected is not None:  # the source already knows why
            raise change.rejected
        found: dict[str, Any] = {}
        try:
            found["dataschema"] = self.contracts(self.envelope.event_type(change), payload)
        except PydanticSerializationError as exc:
            raise UnserialisableRow(f"row values cannot be written as JSON: {exc}") from exc
        code = self.envelope.admin_unit_code(change)
        if code is not None:
            found["adminunit"], found["adminunitorig"] = self._admin_units(code)
            found["adminunitcandidates"] = ",".join(self.admin_units.split_candidates(code)) or None
            found["adminunitversion"] = self.admin_units.version
        return found

    def _admin_units(self, code: str) -> tuple[str, str | None]:
        """Today's unit and, when it differs, the code the record carries (raises if unknown).

        A pre-merger commune split between several current ones has no single successor: the
        dataset's default successor is stamped, the original code travels alongside, and the
        candidates in ``adminunitcandidates`` (also when the old code is a current code too), so
        routing delivers to every commune that may hold the record.
        """
        found = self.admin_units.resolve(code)
        current = found.current or (found.candidates[0] if found.candidates else found.province)
        original = found.original.code if current.code != found.original.code else None
        return current.code, original

    def _with_quarantine(self, topics: Sequence[str] | set[str]) -> list[str]:
        return [name for topic in topics for name in (topic, naming.quarantine_topic(topic))]


def _capture_start_ns(change: Change) -> int | None:
    """The commit time, so the capture span shows how long the change waited to be captured.

    Snapshot rows were committed long before anyone asked; their span starts now.
    """
    if change.commit_time is None or change.snapshot:
        return None
    return min(int(change.commit_time.timestamp() * 1e9), time.time_ns())


def _end_send_spans(records: Sequence[_Record], acks: Sequence[Ack]) -> None:
    """End each ``send`` span with the Kafka address the broker gave, or the reason it did not."""
    for index, record in enumerate(records):
        ack = acks[index] if index < len(acks) else None
        if record.span.is_recording():
            _describe_ack(record, ack)
        record.span.end()


def _describe_ack(record: _Record, ack: Ack | None) -> None:
    if ack is not None and ack.done() and not ack.cancelled() and ack.exception() is None:
        metadata = ack.result()
        record.span.set_attributes(
            messaging_attributes("send", record.topic, partition=metadata.partition, offset=metadata.offset)
        )
    else:
        record.span.set_status(Status(StatusCode.ERROR, "not acknowledged by Kafka"))


def _encoded(event: ChangeEvent) -> KafkaMessage:
    try:
        message = to_kafka(event)
    except PydanticSerializationError as exc:
        raise UnserialisableRow(f"row values cannot be written as JSON: {exc}") from exc
    size = size_of(message)
    if size > MAX_RECORD_BYTES:
        raise RecordTooLarge(f"event of {size} bytes exceeds the {MAX_RECORD_BYTES}-byte record limit")
    return message


def _structured(event: ChangeEvent, *, with_data: bool) -> dict[str, Any] | None:
    """The event as a quarantine record shows it: None when too large to carry (its identity is)."""
    if not with_data:
        return None
    try:
        return to_structured(event)
    except PydanticSerializationError:  # the row itself is the problem: keep a readable trace of it
        identity = {"id": event.id, "type": event.type, "source": event.source, "subject": event.subject}
        return {**identity, "data": repr(event.data)}


__all__ = [
    "QUARANTINE_CODE_HEADER",
    "QUARANTINE_REASON_HEADER",
    "Outcome",
    "Publisher",
    "Queued",
    "RecordTooLarge",
    "SkippedByOperator",
    "UnserialisableRow",
    "quarantine_message",
]
