"""``/v1/units`` through the real app: list, diff, load (with re-homing through a fake job runner),
progress, and each refusal with its code; only admins reach it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from hub.api.routers.units import get_units_service
from hub.services.units import UnitsService
from tests.fixtures.admin_units.build import MERGE_FILE
from tests.fixtures.admin_units.versions import edited, merge_document
from tests.hub.access.world import build_world
from tests.hub.services.units_world import REHOMED, FakeRunner, with_subscriptions

MERGE = MERGE_FILE.read_bytes()


@pytest.fixture
def runner(api_app: FastAPI) -> FakeRunner:
    runner = FakeRunner()
    with_subscriptions(api_app.state.store)
    api_app.dependency_overrides[get_units_service] = lambda: UnitsService(
        api_app.state.store, runner, runner.get
    )
    return runner


async def load(client: httpx.AsyncClient, raw: bytes) -> httpx.Response:
    return await client.post("/v1/units", content=raw, headers={"Content-Type": "application/json"})


async def test_a_fresh_hub_lists_the_shipped_version(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/units")
    assert response.status_code == 200
    assert [(v["version"], v["shipped"], v["active"]) for v in response.json()] == [("2025.07", True, True)]


async def test_loading_activates_and_rehomes(client: httpx.AsyncClient, runner: FakeRunner) -> None:
    response = await load(client, MERGE)
    assert response.status_code == 201, response.text
    report = response.json()
    assert report["version"]["version"] == "2026.01" and report["version"]["active"]
    assert report["diff"]["counts"]["merged"] == 2
    assert sorted(job["subscription_id"] for job in report["rehoming"]) == REHOMED
    assert [v["active"] for v in (await client.get("/v1/units")).json()] == [False, True]
    progress = (await client.get("/v1/units/2026.01/rehoming")).json()
    assert sorted(item["subscription_id"] for item in progress) == REHOMED
    assert (await client.post("/v1/units/2026.01/rehome")).json() == []  # every job started


async def test_a_load_that_moves_no_subscription_starts_no_job(client: httpx.AsyncClient) -> None:
    report = (await load(client, MERGE)).json()
    assert report["rehoming"] == [] and report["version"]["active"]  # this store has no subscription


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (b"not json", 422, "invalid_units_file"),
        (b'{"format": "gov-data-hub/admin-units/1"}', 422, "invalid_units_file"),
        (edited(parent="2025.09"), 422, "unknown_units_parent"),
        (edited(version="2025.07"), 409, "units_version_exists"),
    ],
)
async def test_a_bad_file_is_refused_with_its_code(
    client: httpx.AsyncClient, runner: FakeRunner, raw: bytes, status: int, code: str
) -> None:
    response = await load(client, raw)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert runner.started == [] and len((await client.get("/v1/units")).json()) == 1


async def test_a_version_not_on_top_of_the_active_one_is_refused(client: httpx.AsyncClient) -> None:
    assert (await load(client, MERGE)).status_code == 201
    again = await load(client, MERGE)
    assert (again.status_code, again.json()["code"]) == (409, "units_version_exists")
    fork = await load(client, edited(version="2026.02"))
    assert (fork.status_code, fork.json()["code"]) == (409, "units_version_not_newer")


async def test_diff_of_names_and_files(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/units/diff", json={"old": "2025.07", "new": merge_document()})
    assert response.status_code == 200, response.text
    moves = [c["code"] for c in response.json()["communes"] if c["change"] == "merged"]
    assert moves == ["01849", "01864"]
    unknown = await client.post("/v1/units/diff", json={"old": "2024.01", "new": "2025.07"})
    assert (unknown.status_code, unknown.json()["code"]) == (404, "unknown_units_version")
    nested: dict[str, Any] = {}
    for _ in range(20):
        nested = {"a": nested}
    deep = await client.post("/v1/units/diff", json={"old": "2025.07", "new": nested})
    assert deep.status_code == 422 and "nested deeper than 10" in deep.text


async def test_progress_of_an_unknown_version_is_not_found(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/units/2030.01/rehoming")
    assert (response.status_code, response.json()["code"]) == (404, "unknown_units_version")


async def test_only_admins_reach_the_units(api_app: FastAPI) -> None:
    world = build_world(api_app.state.store)
    transport = httpx.ASGITransport(app=api_app, raise_app_exceptions=False)
    for who in ("operator", "quang_ninh", "civil"):
        async with world.client(transport, who) as caller:
            listed = await caller.get("/v1/units")
            loaded = await load(caller, MERGE)
        assert (listed.status_code, listed.json()["code"]) == (403, "role_missing")
        assert (loaded.status_code, loaded.json()["code"]) == (403, "role_missing")
