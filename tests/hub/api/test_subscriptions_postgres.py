"""The subscriptions API on the production backend (PostgreSQL)."""

from __future__ import annotations

import httpx
import pytest

from hub.settings import Settings
from tests.hub.api.test_subscriptions import HANOI, body

pytestmark = pytest.mark.integration


@pytest.fixture
def api_settings(pg_settings: Settings) -> Settings:
    return pg_settings


async def test_crud_and_rotation_on_postgres(client: httpx.AsyncClient) -> None:
    org = {"code": HANOI, "name": "UBND thành phố Hà Nội", "kind": "province", "roles": ["subscriber"]}
    assert (await client.post("/v1/orgs", json=org)).status_code == 201  # the owner must exist
    created = await client.post("/v1/subscriptions", json=body())
    assert created.status_code == 201, created.text
    duplicate = await client.post("/v1/subscriptions", json=body())
    assert duplicate.json()["code"] == "subscription_exists"
    replaced = await client.put("/v1/subscriptions/hanoi-civil-status", json=body(feeds=["vn.gov.land.*"]))
    assert replaced.json()["subscription"]["feeds"] == ["vn.gov.land.*"]
    rotated = await client.post("/v1/subscriptions/hanoi-civil-status/secret/rotate", json={})
    assert rotated.json()["previous_expires_at"] is not None
    assert (await client.delete("/v1/subscriptions/hanoi-civil-status")).status_code == 204
    assert (await client.get("/v1/subscriptions")).json() == []
