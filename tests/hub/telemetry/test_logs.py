"""Secrets never reach a log line, whatever carries them."""

from __future__ import annotations

import json
import logging

import pytest

from hub.telemetry.logs import JsonFormatter, redact


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("connect postgresql://land:S3cr3t!@db:5432/land failed", "S3cr3t!"),
        (
            "Authorization: Bearer hub_abcdefghijklmnopqrstuvwxyz012345",
            "hub_abcdefghijklmnopqrstuvwxyz012345",
        ),
        ("signing with whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        ('config {"password": "hunter2", "host": "x"}', "hunter2"),
        ("password=hunter2 user=x", "hunter2"),
    ],
)
def test_redact_masks_each_secret_form(text: str, secret: str) -> None:
    assert secret not in redact(text)


def test_json_lines_carry_fields_and_redact_exceptions() -> None:
    record = logging.LogRecord("hub", logging.ERROR, __file__, 1, "failed for %s", ("x",), None)
    record.connector = "land-db"
    try:
        raise RuntimeError("dsn postgresql://u:topsecret@h/db")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    body = json.loads(line)
    assert body["message"] == "failed for x"
    assert body["connector"] == "land-db"
    assert "topsecret" not in line
