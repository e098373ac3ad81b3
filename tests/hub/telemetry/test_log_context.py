"""Log lines say which trace and which event they are about, in JSON unless on a terminal."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from hub.delivery.pipeline.s4_outcome import event_fields
from hub.telemetry.logs import JsonFormatter, RedactingFormatter, setup_logging
from schemas.events import ChangeEvent, ChangePayload, Op, SourceInfo

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def line(message: str, **extra: object) -> dict[str, object]:
    record = logging.LogRecord("hub.delivery", logging.WARNING, __file__, 1, message, (), None)
    for name, value in extra.items():
        setattr(record, name, value)
    body: dict[str, object] = json.loads(JsonFormatter().format(record))
    return body


def test_a_line_inside_a_span_carries_its_trace_and_span_ids() -> None:
    span = TracerProvider().get_tracer("test").start_span("POST")
    with trace.use_span(span, end_on_exit=True):
        body = line("pushing")
    context = span.get_span_context()
    assert (body["trace_id"], body["span_id"]) == (f"{context.trace_id:032x}", f"{context.span_id:016x}")


def test_a_line_about_one_event_carries_its_ids_outside_any_span() -> None:
    source = SourceInfo(connector="hotich", database="hotich", table="birth", position="1")
    event = ChangeEvent(
        id="ev-1", source="/connectors/hotich/birth", type="vn.gov.civil-status.birth.v1", subject="K",
        traceparent=f"00-{TRACE}-00f067aa0ba902b7-01",
        data=ChangePayload(op=Op.CREATE, after={}, source=source),
    )  # fmt: skip
    body = line("event dead-lettered whsec_c2VjcmV0c2VjcmV0", **event_fields(event, "hanoi"))
    assert (body["event_id"], body["subscription"], body["trace_id"]) == ("ev-1", "hanoi", TRACE)
    assert "c2VjcmV0c2VjcmV0" not in str(body["message"])
    assert "span_id" not in body


@pytest.fixture
def root_handlers() -> Iterator[None]:
    root = logging.getLogger()
    kept, level = list(root.handlers), root.level
    yield
    root.handlers[:] = kept
    root.setLevel(level)


@pytest.mark.usefixtures("root_handlers")
def test_json_off_a_terminal_and_redacted_text_on_one() -> None:
    setup_logging(json_lines=True)
    assert isinstance(logging.getLogger().handlers[0].formatter, JsonFormatter)
    setup_logging(json_lines=False)
    assert isinstance(logging.getLogger().handlers[0].formatter, RedactingFormatter)
