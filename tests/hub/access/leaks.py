"""Secret detection for tests: no credential may appear in a log line or an API answer.

A log record is checked twice: its raw text (message and exception), and the line the project's
formatter writes from it, so a secret is caught even where the formatter would have redacted it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import pytest

from hub.telemetry.logs import JsonFormatter

SECRET_SHAPES = [
    re.compile(r"whsec_[A-Za-z0-9+/=]{16,}"),  # signing secrets
    re.compile(r"hub_[0-9a-f]{16}_[A-Za-z0-9_-]{43}"),  # API tokens
    re.compile(r"gAAAAA[A-Za-z0-9_=-]{40,}"),  # Fernet ciphertext: stored values never travel either
]


def leaks(text: str, known: Iterable[str] = ()) -> list[str]:
    found = [m.group(0) for shape in SECRET_SHAPES for m in shape.finditer(text)]
    return found + [secret for secret in known if secret and secret in text]


def log_text(record: logging.LogRecord) -> str:
    raw = record.getMessage() + (
        logging.Formatter().formatException(record.exc_info) if record.exc_info else ""
    )
    return raw + "\n" + JsonFormatter().format(record)


@contextmanager
def no_secret_in_logs(caplog: pytest.LogCaptureFixture, known: Iterable[str] = ()) -> Iterator[list[str]]:
    """Capture every record (DEBUG and up) of the block; fail if one shows a secret. Yields a list
    the block may extend with more secrets it learns (passwords, issued tokens)."""
    extra: list[str] = list(known)
    caplog.set_level(logging.DEBUG)
    yield extra
    found = [(r.name, leak) for r in caplog.records for leak in leaks(log_text(r), extra)]
    assert not found, f"secrets in log lines: {found[:5]}"
