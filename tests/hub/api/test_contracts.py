"""``/v1/contracts`` on the real app and store (SQLite, and PostgreSQL as in production).

Every rejected request is checked twice: for its status and stable code, and for leaving the
store exactly as it was.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from hub.settings import Settings
from schemas import naming
from schemas.feeds import all_feeds
from tests.contract_documents import contract
from tests.hub.api.test_foundation import assert_problem

SUBJECT = "vn.gov.test.person.v1"
OTHER = "vn.gov.test.other.v1"
BASE = f"/v1/contracts/{SUBJECT}"
BUILTIN = {spec.event_type for spec in all_feeds()}


def person(event_type: str = SUBJECT, id_type: str = "string") -> dict[str, Any]:
    properties = {"id": {"type": id_type}, "name": {"type": "string"}, "commune_code": {"type": "string"}}
    return contract(event_type, properties, key=("id",), admin_unit="commune_code", required=["id"])


V1 = person()
V2 = {**V1, "description": "a person"}  # same meaning, new text: a compatible change
BREAKING = person(id_type="integer")


def numbered(schema: dict[str, Any], version: int, subject: str = SUBJECT) -> dict[str, Any]:
    """The document as the registry stores and serves it: ``$id`` names its version."""
    return {**schema, "$id": naming.contract_id(subject, version)}


def added(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Listed subjects other than the built-in ones (seeded into every store)."""
    return [item for item in items if item["subject"] not in BUILTIN]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def api_settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    if request.param == "postgresql":
        pg: Settings = request.getfixturevalue("pg_settings")
        return pg
    return settings


