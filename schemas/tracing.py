"""W3C trace-context helpers and span attributes shared by connectors and the hub.

Only the OpenTelemetry *API* is used here (no exporter, no I/O): the process that owns the
tracer provider (``hub.telemetry``) decides where spans go. Carrying the context in the event
itself (``traceparent``) lets one trace span capture, publish, routing and every delivery.
Attribute names follow the OpenTelemetry messaging and HTTP semantic conventions and are set
here, in one place, so every span of one kind looks the same.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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


def traceparent_of(span: trace.Span) -> str | None:
    """The W3C ``traceparent`` naming ``span`` (which need not be the current span).

    Written directly (as the W3C propagator writes it) rather than through ``propagate.inject``:
    publishers ask it for every change, and the propagator path costs several times more.
    """
    context = span.get_span_context()
    if not context.is_valid:
        return None
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{context.trace_flags:02x}"


def trace_id_of(traceparent: str | None) -> str | None:
    """The 32-hex trace id a ``traceparent`` carries (for logs and look-ups), or None."""
    parts = (traceparent or "").split("-")
    return parts[1] if len(parts) == 4 and len(parts[1]) == 32 else None


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


DB_SYSTEMS = {"postgres_cdc": "postgresql"}  # connector kind -> db.system.name; others: other_sql


def capture_attributes(
    kind: str,
    connector: str,
    table: str,
    operation: str,
    position: str,
    commit_time: datetime | None,
) -> dict[str, AttributeValue]:
    """A connector's capture of one change: database semantic conventions plus the source position."""
    attrs: dict[str, AttributeValue] = {
        "db.system.name": DB_SYSTEMS.get(kind, "other_sql"),
        "db.collection.name": table,
        "db.operation.name": operation,
        "hub.connector": connector,
        "hub.source.position": position,
    }
    if commit_time is not None:
        attrs["hub.source.commit_time"] = commit_time.isoformat()
    return attrs


def routing_attributes(subscription_id: str, reason: str) -> dict[str, AttributeValue]:
    """A subscription's routing decision (the event and its Kafka address: ``messaging_attributes``)."""
    return {"hub.subscription.id": subscription_id, "hub.route.reason": reason}


def http_client_attributes(
    url: str, *, status: int | None = None, attempt: int | None = None, subscription_id: str | None = None
) -> dict[str, AttributeValue]:
    """Webhook push span attributes per the HTTP client semantic conventions (``url.full`` redacted)."""
    parts = urlsplit(url)
    attrs: dict[str, AttributeValue] = {
        "http.request.method": "POST",
        "url.full": redacted_url(url),
        "server.address": parts.hostname or "",
        "server.port": parts.port or (443 if parts.scheme == "https" else 80),
    }
    if subscription_id is not None:
        attrs["hub.subscription.id"] = subscription_id
    if status is not None:
        attrs["http.response.status_code"] = status
    if attempt is not None:
        attrs["http.request.resend_count"] = attempt - 1
    return attrs


def redacted_url(url: str) -> str:
    """The URL without credentials or query values (webhook URLs sometimes carry tokens there)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    netloc = f"{host}:{parts.port}" if parts.port else host
    if parts.username or parts.password:
        netloc = f"REDACTED:REDACTED@{netloc}"
    query = urlencode([(key, "REDACTED") for key, _ in parse_qsl(parts.query, keep_blank_values=True)])
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
