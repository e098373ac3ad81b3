"""``ApiServer``: serves until the process's stop event is set, with no signal handlers of its own."""

from __future__ import annotations

import asyncio
import signal

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from hub.processes.api import ApiServer
from tests.hub.delivery.waiting import eventually


async def hello(request: Request) -> PlainTextResponse:
    return PlainTextResponse("hello")


def local_server() -> ApiServer:
    app = Starlette(routes=[Route("/", hello)])
    return ApiServer(uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, lifespan="off"))


async def test_it_serves_until_the_stop_event_is_set() -> None:
    server = local_server()
    stop = asyncio.Event()
    serving = asyncio.create_task(server.serve_until(stop))
    await eventually(lambda: server.started, timeout_s=10)
    host, port = server.servers[0].sockets[0].getsockname()[:2]
    async with httpx.AsyncClient(base_url=f"http://{host}:{port}") as client:
        assert (await client.get("/")).text == "hello"
    stop.set()
    async with asyncio.timeout(10):
        await serving
    assert server.should_exit


async def test_it_leaves_the_signals_to_the_process() -> None:
    server = local_server()
    stop = asyncio.Event()
    serving = asyncio.create_task(server.serve_until(stop))
    await eventually(lambda: server.started, timeout_s=10)
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    stop.set()
    async with asyncio.timeout(10):
        await serving
