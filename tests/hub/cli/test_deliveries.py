"""``hub deliveries replay`` against a real API server: the window is sent, ``--follow`` prints
progress until the request ends (a stand-in for ``hub run`` moves it along in the store)."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import yaml

from hub.cli.errors import ExitCode
from hub.settings import Settings
from hub.store import deliveries
from hub.store.base import Store
from tests.hub.cli.conftest import Hub

SPEC = """\
id: hanoi-births
endpoint_url: https://93.184.216.34/hook
feeds: [vn.gov.civil-status.birth.v1]
"""


def _run_the_replay(store: Store, stop: threading.Event) -> None:
    """What ``hub run`` does to a request, in three visible steps."""
    while not stop.is_set():
        with store.session() as session:
            pending = deliveries.pending_replays(session)
        if pending:
            request_id = pending[0].id
            with store.session() as session:
                deliveries.claim_replay(session, request_id, pending[0].to_time or pending[0].from_time)
                deliveries.replay_progress(session, request_id, total=4, scanned=2, queued=1)
            time.sleep(0.3)
            with store.session() as session:
                deliveries.replay_progress(session, request_id, total=4, scanned=4, queued=3)
                deliveries.finish_replay(session, request_id, "done", "3 of 4 record(s) sent again")
            return
        time.sleep(0.05)


def test_replay_a_window_and_follow_it_to_the_end(hub: Hub, settings: Settings, tmp_path: Path) -> None:
    spec = tmp_path / "sub.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    assert hub("subscriptions", "apply", "-f", str(spec)).exit_code == 0
    window = ("--from", "2025-07-01T00:00:00+07:00", "--to", "2025-07-02T00:00:00+07:00")
    store, stop = Store(settings.store_url()), threading.Event()
    runner = threading.Thread(target=_run_the_replay, args=(store, stop), daemon=True)
    runner.start()
    try:
        result = hub("deliveries", "replay", "hanoi-births", *window, "--follow", "--every-s", "0.1")
    finally:
        stop.set()
        runner.join(5)
        store.engine.dispose()
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("replay request 1 from ") and lines[0].endswith(": pending")
    assert " to now" not in lines[0]  # the window's end was sent
    assert lines[-1] == "done: 4 of 4 record(s) read, 3 sent again (3 of 4 record(s) sent again)"


def test_an_empty_window_is_refused(hub: Hub, tmp_path: Path) -> None:
    spec = tmp_path / "sub.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    hub("subscriptions", "apply", "-f", str(spec))
    at = "2025-07-01T00:00:00+07:00"
    result = hub("deliveries", "replay", "hanoi-births", "--from", at, "--to", at)
    assert result.exit_code == ExitCode.REFUSED and "empty_replay_window" in result.output


def test_show_an_attempt_with_its_request_headers_and_answer(
    hub: Hub, settings: Settings, tmp_path: Path
) -> None:
    spec = tmp_path / "sub.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    assert hub("subscriptions", "apply", "-f", str(spec)).exit_code == 0
    sent = {"webhook-id": "ev-1", "webhook-signature": "v1,c2ln", "authorization": "[redacted]"}
    row = {
        "subscription_id": "hanoi-births", "event_id": "ev-1", "record_key": "KS-1",
        "topic": "gov.civil-status.birth.v1", "partition": 0, "offset": 1, "attempt": 1, "stage": 0,
        "scheduled_at": None, "started_at": datetime.now(UTC), "status_code": 503, "latency_ms": 9.5,
        "outcome": "retrying", "error_code": "push_failed", "error": "HTTP 503: busy",
        "request_headers": sent, "response_content_type": "text/plain", "response_body": "busy",
        "response_truncated": False,
    }  # fmt: skip
    store = Store(settings.store_url())
    with store.session() as session:
        deliveries.add_attempts(session, [row])
    store.engine.dispose()
    listed = hub("deliveries", "list", "-s", "hanoi-births", "-o", "json")
    (item,) = json.loads(listed.output)
    assert item["request_headers"] == sent and item["response_body"] == "busy"
    shown = hub("deliveries", "show", str(item["id"]), "-o", "yaml")
    assert shown.exit_code == 0, shown.output
    assert yaml.safe_load(shown.output)["request_headers"]["webhook-signature"] == "v1,c2ln"
    table = hub("deliveries", "show", str(item["id"]), "-o", "table")
    assert "webhook-signature" in table.output and "[redacted]" in table.output and "busy" in table.output
    missing = hub("deliveries", "show", "999999")
    assert missing.exit_code == ExitCode.NOT_FOUND and "not_found" in missing.output
