"""``python -m devtools.console_shots`` against a real ``hub api``: it signs in, walks the console
and writes a non-empty PNG per page it may see, printing each page's load time."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hub.store import deliveries
from hub.store import subscriptions as stored
from hub.subscriptions.model import SubscriptionSpec
from hub.subscriptions.secrets import SigningSecrets, generate_secret
from tests.hub.api.console.conftest import Console, console, console_database  # noqa: F401  # fixtures

pytestmark = pytest.mark.integration

PNG = b"\x89PNG\r\n\x1a\n"


def failed_attempt(console: Console) -> str:  # noqa: F811  # the fixture's value, not the fixture
    """A subscription whose one attempt failed, so the tool has an attempt page to find."""
    sid = f"shots-{uuid.uuid4().hex[:8]}"
    spec = SubscriptionSpec(
        id=sid, owner=console.world.codes["quang_ninh"], endpoint_url="https://portal.example/hook",
        feeds=["vn.gov.civil-status.*"],
    )  # fmt: skip
    row = {
        "subscription_id": sid, "event_id": f"ev-{sid}", "record_key": "KS-1",
        "topic": "gov.civil-status.birth.v1", "partition": 0, "offset": 1, "attempt": 1, "stage": 0,
        "scheduled_at": None, "started_at": datetime.now(UTC), "status_code": 503, "latency_ms": 12.0,
        "outcome": "retrying", "error_code": "push_failed", "error": "HTTP 503: busy",
        "request_headers": {"webhook-id": f"ev-{sid}", "webhook-signature": "v1,c2ln"},
        "response_content_type": "text/plain", "response_body": "busy", "response_truncated": False,
    }  # fmt: skip
    with console.store().session() as session:
        stored.insert(session, spec, SigningSecrets(generate_secret()))
        deliveries.add_attempts(session, [row])
    return sid


def test_the_tool_saves_a_screenshot_of_each_main_page_and_prints_load_times(
    console: Console,  # noqa: F811
    tmp_path: Path,
) -> None:
    failed_attempt(console)
    out = tmp_path / "shots"
    args = ["--url", console.url, "--token", console.world.tokens["admin"], "--out", str(out), "--replay"]
    args += ["--lang", "en"]
    done = subprocess.run(
        [sys.executable, "-m", "devtools.console_shots", *args], capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr
    names = {line.split()[0] for line in done.stdout.splitlines() if " ms  /console" in line}
    assert {"province-overview", "subscription", "attempt", "dead-letters", "replay"} <= names
    assert {"trace", "ops-overview", "quarantine"} <= names
    for name in names:
        data = (out / f"console-{name}.png").read_bytes()
        assert data.startswith(PNG) and len(data) > 1000
    shot = (out / "console-attempt.png").read_bytes()
    assert len(shot) > 10_000  # a page with its headers table, not a blank one
