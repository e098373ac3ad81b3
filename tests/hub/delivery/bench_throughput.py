"""Benchmark: deliveries per second on loopback, one event per request and in batches.

Not a test (timing is never asserted): ``python -m tests.hub.delivery.bench_throughput``. Events
are produced first, then one hub (in this process) delivers them to a reference receiver run as
its own process (``python -m devtools receiver``), as a portal would be. Prints events/s from the first push
to the last.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from devtools.devstack import stack
from hub.settings import Settings
from hub.subscriptions.secrets import generate_secret
from tests.hub.delivery.harness import Deployment, Portal, deployment


async def measure(d: Deployment, portal: Portal, events: int, delivery: dict[str, Any]) -> float:
    d.subscribe(f"bench-{delivery['mode']}", portal, delivery=delivery)
    await d.publish(*(d.event(f"K{n % 1000}", n) for n in range(events)))
    async with d.hub():
        while await _events(portal) < 1:  # noqa: ASYNC110  # polling a server
            await asyncio.sleep(0.005)
        started = time.perf_counter()
        while await _events(portal) < events:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        return events / (time.perf_counter() - started)


@contextmanager
def receiver_process(bare: bool = False) -> Iterator[Portal]:
    """The reference receiver (verifies, de-duplicates), or a bare one that only counts events."""
    secret, port = generate_secret(), _free_port()
    if bare:
        command = [sys.executable, "-m", "tests.hub.delivery.bench_throughput", "--bare-receiver", str(port)]
    else:
        command = [
            sys.executable,
            "-m",
            "devtools",
            "receiver",
            "--secret",
            secret,
        ]
        command += ["--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url)
        yield Portal(url, secret, None, httpx.AsyncClient(timeout=10))  # type: ignore[arg-type]
    finally:
        process.terminate()
        process.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(url: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/stats", timeout=1).raise_for_status()
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise TimeoutError(f"receiver at {url} did not start")


async def bare_receiver(port: int) -> None:
    """HTTP/1.1 keep-alive server answering 204 to every POST and ``{"events": n}`` to GET /stats.

    It only counts CloudEvents in bodies, so the measurement shows the hub's own ceiling.
    """
    count = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            await answer(reader, writer)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal count
        while head := await reader.readuntil(b"\r\n\r\n"):
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)  # fmt: skip
            body = await reader.readexactly(length)
            if head.startswith(b"GET"):
                reply = f'{{"events": {count}}}'.encode()
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(reply), reply))
            else:
                count += body.count(b'"specversion"')
                writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
            await writer.drain()

    server = await asyncio.start_server(serve, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


async def _events(portal: Portal) -> int:
    """Events accepted so far (the counter, not the list: reading the list would cost more)."""
    return int((await portal.stats())["events"])


async def main(events: int, batch: int, in_flight: int, bare: bool) -> None:
    bootstrap = stack.ensure(Settings(), need_postgres=False).kafka_bootstrap
    runs: list[tuple[str, int, dict[str, Any]]] = [
        ("single", events, {"mode": "single", "max_in_flight": in_flight}),
        ("batch", events * 4, {"mode": "batch", "batch_max_events": batch, "batch_max_wait_ms": 50,
                               "max_in_flight": in_flight}),
    ]  # fmt: skip
    for name, count, delivery in runs:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(database_url=f"sqlite:///{Path(tmp) / 'hub.sqlite'}")
            async with deployment(settings, bootstrap, uuid.uuid4().hex[:12]) as d:
                with receiver_process(bare) as portal:
                    rate = await measure(d, portal, count, delivery)
        receiver = "bare" if bare else "reference"
        print(f"{name:>6} to the {receiver} receiver: {count} events, {rate:,.0f} events/s ({delivery})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--in-flight", type=int, default=8)
    parser.add_argument("--bare", action="store_true", help="push to a bare counting receiver")
    parser.add_argument("--bare-receiver", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_receiver:
        asyncio.run(bare_receiver(args.bare_receiver))
    else:
        asyncio.run(main(args.events, args.batch, args.in_flight, args.bare))
