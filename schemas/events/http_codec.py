"""CloudEvents HTTP binding, structured content mode: one event or a JSON batch.

Single events are sent as ``application/cloudevents+json``; batches as
``application/cloudevents-batch+json`` (a JSON array of structured events).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from schemas.errors import InvalidInput
from schemas.events.change import ChangeEvent

STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"


def to_structured(event: ChangeEvent) -> dict[str, Any]:
    body = event.model_dump(mode="json", by_alias=True, exclude_none=True)
    body["data"] = event.data.model_dump(mode="json", by_alias=True)
    return body


def encode(event: ChangeEvent) -> bytes:
    return json.dumps(to_structured(event), ensure_ascii=False).encode()


def encode_batch(events: Sequence[ChangeEvent]) -> bytes:
    return json.dumps([to_structured(e) for e in events], ensure_ascii=False).encode()


def from_structured(body: dict[str, Any]) -> ChangeEvent:
    try:
        return ChangeEvent.model_validate(body)
    except ValidationError as exc:
        raise InvalidInput("malformed structured CloudEvent", details=exc.errors(include_url=False)) from exc


def decode(raw: bytes) -> ChangeEvent | list[ChangeEvent]:
    """Parse a single structured event or a batch, whichever the body is."""
    try:
        body = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"body is not JSON: {exc.msg}") from exc
    if isinstance(body, list):
        return [from_structured(item) for item in body]
    if isinstance(body, dict):
        return from_structured(body)
    raise InvalidInput("body is neither a CloudEvent object nor a batch array")
