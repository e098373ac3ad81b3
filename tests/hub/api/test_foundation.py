"""The API's shared behaviour: probes, OpenAPI, and one problem shape for every kind of error."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from hub.api.bodies import RequestBody
from hub.settings import Settings
from schemas.errors import Conflict

PROBLEM = "application/problem+json"


class Echo(RequestBody):
    name: str


probe = APIRouter(prefix="/v1/probe")


@probe.post("/echo")
def echo(body: Echo) -> Echo:
    return body


@probe.get("/conflict")
def conflict() -> None:
    raise Conflict("already there", details={"name": "x"})


@probe.get("/boom")
def boom() -> None:
    raise RuntimeError("secret internals: password=hunter2")


@pytest.fixture
def api_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"api_max_body_bytes": 64})


@pytest.fixture
async def probed(api_app: FastAPI, client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    api_app.include_router(probe)
    yield client


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, object] = response.json()
    assert body["code"] == code
    assert body["status"] == status
    assert body["type"] == f"urn:hub:error:{code}"
    return body


async def test_liveness_answers(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}


@pytest.mark.integration
async def test_readiness_answers_when_kafka_does(broker_client: httpx.AsyncClient) -> None:
    assert (await broker_client.get("/readyz")).json() == {"status": "ok"}


async def test_openapi_is_served(client: httpx.AsyncClient) -> None:
    assert (await client.get("/docs")).status_code == 200
    document = (await client.get("/openapi.json")).json()
    assert document["info"]["title"] == "Data-exchange hub control plane"


async def test_unknown_route_is_a_not_found_problem(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/v1/no-such-thing"), 404, "not_found")


async def test_wrong_method_is_a_problem(client: httpx.AsyncClient) -> None:
    assert_problem(await client.delete("/healthz"), 405, "method_not_allowed")


async def test_hub_error_keeps_its_status_code_and_details(probed: httpx.AsyncClient) -> None:
    body = assert_problem(await probed.get("/v1/probe/conflict"), 409, "conflict")
    assert body["details"] == {"name": "x"}
    assert body["title"] == "already there"


async def test_unknown_field_is_rejected_with_its_name(probed: httpx.AsyncClient) -> None:
    response = await probed.post("/v1/probe/echo", json={"name": "a", "nmae": "b"})
    body = assert_problem(response, 422, "invalid_input")
    assert body["details"] == [
        {"field": "body.nmae", "message": "Extra inputs are not permitted", "type": "extra_forbidden"}
    ]


async def test_malformed_json_is_invalid_input(probed: httpx.AsyncClient) -> None:
    response = await probed.post(
        "/v1/probe/echo", content=b'{"name": ', headers={"content-type": "application/json"}
    )
    assert_problem(response, 422, "invalid_input")


async def test_declared_oversized_body_is_refused(probed: httpx.AsyncClient) -> None:
    response = await probed.post("/v1/probe/echo", json={"name": "x" * 100})
    assert_problem(response, 413, "payload_too_large")


async def test_streamed_oversized_body_is_refused(probed: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"          "

    response = await probed.post("/v1/probe/echo", content=chunks())
    assert "content-length" not in response.request.headers
    assert_problem(response, 413, "payload_too_large")


async def test_body_within_limit_passes(probed: httpx.AsyncClient) -> None:
    response = await probed.post("/v1/probe/echo", json={"name": "x" * 20})
    assert response.status_code == 200
    assert response.json() == {"name": "x" * 20}


async def test_unexpected_error_hides_its_internals(probed: httpx.AsyncClient) -> None:
    response = await probed.get("/v1/probe/boom")
    body = assert_problem(response, 500, "internal_error")
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text
    assert body["title"] == "internal error"


async def test_every_v1_operation_documents_problem_responses(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    operations = [op for path, item in paths.items() if path.startswith("/v1/") for op in item.values()]
    assert operations
    for operation in operations:
        for status in ("413", "422", "500"):
            assert PROBLEM in operation["responses"][status]["content"], operation["operationId"]
