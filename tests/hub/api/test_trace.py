"""``/v1/events/{id}/trace`` and ``/v1/records/{feed}/{key}/trace`` on the real app, store and broker.

The store is filled as the delivery engine would have (a routed event, its attempts) and the
event is on a real topic, so filter decisions are replayed and consumer groups' offsets read
for real. Who sees what: an operator every subscription, a subscriber only its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from fastapi import FastAPI

from hub.api import create_app
from hub.delivery.sink import feed_group
from hub.settings import Settings
from hub.store import subscriptions as stored
from hub.store.base import Store
from hub.subscriptions.model import SubscriptionSpec
from hub.subscriptions.secrets import SigningSecrets, generate_secret
from tests.hub.access.auth import admin_token, bearer
from tests.hub.access.world import World, build_world
from tests.hub.observability.nowhere import nowhere
from tests.hub.observability.recorded import birth, publish, record_routed

pytestmark = pytest.mark.integration

KEY = "22/0001"  # a key with a slash still makes one path segment of the record route
QUANG_NINH = "22"


@pytest.fixture
def api_settings(settings: Settings, kafka_bootstrap: str) -> Settings:
    return settings.model_copy(update={"kafka_bootstrap": kafka_bootstrap})


async def _commit(bootstrap: str, group: str, tp: TopicPartition, offset: int) -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign([tp])
        await consumer.commit({tp: offset})
    finally:
        await consumer.stop()


def _subscribe(store: Store, sid: str, owner: str | None, feeds: list[str], units: list[str]) -> None:
    spec = SubscriptionSpec.model_validate(
        {"id": sid, "owner": owner, "endpoint_url": "https://cong.example.vn/hook", "feeds": feeds,
         "filter": {"admin_units": units}}
    )  # fmt: skip
    with store.session() as session:
        stored.insert(session, spec, SigningSecrets(generate_secret()))


@pytest.fixture
async def world(api_app: FastAPI, kafka_bootstrap: str, unique: str) -> World:
    """Quảng Ninh's subscription got the event; an operators' one filtered it out; Huế reads another feed."""
    store: Store = api_app.state.store
    made = build_world(store)
    sent = birth(unique, KEY, QUANG_NINH)
    topic = f"gov.t{unique}.birth.v1"
    offset, published = await publish(kafka_bootstrap, topic, sent)
    feed = [sent.type]
    _subscribe(store, f"qn-{unique}", made.codes["quang_ninh"], feed, [QUANG_NINH])
    _subscribe(store, f"far-{unique}", None, feed, ["79"])
    _subscribe(store, f"hue-{unique}", made.codes["hue"], [f"vn.gov.t{unique}.death.v1"], ["46"])
    await _commit(kafka_bootstrap, feed_group(f"far-{unique}"), TopicPartition(topic, 0), offset + 1)
    record_routed(store, sent, topic, offset, published, [f"qn-{unique}"])
    return made


@pytest.fixture
def transport(api_app: FastAPI) -> httpx.ASGITransport:
    return httpx.ASGITransport(app=api_app, raise_app_exceptions=False)


async def test_an_operator_sees_every_hop_and_every_decision(
    transport: httpx.ASGITransport, world: World, unique: str
) -> None:
    async with world.client(transport, "operator") as operator:
        response = await operator.get(f"/v1/events/ev-{unique}/trace")
    assert response.status_code == 200, response.text
    trace = response.json()
    assert [(hop["kind"], hop["subscription_id"], hop["status_code"]) for hop in trace["hops"]] == [
        ("committed", None, None),
        ("published", None, None),
        ("routed", f"qn-{unique}", None),
        ("attempt", f"qn-{unique}", 200),
    ]
    assert trace["hops"][0]["at"] == "2025-07-01T03:00:00Z"
    assert trace["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert {(p["subscription_id"], p["decision"], p["outcome"]) for p in trace["subscriptions"]} == {
        (f"qn-{unique}", "matched", "delivered"),
        (f"far-{unique}", "filtered_out", "filtered_out"),
    }
    assert trace["warnings"] == []


async def test_a_subscriber_sees_only_its_own_subscriptions(
    transport: httpx.ASGITransport, world: World, unique: str
) -> None:
    async with world.client(transport, "quang_ninh") as quang_ninh:
        trace = (await quang_ninh.get(f"/v1/events/ev-{unique}/trace")).json()
    assert [path["subscription_id"] for path in trace["subscriptions"]] == [f"qn-{unique}"]
    async with world.client(transport, "hue") as hue:
        hidden = await hue.get(f"/v1/events/ev-{unique}/trace")
        record = (await hue.get(f"/v1/records/vn.gov.t{unique}.birth.v1/{KEY}/trace")).json()
    assert (hidden.status_code, hidden.json()["code"]) == (404, "event_not_found")
    assert record["events"] == []
    async with world.client(transport, "civil") as publisher:
        assert (await publisher.get(f"/v1/events/ev-{unique}/trace")).status_code == 403


async def test_a_subscriber_never_sees_another_provinces_record_on_a_shared_feed(
    transport: httpx.ASGITransport, world: World, unique: str, kafka_bootstrap: str, api_app: FastAPI
) -> None:
    """Huế reads the same birth feed for its own province: Quảng Ninh's record (its key, WAL
    position, transaction, offsets) is none of its business, filtered out or not reached yet."""
    topic = f"gov.t{unique}.birth.v1"
    for sid, passed in ((f"hue-births-{unique}", True), (f"hue-late-{unique}", False)):
        _subscribe(api_app.state.store, sid, world.codes["hue"], [f"vn.gov.t{unique}.birth.v1"], ["46"])
        if passed:
            await _commit(kafka_bootstrap, feed_group(sid), TopicPartition(topic, 0), 1)
    async with world.client(transport, "hue") as hue:
        hidden = await hue.get(f"/v1/events/ev-{unique}/trace")
        record = await hue.get(f"/v1/records/vn.gov.t{unique}.birth.v1/{KEY}/trace")
    assert (hidden.status_code, hidden.json()["code"]) == (404, "event_not_found"), hidden.text
    assert record.json()["events"] == []
    assert KEY not in hidden.text
    async with world.client(transport, "quang_ninh") as quang_ninh:
        trace = (await quang_ninh.get(f"/v1/events/ev-{unique}/trace")).json()
    assert [path["subscription_id"] for path in trace["subscriptions"]] == [f"qn-{unique}"]
    assert {hop["subscription_id"] for hop in trace["hops"]} == {None, f"qn-{unique}"}


async def test_a_record_is_found_by_event_type_or_topic(
    transport: httpx.ASGITransport, world: World, unique: str
) -> None:
    async with world.client(transport, "admin") as admin:
        by_type = (await admin.get(f"/v1/records/vn.gov.t{unique}.birth.v1/{KEY}/trace")).json()
        by_topic = (await admin.get(f"/v1/records/gov.t{unique}.birth.v1/{KEY}/trace?limit=5")).json()
        other = (await admin.get(f"/v1/records/gov.t{unique}.birth.v1/22/0002/trace")).json()
    assert (
        [e["event_id"] for e in by_type["events"]]
        == [f"ev-{unique}"]
        == [e["event_id"] for e in by_topic["events"]]
    )
    assert (by_type["record_key"], by_type["truncated"], other["events"]) == (KEY, False, [])


async def test_unknown_events_and_bad_feed_names_are_problems(
    transport: httpx.ASGITransport, world: World
) -> None:
    async with world.client(transport, "admin") as admin:
        unknown = await admin.get("/v1/events/no-such-event/trace")
        bad = await admin.get("/v1/records/not-a-feed/K/trace")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "event_not_found")
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_name")


@pytest.fixture
async def kafka_away(api_settings: Settings, world: World) -> AsyncIterator[httpx.AsyncClient]:
    """The same store, served by an app whose broker address answers nothing."""
    app = create_app(api_settings.model_copy(update={"kafka_bootstrap": nowhere()}))
    async with app.router.lifespan_context(app):
        headers = bearer(admin_token(app.state.store))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://hub.test", headers=headers
        ) as client:
            yield client


async def test_without_kafka_the_trace_comes_from_the_store_with_a_warning(
    kafka_away: httpx.AsyncClient, unique: str
) -> None:
    trace = (await kafka_away.get(f"/v1/events/ev-{unique}/trace")).json()
    assert [hop["kind"] for hop in trace["hops"]] == ["committed", "published", "routed", "attempt"]
    assert {(p["subscription_id"], p["decision"]) for p in trace["subscriptions"]} == {
        (f"qn-{unique}", "matched"),
        (f"far-{unique}", "unknown"),
    }
    assert trace["warnings"] and "Kafka did not answer" in trace["warnings"][0]
