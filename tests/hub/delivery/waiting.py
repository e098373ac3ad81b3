"""Polling with a deadline: tests wait for a condition, never for a fixed time."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable

Condition = Callable[[], bool | Awaitable[bool]]


async def eventually(condition: Condition, timeout_s: float = 10.0, every_s: float = 0.02) -> None:
    """Return as soon as ``condition`` holds; fail with TimeoutError after ``timeout_s``."""
    async with asyncio.timeout(timeout_s):
        while True:  # the condition may be a coroutine (an HTTP or store read)
            result = condition()
            if inspect.isawaitable(result):
                result = await result
            if result:
                return
            await asyncio.sleep(every_s)
