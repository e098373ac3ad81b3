"""What the attempt log keeps of a push: redacted request headers, the bounded answer."""

from __future__ import annotations

import httpx
import pytest

from hub.delivery.push.exchange import BODY_LIMIT_BYTES, REDACTED, Exchange, Redaction
from hub.delivery.push.failures import PushFailed
from hub.delivery.push.sender import Push, Sender
from hub.subscriptions.secrets import SigningSecrets, generate_secret

PUSH = Push("evt-1", b'{"id":"evt-1"}', "application/cloudevents+json")


@pytest.mark.parametrize(
    "name", ["Authorization", "cookie", "X-Api-Key", "x-auth-token", "X-Client-Secret", "db-password"]
)
def test_secret_like_headers_are_always_hidden(name: str) -> None:
    assert Redaction().hides(name)


@pytest.mark.parametrize(
    "name", ["webhook-signature", "webhook-id", "content-type", "traceparent", "hub-purpose"]
)
def test_the_standard_headers_are_kept(name: str) -> None:
    assert not Redaction().hides(name)


def test_a_configured_name_is_hidden_whatever_its_case() -> None:
    redaction = Redaction.of(["X-Portal-Key", " "])
    assert redaction.hides("x-portal-key") and not Redaction().hides("x-portal-key")
    kept = redaction.headers(httpx.Headers({"X-Portal-Key": "k", "x-province": "08"}))
    assert kept == {"x-portal-key": REDACTED, "x-province": "08"}


def test_a_long_answer_is_cut_at_the_limit_and_marked() -> None:
    response = httpx.Response(200, headers={"content-type": "text/plain"})
    long = Exchange({}).answered(response, b"x" * (BODY_LIMIT_BYTES + 1))
    assert long.response_body == "x" * BODY_LIMIT_BYTES and long.response_truncated
    short = Exchange({}).answered(response, b"ok")
    assert (short.response_body, short.response_truncated, short.response_content_type) == (
        "ok",
        False,
        "text/plain",
    )


def answer(status: int, body: bytes, content_type: str) -> httpx.Response:
    """A streamed answer, as the network gives it (the sender reads at most its first bytes)."""
    return httpx.Response(status, headers={"content-type": content_type}, stream=httpx.ByteStream(body))


def sender(handler: httpx.MockTransport) -> Sender:
    client = httpx.AsyncClient(transport=handler, headers={"authorization": "Bearer gw"})
    return Sender("https://portal.example/hook", client, SigningSecrets(generate_secret()))


async def test_the_sender_records_the_exchange_of_a_delivered_and_of_a_failed_push() -> None:
    ok = httpx.MockTransport(lambda request: answer(200, b'{"accepted":true}', "application/json"))
    accepted = await sender(ok).send(PUSH)
    assert accepted.exchange is not None
    sent = accepted.exchange.request_headers
    assert sent["webhook-id"] == "evt-1" and sent["webhook-signature"].startswith("v1,")
    assert sent["authorization"] == REDACTED
    assert (accepted.exchange.response_content_type, accepted.exchange.response_body) == (
        "application/json",
        '{"accepted":true}',
    )

    body = "y" * (BODY_LIMIT_BYTES * 2)
    failing = httpx.MockTransport(lambda request: answer(503, body.encode(), "text/plain"))
    with pytest.raises(PushFailed) as failed:
        await sender(failing).send(PUSH)
    assert failed.value.exchange is not None and failed.value.exchange.response_truncated
    assert failed.value.exchange.response_body == body[:BODY_LIMIT_BYTES]
    assert len(failed.value.message) < 600  # the error text keeps its short excerpt


async def test_a_push_with_no_answer_still_records_what_was_sent() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(Exception) as failed:
        await sender(httpx.MockTransport(refuse)).send(PUSH)
    exchange = getattr(failed.value, "exchange", None)
    assert exchange is not None and exchange.request_headers["webhook-id"] == "evt-1"
    assert exchange.response_body is None
