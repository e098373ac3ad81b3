"""The reference receiver on a real server: signatures, de-duplication, control modes."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook

from devtools.portal import Receiver, create_receiver_app
from hub.delivery.push.signing import webhook_headers
from hub.subscriptions.secrets import SigningSecrets, generate_secret
from tests.devtools.portal.serving import serving

SECRET = generate_secret()
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def signed(body: Any, webhook_id: str = "msg-1", secret: str = SECRET) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body)
    now = datetime.now(UTC)
    headers = {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(webhook_id, now, raw),
        "content-type": "application/cloudevents+json",
        "traceparent": TRACEPARENT,
    }
    return raw.encode(), headers


@pytest.fixture(scope="module")
async def receiver_url() -> AsyncIterator[str]:
    async with serving(create_receiver_app([SECRET])) as url:
        yield url


@pytest.fixture
async def client(receiver_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the shared receiver, reset so each test starts from nothing."""
    async with httpx.AsyncClient(base_url=receiver_url) as http:
        assert (await http.post("/reset")).status_code == 204
        yield http


async def push(client: httpx.AsyncClient, body: Any, webhook_id: str = "msg-1") -> httpx.Response:
    raw, headers = signed(body, webhook_id)
    return await client.post("/hook", content=raw, headers=headers)


async def test_signed_push_is_accepted_and_recorded(client: httpx.AsyncClient) -> None:
    response = await push(client, {"id": "e1", "type": "t"})
    assert response.status_code == 200
    assert response.json() == {"accepted": True, "duplicate": False}
    [delivery] = (await client.get("/received")).json()
    assert delivery["webhook_id"] == "msg-1"
    assert delivery["traceparent"] == TRACEPARENT
    assert delivery["events"] == [{"id": "e1", "type": "t"}]


async def test_tampered_body_is_rejected(client: httpx.AsyncClient) -> None:
    raw, headers = signed({"id": "e1"})
    response = await client.post("/hook", content=raw.replace(b"e1", b"e2"), headers=headers)
    assert response.status_code == 401
    assert (await client.get("/received")).json() == []
    assert (await client.get("/stats")).json()["bad_signature"] == 1


@pytest.mark.parametrize(
    "change",
    [
        {"webhook-signature": "v1,AAAA"},
        {"webhook-signature": "garbage"},
        {"webhook-signature": "v1,%%%not-base64"},
        {"webhook-id": "another-id"},
        {"webhook-timestamp": str(int(time.time()) - 3600)},
    ],
)
async def test_forged_headers_are_rejected(client: httpx.AsyncClient, change: dict[str, str]) -> None:
    raw, headers = signed({"id": "e1"})
    response = await client.post("/hook", content=raw, headers={**headers, **change})
    assert response.status_code == 401


async def test_other_secret_is_rejected(client: httpx.AsyncClient) -> None:
    raw, headers = signed({"id": "e1"}, secret=generate_secret())
    assert (await client.post("/hook", content=raw, headers=headers)).status_code == 401


def test_rotation_overlap_signature_verifies_with_either_secret() -> None:
    old, new = generate_secret(), generate_secret()
    secrets = SigningSecrets(old).rotated(new, overlap_s=60)
    raw = b'{"id": "e1"}'
    now = datetime.now(UTC)
    headers = webhook_headers(secrets.active(now), "msg-r", int(now.timestamp()), raw)
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Receiver([old]).verified(raw, headers)
    assert Receiver([new]).verified(raw, headers)
    assert not Receiver([generate_secret()]).verified(raw, headers)


async def test_duplicates_are_acknowledged_but_recorded_once(client: httpx.AsyncClient) -> None:
    assert (await push(client, {"id": "e1"}, "dup")).json()["duplicate"] is False
    assert (await push(client, {"id": "e1"}, "dup")).json()["duplicate"] is True
    stats = (await client.get("/stats")).json()
    assert (stats["received"], stats["duplicates"], stats["events"]) == (1, 1, 1)


async def test_batch_counts_each_event(client: httpx.AsyncClient) -> None:
    await push(client, [{"id": "e1"}, {"id": "e2"}, {"id": "e3"}], "batch-1")
    assert (await client.get("/stats")).json()["events"] == 3


async def test_fail_for_a_count_then_recover(client: httpx.AsyncClient) -> None:
    assert (await client.post("/control", json={"mode": "fail", "count": 2})).status_code == 200
    statuses = [(await push(client, {"id": "e1"}, "m")).status_code for _ in range(3)]
    assert statuses == [500, 500, 200]
    stats = (await client.get("/stats")).json()
    assert stats["by_status"] == {"500": 2, "200": 1}
    assert stats["attempts"] == 3


@pytest.mark.parametrize("mode", ["410", "400"])
async def test_permanent_failure_modes(client: httpx.AsyncClient, mode: str) -> None:
    await client.post("/control", json={"mode": mode})
    assert (await push(client, {"id": "e1"})).status_code == int(mode)
    assert (await client.get("/received")).json() == []


async def test_429_sends_retry_after(client: httpx.AsyncClient) -> None:
    await client.post("/control", json={"mode": "429", "retry_after_s": 7})
    response = await push(client, {"id": "e1"})
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"


async def test_slow_mode_delays_then_accepts(client: httpx.AsyncClient) -> None:
    await client.post("/control", json={"mode": "slow", "delay_s": 0.3, "count": 1})
    started = time.monotonic()
    assert (await push(client, {"id": "e1"})).status_code == 200
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    assert (await push(client, {"id": "e2"}, "msg-2")).status_code == 200
    assert time.monotonic() - started < 0.3


async def test_mode_for_a_duration_ends_by_itself(client: httpx.AsyncClient) -> None:
    await client.post("/control", json={"mode": "fail", "for_s": 0.2})
    assert (await push(client, {"id": "e1"})).status_code == 500
    deadline = time.monotonic() + 5
    while (status := (await push(client, {"id": "e1"})).status_code) != 200 and time.monotonic() < deadline:
        pass
    assert status == 200


async def test_bad_control_is_refused(client: httpx.AsyncClient) -> None:
    assert (await client.post("/control", json={"mode": "explode"})).status_code == 422


async def test_reset_forgets_everything(client: httpx.AsyncClient) -> None:
    await push(client, {"id": "e1"})
    await client.post("/control", json={"mode": "fail"})
    assert (await client.post("/reset")).status_code == 204
    assert (await client.get("/stats")).json()["received"] == 0
    assert (await push(client, {"id": "e1"})).status_code == 200
