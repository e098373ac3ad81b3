"""Structured logging: JSON lines when not on a terminal, with trace ids and secrets redacted.

A line carries the trace and span ids of the current span; a line about one event logged
outside its spans passes ``extra={"event_id": ..., "trace_id": ...}`` (the trace id from the
event's ``traceparent``), and ``subscription`` / ``connector`` the same way.

Redaction happens in one formatter, on the final text, so a secret can leak neither through a
message argument nor through an exception's text: DSN passwords, bearer tokens, webhook
signing secrets (``whsec_...``) and ``password=``/``secret=`` pairs are masked.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace

from bus import CLIENT_LOGGER
from hub.telemetry.log_repeats import RepeatLimit

MASK = "***"
_PATTERNS = [
    (
        re.compile(r"(?P<pre>[a-z][a-z0-9+.-]*://[^:/@\s]+:)[^@\s]+(?P<post>@)", re.I),
        rf"\g<pre>{MASK}\g<post>",
    ),
    (re.compile(r"(?P<pre>\bBearer\s+)[A-Za-z0-9._~+/=-]+", re.I), rf"\g<pre>{MASK}"),
    (re.compile(r"whsec_[A-Za-z0-9+/=]+"), f"whsec_{MASK}"),
    (re.compile(r"hub_[A-Za-z0-9_-]{20,}"), f"hub_{MASK}"),
    (
        re.compile(
            r"(?P<pre>\b(?:password|passwd|secret|token|api_key)\b[\"']?\s*[=:]\s*[\"']?)[^\s\"',}]+", re.I
        ),
        rf"\g<pre>{MASK}",
    ),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            body["trace_id"] = f"{span.trace_id:032x}"
            body["span_id"] = f"{span.span_id:016x}"
        for field in ("trace_id", "event_id", "subscription", "connector"):
            if hasattr(record, field):
                body[field] = getattr(record, field)
        if record.exc_info:
            body["error"] = self.formatException(record.exc_info)
        return redact(json.dumps(body, ensure_ascii=False, default=str))


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup_logging(level: str = "INFO", *, json_lines: bool | None = None) -> None:
    """Configure the root logger; JSON unless stderr is a terminal (or told otherwise)."""
    use_json = (not sys.stderr.isatty()) if json_lines is None else json_lines
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter() if use_json else RedactingFormatter("%(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(RepeatLimit())  # the Kafka client's flood while the broker is away
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for chatty in (CLIENT_LOGGER, "httpx", "httpcore", "alembic"):  # per request/rebalance/migration: noise
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))
