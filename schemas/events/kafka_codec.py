"""CloudEvents Kafka protocol binding, binary content mode.

Context attributes travel as ``ce_<name>`` headers (UTF-8), ``content-type`` as its own header,
the record key as the message key and the change payload as the JSON value. ``traceparent`` is
also written as a bare header so any W3C-aware Kafka tool can follow the trace.

Checked against the official CloudEvents SDK (``cloudevents.core.bindings.kafka``) in both
directions: ``ce_time`` is RFC 3339 in UTC with a ``Z`` (as the SDK writes it), header names are
read case-insensitively (as the SDK reads them), and an SDK-only ``ce_partitionkey`` (the SDK's
name for the message key) is accepted and ignored.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from schemas.errors import InvalidInput
from schemas.events.change import (
    JSON_CONTENT_TYPE,
    OPTIONAL_ATTRIBUTES,
    ChangeEvent,
    ChangePayload,
)

Headers = list[tuple[str, bytes]]
REQUIRED = ("specversion", "id", "source", "type", "subject", "time")
_OPTIONAL_HEADERS = tuple((name, f"ce_{name}") for name in OPTIONAL_ATTRIBUTES)  # named once, not per event


@dataclass(frozen=True)
class KafkaMessage:
    key: bytes
    value: bytes
    headers: Headers


def to_kafka(event: ChangeEvent) -> KafkaMessage:
    headers: Headers = [
        ("ce_specversion", event.specversion.encode()),
        ("ce_id", event.id.encode()),
        ("ce_source", event.source.encode()),
        ("ce_type", event.type.encode()),
        ("ce_subject", event.subject.encode()),
        ("ce_time", _utc_header(event.time)),
        ("content-type", event.datacontenttype.encode()),
    ]
    for name, header in _OPTIONAL_HEADERS:
        value = getattr(event, name)
        if value is not None:
            headers.append((header, value.encode()))
    if event.traceparent:
        headers.append(("traceparent", event.traceparent.encode()))
    value = event.data.model_dump_json(by_alias=True).encode()
    return KafkaMessage(key=event.subject.encode(), value=value, headers=headers)


def rfc3339(moment: datetime) -> str:
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


@functools.lru_cache(maxsize=8)
def _utc_header(moment: datetime) -> bytes:
    """``ce_time`` of an event's time (always UTC, so equal times write equal text): a streamed
    transaction's changes share their commit time, written once, not once per change."""
    return rfc3339(moment).encode()


def from_kafka(key: bytes | None, value: bytes | None, headers: Headers) -> ChangeEvent:
    """Rebuild the event; raises ``InvalidInput`` naming what is missing or malformed."""
    attrs = _attributes(headers)
    missing = [name for name in REQUIRED if name not in attrs]
    if missing:
        raise InvalidInput(f"not a CloudEvent: missing header(s) {', '.join('ce_' + m for m in missing)}")
    if value is None:
        raise InvalidInput("CloudEvent without a value (tombstones carry no change)")
    attrs.setdefault("datacontenttype", JSON_CONTENT_TYPE)
    try:
        attrs["time"] = datetime.fromisoformat(attrs["time"])
        if key is not None and key.decode() != attrs["subject"]:
            raise InvalidInput("message key and ce_subject disagree")
        known = set(ChangeEvent.model_fields)
        return ChangeEvent(
            **{k: v for k, v in attrs.items() if k in known},
            data=ChangePayload.model_validate_json(value),
        )
    except ValidationError as exc:
        raise InvalidInput("malformed CloudEvent", details=exc.errors(include_url=False)) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"malformed CloudEvent: {exc}") from exc


def _attributes(headers: Headers) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    for raw_name, raw in headers:
        name = raw_name.lower()
        if raw is None:  # Kafka allows null header values; no CloudEvent attribute is null
            continue
        try:
            text = raw.decode()
        except UnicodeDecodeError as exc:
            raise InvalidInput(f"header {raw_name!r} is not UTF-8") from exc
        if name.startswith("ce_"):
            attrs[name[3:]] = text
        elif name == "content-type":
            attrs["datacontenttype"] = text
        elif name == "traceparent":
            attrs.setdefault("traceparent", text)
    return attrs
