"""W3C trace-context helpers shared by connectors and the hub.

Only the OpenTelemetry *API* is used here (no exporter, no I/O): the process that owns the
tracer provider (``hub.telemetry``) decides where spans go. Carrying the context in the event
itself (``traceparent``) lets one trace span capture, publish, routing and every delivery.
"""

from __future__ import annotations

from opentelemetry import propagate
from opentelemetry.context import Context


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


def context_from(traceparent: str | None) -> Context | None:
    if not traceparent:
        return None
    return propagate.extract({"traceparent": traceparent})