def snapshot(app: FastAPI) -> list[list[tuple[Any, ...]]]:
    with app.state.store.session() as session:
        return [
            [tuple(row) for row in session.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2"))]  # noqa: S608
            for table in ("contract_subjects", "contract_versions")
        ]


@pytest.fixture
def unchanged(api_app: FastAPI) -> Callable[[Awaitable[httpx.Response]], Awaitable[httpx.Response]]:
    """Send a request and assert the store did not change because of it."""

    async def send(request: Awaitable[httpx.Response]) -> httpx.Response:
        before = snapshot(api_app)
        response = await request
        assert snapshot(api_app) == before
        return response

    return send


Unchanged = Callable[[Awaitable[httpx.Response]], Awaitable[httpx.Response]]


async def register(
    client: httpx.AsyncClient, schema: dict[str, Any], subject: str = SUBJECT
) -> httpx.Response:
    return await client.post(f"/v1/contracts/{subject}/versions", json={"schema": schema})


async def test_first_registration_is_version_one(client: httpx.AsyncClient) -> None:
    response = await register(client, V1)
    assert response.status_code == 201
    body = response.json()
    assert (body["subject"], body["version"], body["schema"]) == (SUBJECT, 1, numbered(V1, 1))
    assert len(body["fingerprint"]) == 64
    assert (await client.get(f"{BASE}/versions/latest")).json() == body
    assert (await client.get(f"{BASE}/versions/1")).json() == body


async def test_registering_a_live_schema_again_changes_nothing(
    client: httpx.AsyncClient, unchanged: Unchanged
) -> None:
    first = (await register(client, V1)).json()
    reordered = dict(reversed(list(V1.items())))
    again = await unchanged(register(client, reordered))
    assert again.status_code == 200
    assert again.json() == first


async def test_compatible_change_becomes_the_next_version(client: httpx.AsyncClient) -> None:
    await register(client, V1)
    response = await register(client, V2)
    assert (response.status_code, response.json()["version"]) == (201, 2)
    versions = (await client.get(f"{BASE}/versions")).json()["items"]
    assert [item["version"] for item in versions] == [1, 2]
    assert (await client.get(f"{BASE}/versions/latest")).json()["schema"] == numbered(V2, 2)
    assert (await client.get(f"{BASE}/versions/1")).json()["schema"] == numbered(V1, 1)


async def test_an_already_registered_older_schema_is_not_registered_again(client: httpx.AsyncClient) -> None:
    await register(client, V1)
    await register(client, V2)
    response = await register(client, V1)
    assert (response.status_code, response.json()["version"]) == (200, 1)


async def test_incompatible_change_is_refused_with_reasons(
    client: httpx.AsyncClient, unchanged: Unchanged
) -> None:
    await register(client, V1)
    response = await unchanged(register(client, BREAKING))
    body = assert_problem(response, 409, "incompatible_contract")
    assert "BACKWARD" in str(body["title"])
    details = body["details"]
    assert isinstance(details, list) and details
    assert {"path", "rule", "message", "version"} <= set(details[0])
    assert any("id" in item["path"] for item in details)


async def test_mode_none_accepts_anything_well_formed(client: httpx.AsyncClient) -> None:
    await register(client, V1)
    assert (await client.put(f"{BASE}/config", json={"compatibility": "NONE"})).status_code == 200
    assert (await register(client, BREAKING)).status_code == 201


async def test_malformed_schema_is_invalid_schema(client: httpx.AsyncClient, unchanged: Unchanged) -> None:
    await register(client, V1)
    response = await unchanged(register(client, {"type": "no-such-type"}))
    assert_problem(response, 422, "invalid_schema")


@pytest.mark.parametrize(
    "body",
    [{}, {"schema": [1, 2]}, {"schema": "text"}, {"schema": V1, "extra": 1}, {"scheme": V1}],
    ids=["empty", "array", "string", "unknown-field", "misspelt"],
)
async def test_malformed_body_is_invalid_input(
    client: httpx.AsyncClient, unchanged: Unchanged, body: dict[str, Any]
) -> None:
    await register(client, V1)
    assert_problem(await unchanged(client.post(f"{BASE}/versions", json=body)), 422, "invalid_input")


@pytest.mark.parametrize("subject", ["Upper.case", "under_score", "-leading", "trailing.", "x" * 201])
async def test_bad_subject_name_is_invalid_input(
    client: httpx.AsyncClient, unchanged: Unchanged, subject: str
) -> None:
    response = await unchanged(register(client, V1, subject=subject))
    body = assert_problem(response, 422, "invalid_input")
    assert body["details"][0]["field"] == "path.subject"  # type: ignore[index]


async def test_oversized_schema_is_refused(
    client: httpx.AsyncClient, unchanged: Unchanged, api_settings: Settings
) -> None:
    huge = {**V1, "description": "x" * api_settings.api_max_body_bytes}
    assert_problem(await unchanged(register(client, huge)), 413, "payload_too_large")


async def test_unknown_subject_and_version_are_not_found(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(f"{BASE}/versions"), 404, "not_found")
    assert_problem(await client.get(f"{BASE}/versions/latest"), 404, "not_found")
    await register(client, V1)
    assert_problem(await client.get(f"{BASE}/versions/2"), 404, "not_found")


@pytest.mark.parametrize("ref", ["0", "-1", "one", "1.5", "٣"])
async def test_bad_version_reference_is_invalid_input(client: httpx.AsyncClient, ref: str) -> None:
    await register(client, V1)
    assert_problem(await client.get(f"{BASE}/versions/{ref}"), 422, "invalid_input")


async def test_subjects_are_listed_with_latest_version_and_mode(client: httpx.AsyncClient) -> None:
    await register(client, V1)
    await register(client, V2)
    await register(client, person(OTHER), subject=OTHER)
    await client.put(f"/v1/contracts/{OTHER}/config", json={"compatibility": "FULL"})
    items = (await client.get("/v1/contracts")).json()["items"]
    assert added(items) == [
        {"subject": OTHER, "latest_version": 1, "version_count": 1, "compatibility": "FULL"},
        {"subject": SUBJECT, "latest_version": 2, "version_count": 2, "compatibility": "BACKWARD"},
    ]
    assert {item["subject"] for item in items} == BUILTIN | {OTHER, SUBJECT}


async def test_mode_defaults_to_the_settings_and_can_be_set(client: httpx.AsyncClient) -> None:
    assert (await client.get(f"{BASE}/config")).json() == {"compatibility": "BACKWARD"}
    response = await client.put(f"{BASE}/config", json={"compatibility": "FULL_TRANSITIVE"})
    assert response.json() == {"compatibility": "FULL_TRANSITIVE"}
    assert (await client.get(f"{BASE}/config")).json() == {"compatibility": "FULL_TRANSITIVE"}


@pytest.mark.parametrize("body", [{"compatibility": "SOMETIMES"}, {"compatibility": "full"}, {}])
async def test_wrong_mode_is_invalid_input(
    client: httpx.AsyncClient, unchanged: Unchanged, body: dict[str, Any]
) -> None:
    await register(client, V1)
    assert_problem(await unchanged(client.put(f"{BASE}/config", json=body)), 422, "invalid_input")


async def test_dry_run_reports_without_storing(client: httpx.AsyncClient, unchanged: Unchanged) -> None:
    await register(client, V1)
    ok = (await unchanged(client.post(f"{BASE}/compatibility", json={"schema": V2}))).json()
    assert ok == {"compatible": True, "compatibility": "BACKWARD", "incompatibilities": []}
    bad = (await unchanged(client.post(f"{BASE}/compatibility", json={"schema": BREAKING}))).json()
    assert bad["compatible"] is False
    assert bad["incompatibilities"]


async def test_dry_run_rejects_a_malformed_schema(client: httpx.AsyncClient, unchanged: Unchanged) -> None:
    response = await unchanged(client.post(f"{BASE}/compatibility", json={"schema": {"type": 3}}))
    assert_problem(response, 422, "invalid_schema")


async def test_deleted_subject_disappears_and_restarts_without_reusing_numbers(
    client: httpx.AsyncClient,
) -> None:
    await register(client, V1)
    await register(client, V2)
    assert (await client.delete(f"/v1/contracts/{SUBJECT}")).json() == {
        "subject": SUBJECT,
        "deleted_versions": [1, 2],
    }
    assert added((await client.get("/v1/contracts")).json()["items"]) == []
    assert_problem(await client.get(f"{BASE}/versions/1"), 404, "not_found")
    assert_problem(await client.delete(f"/v1/contracts/{SUBJECT}"), 404, "not_found")
    response = await register(client, BREAKING)  # the deleted history no longer constrains it
    assert (response.status_code, response.json()["version"]) == (201, 3)


def nested(levels: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object"}
    for _ in range(levels):
        schema = {"type": "object", "properties": {"a": schema}}
    return schema


async def test_reasonably_nested_schema_is_accepted(client: httpx.AsyncClient) -> None:
    deep = {**V1, "properties": {**V1["properties"], "deep": {**nested(20), "description": "d",
                                                            "x-sensitivity": "public"}}}  # fmt: skip
    assert (await register(client, deep)).status_code == 201


@pytest.mark.parametrize("levels", [40, 400], ids=["deep", "deeper-than-the-json-parser"])
async def test_deeply_nested_schema_is_invalid_input(
    client: httpx.AsyncClient, unchanged: Unchanged, levels: int
) -> None:
    text = '{"type":"object","properties":{"a":' * levels + "{}" + "}}" * levels
    request = client.post(
        f"{BASE}/versions", content=f'{{"schema": {text}}}', headers={"content-type": "application/json"}
    )
    assert_problem(await unchanged(request), 422, "invalid_input")


EXAMPLE = Path(__file__).resolve().parents[3] / "deploy" / "examples" / "contract-building-permit.json"
PERMIT = "vn.gov.construction.building-permit.v1"


async def test_a_new_feed_is_one_document_registered_under_its_own_event_type(
    client: httpx.AsyncClient,
) -> None:
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    response = await client.post("/v1/contracts", json={"schema": document})
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["subject"], body["version"]) == (PERMIT, 1)
    assert body["schema"]["$id"] == naming.contract_id(PERMIT, 1)
    again = await client.post("/v1/contracts", json={"schema": document})
    assert (again.status_code, again.json()["version"]) == (200, 1)
    assert PERMIT in {item["subject"] for item in (await client.get("/v1/contracts")).json()["items"]}


async def test_a_document_without_the_hub_metadata_is_refused_with_every_problem(
    client: httpx.AsyncClient, unchanged: Unchanged
) -> None:
    broken = person()
    del broken["properties"]["name"]["x-sensitivity"]
    broken["x-key-fields"] = ["nope"]
    response = await unchanged(register(client, broken))
    body = assert_problem(response, 422, "invalid_contract")
    details: list[dict[str, Any]] = body["details"]  # type: ignore[assignment]
    codes = {item["code"] for item in details}
    assert codes == {"missing_sensitivity", "unknown_key_field"}


async def test_a_document_of_another_event_type_is_refused(
    client: httpx.AsyncClient, unchanged: Unchanged
) -> None:
    assert_problem(await unchanged(register(client, person(OTHER))), 422, "subject_mismatch")


async def test_an_id_naming_another_version_is_refused(
    client: httpx.AsyncClient, unchanged: Unchanged
) -> None:
    response = await unchanged(register(client, numbered(V1, 2)))
    body = assert_problem(response, 409, "contract_version_mismatch")
    assert body["details"] == {"named": 2, "next": 1}


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"x-key-fields": ["name"]}, "key_fields_changed"),
        ({"x-admin-unit-field": "name"}, "admin_unit_field_changed"),
    ],
)
async def test_key_and_admin_unit_fields_stay_put_within_a_major(
    client: httpx.AsyncClient, unchanged: Unchanged, change: dict[str, Any], rule: str
) -> None:
    await register(client, V1)
    assert (await client.put(f"{BASE}/config", json={"compatibility": "NONE"})).status_code == 200
    changed = {**V1, **change, "required": ["id", "name"]}
    body = assert_problem(await unchanged(register(client, changed)), 409, "incompatible_contract")
    details: list[dict[str, Any]] = body["details"]  # type: ignore[assignment]
    assert [item["rule"] for item in details] == [rule]
