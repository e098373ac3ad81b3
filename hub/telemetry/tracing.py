"""Owns the OpenTelemetry tracer provider of a hub process.

Spans are always created (so the trace context propagates through Kafka and HTTP) but are
exported only when ``HUB_OTLP_ENDPOINT`` is set, or to an exporter a test passes in. Without
either, nothing leaves the process.
"""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter

from hub.settings import Settings

_provider: TracerProvider | None = None


def setup_tracing(
    service: str, settings: Settings, *, exporter: SpanExporter | None = None
) -> TracerProvider:
    """Install (once per process) and return the tracer provider."""
    global _provider
    if _provider is None:
        _provider = TracerProvider(resource=Resource.create({"service.name": service}))
        trace.set_tracer_provider(_provider)
        if settings.otlp_endpoint:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            endpoint = settings.otlp_endpoint.rstrip("/") + "/v1/traces"
            _provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    if exporter is not None:
        _provider.add_span_processor(SimpleSpanProcessor(exporter))
    return _provider
