"""What the attempt page states about a push: the headers the sender recorded."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hub.api.console.routes.portal import request_headers
from hub.api.routers.deliveries import AttemptRecord


def record(**overrides: Any) -> AttemptRecord:
    fields: dict[str, Any] = {
        "id": 7, "subscription_id": "hanoi", "event_id": "ev-1", "record_key": "K",
        "topic": "gov.land.parcel.v1", "partition": 0, "offset": 1, "attempt": 2, "stage": 0,
        "scheduled_at": None,
        "started_at": datetime.now(UTC), "status_code": 503, "latency_ms": 4.0, "outcome": "retrying",
        "error_code": "push_failed", "error": 'HTTP 503: {"busy": true}',
    }  # fmt: skip
    return AttemptRecord.model_validate(fields | overrides)


def test_the_request_headers_are_the_recorded_ones_in_name_order() -> None:
    sent = {
        "webhook-id": "ev-1",
        "content-type": "application/cloudevents+json",
        "authorization": "[redacted]",
    }
    assert request_headers(record(request_headers=sent)) == sorted(sent.items())


def test_an_attempt_that_sent_nothing_has_no_headers() -> None:
    assert request_headers(record(outcome="parked", request_headers=None)) == []
