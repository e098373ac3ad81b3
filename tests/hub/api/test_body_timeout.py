"""A client that sends its body too slowly is cut off with 408, over a real socket to a real server."""

from __future__ import annotations

import asyncio
import time

from hub.api import create_app
from hub.settings import Settings
from tests.devtools.portal.serving import serving


async def _exchange(url: str, head: bytes, body_parts: list[bytes], pause_s: float) -> tuple[bytes, float]:
    """Send ``head`` then each part with ``pause_s`` between; return the answer and its delay."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    started = time.monotonic()
    try:
        writer.write(head)
        await writer.drain()
        for part in body_parts:
            writer.write(part)
            await writer.drain()
            await asyncio.sleep(pause_s)
        async with asyncio.timeout(30):
            answer = await reader.read(4096)
        return answer, time.monotonic() - started
    finally:
        writer.close()


def _head(length: int) -> bytes:
    return (
        f"POST /v1/subscriptions HTTP/1.1\r\nHost: hub.test\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


async def test_a_body_sent_too_slowly_gets_408(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"api_body_timeout_s": 0.5}))
    async with serving(app) as url:
        # 10 bytes of a promised 100, then silence: the server must not wait for the rest
        answer, delay = await _exchange(url, _head(100), [b'{"id": "x"'], pause_s=0)
        assert answer.startswith(b"HTTP/1.1 408"), answer
        assert b'"code":"request_timeout"' in answer
        assert delay < 5
        # a trickle never completing within the limit, even though each byte comes quickly
        trickle, _ = await _exchange(url, _head(40), [b" "] * 40, pause_s=0.05)
        assert trickle.startswith(b"HTTP/1.1 408"), trickle


async def test_a_body_sent_in_time_is_read(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"api_body_timeout_s": 2.0}))
    async with serving(app) as url:
        answer, _ = await _exchange(url, _head(2), [b"{", b"}"], pause_s=0.1)
    assert answer.startswith(b"HTTP/1.1 401"), answer  # read in full, then authentication
