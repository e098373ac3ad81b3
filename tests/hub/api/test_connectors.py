"""``/v1/connectors`` on the real app and store, registering ``postgres_cdc`` connectors against
the real PostgreSQL: refusals name the problem, passwords never come back, commands are recorded.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI

from hub.api import create_app
from hub.settings import Settings
from hub.store import connectors as stored
from hub.store.base import Store
from tests.connectors import land_parcels
from tests.hub.api.conftest import admin_client

pytestmark = pytest.mark.integration

PASSWORD = "Zq-not-a-real-password-81"


@pytest.fixture
def api_settings(settings: Settings) -> Settings:
    """Authorisation has its own tests; these are about what the connector routes do."""
    return settings.model_copy(update={"auth_enabled": False})


@pytest.fixture
def source_dsn(pg_database: str) -> str:
    land_parcels.create(pg_database)
    return pg_database


def document(dsn: str, name: str = "land-db", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "kind": "postgres_cdc",
        "dsn": dsn,
        "password": PASSWORD,
        "feeds": [{"table": land_parcels.TABLE, "event_type": land_parcels.EVENT_TYPE}],
    }
    return body | changes


def store_of(app: FastAPI) -> Store:
    store: Store = app.state.store
    return store


async def test_register_read_and_list_without_the_password(
    client: httpx.AsyncClient, source_dsn: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    created = await client.post("/v1/connectors", json=document(source_dsn))
    assert created.status_code == 201, created.text
    assert created.json()["config"]["password"] == "**********"
    assert created.json()["state"] == "unassigned"
    listed = await client.get("/v1/connectors")
    one = await client.get("/v1/connectors/land-db")
    for response in (created, listed, one):
        assert PASSWORD not in response.text
    assert [item["name"] for item in listed.json()] == ["land-db"]
    assert PASSWORD not in caplog.text


async def test_a_password_inside_the_dsn_is_masked_too(client: httpx.AsyncClient, source_dsn: str) -> None:
    dsn = psycopg.conninfo.make_conninfo(source_dsn, password=PASSWORD)
    created = await client.post("/v1/connectors", json=document(dsn, password=None))
    assert created.status_code == 201, created.text
    assert PASSWORD not in created.text and "**********" in created.json()["config"]["dsn"]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"dsn": "postgresql://hub@127.0.0.1:1/nowhere"}, "source_unreachable"),
        ({"feeds": [{"table": "public.nope", "event_type": land_parcels.EVENT_TYPE}]}, "table_missing"),
        (
            {"feeds": [{"table": land_parcels.TABLE, "event_type": "vn.gov.nowhere.thing.v1"}]},
            "unknown_contract",
        ),
        ({"kind": "oracle_cdc"}, "unknown_connector_kind"),
        ({"feeds": []}, "invalid_connector_config"),
    ],
)
async def test_a_config_that_cannot_work_is_refused_naming_the_problem(
    client: httpx.AsyncClient, api_app: FastAPI, source_dsn: str, change: dict[str, Any], code: str
) -> None:
    response = await client.post("/v1/connectors", json=document(source_dsn) | change)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == code
    assert PASSWORD not in response.text
    with store_of(api_app).session() as session:
        assert stored.list_all(session) == []


async def test_put_replaces_and_keeps_a_masked_secret(
    client: httpx.AsyncClient, api_app: FastAPI, source_dsn: str
) -> None:
    first = await client.put("/v1/connectors/land-db", json=document(source_dsn))
    assert first.status_code == 201, first.text
    shown = first.json()["config"] | {"batch_size": 50}
    again = await client.put("/v1/connectors/land-db", json=shown)
    assert again.status_code == 200, again.text
    assert again.json()["generation"] == 2
    with store_of(api_app).session() as session:
        kept = stored.get(session, "land-db").document
    assert (kept["password"], kept["batch_size"]) == (PASSWORD, 50)
    mismatch = await client.put("/v1/connectors/land-db", json=document(source_dsn, name="other"))
    assert (mismatch.status_code, mismatch.json()["code"]) == (422, "name_mismatch")


@pytest.mark.parametrize(
    "target",
    [
        {"host": "localhost"},  # the same server under another name: accepted before, password sent
        {"port": "1"},
        {"dbname": "postgres"},
        {"user": "someone_else"},
    ],
    ids=lambda target: next(iter(target)),
)
async def test_a_new_connection_target_needs_the_password_again(
    client: httpx.AsyncClient, api_app: FastAPI, source_dsn: str, target: dict[str, str]
) -> None:
    """Sending the mask back must never carry the stored password to a server the caller chose."""
    first = await client.put("/v1/connectors/land-db", json=document(source_dsn))
    assert first.status_code == 201, first.text
    moved = psycopg.conninfo.make_conninfo(source_dsn, **target)
    shown = first.json()["config"] | {"dsn": moved}
    refused = await client.put("/v1/connectors/land-db", json=shown)
    assert (refused.status_code, refused.json()["code"]) == (422, "password_required"), refused.text
    assert refused.json()["details"]["changed"] == sorted(target)
    with store_of(api_app).session() as session:
        assert stored.get(session, "land-db").document["dsn"] == source_dsn
    if "host" in target:  # with the password sent again, the move is the caller's own business
        again = await client.put("/v1/connectors/land-db", json=shown | {"password": PASSWORD})
        assert again.status_code == 200, again.text


async def test_hosts_off_the_connector_allow_list_are_refused(
    api_settings: Settings, source_dsn: str
) -> None:
    body = document(source_dsn)
    for allow, expected in ((["10.0.0.0/8", "db.example"], 422), (["10.0.0.0/8", "127.0.0.1/32"], 201)):
        app = create_app(api_settings.model_copy(update={"connector_host_allowlist": allow}))
        async with app.router.lifespan_context(app), admin_client(app) as client:
            response = await client.post("/v1/connectors", json=body)
            tested = await client.post("/v1/connectors/test", json=body | {"name": "probe"})
        assert response.status_code == expected, response.text
        if expected == 422:
            assert response.json()["code"] == "connector_host_not_allowed"
            assert response.json()["details"] == {"hosts": ["127.0.0.1"]}
            assert (tested.status_code, tested.json()["code"]) == (422, "connector_host_not_allowed")


async def test_registering_a_name_twice_is_a_conflict(client: httpx.AsyncClient, source_dsn: str) -> None:
    assert (await client.post("/v1/connectors", json=document(source_dsn))).status_code == 201
    again = await client.post("/v1/connectors", json=document(source_dsn))
    assert (again.status_code, again.json()["code"]) == (409, "connector_exists")


async def test_status_and_commands(client: httpx.AsyncClient, api_app: FastAPI, source_dsn: str) -> None:
    await client.post("/v1/connectors", json=document(source_dsn))
    status = (await client.get("/v1/connectors/land-db/status")).json()
    assert (status["state"], status["events_published"], status["position"]) == ("unassigned", 0, None)
    assert (await client.post("/v1/connectors/land-db/pause")).json()["paused"] is True
    assert (await client.post("/v1/connectors/land-db/resume")).json()["paused"] is False
    assert (await client.post("/v1/connectors/land-db/restart")).status_code == 202
    wrong = await client.post("/v1/connectors/land-db/snapshot", json={"tables": ["public.other"]})
    assert (wrong.status_code, wrong.json()["code"]) == (422, "unknown_table")
    asked = await client.post("/v1/connectors/land-db/snapshot", json={"tables": [land_parcels.TABLE]})
    assert asked.status_code == 202
    status = (await client.get("/v1/connectors/land-db/status")).json()
    assert status["pending_snapshot"] == [land_parcels.TABLE]
    with store_of(api_app).session() as session:
        row = session.get(stored.ConnectorRow, "land-db")
        assert row is not None and row.restart_seq == 1


async def test_delete_then_not_found(client: httpx.AsyncClient, source_dsn: str) -> None:
    await client.post("/v1/connectors", json=document(source_dsn))
    assert (await client.delete("/v1/connectors/land-db")).status_code == 204
    missing = await client.get("/v1/connectors/land-db/status")
    assert (missing.status_code, missing.json()["code"]) == (404, "connector_not_found")
