"""Request body size and time limits, enforced before any route sees the body.

The body is read (up to the limit) before the application runs, so an oversized request is
refused with 413 ``payload_too_large`` whether it declares its length or streams chunks, and
no handler ever parses part of it. Control-plane bodies are small; buffering them is cheap.
The whole body must arrive within ``body_timeout_s`` (``HUB_API_BODY_TIMEOUT_S``), else 408
``request_timeout``: a client that stops or trickles cannot hold a request (and a worker) open.
"""

from __future__ import annotations

import asyncio
from enum import Enum

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.api.problems import PayloadTooLarge, RequestTimeout, problem_response
from schemas.errors import HubError


class _Refused(Enum):
    TOO_LARGE = "too_large"
    TOO_SLOW = "too_slow"
    DISCONNECTED = "disconnected"


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int, body_timeout_s: float) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout_s = body_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = _Refused.TOO_LARGE if self._declared_too_large(scope) else await self._read_in_time(receive)
        if body is _Refused.DISCONNECTED:
            return  # nobody is listening for an answer
        if isinstance(body, _Refused):
            await problem_response(self._refusal(body))(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    def _refusal(self, refused: _Refused) -> HubError:
        if refused is _Refused.TOO_SLOW:
            return RequestTimeout(f"request body not received within {self.body_timeout_s:g} s")
        return PayloadTooLarge(f"request body exceeds {self.max_body_bytes} bytes")

    async def _read_in_time(self, receive: Receive) -> bytes | _Refused:
        """The body, read within one deadline for all of it: a trickle cannot hold a request."""
        try:
            async with asyncio.timeout(self.body_timeout_s):
                return await self._read_body(receive)
        except TimeoutError:
            return _Refused.TOO_SLOW

    def _declared_too_large(self, scope: Scope) -> bool:
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit():
                return int(value) > self.max_body_bytes
        return False

    async def _read_body(self, receive: Receive) -> bytes | _Refused:
        """The whole body, or why there is none to hand to the application."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return _Refused.DISCONNECTED
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return _Refused.TOO_LARGE
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive callable that yields the buffered body once, then defers to the real one."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
