"""``hub api``: the control-plane API, served by uvicorn until SIGINT or SIGTERM.

Uvicorn's own signal handling is switched off (``ApiServer``): the process's ``until_signalled``
owns the signals, and the server stops gracefully when the stop event is set, as in every other
process, and alongside the other parts under ``devtools dev``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import uvicorn

from hub.api import create_app
from hub.processes.signals import run_process
from hub.settings import Settings
from hub.telemetry import setup_logging, setup_tracing


class ApiServer(uvicorn.Server):
    """Uvicorn that stops when the process's stop event is set rather than on its own signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def serve_until(self, stop: asyncio.Event) -> None:
        """Serve until ``stop`` is set, then finish the requests in flight."""
        watcher = asyncio.create_task(self._exit_on(stop))
        try:
            await self.serve()
        finally:
            watcher.cancel()

    async def _exit_on(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self.should_exit = True


def server(settings: Settings) -> ApiServer:
    """The API on the configured host and port (a port of 0 picks a free one)."""
    config = uvicorn.Config(
        create_app(settings), host=settings.api_host, port=settings.api_port,
        log_config=None, lifespan="on", ws="none",
    )  # fmt: skip
    return ApiServer(config)


def main(settings: Settings) -> None:
    setup_logging()
    setup_tracing("hub-api", settings)
    run_process(server(settings).serve_until)


__all__ = ["ApiServer", "main", "server"]
