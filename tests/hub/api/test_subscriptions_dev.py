"""Development allow-list through the API, and the same CRUD on PostgreSQL."""

from __future__ import annotations

import httpx
import pytest

from hub.settings import Settings
from tests.hub.api.test_subscriptions import body


@pytest.fixture
def api_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"endpoint_allowlist": ["127.0.0.0/8", "localhost"]})


async def test_allow_listed_local_receiver_may_use_http(client: httpx.AsyncClient) -> None:
    for sub_id, url in (("local-ip", "http://127.0.0.1:8088/hook"), ("local-name", "http://localhost/hook")):
        response = await client.post("/v1/subscriptions", json=body(sub_id, endpoint_url=url, owner=None))
        assert response.status_code == 201, response.text
    lan = body("lan", endpoint_url="http://10.0.0.1/", owner=None)
    still_refused = await client.post("/v1/subscriptions", json=lan)
    assert still_refused.json()["code"] == "unsafe_endpoint"
