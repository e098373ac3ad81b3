"""Real pgoutput bytes captured from PostgreSQL 15 (see ``capture_pgoutput``), by scenario."""

from __future__ import annotations

import json
from functools import cache

from connectors.postgres.pgoutput import Message, decode
from tests.connectors.postgres.capture_pgoutput import CAPTURE_FILE


@cache
def payloads(scenario: str) -> tuple[bytes, ...]:
    captured: dict[str, list[str]] = json.loads(CAPTURE_FILE.read_text())
    return tuple(bytes.fromhex(item) for item in captured[scenario])


def messages(scenario: str) -> list[Message]:
    return [decode(payload) for payload in payloads(scenario)]
