"""``hub api`` serves the control plane from the installed console script, configured by env."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from hub.settings import Settings
from schemas.feeds import all_feeds
from tests.hub.access.auth import admin_token_for_url, bearer

STARTUP_TIMEOUT_S = 20.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_healthy(url: str, process: subprocess.Popen[bytes]) -> httpx.Response:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        assert process.poll() is None, "hub api exited"
        try:
            return httpx.get(f"{url}/healthz", timeout=1.0)
        except httpx.TransportError:
            assert time.monotonic() < deadline, "hub api did not answer"
            time.sleep(0.05)


def test_hub_api_serves_on_the_configured_port(settings: Settings, tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "HUB_API_PORT": str(port), "HUB_DATABASE_URL": settings.store_url()}
    script = Path(sys.executable).parent / "hub"
    process = subprocess.Popen([script, "api"], env=env, cwd=tmp_path, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        assert wait_healthy(url, process).json() == {"status": "ok"}
        admin = bearer(admin_token_for_url(settings.store_url()))
        listed = httpx.get(f"{url}/v1/contracts", headers=admin).json()["items"]
        assert {item["subject"] for item in listed} == {spec.event_type for spec in all_feeds()}
        process.terminate()
        assert process.wait(10) == 0  # SIGTERM stops it gracefully
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
