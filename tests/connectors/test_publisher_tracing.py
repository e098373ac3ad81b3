"""The publisher's spans, read from an in-memory exporter: an outbox row's trace context (the
application's request) is the parent of the capture span, so the application's trace goes on
through capture, send and every hop after it; a change without one starts its own trace."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from bus.producer import KafkaProducer
from connectors.contracts import BuiltinContracts
from connectors.publisher import Publisher
from connectors.source import Change
from hub.settings import Settings
from hub.telemetry import setup_tracing
from tests.connectors.memory_source import MemoryConfig
from tests.connectors.test_publisher import FEED, change, parcel

APP_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
APP_SPAN_ID = "00f067aa0ba902b7"
APP_TRACEPARENT = f"00-{APP_TRACE_ID}-{APP_SPAN_ID}-01"


@pytest.fixture(scope="module")
def exporter() -> Iterator[InMemorySpanExporter]:
    found = InMemorySpanExporter()
    setup_tracing("connectors-tests", Settings(), exporter=found)
    yield found
    found.shutdown()  # the provider is process-wide: later spans are no longer kept


async def spans_of(
    captured: Change, exporter: InMemorySpanExporter
) -> tuple[dict[str, bytes], ReadableSpan, ReadableSpan]:
    """The record's headers and its ended capture and send spans."""
    exporter.clear()
    config = MemoryConfig(name="land-db", kind="memory", database="d", feeds=[FEED])
    producer = KafkaProducer("127.0.0.1:1", "never-started")
    try:
        made = Publisher(config, producer, BuiltinContracts()).record(captured)
    finally:
        await producer.stop()
    made.span.end()  # ended at the Kafka ack in a real publish
    spans = {span.name.split(" ")[0]: span for span in exporter.get_finished_spans()}
    return dict(made.message.headers), spans["capture"], spans["send"]


async def test_an_outbox_rows_trace_context_is_the_parent_of_the_capture(
    exporter: InMemorySpanExporter,
) -> None:
    headers, capture, send = await spans_of(change(parcel(), traceparent=APP_TRACEPARENT), exporter)
    assert capture.parent is not None and capture.parent.is_remote
    assert f"{capture.parent.span_id:016x}" == APP_SPAN_ID
    assert {f"{span.context.trace_id:032x}" for span in (capture, send)} == {APP_TRACE_ID}
    assert send.parent is not None and send.parent.span_id == capture.context.span_id
    assert headers["traceparent"].decode() == f"00-{APP_TRACE_ID}-{send.context.span_id:016x}-01"
    assert headers["ce_traceparent"] == headers["traceparent"]


async def test_a_change_without_a_trace_context_starts_its_own_trace(exporter: InMemorySpanExporter) -> None:
    headers, capture, send = await spans_of(change(parcel()), exporter)
    assert capture.parent is None
    assert send.context.trace_id == capture.context.trace_id != int(APP_TRACE_ID, 16)
    assert headers["traceparent"].decode().split("-")[1] == f"{capture.context.trace_id:032x}"
