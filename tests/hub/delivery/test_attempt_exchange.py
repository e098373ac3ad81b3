"""A real delivery's attempt rows hold what was sent and answered: the signed headers, with
secret values redacted (always-secret names and the deployment's configured ones), and the
endpoint's answer with its content type."""

from __future__ import annotations

import httpx
import pytest

from hub.delivery.push.exchange import REDACTED
from hub.endpoint_safety import EndpointPolicy, safe_client
from hub.subscriptions.model import Subscription
from tests.hub.delivery.harness import Deployment
from tests.hub.delivery.waiting import eventually

pytestmark = pytest.mark.integration

TRACEPARENT = "00-" + "4b" * 16 + "-" + "00f0" * 4 + "-01"
GATEWAY = {"authorization": "Bearer gateway-credential", "x-portal-key": "k-123", "x-province": "08"}


async def test_an_attempt_row_holds_the_signed_headers_redacted_and_the_answer(
    hub_deployment: Deployment,
) -> None:
    d = hub_deployment
    d.settings = d.settings.model_copy(update={"attempt_redacted_headers": ["X-Portal-Key"]})
    portal = await d.portal()
    sid = d.subscribe("headers", portal).id
    await portal.control(mode="fail", count=1)

    def client(sub: Subscription) -> httpx.AsyncClient:
        """The endpoint-safe client, carrying a portal gateway's headers as a subscription might."""
        made = safe_client(EndpointPolicy.from_settings(d.settings), timeout_s=sub.delivery.timeout_s)
        made.headers.update(GATEWAY)
        return made

    event = d.event("K", 0).model_copy(update={"traceparent": TRACEPARENT})
    async with d.hub(client_factory=client):
        await d.publish(event)
        await eventually(lambda: portal.has(1), timeout_s=30)
    tries = sorted(d.attempts(event_id=event.id), key=lambda a: a.attempt)
    assert [(t.status_code, t.outcome) for t in tries] == [(500, "retrying"), (200, "delivered")]
    failed, delivered = tries
    sent = failed.request_headers or {}
    assert sent["webhook-id"] == event.id
    assert sent["webhook-signature"].startswith("v1,") and sent["webhook-timestamp"].isdigit()
    assert sent["content-type"] == "application/cloudevents+json"
    assert sent["user-agent"].startswith("gov-data-hub")
    assert sent["traceparent"].split("-")[1] == TRACEPARENT.split("-")[1]  # the event's trace
    assert sent["authorization"] == REDACTED and sent["x-portal-key"] == REDACTED  # always, configured
    assert sent["x-province"] == "08"  # a header that is no secret is kept as sent
    assert (failed.response_content_type, failed.response_body) == (
        "application/json",
        '{"error":"told to answer 500"}',
    )
    assert failed.response_truncated is False
    assert (delivered.request_headers or {})["webhook-id"] == event.id
    assert delivered.response_content_type == "application/json"
    assert sid == failed.subscription_id
