"""Owns the OpenTelemetry tracer provider of a hub process.

Spans are always started (so the trace context propagates through Kafka and HTTP) but are
exported only when ``HUB_OTLP_ENDPOINT`` is set, or to an exporter a test passes in. Without
either, nothing leaves the process, and spans are not even recorded: the sampler drops them
(their context still carries valid trace and span ids, flagged "not sampled"), because a
recorded span costs about three times a dropped one and nothing would read it.
"""

from __future__ import annotations

from collections.abc import Sequence

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased, Sampler, SamplingResult
from opentelemetry.trace import Link, SpanKind
from opentelemetry.trace.span import TraceState
from opentelemetry.util.types import Attributes

from hub.settings import Settings

_provider: TracerProvider | None = None


class RecordWhileExporting(Sampler):
    """Sampling once an exporter is installed; before that, every span is dropped."""

    def __init__(self) -> None:
        self.exporting = False
        # A process that exports records spans under a remote parent that was not sampled too
        # (a connector process without OTLP): each process's export is its own choice.
        self._on = ParentBased(ALWAYS_ON, remote_parent_not_sampled=ALWAYS_ON)

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        chosen = self._on if self.exporting else ALWAYS_OFF
        return chosen.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)

    def get_description(self) -> str:
        return "RecordWhileExporting"


_sampler = RecordWhileExporting()


def exporting() -> bool:
    """Whether this process records spans: a leaf span (nothing is started under it) need not be
    started at all when it would be dropped."""
    return _sampler.exporting


def setup_tracing(
    service: str, settings: Settings, *, exporter: SpanExporter | None = None
) -> TracerProvider:
    """Install (once per process) and return the tracer provider."""
    global _provider
    if _provider is None:
        _provider = TracerProvider(resource=Resource.create({"service.name": service}), sampler=_sampler)
        trace.set_tracer_provider(_provider)
        if settings.otlp_endpoint:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            endpoint = settings.otlp_endpoint.rstrip("/") + "/v1/traces"
            _provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
            _sampler.exporting = True
    if exporter is not None:
        _provider.add_span_processor(SimpleSpanProcessor(exporter))
        _sampler.exporting = True
    return _provider
