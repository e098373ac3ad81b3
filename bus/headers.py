"""Every ``hub-*`` record header the hub writes to Kafka, and how each value is encoded.

Retry and dead-letter records carry the original CloudEvent headers plus these bookkeeping
headers (where the event was first read, how far its delivery got, why it was dead-lettered),
so a restarted hub resumes where it stopped. Header values are UTF-8 text; numbers are decimal,
times are epoch milliseconds (retry due time) or ISO 8601 (dead-lettered at).
"""

from __future__ import annotations

from collections.abc import Iterable

Header = tuple[str, bytes]
Headers = tuple[Header, ...]

PREFIX = "hub-"
ORIGIN = "hub-origin"  # topic:partition:offset of the feed record an event was first read from
ATTEMPTS = "hub-attempts"
RETRY_STAGE = "hub-retry-stage"
RETRY_DUE_MS = "hub-retry-due-ms"
PARKED = "hub-parked"
LAST_ERROR = "hub-last-error"
DLQ_REASON = "hub-dlq-reason"
DLQ_ERROR = "hub-dlq-error"
DLQ_STATUS = "hub-dlq-status"
DLQ_AT = "hub-dlq-at"
DLQ_RESOLVES = "hub-dlq-resolves"
SOURCE_TOPIC = "hub-source-topic"  # state and backfill records: the feed record they copy
SOURCE_PARTITION = "hub-source-partition"
SOURCE_OFFSET = "hub-source-offset"
BACKFILL_JOB = "hub-backfill-job"  # backfill records: the job that produced them


def text(value: str, limit: int | None = None) -> bytes:
    """UTF-8, cut to ``limit`` characters (error texts can be long)."""
    return (value if limit is None else value[:limit]).encode()


def integer(value: int) -> bytes:
    return str(value).encode()


def millis(epoch_s: float) -> bytes:
    """An epoch time in seconds, as whole milliseconds."""
    return str(int(epoch_s * 1000)).encode()


def read_integer(raw: str | None, default: int = 0) -> int:
    return int(raw) if raw else default


def read_millis(raw: str | None) -> float:
    """Epoch seconds from a ``millis`` value (missing: 0, i.e. due now)."""
    return int(raw or 0) / 1000


def find(headers: Iterable[Header], name: str) -> str | None:
    """The first value of ``name``, decoded."""
    for key, value in headers:
        if key == name:
            return value.decode()
    return None


def without_hub(headers: Iterable[Header]) -> Headers:
    """The headers without the hub's bookkeeping (the original event's headers)."""
    return tuple(h for h in headers if not h[0].startswith(PREFIX))


__all__ = [
    "ATTEMPTS",
    "BACKFILL_JOB",
    "DLQ_AT",
    "DLQ_ERROR",
    "DLQ_REASON",
    "DLQ_RESOLVES",
    "DLQ_STATUS",
    "LAST_ERROR",
    "ORIGIN",
    "PARKED",
    "PREFIX",
    "RETRY_DUE_MS",
    "RETRY_STAGE",
    "SOURCE_OFFSET",
    "SOURCE_PARTITION",
    "SOURCE_TOPIC",
    "Header",
    "Headers",
    "find",
    "integer",
    "millis",
    "read_integer",
    "read_millis",
    "text",
    "without_hub",
]
