"""``python -m devtools receiver`` as the demo runs it: a separate process accepting signed pushes."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from standardwebhooks import Webhook

from hub.subscriptions.secrets import generate_secret

SECRET = generate_secret()


@pytest.fixture
def receiver_url() -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "devtools", "receiver", "--port", str(port), "--secret", SECRET]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            try:
                httpx.get(f"{url}/stats")
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_receiver_command_accepts_signed_pushes(receiver_url: str) -> None:
    raw, now = json.dumps({"id": "e1"}), datetime.now(UTC)
    headers = {
        "webhook-id": "m1",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(SECRET).sign("m1", now, raw),
    }
    assert httpx.post(f"{receiver_url}/hook", content=raw, headers=headers).status_code == 200
    assert httpx.post(f"{receiver_url}/hook", content=raw + " ", headers=headers).status_code == 401
    assert httpx.get(f"{receiver_url}/stats").json()["received"] == 1
