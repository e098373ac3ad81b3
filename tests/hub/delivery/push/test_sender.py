"""The sender's classification of outcomes (transport injected: the logic, not the network)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from standardwebhooks import Webhook

from hub.delivery.push.failures import (
    EndpointGone,
    EndpointRefused,
    EndpointUnreachable,
    PushFailed,
    PushRejected,
    PushTimeout,
    RedirectRefused,
)
from hub.delivery.push.sender import Push, Sender, retry_after_s
from hub.subscriptions.secrets import SigningSecrets, generate_secret
from schemas.errors import DeliveryError, PermanentDeliveryError, UnsafeEndpoint

SECRET = generate_secret()
PUSH = Push(
    "evt-1", b'{"id":"evt-1"}', "application/cloudevents+json", "00-" + "a" * 32 + "-" + "b" * 16 + "-01"
)


def sender(handler: Callable[[httpx.Request], httpx.Response]) -> Sender:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler), follow_redirects=False)
    return Sender("https://portal.example/hook", client, SigningSecrets(SECRET))


def answer(status: int, **headers: str) -> Callable[[httpx.Request], httpx.Response]:
    body = httpx.ByteStream(b"nope" if status >= 300 else b"")
    return lambda request: httpx.Response(status, headers=headers, stream=body)


async def test_2xx_is_delivered_with_signed_standard_headers() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    result = await sender(handler).send(PUSH)
    assert result.status_code == 204
    request = seen[0]
    assert request.headers["webhook-id"] == "evt-1"
    assert request.headers["content-type"] == "application/cloudevents+json"
    assert request.headers["traceparent"] == PUSH.traceparent
    assert abs(int(request.headers["webhook-timestamp"]) - time.time()) < 5
    Webhook(SECRET).verify(request.content, dict(request.headers), json_parse=False)


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
async def test_retriable_statuses(status: int) -> None:
    with pytest.raises(PushFailed) as caught:
        await sender(answer(status)).send(PUSH)
    assert caught.value.retriable
    assert caught.value.status_code == status


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, PushRejected), (401, PushRejected), (404, PushRejected), (422, PushRejected),
     (301, RedirectRefused), (302, RedirectRefused), (307, RedirectRefused), (410, EndpointGone)],
)  # fmt: skip
async def test_permanent_statuses(status: int, error: type[PermanentDeliveryError]) -> None:
    with pytest.raises(error) as caught:
        await sender(answer(status, location="https://elsewhere.example/")).send(PUSH)
    assert not caught.value.retriable
    assert caught.value.message == f"HTTP {status}: nope"


async def test_retry_after_seconds_is_carried() -> None:
    with pytest.raises(PushFailed) as caught:
        await sender(answer(429, **{"retry-after": "7"})).send(PUSH)
    assert caught.value.retry_after_s == 7.0


def test_retry_after_http_date() -> None:
    now = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
    assert retry_after_s(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30.0
    assert retry_after_s("garbage", now) is None
    assert retry_after_s(None, now) is None


async def test_timeout_and_connection_errors_are_retriable() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(PushTimeout) as slow:
        await sender(timeout).send(PUSH)
    with pytest.raises(EndpointUnreachable) as down:
        await sender(refused).send(PUSH)
    assert slow.value.retriable and down.value.retriable
    assert isinstance(slow.value, DeliveryError)


async def test_unsafe_address_at_connect_time_is_permanent() -> None:
    def unsafe(request: httpx.Request) -> httpx.Response:
        raise UnsafeEndpoint("resolves to 10.0.0.1")

    with pytest.raises(EndpointRefused) as caught:
        await sender(unsafe).send(PUSH)
    assert not caught.value.retriable
