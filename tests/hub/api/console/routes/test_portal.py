"""What the attempt page states about a push: its response body and its headers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hub.api.console.routes.portal import request_headers, response_body
from hub.api.routers.deliveries import AttemptRecord
from hub.subscriptions.model import Subscription


def record(**overrides: Any) -> AttemptRecord:
    fields: dict[str, Any] = {
        "id": 7, "subscription_id": "hanoi", "event_id": "ev-1", "record_key": "K",
        "topic": "gov.land.parcel.v1", "partition": 0, "offset": 1, "attempt": 2, "stage": 0,
        "scheduled_at": None,
        "started_at": datetime.now(UTC), "status_code": 503, "latency_ms": 4.0, "outcome": "retrying",
        "error_code": "push_failed", "error": 'HTTP 503: {"busy": true}',
    }  # fmt: skip
    return AttemptRecord.model_validate(fields | overrides)


def subscription(mode: str) -> Subscription:
    now = datetime.now(UTC)
    return Subscription.model_validate({
        "id": "hanoi", "endpoint_url": "https://portal.example/hook", "feeds": ["vn.gov.land.*"],
        "delivery": {"mode": mode}, "created_at": now, "updated_at": now,
    })  # fmt: skip


def test_the_response_body_is_what_the_endpoint_answered_after_its_status() -> None:
    assert response_body(record()) == '{"busy": true}'
    assert response_body(record(error="HTTP 503")) is None  # an empty answer
    assert response_body(record(status_code=None, error="ConnectError: refused")) is None  # no answer at all


def test_the_request_headers_name_the_event_in_single_mode_and_the_batch_otherwise() -> None:
    single = dict(request_headers(record(), subscription("single")))
    assert single["webhook-id"] == "ev-1" and single["content-type"] == "application/cloudevents+json"
    batch = dict(request_headers(record(), subscription("batch")))
    assert batch["content-type"] == "application/cloudevents-batch+json"
