"""Republishing held changes: map and check them again, produce the ones that pass, in order.

Given a connector's publisher (built from its CURRENT config and contract check) and the
changes its quarantine holds, oldest first, ``republish`` runs each through the publisher's own
path (``Publisher.record``: mapping, contract check, administrative unit), so what goes out is
what the running connector would publish today. A change keeps its event id (the one it was
quarantined under) and joins its original trace: a ``republish <topic>`` span, child of the
quarantined event's trace context, parents the usual capture and send spans.

Order: the changes passing are produced in the order given and acknowledged before the call
returns. A change that still fails stays held with its new reason, and so do the later changes
of the same record key (``waiting``): a record's changes never overtake each other.
Nothing is quarantined again: the held record is still there.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from opentelemetry.trace import SpanKind

from bus.ports import Ack
from connectors.publisher import Publisher
from connectors.source import Change
from schemas.errors import InvalidInput
from schemas.tracing import context_from, traceparent_of, tracer

Address = tuple[str, int, int]  # quarantine topic, partition, offset


class HeldBehindKey(InvalidInput):
    """An earlier change of the same record is still held: this one waits for it."""

    code = "held_behind_key"


@dataclass(frozen=True)
class Held:
    """One quarantined change as republish needs it."""

    address: Address
    event_id: str
    record_key: str
    traceparent: str | None
    change: Change


@dataclass(frozen=True)
class Verdict:
    held: Held
    sent_to: str | None = None  # the feed topic it went to, or None when it stays held
    partition: int | None = None
    offset: int | None = None
    reason: dict[str, Any] | None = None  # why it stays held


async def republish(
    publisher: Publisher, held: Sequence[Held], blocked_keys: Collection[str] = ()
) -> list[Verdict]:
    """Produce what passes now (acknowledged on return); say why the rest stays held.

    ``blocked_keys``: records with an earlier held change the caller could not even read.
    """
    blocked = set(blocked_keys)
    ready: list[tuple[Held, Any]] = []
    verdicts: dict[Address, Verdict] = {}
    for item in held:
        if item.record_key in blocked:
            verdicts[item.address] = _stays(
                item, HeldBehindKey(f"an earlier change of {item.record_key} is held")
            )
            continue
        record = _record(publisher, item)
        if record.quarantined:
            record.span.end()
            blocked.add(item.record_key)
            verdicts[item.address] = Verdict(item, reason=_reason_of(record.message.value))
        else:
            ready.append((item, record))
    try:
        acks = await _produce(publisher, ready)
    finally:
        for _item, record in ready:
            record.span.end()
    for (item, record), ack in zip(ready, acks, strict=True):
        sent = ack.result()
        verdicts[item.address] = Verdict(item, record.topic, sent.partition, sent.offset)
    return [verdicts[item.address] for item in held]


def _record(publisher: Publisher, item: Held) -> Any:
    span = tracer().start_span(
        f"republish {item.address[0]}", context=context_from(item.traceparent), kind=SpanKind.INTERNAL
    )
    try:
        span.set_attribute("messaging.message.id", item.event_id)
        change = dataclasses.replace(
            item.change, event_id=item.event_id, traceparent=traceparent_of(span) or item.traceparent
        )
        return publisher.record(change)
    finally:
        span.end()


async def _produce(publisher: Publisher, ready: Sequence[tuple[Held, Any]]) -> list[Ack]:
    if not ready:
        return []
    producer = publisher.producer
    await producer.ensure_topics(sorted({record.topic for _item, record in ready}))
    acks = [await producer.send(record.topic, record.message) for _item, record in ready]
    await producer.acknowledged(acks)
    return acks


def _stays(item: Held, error: InvalidInput) -> Verdict:
    return Verdict(item, reason={"code": error.code, "message": error.message, "details": error.details})


def _reason_of(value: bytes | None) -> dict[str, Any] | None:
    body = json.loads(value or b"{}")
    reason: dict[str, Any] | None = body.get("reason")
    return reason


__all__ = ["Address", "Held", "HeldBehindKey", "Verdict", "republish"]
