"""The quarantine record, and the bound that keeps it under Kafka's record limit whatever the row.

A quarantine record carries the event's identity in CloudEvents headers, the reason in
``quarantine-code`` / ``quarantine-reason`` headers, and the JSON body ``{"reason", "event",
"change"}``: ``change`` is the source change as read (``connectors.held_change``), what ``hub
quarantine republish`` maps again.

A record that fits under ``MAX_RECORD_BYTES`` is written exactly so. One that does not (a 5 MB
row breaking its contract, a row with a value JSON cannot carry) would be refused by the broker on
every try and hold every later change of the connector, so it is bounded instead, in two steps:

1. the event keeps only its identity (no data); the source change stays, so it can still be
   republished;
2. if that is still too large, the change goes too: the record keeps what finds and checks
   the row at its source.

A bounded record says so in ``held``: ``{"table", "op", "key", "position", "txid", "size_bytes",
"sha256", "row_kept"}``, where ``size_bytes`` and ``sha256`` are those of the source change as
``held_change`` writes it, in compact JSON with sorted keys. Its reason text,
its details, its record key and the source key are clipped (to at most a few KiB each, with the
size and digest of what was cut), so a bounded record can never outgrow the limit itself.
"""

from __future__ import annotations

import hashlib
import json
from itertools import chain
from typing import Any

from connectors.held_change import encode_change
from connectors.source import Change
from schemas.errors import HubError, InvalidInput
from schemas.events import ChangeEvent
from schemas.events.kafka_codec import KafkaMessage

QUARANTINE_CODE_HEADER = "quarantine-code"
QUARANTINE_REASON_HEADER = "quarantine-reason"
MAX_RECORD_BYTES = 900_000  # under the producer's and the broker's 1 MiB defaults, with headroom
TEXT_BYTES = 2_048  # a bounded record's reason, record key and source key, each at most about this
DETAILS_BYTES = 8_192


class RowNotKept(InvalidInput):
    """The row was too large for its quarantine record (which keeps its key, position, size and
    SHA-256 only): republish has nothing to send."""

    code = "held_row_not_kept"


def quarantine_message(
    event: ChangeEvent, error: HubError, change: Change, *, structured: dict[str, Any] | None
) -> KafkaMessage:
    """The record for a change that was not published: whole when it fits, else bounded.

    ``structured`` is the event in its JSON form, or None when it cannot or need not be carried
    (the event itself was too large): the event's identity is kept either way.
    """
    document = encode_change(change)
    held = _compact(document)
    if structured is not None and len(held) < MAX_RECORD_BYTES:
        whole = _message(event, error, {"event": structured, "change": document}, clip=False)
        if size_of(whole) <= MAX_RECORD_BYTES:
            return whole
    summary = _summary(document, held)
    if len(held) < MAX_RECORD_BYTES:
        kept = _message(event, error, {"change": document, "held": summary | {"row_kept": True}})
        if size_of(kept) <= MAX_RECORD_BYTES:
            return kept
    return _message(event, error, {"held": summary | {"row_kept": False}})


def size_of(message: KafkaMessage) -> int:
    """The bytes Kafka counts against its limit, give or take the record's framing."""
    headers = sum(map(len, chain.from_iterable(message.headers)))  # no generator frame: per change
    return len(message.key or b"") + len(message.value) + headers


def not_kept(body: dict[str, Any]) -> RowNotKept | None:
    """Why a record read back cannot be republished, when it was bounded without its row."""
    held = body.get("held")
    if not isinstance(held, dict) or held.get("row_kept") is not False or "change" in body:
        return None
    return RowNotKept(
        f"the row ({held.get('size_bytes')} bytes, sha256 {held.get('sha256')}) was too large for its "
        "quarantine record and was not kept: it cannot be republished; correct it at its source "
        "(its next change is captured again)",
        details={name: held.get(name) for name in ("table", "key", "position", "size_bytes", "sha256")},
    )


def _message(event: ChangeEvent, error: HubError, body: dict[str, Any], *, clip: bool = True) -> KafkaMessage:
    message = _clipped(error.message) if clip else error.message
    details = error.details
    if clip and len(_compact(details)) > DETAILS_BYTES:
        details = {"clipped": True, "size_bytes": len(_compact(details))}
    subject = _clipped(event.subject) if clip else event.subject
    identity = {"id": event.id, "type": event.type, "source": event.source, "subject": subject}
    document = {
        "reason": {"code": error.code, "message": message, "details": details},
        "event": body.pop("event", identity),
        **body,
    }
    headers = [
        *_identity_headers(event, subject),
        ("content-type", b"application/json"),
        (QUARANTINE_CODE_HEADER, error.code.encode()),
        (QUARANTINE_REASON_HEADER, message.encode()),
    ]
    value = json.dumps(document, ensure_ascii=False, default=repr).encode()
    return KafkaMessage(key=subject.encode(), value=value, headers=headers)


def _summary(document: dict[str, Any], held: bytes) -> dict[str, Any]:
    """What finds the row at its source and tells it is the one: ``document`` is the held change."""
    key = _compact(document["key"]).decode()
    return {
        "table": document["table"],
        "op": document["op"],
        "key": document["key"] if len(key) <= TEXT_BYTES else _clipped(key),
        "position": document["position"],
        "txid": document["txid"],
        "size_bytes": len(held),
        "sha256": hashlib.sha256(held).hexdigest(),
    }


def _clipped(text: str) -> str:
    """The text, or its start with the size and digest of the whole when it is too long."""
    whole = text.encode()
    if len(whole) <= TEXT_BYTES:
        return text
    start = whole[: TEXT_BYTES // 2].decode(errors="ignore")
    return f"{start}... ({len(whole)} bytes, sha256 {hashlib.sha256(whole).hexdigest()})"


def _compact(document: Any) -> bytes:
    return json.dumps(
        document, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=repr
    ).encode()


def _identity_headers(event: ChangeEvent, subject: str) -> list[tuple[str, bytes]]:
    headers = [
        ("ce_id", event.id),
        ("ce_type", event.type),
        ("ce_source", event.source),
        ("ce_subject", subject),
        ("ce_time", event.time.isoformat()),
    ]
    if event.traceparent:
        headers.append(("traceparent", event.traceparent))
    return [(name, value.encode()) for name, value in headers]


__all__ = [
    "MAX_RECORD_BYTES",
    "QUARANTINE_CODE_HEADER",
    "QUARANTINE_REASON_HEADER",
    "RowNotKept",
    "not_kept",
    "quarantine_message",
    "size_of",
]
