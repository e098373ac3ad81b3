"""``/metrics`` (Prometheus text behind a token, store families included) and ``/readyz``."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from connectors import registry
from connectors.status import TaskState, TaskStatus
from hub.api import create_app
from hub.settings import Settings
from hub.store import connectors as stored_connectors
from hub.store import subscriptions as stored
from hub.store.base import Store
from hub.store.connector_runtime import SqlControlPlane
from hub.subscriptions.model import SubscriptionSpec
from hub.subscriptions.secrets import SigningSecrets, generate_secret
from tests.hub.access.auth import admin_token, bearer
from tests.hub.access.world import build_world
from tests.hub.observability.nowhere import closed_port, nowhere

pytestmark = pytest.mark.integration


def values(body: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }


async def test_metrics_read_connectors_and_subscriptions_from_the_store(
    api_app: FastAPI, unique: str
) -> None:
    store: Store = api_app.state.store
    name, sid = f"hotich-{unique}", f"sick-{unique}"
    config = registry.parse_config({
        "name": name, "kind": "sql_polling", "url": "sqlite:///nowhere.db",
        "feeds": [{"table": "main.birth", "event_type": "vn.gov.civil-status.birth.v1"}],
    })  # fmt: skip
    with store.session() as session:
        stored_connectors.insert(session, config)
        spec = SubscriptionSpec.model_validate(
            {"id": sid, "endpoint_url": "https://cong.example.vn/hook", "feeds": ["vn.gov.civil-status.*"]}
        )
        stored.insert(session, spec, SigningSecrets(generate_secret()))
        stored.set_state(session, sid, "unhealthy", "failing for 300 s")
    worker = SqlControlPlane(store, f"w-{unique}")
    assert name in await worker.claim(100)
    status = TaskStatus(state=TaskState.RUNNING, phase="snapshot", events_published=42, events_snapshot=40)
    await worker.report({name: status.document()})

    transport = httpx.ASGITransport(app=api_app)
    admin = bearer(admin_token(store))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test", headers=admin) as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == CONTENT_TYPE_LATEST
    found = values(response.text)
    assert (
        found[("hub_connector_events_total", frozenset({("connector", name), ("result", "published")}))] == 42
    )
    assert found[("hub_connector_snapshot_events_total", frozenset({("connector", name)}))] == 40
    assert found[("hub_connector_snapshotting", frozenset({("connector", name)}))] == 1
    assert found[("hub_connector_state", frozenset({("connector", name), ("state", "running")}))] == 1
    assert found[("hub_subscription_state", frozenset({("subscription", sid), ("state", "unhealthy")}))] == 1
    assert found[("hub_subscription_state", frozenset({("subscription", sid), ("state", "active")}))] == 0
    assert found[("hub_store_up", frozenset())] == 1
    assert any(name == "process_resident_memory_bytes" for name, _ in found)
    assert re.search(r'^hub_build_info\{version="[^"]+"\} 1\.0$', response.text, re.MULTILINE)


SCRAPER_TOKEN = "scrape-me-7f3a"  # a test value


async def test_metrics_are_behind_a_token(api_settings: Settings) -> None:
    """They name every connector and subscription: the scraper's token or an operator's only."""
    app = create_app(api_settings.model_copy(update={"metrics_token": SecretStr(SCRAPER_TOKEN)}))
    async with app.router.lifespan_context(app):
        world = build_world(app.state.store)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            anonymous = await client.get("/metrics")
            wrong = await client.get("/metrics", headers=bearer("scrape-me-7f3b"))
            scraper = await client.get("/metrics", headers=bearer(SCRAPER_TOKEN))
            operator = await client.get("/metrics", headers=world.headers("operator"))
            province = await client.get("/metrics", headers=world.headers("quang_ninh"))
            ministry = await client.get("/metrics", headers=world.headers("land"))
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "unauthenticated")
    assert (wrong.status_code, wrong.json()["code"]) == (401, "invalid_token")
    assert scraper.status_code == operator.status_code == 200
    assert "hub_store_up" in scraper.text
    assert (province.status_code, province.json()["code"]) == (403, "not_owner")  # only its own deliveries
    assert (ministry.status_code, ministry.json()["code"]) == (403, "role_missing")
    assert "hub_" not in province.text + ministry.text


@pytest.fixture
async def away(api_settings: Settings, request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    """An app whose broker address answers nothing, and (``store_away`` marked) its store neither."""
    update = {"kafka_bootstrap": nowhere(), "metrics_token": SecretStr(SCRAPER_TOKEN)}
    app = create_app(api_settings.model_copy(update=update))
    async with app.router.lifespan_context(app):
        if getattr(request, "param", "") == "store_away":
            app.state.store.engine.dispose()
            app.state.store = Store(
                f"postgresql+psycopg://hub@127.0.0.1:{closed_port()}/hub?connect_timeout=2"
            )
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        scraper = bearer(SCRAPER_TOKEN)  # checked without the store, so a store away is still reported
        async with httpx.AsyncClient(
            transport=transport, base_url="http://hub.test", headers=scraper
        ) as client:
            yield client
        app.state.store.engine.dispose()


@pytest.mark.parametrize("away", ["store_away"], indirect=True)
async def test_a_store_that_does_not_answer_is_a_metric_not_a_failed_scrape(away: httpx.AsyncClient) -> None:
    response = await away.get("/metrics")
    assert response.status_code == 200
    assert values(response.text)[("hub_store_up", frozenset())] == 0
    ready = await away.get("/readyz")
    assert (ready.status_code, ready.json()["code"]) == (503, "store_unavailable")


async def test_readiness_names_the_dependency_that_failed(
    broker_client: httpx.AsyncClient, away: httpx.AsyncClient
) -> None:
    assert (await broker_client.get("/readyz")).json() == {"status": "ok"}
    response = await away.get("/readyz")
    assert (response.status_code, response.json()["code"]) == (503, "broker_unavailable")
    assert "127.0.0.1" in response.json()["title"]
