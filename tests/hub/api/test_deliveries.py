"""``/v1/deliveries``, replay requests and dead letters through the real app (real Kafka for DLQ)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from bus import headers
from bus.producer import KafkaProducer
from bus.reads import read_topics
from hub.settings import Settings
from hub.store import deliveries
from hub.store import subscriptions as stored
from hub.store.base import Store
from hub.subscriptions.model import SubscriptionSpec
from hub.subscriptions.secrets import SigningSecrets, generate_secret
from schemas.events import ChangeEvent, ChangePayload, Op, SourceInfo
from schemas.events.kafka_codec import to_kafka
from schemas.naming import dlq_topic, retry_topic


def _store(app: FastAPI) -> Store:
    store: Store = app.state.store
    return store


def _subscribe(app: FastAPI, sid: str) -> None:
    spec = SubscriptionSpec(id=sid, endpoint_url="https://portal.example/hook", feeds=["vn.gov.land.*"])
    with _store(app).session() as session:
        stored.insert(session, spec, SigningSecrets(generate_secret()))


def _attempt(n: int, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "subscription_id": "hanoi", "event_id": f"e-{n}", "record_key": "K", "topic": "gov.land.parcel.v1",
        "partition": 0, "offset": n, "attempt": 1, "stage": 0, "scheduled_at": None,
        "started_at": datetime.now(UTC), "status_code": 200, "latency_ms": 3.5, "outcome": "delivered",
        "error_code": None, "error": None,
    }  # fmt: skip
    return row | overrides


async def test_deliveries_filter_and_page(api_app: FastAPI, client: httpx.AsyncClient) -> None:
    rows = [
        _attempt(1),
        _attempt(2, status_code=500, outcome="retrying", error_code="push_failed", error="HTTP 500"),
        _attempt(2, attempt=2),
        _attempt(3, subscription_id="hcm"),
    ]
    with _store(api_app).session() as session:
        deliveries.add_attempts(session, rows)
    page = (await client.get("/v1/deliveries", params={"subscription": "hanoi"})).json()
    assert [(i["event_id"], i["attempt"]) for i in page["items"]] == [("e-2", 2), ("e-2", 1), ("e-1", 1)]
    failed = (await client.get("/v1/deliveries", params={"status": "500"})).json()["items"]
    assert [(i["event_id"], i["outcome"], i["error_code"]) for i in failed] == [
        ("e-2", "retrying", "push_failed")
    ]
    retrying = (await client.get("/v1/deliveries", params={"status": "retrying", "event_id": "e-2"})).json()
    assert len(retrying["items"]) == 1
    first = (await client.get("/v1/deliveries", params={"limit": 2})).json()
    rest = (await client.get("/v1/deliveries", params={"before_id": first["next_before_id"]})).json()
    assert len(first["items"]) + len(rest["items"]) == 4 and rest["next_before_id"] is None


async def test_bad_status_filter_is_a_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/deliveries", params={"status": "lost"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


async def test_replay_request_is_recorded_and_readable(api_app: FastAPI, client: httpx.AsyncClient) -> None:
    _subscribe(api_app, "hanoi")
    since = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    made = await client.post("/v1/subscriptions/hanoi/replay", json={"from": since})
    assert made.status_code == 202
    body = made.json()
    assert body["state"] == "pending" and datetime.fromisoformat(body["from_time"]) == datetime.fromisoformat(
        since
    )
    again = await client.get(f"/v1/subscriptions/hanoi/replays/{body['id']}")
    assert again.json()["id"] == body["id"]


async def test_replay_refuses_unknown_subscription_and_naive_time(
    api_app: FastAPI, client: httpx.AsyncClient
) -> None:
    missing = await client.post(
        "/v1/subscriptions/nobody/replay", json={"from": datetime.now(UTC).isoformat()}
    )
    assert missing.status_code == 404 and missing.json()["code"] == "subscription_not_found"
    _subscribe(api_app, "hanoi")
    naive = await client.post("/v1/subscriptions/hanoi/replay", json={"from": "2025-07-01T00:00:00"})
    assert naive.status_code == 422
    unknown_field = await client.post("/v1/subscriptions/hanoi/replay", json={"form": "2025-07-01T00:00:00Z"})
    assert unknown_field.status_code == 422


async def test_a_replay_window_is_recorded_with_its_end_and_counters(
    api_app: FastAPI, client: httpx.AsyncClient
) -> None:
    _subscribe(api_app, "hanoi")
    since, until = datetime(2025, 7, 1, tzinfo=UTC), datetime(2025, 7, 2, tzinfo=UTC)
    window = {"from": since.isoformat(), "to": until.isoformat()}
    made = (await client.post("/v1/subscriptions/hanoi/replay", json=window)).json()
    assert datetime.fromisoformat(made["to_time"]) == until
    assert (made["state"], made["total"], made["scanned"], made["queued"]) == ("pending", 0, 0, 0)
    for to in (since, since - timedelta(seconds=1)):
        empty = await client.post("/v1/subscriptions/hanoi/replay", json=window | {"to": to.isoformat()})
        assert (empty.status_code, empty.json()["code"]) == (422, "empty_replay_window")
    naive = await client.post("/v1/subscriptions/hanoi/replay", json=window | {"to": "2025-07-02T00:00:00"})
    assert naive.status_code == 422


@pytest.mark.integration
class TestDeadLetters:
    @pytest.fixture
    def api_settings(self, settings: Settings, kafka_bootstrap: str) -> Settings:
        return settings.model_copy(update={"kafka_bootstrap": kafka_bootstrap})

    async def test_list_and_redeliver_selected(
        self, api_app: FastAPI, client: httpx.AsyncClient, kafka_bootstrap: str, unique: str
    ) -> None:
        sid = f"dlq-{unique}"
        _subscribe(api_app, sid)
        assert (await client.get(f"/v1/subscriptions/{sid}/dead-letters")).json() == {"items": []}
        events = [_event(f"{unique}-{n}") for n in range(2)]
        await _dead_letter(kafka_bootstrap, sid, events)
        listed = (await client.get(f"/v1/subscriptions/{sid}/dead-letters")).json()["items"]
        assert [(i["event_id"], i["reason"], i["status_code"]) for i in listed] == [
            (e.id, "push_rejected", 400) for e in events
        ]
        response = await client.post(
            f"/v1/subscriptions/{sid}/dead-letters/redeliver", json={"ids": [events[0].id]}
        )
        assert [i["event_id"] for i in response.json()["redelivered"]] == [events[0].id]
        left = (await client.get(f"/v1/subscriptions/{sid}/dead-letters")).json()["items"]
        assert [i["event_id"] for i in left] == [events[1].id]
        assert await _retry_topic_ids(kafka_bootstrap, sid) == [events[0].id]
        everything = await client.post(f"/v1/subscriptions/{sid}/dead-letters/redeliver")
        assert [i["event_id"] for i in everything.json()["redelivered"]] == [events[1].id]

    async def test_unknown_subscription_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/subscriptions/nobody/dead-letters")
        assert response.status_code == 404


def _event(event_id: str) -> ChangeEvent:
    source = SourceInfo(connector="c", database="d", table="parcel", position="1")
    return ChangeEvent(
        id=event_id, source="/c", type="vn.gov.land.parcel.v1", subject="K",
        data=ChangePayload(op=Op.CREATE, after={"id": 1}, source=source),
    )  # fmt: skip


async def _dead_letter(bootstrap: str, sid: str, events: list[ChangeEvent]) -> None:
    producer = KafkaProducer(bootstrap)
    await producer.start()
    try:
        for event in events:
            message = to_kafka(event)
            marks = [
                (headers.DLQ_REASON, b"push_rejected"),
                (headers.DLQ_STATUS, b"400"),
                (headers.ATTEMPTS, b"1"),
            ]
            await producer.send_and_wait(
                dlq_topic(sid), message.value, key=message.key, headers=message.headers + marks
            )
    finally:
        await producer.stop()


async def _retry_topic_ids(bootstrap: str, sid: str) -> list[str]:
    return [r.header("ce_id") or "" for r in await read_topics(bootstrap, [retry_topic(sid)])]
