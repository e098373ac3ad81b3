"""Run an ASGI app on a real uvicorn server on 127.0.0.1 (a free port) inside the test loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn


@asynccontextmanager
async def serving(app: Any, **options: Any) -> AsyncIterator[str]:
    """Yield the base URL (``http://127.0.0.1:<port>``, https with ``ssl_certfile``) while it runs.

    Keep-alive is longer than the clients' (httpx keeps idle connections 5 s, uvicorn closes them
    after 5 s by default): with equal timers a poll after a pause could reuse a connection the
    server was closing at that moment and fail with ``httpx.ReadError``.
    """
    options.setdefault("timeout_keep_alive", 30)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", lifespan="on", ws="none", **options
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(10):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        scheme = "https" if "ssl_certfile" in options else "http"
        yield f"{scheme}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
