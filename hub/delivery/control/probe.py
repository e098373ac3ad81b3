""" "Send a test event": one signed push of a synthetic event to a subscription's endpoint, now.

What a subscriber uses to check its receiver (signature verification, reachability, the answer
it gives) without waiting for a real change: the event goes through the same ``Sender`` as every
delivery (same signature headers with the subscription's current secret, same endpoint safety
policy, same timeout, same bounded read of the answer), but straight from the API process, once,
without retries, and it is not written to the feed, the delivery log or the dead letters. Its
type ``vn.gov.hub.test.v1`` says it is a test, so a receiver can tell it apart.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import BaseModel, Field

from hub.delivery.push.exchange import Exchange
from hub.delivery.push.failures import PushError
from hub.delivery.push.sender import Push, Sender
from hub.endpoint_safety import EndpointPolicy, safe_client
from hub.settings import Settings
from hub.store import subscriptions as stored
from hub.store.base import Store
from hub.subscriptions.model import Subscription
from hub.subscriptions.secrets import SigningSecrets
from schemas.errors import DeliveryError
from schemas.events import ChangeEvent, ChangePayload, Op, SourceInfo, http_codec

TEST_EVENT_TYPE = "vn.gov.hub.test.v1"


class ProbeResult(BaseModel):
    """How the endpoint answered the test event."""

    event_id: str = Field(description="the test event's id, also its webhook-id")
    delivered: bool = Field(description="the endpoint answered 2xx")
    status_code: int | None = Field(description="the HTTP status, if the endpoint answered")
    latency_ms: float
    error_code: str | None = Field(description="why it was not delivered (a delivery error code)")
    error: str | None = Field(description="the error, with the first bytes of the endpoint's answer")
    response_body: str | None = Field(default=None, description="the endpoint's answer, its first 2 KiB")
    response_truncated: bool = Field(default=False, description="the answer was longer than what is shown")


def probe_event(subscription_id: str, now: datetime | None = None) -> ChangeEvent:
    src = SourceInfo(connector="hub", database="hub", table="test", position="0")
    return ChangeEvent(
        id=f"test-{uuid.uuid4()}",
        source="/hub/test",
        type=TEST_EVENT_TYPE,
        subject=subscription_id,
        time=now or datetime.now(UTC),
        data=ChangePayload(op=Op.CREATE, after={"test": True, "subscription": subscription_id}, source=src),
    )


def _subscription(store: Store, subscription_id: str) -> tuple[Subscription, SigningSecrets]:
    with store.session() as session:
        return stored.get(session, subscription_id), stored.signing_secrets(session, subscription_id)


async def send_test_event(
    store: Store, settings: Settings, subscription_id: str, client: httpx.AsyncClient | None = None
) -> ProbeResult:
    """Push one test event to the subscription's endpoint and say how it answered.

    ``client`` replaces the endpoint-safe client deliveries use (tests inject a transport).
    """
    sub, secrets = await asyncio.to_thread(_subscription, store, subscription_id)
    if client is None:
        client = safe_client(EndpointPolicy.from_settings(settings), timeout_s=sub.delivery.timeout_s)
    sender = Sender(sub.endpoint_url, client, secrets)
    event = probe_event(sub.id)
    try:
        accepted = await sender.send(Push(event.id, http_codec.encode(event), http_codec.STRUCTURED))
    except DeliveryError as exc:
        facts = exc if isinstance(exc, PushError) else None
        return ProbeResult(
            event_id=event.id, delivered=False, status_code=facts.status_code if facts else None,
            latency_ms=facts.latency_ms if facts else 0.0, error_code=exc.code, error=exc.message,
            **_answer(facts.exchange if facts else None),
        )  # fmt: skip
    finally:
        await sender.aclose()
    return ProbeResult(
        event_id=event.id, delivered=True, status_code=accepted.status_code, latency_ms=accepted.latency_ms,
        error_code=None, error=None, **_answer(accepted.exchange),
    )  # fmt: skip


def _answer(exchange: Exchange | None) -> dict[str, Any]:
    """The answer's body as the attempt log keeps it (``hub.delivery.push.exchange``)."""
    if exchange is None:
        return {}
    return {"response_body": exchange.response_body, "response_truncated": exchange.response_truncated}
