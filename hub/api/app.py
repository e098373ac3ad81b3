"""The control-plane API: ``create_app(settings)`` builds the FastAPI application.

Startup brings the store up to date (every Alembic branch) and keeps one ``Store`` on
``app.state``; routers reach it through ``hub.api.dependencies``. Errors of every kind leave
through the one handler module ``hub.api.problems``; bodies larger than
``settings.api_max_body_bytes`` are refused before any route reads them, and so are JSON bodies
holding non-finite numbers (``hub.api.json_numbers``). The web console (``hub.api.console``)
is served from the same app under ``/console``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version
from pathlib import Path

from fastapi import APIRouter, FastAPI
from sqlalchemy.engine import make_url

from hub.api import auth, console, problems, refusals
from hub.api.body_limit import BodyLimitMiddleware
from hub.api.json_numbers import FiniteJsonMiddleware
from hub.api.routers import access as access_api
from hub.api.routers import backfills as backfills_api
from hub.api.routers import connectors as connectors_api
from hub.api.routers import contracts, health
from hub.api.routers import deliveries as deliveries_api
from hub.api.routers import metrics as metrics_api
from hub.api.routers import quarantine as quarantine_api
from hub.api.routers import status as status_api
from hub.api.routers import subscriptions as subscriptions_api
from hub.api.routers import trace as trace_api
from hub.api.routers import units as units_api
from hub.settings import Settings
from hub.store import crypto, migrate
from hub.store.base import Store

API_PREFIX = "/v1"

# The areas of the API, mounted under /v1 in this order (the OpenAPI document follows it).
# To add one: write hub/api/routers/<area>.py with
#     router = APIRouter(prefix="/<area>", tags=["<area>"])
# import it above (one line) and append `<area>.router` here (one line). Nothing else changes:
# errors, body limits and the store dependency are already handled for every router.
V1_ROUTERS: list[APIRouter] = [
    contracts.router,
    subscriptions_api.router,
    backfills_api.router,
    deliveries_api.router,
    *access_api.routers,
    connectors_api.router,
    trace_api.router,
    status_api.router,
    quarantine_api.router,
    units_api.router,
]


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(
        title="Data-exchange hub control plane",
        version=version("gov-data-hub"),
        docs_url="/docs",
        openapi_url="/openapi.json",
        lifespan=_lifespan,
    )
    app.state.settings = settings
    problems.install(app)
    refusals.install(app)  # 401/403: logged and audited, then the same problem response
    app.add_middleware(FiniteJsonMiddleware)  # inner: reads the body the limit buffered
    app.add_middleware(
        BodyLimitMiddleware,
        max_body_bytes=settings.api_max_body_bytes,
        body_timeout_s=settings.api_body_timeout_s,
    )
    app.include_router(health.router)
    app.include_router(metrics_api.router)
    box = crypto.SecretBox.from_settings(settings)
    crypto.install(box)
    v1 = auth.v1_dependencies(settings)  # bearer token + route-level authorisation
    for router in V1_ROUTERS:
        app.include_router(router, prefix=API_PREFIX, responses=problems.COMMON_PROBLEMS, dependencies=v1)
    console.mount(app, box)  # the web console under /console, sessions sealed by the same key ring
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    url = app.state.settings.store_url()
    await asyncio.to_thread(_prepare_store, url)
    store = Store(url)
    app.state.store = store
    try:
        yield
    finally:
        store.engine.dispose()


def _prepare_store(url: str) -> None:
    """Create the SQLite file's folder on a fresh machine, then apply every migration."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(url)
