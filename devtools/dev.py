"""``python -m devtools dev`` (``make dev``): the whole hub on one machine, in one process, until Ctrl-C.

It starts (or finds) the local Kafka and PostgreSQL (``devtools.devstack.stack.ensure``), then runs
side by side in one event loop: the control-plane API (uvicorn; OpenAPI at ``/docs``, metrics at
``/metrics``), the connector worker (``hub connect``) and the delivery engine (``hub run``). One
process means one metrics registry: ``/metrics`` shows connectors, deliveries and the process.

For local work, webhook endpoints on this machine (localhost, 127.0.0.0/8, ::1) are allowed
unless ``HUB_ENDPOINT_ALLOWLIST`` says otherwise, and a fresh store gets a development admin
whose token is written to ``<state_dir>/dev-admin-token`` (never printed). Ctrl-C (or SIGTERM)
stops the three parts cleanly: connectors commit their positions, sinks their offsets. If one
part fails, the others are stopped and the error is reported.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from hub.processes import api
from hub.processes.signals import until_signalled
from hub.settings import Settings, get_settings
from schemas.errors import HubError

err = Console(stderr=True, highlight=False, soft_wrap=True)
LOCAL_ENDPOINTS = ["localhost", "127.0.0.0/8", "::1"]
DEV_ADMIN_CODE = "000.00.00.D01"
TOKEN_FILE = "dev-admin-token"  # noqa: S105  # a file name, not a secret


@dataclass
class DevHub:
    """The three parts over one settings; ``run`` until ``stop`` is set or a part fails.

    Each part is built by its process module (``hub.processes``), as ``hub api``, ``hub connect``
    and ``hub run`` build theirs.
    """

    settings: Settings
    server: api.ApiServer = field(init=False)

    def __post_init__(self) -> None:
        self.server = api.server(self.settings)

    async def run(self, stop: asyncio.Event) -> None:
        from hub.connect import build_worker
        from hub.processes import run
        from hub.store.base import Store

        worker = await asyncio.to_thread(build_worker, self.settings)  # applies the migrations
        store = Store(self.settings.store_url())
        supervisor = run.supervisor(self.settings, store)
        parts = [
            asyncio.create_task(self.server.serve_until(stop), name="api"),
            asyncio.create_task(worker.run(stop), name="connector worker"),
            asyncio.create_task(supervisor.run(stop), name="delivery engine"),
        ]
        try:
            await _until_stopped_or_failed(stop, parts)
        finally:
            stop.set()
            self.server.should_exit = True
            outcomes = await asyncio.gather(*parts, return_exceptions=True)
            store.engine.dispose()
        for part, outcome in zip(parts, outcomes, strict=True):
            if isinstance(outcome, Exception):
                raise HubError(f"devtools dev: the {part.get_name()} failed: {outcome}") from outcome

    @property
    def url(self) -> str:
        if self.server.started and self.server.servers:
            host, port = self.server.servers[0].sockets[0].getsockname()[:2]
            return f"http://{host}:{port}"
        return f"http://{self.settings.api_host}:{self.settings.api_port}"


async def _until_stopped_or_failed(stop: asyncio.Event, parts: list[asyncio.Task[None]]) -> None:
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait([stopped, *parts], return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()


def dev_settings(settings: Settings, *, port: int | None, allow_local: bool) -> Settings:
    """The settings with the local services' addresses (started if needed) and dev defaults."""
    from devtools.devstack import stack

    found = stack.ensure(settings)
    update: dict[str, object] = {"kafka_bootstrap": found.kafka_bootstrap, "postgres_dsn": found.postgres_dsn}
    if port is not None:
        update["api_port"] = port
    if allow_local and not settings.endpoint_allowlist:
        update["endpoint_allowlist"] = LOCAL_ENDPOINTS
    return settings.model_copy(update=update)


def dev_admin_token(settings: Settings) -> Path | None:
    """The file holding the development admin's token; created with the admin on a fresh store."""
    from hub.access.principals import OrganisationSpec
    from hub.services.access import AccessService, AlreadyBootstrapped
    from hub.store import migrate
    from hub.store.base import Store

    path = settings.state_dir / TOKEN_FILE
    if path.exists():
        return path
    migrate.upgrade(settings.store_url())
    store = Store(settings.store_url())
    spec = OrganisationSpec(code=DEV_ADMIN_CODE, name="Local development", kind="operator", roles=["admin"])
    try:
        issued = AccessService(store).bootstrap(spec)
    except AlreadyBootstrapped:
        return None
    finally:
        store.engine.dispose()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(issued.secret + "\n", encoding="utf-8")
    return path


def _banner(settings: Settings, token: Path | None) -> None:
    from hub.telemetry.logs import redact

    api = f"http://{settings.api_host}:{settings.api_port}"
    err.print("[bold]devtools dev[/]: API, connector worker, delivery engine in one process (Ctrl-C stops)")
    err.print(f"  API         {api}   OpenAPI {api}/docs   metrics {api}/metrics")
    err.print(f"  Kafka       {settings.kafka_bootstrap}")
    err.print(f"  PostgreSQL  {redact(settings.postgres_dsn or '')}")
    err.print(f"  store       {redact(settings.store_url())}")
    if token is not None:
        err.print(f"  CLI         export HUB_API_URL={api} HUB_API_TOKEN=$(cat {token})")
    else:
        err.print("  CLI         the store has an admin already: use one of its tokens (hub tokens create)")


def dev(
    port: Annotated[int | None, typer.Option(help="API port [default: HUB_API_PORT].")] = None,
    allow_local: Annotated[
        bool, typer.Option(help="Allow webhooks to this machine (when HUB_ENDPOINT_ALLOWLIST is unset).")
    ] = True,
) -> None:
    """Run the whole hub locally (Kafka, PostgreSQL, API with /docs, connectors, deliveries) until Ctrl-C."""
    from hub.telemetry import setup_logging, setup_tracing

    setup_logging()
    settings = dev_settings(get_settings(), port=port, allow_local=allow_local)
    setup_tracing("hub-dev", settings)
    token = dev_admin_token(settings)
    _banner(settings, token)
    asyncio.run(until_signalled(DevHub(settings).run))
    err.print(f"devtools dev stopped (pid {os.getpid()})")
