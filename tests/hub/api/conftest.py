"""The real app on a private store, driven in-process through httpx's ASGI transport.

``api_app`` runs the app's lifespan (migrations, store), so every router test talks to the
same application a server would run. ``pg_settings`` points the store at a fresh PostgreSQL
database for the tests that must also pass on the production backend.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI

from hub.api import create_app
from hub.settings import Settings
from tests.hub.access.auth import admin_token, bearer
from tests.hub.store.pg_url import sqlalchemy_url


@pytest.fixture
def pg_settings(settings: Settings, pg_database: str) -> Settings:
    return settings.model_copy(update={"database_url": sqlalchemy_url(pg_database)})


@pytest.fixture
def api_settings(settings: Settings) -> Settings:
    """Override in a test module (or parametrize) to run the same tests on another store."""
    return settings


@pytest.fixture
async def api_app(api_settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(api_settings)
    async with app.router.lifespan_context(app):
        yield app


@asynccontextmanager
async def admin_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    admin = bearer(admin_token(app.state.store))  # the API requires a token (hub.api.auth)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test", headers=admin) as client:
        yield client


@pytest.fixture
async def client(api_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with admin_client(api_app) as client:
        yield client


@pytest.fixture
async def broker_client(api_settings: Settings, kafka_bootstrap: str) -> AsyncIterator[httpx.AsyncClient]:
    """The app told where the test broker is, as ``hub api`` is by ``HUB_KAFKA_BOOTSTRAP``."""
    app = create_app(api_settings.model_copy(update={"kafka_bootstrap": kafka_bootstrap}))
    async with app.router.lifespan_context(app), admin_client(app) as client:
        yield client
