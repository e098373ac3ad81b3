""" "Send a test event": one push signed with the subscription's secret, and its answer reported."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from standardwebhooks import Webhook

from hub.delivery.control.probe import TEST_EVENT_TYPE, send_test_event
from hub.settings import Settings
from hub.store import migrate
from hub.store import subscriptions as stored
from hub.store.base import Store
from hub.subscriptions.model import SubscriptionSpec
from hub.subscriptions.secrets import SigningSecrets, generate_secret

SECRET = generate_secret()


@pytest.fixture
def store(settings: Settings) -> Store:
    migrate.upgrade(settings.store_url())
    made = Store(settings.store_url())
    spec = SubscriptionSpec(id="hanoi", endpoint_url="https://portal.example/hook", feeds=["vn.gov.land.*"])
    with made.session() as session:
        stored.insert(session, spec, SigningSecrets(SECRET))
    return made


def client(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


async def test_an_accepted_test_event_is_signed_with_the_subscriptions_secret(
    store: Store, settings: Settings
) -> None:
    seen: list[httpx.Request] = []

    def accept(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    result = await send_test_event(store, settings, "hanoi", client(accept))
    assert (result.delivered, result.status_code, result.error_code) == (True, 204, None)
    event = Webhook(SECRET).verify(seen[0].content, dict(seen[0].headers))  # raises when not signed
    assert event["type"] == TEST_EVENT_TYPE
    assert event["id"] == result.event_id == seen[0].headers["webhook-id"]


async def test_a_refused_test_event_reports_the_status_and_the_endpoints_answer(
    store: Store, settings: Settings
) -> None:
    answer = httpx.ByteStream(b"maintenance until 02:00")  # streamed, as a real endpoint's answer is
    result = await send_test_event(
        store, settings, "hanoi", client(lambda _request: httpx.Response(503, stream=answer))
    )
    assert (result.delivered, result.status_code, result.error_code) == (False, 503, "push_failed")
    assert result.error is not None and "maintenance until 02:00" in result.error
