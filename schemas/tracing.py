"""W3C trace-context helpers and span attributes shared by connectors and the hub.

Only the OpenTelemetry *API* is used here (no exporter, no I/O): the process that owns the
tracer provider (``hub.telemetry``) decides where spans go. Carrying the context in the event
itself (``traceparent``) lets one trace span capture, publish, routing and every delivery.
Attribute names follow the OpenTelemetry messaging and HTTP semantic conventions and are set
here, in one place, so every span of one kind looks the same.
"""

from __future__ import annotations

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.util.types import AttributeValue

TRACER_NAME = "gov-data-hub"


def tracer() -> trace.Tracer:
    return trace.get_tracer(TRACER_NAME)


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


def context_from(traceparent: str | None) -> Context | None:
    if not traceparent:
        return None
    return propagate.extract({"traceparent": traceparent})


def messaging_attributes(
    operation: str,
    topic: str,
    *,
    event_id: str | None = None,
    key: str | None = None,
    partition: int | None = None,
    offset: int | None = None,
    group: str | None = None,
) -> dict[str, AttributeValue]:
    """Kafka span attributes per the messaging semantic conventions."""
    attrs: dict[str, AttributeValue] = {
        "messaging.system": "kafka",
        "messaging.operation.type": operation,  # "send" | "receive" | "process"
        "messaging.destination.name": topic,
    }
    optional: dict[str, AttributeValue | None] = {
        "messaging.message.id": event_id,
        "messaging.kafka.message.key": key,
        "messaging.destination.partition.id": None if partition is None else str(partition),
        "messaging.kafka.offset": offset,
        "messaging.consumer.group.name": group,
    }
    attrs.update({k: v for k, v in optional.items() if v is not None})
    return attrs


def http_client_attributes(
    url: str, *, status: int | None = None, attempt: int | None = None
) -> dict[str, AttributeValue]:
    """Webhook push span attributes per the HTTP client semantic conventions."""
    attrs: dict[str, AttributeValue] = {"http.request.method": "POST", "url.full": url}
    if status is not None:
        attrs["http.response.status_code"] = status
    if attempt is not None:
        attrs["http.request.resend_count"] = attempt - 1
    return attrs
