"""A real ``hub api`` (uvicorn on 127.0.0.1, a random port) on a fresh PostgreSQL database, with
the access-test world in it, and Debian's chromium driven by Playwright.

One server and one browser serve the whole module; each test opens its own browser context
(its own cookies), signs in by clicking, and uses names unique to the run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import httpx
import psycopg
import pytest
from cryptography.fernet import Fernet
from playwright.async_api import Browser, Page, async_playwright
from psycopg import sql

from devtools.devstack import chromium
from hub.store import crypto
from hub.store.base import Store
from tests.conftest import replace_database
from tests.hub.access.world import World, build_world
from tests.hub.cli.test_api_command import free_port
from tests.hub.store.pg_url import sqlalchemy_url
from tests.threaded_http import serving

STARTUP_TIMEOUT_S = 60.0
SCREENSHOTS = os.environ.get("HUB_CONSOLE_SCREENSHOTS")  # a folder: the flows save their pages there


class Receiver(BaseHTTPRequestHandler):
    """A province's endpoint that is down for maintenance: 503 with a body; keeps what it got."""

    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        Receiver.received.append((dict(self.headers.items()), body))
        answer = b'{"error": "maintenance until 02:00"}'
        self.send_response(503)
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture(scope="module")
def receiver() -> Iterator[str]:
    """The URL of a ``Receiver`` on 127.0.0.1 (allowed by the hub's endpoint allow-list here)."""
    with serving(Receiver) as url:
        yield url


@dataclass
class Console:
    url: str
    store_url: str
    kafka: str
    world: World

    def store(self) -> Store:
        return self.world.store


@pytest.fixture(scope="module")
def console_database(postgres_dsn: str) -> Iterator[str]:
    name = f"t_console_{os.getpid()}_{int(time.time() * 1000) % 10**9}"
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield sqlalchemy_url(replace_database(postgres_dsn, name))
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="module")
def console(
    console_database: str, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Console]:
    port = free_port()
    key = Fernet.generate_key().decode()
    previous = crypto.current()
    crypto.install(crypto.SecretBox([key]))  # this process writes secrets the server must read
    home = tmp_path_factory.mktemp("console")
    env = {
        **os.environ,
        "HUB_API_PORT": str(port),
        "HUB_DATABASE_URL": console_database,
        "HUB_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "HUB_SECRET_KEY": key,
        "HUB_STATE_DIR": str(home),
        "HUB_ENDPOINT_ALLOWLIST": "127.0.0.1",  # the test receiver below
    }
    log = (home / "hub-api.log").open("wb")
    process = subprocess.Popen([Path(sys.executable).parent / "hub", "api"], env=env, cwd=home, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process)
        store = Store(console_database)
        yield Console(url, console_database, kafka_bootstrap, build_world(store))
        store.engine.dispose()
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        log.close()
        crypto.install(previous)


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        assert process.poll() is None, "hub api exited"
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "hub api did not answer"
        time.sleep(0.1)


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        executable = chromium.ensure()  # Debian's package (make install); never `playwright install`
        launched = await playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        await launched.close()


@pytest.fixture
async def page(browser: Browser, console: Console) -> AsyncIterator[Page]:
    context = await browser.new_context(base_url=console.url, locale="vi-VN")
    context.set_default_timeout(15_000)
    opened = await context.new_page()
    yield opened
    await context.close()


async def sign_in(page: Page, token: str, lands_on: str = "/console/subscriptions") -> None:
    """Sign in by clicking, as a person would: the token pasted into the login form."""
    await page.goto("/console")
    assert page.url.endswith("/console/login")
    await page.fill("input[name=token]", token)
    await page.click("#sign-in")
    await page.wait_for_url(f"**{lands_on}")


async def screenshot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        await page.screenshot(path=str(Path(SCREENSHOTS) / f"console-{name}.png"), full_page=True)
