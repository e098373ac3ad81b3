"""The CLI against a real API server: uvicorn in a background thread on a free 127.0.0.1 port.

The CLI is synchronous (httpx.Client), so the server must not share the test's event loop: it
runs its own loop in a thread, on a socket bound before it starts (no port race).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Protocol

import pytest
import uvicorn
from typer.testing import CliRunner, Result

from hub.api import create_app
from hub.cli.main import app
from hub.settings import Settings
from tests.hub.access.auth import admin_token_for_url

STARTUP_TIMEOUT_S = 15.0


class Hub(Protocol):
    def __call__(self, *args: str, input: str | None = None) -> Result: ...


@pytest.fixture
def api_url(settings: Settings) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(create_app(settings), log_level="warning", lifespan="on", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "API server did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(STARTUP_TIMEOUT_S)
    sock.close()


@pytest.fixture
def hub(api_url: str, settings: Settings) -> Hub:
    """Run ``hub <args>`` against the test server: ``hub("contracts", "list")``, as the admin."""
    runner = CliRunner(env={"HUB_API_TOKEN": admin_token_for_url(settings.store_url())})

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, ["--api-url", api_url, *args], input=input)

    return invoke
