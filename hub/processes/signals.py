"""Stopping a process cleanly: SIGINT and SIGTERM set one event that every part watches.

Parts take the event instead of being cancelled, so each finishes what it must on the way out
(sinks commit the offsets they resolved, connectors their positions, the API drains its
requests). The handlers are removed when the part returns, so a signal arriving after a clean
stop gets the default behaviour again.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

Part = Callable[[asyncio.Event], Awaitable[None]]


async def until_signalled(run: Part) -> None:
    """Run ``run(stop)`` in the running loop, with ``stop`` set by SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    try:
        await run(stop)
    finally:
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)


__all__ = ["STOP_SIGNALS", "Part", "until_signalled"]
