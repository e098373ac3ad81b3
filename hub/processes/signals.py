"""Stopping a process cleanly, and within a few seconds: SIGINT and SIGTERM set one event that
every part watches.

Parts take the event instead of being cancelled, so each finishes what it must on the way out
(sinks commit the offsets they resolved, connectors their positions, the API drains its
requests). A clean stop may wait on a server that is away (Kafka acknowledgements, a group
leave, a commit), so it gets ``grace_s``; after that the part is cancelled, again and again
until it returns (a ``finally`` that awaits is interrupted too). ``run_process`` adds the last
resort for a whole process: a watchdog thread that ends the process ``hard_stop_s`` after the
signal even if the event loop itself is stuck. The handlers are removed when the part returns,
so a signal arriving after a clean stop gets the default behaviour again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import threading
from collections.abc import Awaitable, Callable
from typing import Any

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
GRACE_S = 2.5  # a clean stop with every server up takes well under a second
CANCEL_EVERY_S = 0.2
HARD_STOP_S = 4.0  # SIGTERM to exit, whatever the servers' and the loop's state: under 5 s
EXIT_STUCK = 70  # EX_SOFTWARE: the process had to be ended by its watchdog

Part = Callable[[asyncio.Event], Awaitable[None]]
log = logging.getLogger(__name__)


async def until_signalled(
    run: Part, *, grace_s: float = GRACE_S, on_signal: Callable[[], None] | None = None
) -> None:
    """Run ``run(stop)`` in the running loop, with ``stop`` set by SIGINT or SIGTERM; a part
    still running ``grace_s`` after ``stop`` was set is cancelled until it returns."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def signalled() -> None:
        stop.set()
        if on_signal is not None:
            on_signal()

    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, signalled)
    part = asyncio.ensure_future(run(stop))
    try:
        await _stop_when_told(part, stop, grace_s)
    finally:
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)


async def _stop_when_told(part: asyncio.Future[Any], stop: asyncio.Event, grace_s: float) -> None:
    told: asyncio.Future[Any] = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait([part, told], return_when=asyncio.FIRST_COMPLETED)
        if not part.done():
            await asyncio.wait([part], timeout=grace_s)
        if not part.done():
            log.warning("still stopping %.0fs after the stop signal: cancelling", grace_s)
        while not part.done():
            part.cancel()
            await asyncio.wait([part], timeout=CANCEL_EVERY_S)
    finally:
        told.cancel()
        if not part.done():  # we ourselves were cancelled: take the part down with us
            part.cancel()
    if part.cancelled() and stop.is_set():
        return  # cancelled on purpose, after the grace period
    part.result()


def run_process(run: Part, *, grace_s: float = GRACE_S, hard_stop_s: float = HARD_STOP_S) -> None:
    """``asyncio.run`` of ``until_signalled(run)`` for a process's ``main``, with a watchdog that
    ends the process ``hard_stop_s`` after a stop signal if it has not exited by then."""
    watchdog = _Watchdog(hard_stop_s)
    asyncio.run(until_signalled(run, grace_s=min(grace_s, hard_stop_s), on_signal=watchdog.arm))


class _Watchdog:
    """A daemon timer, armed once by the first stop signal; it fires only if the process is
    still there, so a clean exit never sees it."""

    def __init__(self, after_s: float) -> None:
        self.after_s = after_s
        self._timer: threading.Timer | None = None

    def arm(self) -> None:
        if self._timer is None:
            self._timer = threading.Timer(self.after_s, self._fire)
            self._timer.daemon = True
            self._timer.start()

    def _fire(self) -> None:
        with contextlib.suppress(Exception):
            log.error("did not stop within %.0fs of the stop signal: exiting now", self.after_s)
            logging.shutdown()
        os._exit(EXIT_STUCK)


__all__ = ["GRACE_S", "HARD_STOP_S", "STOP_SIGNALS", "Part", "run_process", "until_signalled"]
