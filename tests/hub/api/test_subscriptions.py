"""``/v1/subscriptions`` through the real app and store: CRUD, secrets shown once, bad input.

One app (and store, migrated once) serves the whole module; each test starts with no
subscription, so the many bad-input cases stay cheap.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete

from hub.api import create_app
from hub.settings import Settings
from hub.store import subscriptions as rows
from hub.store.base import Store
from hub.subscriptions.secrets import generate_secret
from tests.contract_documents import retyped
from tests.hub.access.auth import admin_token, bearer

PUBLIC = "https://93.184.216.34/hook"  # a public address literal: no DNS needed
HANOI, HCM = "000.00.00.H26", "000.00.00.H29"  # owners must be registered organisations


def body(sub_id: str = "hanoi-civil-status", **changes: Any) -> dict[str, Any]:
    return {
        "id": sub_id,
        "owner": HANOI,
        "endpoint_url": PUBLIC,
        "feeds": ["vn.gov.civil-status.*"],
        "filter": {
            "admin_units": ["08", "024"],  # current Tuyên Quang, pre-merger Thành phố Hà Giang
            "predicates": [{"path": "after.status", "op": "eq", "value": "registered"}],
        },
        **changes,
    }


def store_of(app: FastAPI) -> Store:
    store: Store = app.state.store
    return store


@pytest.fixture(scope="module")
async def api_app(
    base_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[FastAPI]:
    url = f"sqlite:///{tmp_path_factory.mktemp('subs') / 'hub.sqlite'}"  # private: tests empty it
    app = create_app(base_settings.model_copy(update={"database_url": url}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        admin = bearer(admin_token(store_of(app)))
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test", headers=admin) as orgs:
            for code, name in ((HANOI, "UBND thành phố Hà Nội"), (HCM, "UBND Thành phố Hồ Chí Minh")):
                org = {"code": code, "name": name, "kind": "province", "roles": ["subscriber"]}
                assert (await orgs.post("/v1/orgs", json=org)).status_code == 201
        yield app


@pytest.fixture
async def client(api_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    with store_of(api_app).session() as session:
        session.execute(delete(rows.SubscriptionRow))
    transport = httpx.ASGITransport(app=api_app, raise_app_exceptions=False)
    admin = bearer(admin_token(store_of(api_app)))  # the API requires a token (hub.api.auth)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test", headers=admin) as client:
        yield client


async def test_create_shows_the_secret_once(client: httpx.AsyncClient) -> None:
    created = await client.post("/v1/subscriptions", json=body())
    assert created.status_code == 201
    out = created.json()
    assert out["secret"].startswith("whsec_")
    assert out["subscription"]["state"] == "active"
    assert out["subscription"]["retry"]["schedule_s"] == [0, 5, 300, 1800, 7200, 18000, 36000, 36000]
    fetched = await client.get("/v1/subscriptions/hanoi-civil-status")
    listed = await client.get("/v1/subscriptions")
    for response in (fetched, listed):
        assert response.status_code == 200
        assert "whsec_" not in response.text and 'secret"' not in response.text
    assert [s["id"] for s in listed.json()] == ["hanoi-civil-status"]


async def test_given_secret_is_stored_for_the_sender(client: httpx.AsyncClient, api_app: FastAPI) -> None:
    secret = generate_secret()
    assert (await client.post("/v1/subscriptions", json=body(secret=secret))).status_code == 201
    with store_of(api_app).session() as session:
        assert rows.signing_secrets(session, "hanoi-civil-status").active() == [secret]


async def test_duplicate_id_conflicts(client: httpx.AsyncClient) -> None:
    await client.post("/v1/subscriptions", json=body())
    again = await client.post("/v1/subscriptions", json=body())
    assert (again.status_code, again.json()["code"]) == (409, "subscription_exists")


async def test_put_creates_then_replaces(client: httpx.AsyncClient) -> None:
    url = "/v1/subscriptions/hcm-land"
    created = await client.put(url, json=body("hcm-land", feeds=["gov.land.parcel.v1"]))
    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
    replaced = await client.put(url, json=body("hcm-land", feeds=["vn.gov.land.*"]))
    assert replaced.status_code == 200
    assert replaced.json()["secret"] is None
    sub = replaced.json()["subscription"]
    assert sub["feeds"] == ["vn.gov.land.*"]
    assert sub["generation"] > created.json()["subscription"]["generation"]


async def test_put_with_another_id_in_the_body_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.put("/v1/subscriptions/a-one", json=body("another"))
    assert (response.status_code, response.json()["code"]) == (422, "id_mismatch")


async def test_delete(client: httpx.AsyncClient) -> None:
    await client.post("/v1/subscriptions", json=body())
    assert (await client.delete("/v1/subscriptions/hanoi-civil-status")).status_code == 204
    gone = await client.get("/v1/subscriptions/hanoi-civil-status")
    assert (gone.status_code, gone.json()["code"]) == (404, "subscription_not_found")
    missing = await client.delete("/v1/subscriptions/hanoi-civil-status")
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"endpoint_url": "http://93.184.216.34/hook"}, 422, "unsafe_endpoint"),
        ({"endpoint_url": "https://127.0.0.1/hook"}, 422, "unsafe_endpoint"),
        ({"endpoint_url": "https://10.0.0.8/hook"}, 422, "unsafe_endpoint"),
        ({"endpoint_url": "https://169.254.169.254/latest"}, 422, "unsafe_endpoint"),
        ({"endpoint_url": "https://[::1]/hook"}, 422, "unsafe_endpoint"),
        ({"endpoint_url": "https://localhost/hook"}, 422, "unsafe_endpoint"),
        ({"endpoint_url": "not a url"}, 422, "unsafe_endpoint"),
        ({"feeds": ["vn.gov.tax.*"]}, 404, "unknown_feed"),
        ({"feeds": ["vn.gov.civil-status.birth.v9"]}, 404, "unknown_feed"),
        ({"feeds": ["bad feed!"]}, 422, "invalid_input"),
        ({"feeds": []}, 422, "invalid_input"),
        ({"id": "Not A Slug"}, 422, "invalid_input"),
        ({"secret": "hunter2"}, 422, "invalid_input"),
        ({"delivery": {"mode": "firehose"}}, 422, "invalid_input"),
        ({"retry": {"schedule_s": [-1]}}, 422, "invalid_input"),
        ({"filter": {"predicates": [{"path": "after.x", "op": "in", "value": 3}]}}, 422, "invalid_input"),
        ({"colour": "blue"}, 422, "invalid_input"),
        ({"owner": "000.00.00.H99"}, 422, "unknown_owner"),
        ({"owner": "nobody"}, 422, "unknown_owner"),
        ({"filter": {"admin_units": ["08", "99999"]}}, 422, "unknown_admin_unit"),
        ({"filter": {"admin_units": ["Xã Tân Thành"]}}, 422, "ambiguous_admin_unit"),
    ],
)
async def test_bad_input_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, changes: dict[str, Any], status: int, code: str
) -> None:
    response = await client.post("/v1/subscriptions", json=body(**changes))
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert "hunter2" not in response.text  # rejected input is not echoed back
    assert (await client.get("/v1/subscriptions")).json() == []


async def test_rotation_keeps_the_previous_secret_for_the_overlap(
    client: httpx.AsyncClient, api_app: FastAPI
) -> None:
    first = (await client.post("/v1/subscriptions", json=body())).json()["secret"]
    rotated = await client.post(
        "/v1/subscriptions/hanoi-civil-status/secret/rotate", json={"overlap_s": 3600}
    )
    assert rotated.status_code == 200
    new, expires = rotated.json()["secret"], datetime.fromisoformat(rotated.json()["previous_expires_at"])
    assert new != first
    assert timedelta(minutes=59) < expires - datetime.now(UTC) <= timedelta(hours=1)
    with store_of(api_app).session() as session:
        secrets = rows.signing_secrets(session, "hanoi-civil-status")
    assert secrets.active() == [new, first]
    assert secrets.active(expires + timedelta(seconds=1)) == [new]


async def test_rotation_without_overlap_and_with_a_bad_secret(client: httpx.AsyncClient) -> None:
    await client.post("/v1/subscriptions", json=body())
    url = "/v1/subscriptions/hanoi-civil-status/secret/rotate"
    assert (await client.post(url, json={"overlap_s": 0})).json()["previous_expires_at"] is None
    bad = await client.post(url, json={"secret": "whsec_short"})
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_input")
    missing = await client.post("/v1/subscriptions/nobody/secret/rotate", json={})
    assert missing.status_code == 404


async def test_apply_with_a_new_secret_rotates_to_it(client: httpx.AsyncClient, api_app: FastAPI) -> None:
    first, second = generate_secret(), generate_secret()
    await client.put("/v1/subscriptions/hanoi-civil-status", json=body(secret=first))
    again = await client.put("/v1/subscriptions/hanoi-civil-status", json=body(secret=second))
    assert again.status_code == 200 and again.json()["secret"] is None
    with store_of(api_app).session() as session:
        assert rows.signing_secrets(session, "hanoi-civil-status").active() == [second, first]


async def test_filters_by_owner(client: httpx.AsyncClient) -> None:
    await client.post("/v1/subscriptions", json=body("a-sub", owner=HANOI))
    await client.post("/v1/subscriptions", json=body("b-sub", owner=HCM))
    listed = await client.get("/v1/subscriptions", params={"owner": HCM})
    assert [s["id"] for s in listed.json()] == ["b-sub"]


async def test_a_newly_registered_contract_can_be_subscribed_to(client: httpx.AsyncClient) -> None:
    customs = body("customs-watch", feeds=["gov.customs.declaration.v1"])
    assert (await client.post("/v1/subscriptions", json=customs)).json()["code"] == "unknown_feed"
    schema = retyped("vn.gov.customs.declaration.v1")
    registered = await client.post("/v1/contracts", json={"schema": schema})
    assert registered.status_code == 201, registered.text
    assert (await client.post("/v1/subscriptions", json=customs)).status_code == 201


async def test_pause_then_resume_keeps_the_subscription_and_is_audited(client: httpx.AsyncClient) -> None:
    assert (await client.post("/v1/subscriptions", json=body())).status_code == 201
    paused = await client.post("/v1/subscriptions/hanoi-civil-status/pause")
    assert paused.status_code == 200
    assert (paused.json()["state"], paused.json()["status_reason"]) == ("paused", "paused by 000.00.00.G22")
    resumed = (await client.post("/v1/subscriptions/hanoi-civil-status/resume")).json()
    assert (resumed["state"], resumed["status_reason"]) == ("active", None)
    assert resumed["generation"] > paused.json()["generation"]  # the running hub sees the change
    trail = (await client.get("/v1/audit", params={"resource_id": "hanoi-civil-status"})).json()["items"]
    assert [(e["action"], e["before"], e["after"]) for e in trail[:2]] == [
        ("subscription.resume", "paused", "active"),
        ("subscription.pause", "active", "paused"),
    ]
    assert (await client.post("/v1/subscriptions/nobody/pause")).status_code == 404
