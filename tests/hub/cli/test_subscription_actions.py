"""``hub subscriptions pause|resume|test-event`` against a real API server and a real endpoint."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import pytest

from hub.cli.errors import ExitCode
from hub.settings import Settings
from hub.store import subscriptions as stored
from hub.store.base import Store
from tests.hub.cli.conftest import Hub
from tests.threaded_http import serving


class Endpoint(BaseHTTPRequestHandler):
    """A province's receiver answering with the status and body the test sets."""

    answer: ClassVar[tuple[int, bytes]] = (200, b'{"ok": true}')

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", "0")))
        status, body = Endpoint.answer
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def endpoint() -> Iterator[str]:
    with serving(Endpoint) as url:
        yield url


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The endpoint above is on loopback: allowed plain http here, as in development."""
    return settings.model_copy(update={"endpoint_allowlist": ["127.0.0.1"]})


def apply(hub: Hub, tmp_path: Path, endpoint: str) -> str:
    spec = tmp_path / "sub.yaml"
    spec.write_text(f"id: hue-births\nendpoint_url: {endpoint}\nfeeds: [vn.gov.civil-status.*]\n")
    assert (result := hub("subscriptions", "apply", "-f", str(spec))).exit_code == 0, result.output
    return "hue-births"


def test_pause_then_resume(hub: Hub, tmp_path: Path, endpoint: str) -> None:
    sid = apply(hub, tmp_path, endpoint)
    paused = hub("subscriptions", "pause", sid)
    assert paused.exit_code == 0 and paused.output.startswith(f"{sid}: paused")
    assert json.loads(hub("subscriptions", "show", sid).output)["state"] == "paused"
    resumed = hub("subscriptions", "resume", sid)
    assert resumed.exit_code == 0 and resumed.output.strip() == f"{sid}: active"


def test_resume_re_enables_a_subscription_the_hub_disabled(
    hub: Hub, settings: Settings, tmp_path: Path, endpoint: str
) -> None:
    sid = apply(hub, tmp_path, endpoint)
    store = Store(settings.store_url())
    with store.session() as session:
        stored.set_state(session, sid, "disabled", "endpoint answered 410 Gone")
    store.engine.dispose()
    assert "410 Gone" in hub("subscriptions", "show", sid, "-o", "yaml").output
    resumed = hub("subscriptions", "resume", sid)
    assert resumed.exit_code == 0 and resumed.output.strip() == f"{sid}: active"


def test_pause_of_an_unknown_subscription_is_not_found(hub: Hub) -> None:
    result = hub("subscriptions", "pause", "no-such-subscription")
    assert result.exit_code == ExitCode.NOT_FOUND


def test_a_test_event_prints_the_status_latency_and_body(hub: Hub, tmp_path: Path, endpoint: str) -> None:
    sid = apply(hub, tmp_path, endpoint)
    Endpoint.answer = (200, b'{"ok": true}')
    delivered = hub("subscriptions", "test-event", sid)
    assert delivered.exit_code == 0, delivered.output
    lines = delivered.output.splitlines()
    assert lines[0].startswith("test event test-") and lines[0].endswith(": delivered")
    assert lines[1].split() == ["status", "200"] and lines[2].split()[0] == "latency"
    assert lines[3].split(maxsplit=1) == ["body", '{"ok": true}']

    Endpoint.answer = (503, b'{"error": "maintenance"}')
    failed = hub("subscriptions", "test-event", sid, "-o", "json")
    assert failed.exit_code == ExitCode.FAILED  # it ran; the endpoint's answer is no
    probe = json.loads(failed.output)
    assert (probe["delivered"], probe["status_code"], probe["error_code"]) == (False, 503, "push_failed")
    assert probe["response_body"] == '{"error": "maintenance"}'
