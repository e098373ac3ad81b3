"""Property-based fuzzing of the whole /v1 API from its OpenAPI document (schemathesis): whatever
a caller sends, the answer is never a server error.

The app runs in-process on a private store, called as the admin (who reaches the deepest code);
a province's token runs the same operations too, so the denial paths are fuzzed as well. Nothing
leaves the machine: webhook host names resolve to a fixed public address instead of DNS, and the
connector kinds' live source checks are replaced by a no-op (they would dial whatever host a
generated config names; they have their own tests).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from functools import partial
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi

from connectors import registry
from hub.api import create_app, problems
from hub.api.routers import connectors as connectors_router
from hub.api.routers.subscriptions import get_checks
from hub.endpoint_safety import EndpointPolicy, IPAddress
from hub.services.subscriptions import Checks, registered_feed_names
from hub.settings import Settings
from hub.store.base import Store
from schemas.admin_units import default_normaliser
from tests.hub.access.auth import admin_token, bearer
from tests.hub.access.world import World, build_world

MAX_EXAMPLES = 12  # per operation and caller: ~40 operations, a few seconds in all


async def fixed_address(_host: str, _port: int) -> list[IPAddress]:
    return [ipaddress.ip_address("93.184.216.34")]


@pytest.fixture(scope="module")
def app(base_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'hub.sqlite'}"
    made = create_app(base_settings.model_copy(update={"database_url": url}))

    def offline_checks() -> Checks:
        store: Store = made.state.store
        return Checks(
            EndpointPolicy(), partial(registered_feed_names, store), default_normaliser(), fixed_address
        )

    made.dependency_overrides[get_checks] = offline_checks
    yield made
    asgi.shutdown_lifespans()


@pytest.fixture(scope="module")
def api_schema(app: FastAPI) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", app)  # starts the app's lifespan


@pytest.fixture(scope="module")
def world(app: FastAPI, api_schema: Any) -> World:
    return build_world(app.state.store)


@pytest.fixture(autouse=True)
def _no_live_source_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "validate", lambda _config, _contracts: None)
    monkeypatch.setattr(connectors_router, "sample_rows", lambda _config, _limit: {})


def fuzz(api_schema: Any, headers: dict[str, str]) -> dict[str, str]:
    """Run every /v1 operation on valid and invalid inputs; the failures, by operation."""
    failures: dict[str, str] = {}
    for result in api_schema.include(path_regex=r"^/v1/").get_all_operations():
        operation = result.ok()
        inputs = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(
            GenerationMode.NEGATIVE
        )

        @given(case=inputs)
        @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
        def call(case: Any) -> None:  # a schemathesis Case
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        try:
            call()
        except Exception as exc:  # collected, reported together below
            failures[operation.label] = str(exc)[:2000]
    return failures


def test_no_server_error_as_admin(api_schema: Any, app: FastAPI) -> None:
    failures = fuzz(api_schema, bearer(admin_token(app.state.store)))
    assert not failures, "\n\n".join(f"{label}: {text}" for label, text in failures.items())


def test_no_server_error_as_a_province(api_schema: Any, world: World) -> None:
    failures = fuzz(api_schema, world.headers("quang_ninh"))
    assert not failures, "\n\n".join(f"{label}: {text}" for label, text in failures.items())


def _integer_inputs_without_maximum(document: dict[str, Any]) -> list[str]:
    """Integer parameters and body fields (following $refs) that accept any size."""
    components = document.get("components", {}).get("schemas", {})
    found: list[str] = []

    def walk(node: Any, where: str, seen: frozenset[str]) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, where, seen)
        if not isinstance(node, dict):
            return
        ref = node.get("$ref", "")
        if ref and ref not in seen:
            walk(
                components.get(ref.rsplit("/", 1)[-1], {}), f"{where}>{ref.rsplit('/', 1)[-1]}", seen | {ref}
            )
        if node.get("type") == "integer" and "maximum" not in node:
            found.append(where)
        for key, value in node.items():
            walk(
                value,
                f"{where}.{key}" if key == "properties" or where.endswith("properties") else where,
                seen,
            )

    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                walk(parameter.get("schema"), f"{method.upper()} {path} {parameter['name']}", frozenset())
            walk(operation.get("requestBody"), f"{method.upper()} {path} body", frozenset())
    return found


def test_every_integer_input_is_bounded(app: FastAPI) -> None:
    """The fuzzer rarely tries integers past 2**63, which the store cannot hold (a 500): the schema
    must bound every integer a caller sends."""
    assert _integer_inputs_without_maximum(app.openapi()) == []


HOSTILE = [
    ("GET", "/v1/deliveries?before_id=99999999999999999999"),
    ("GET", "/v1/deliveries?status=99999999999999999999"),
    ("GET", "/v1/audit?before_id=9223372036854775808"),
    ("GET", "/v1/grants/9223372036854775808"),
    ("GET", "/v1/subscriptions/qn-x/replays/9223372036854775808"),
    ("GET", "/v1/contracts/vn.gov.land.parcel.v1/versions/99999999999999999999"),
    ("GET", "/v1/orgs/999.99.99.Z99"),
    ("GET", "/v1/tokens?org=%00"),
    ("POST", "/v1/tokens/ffffffffffffffff/rotate"),
]


@pytest.mark.parametrize(("method", "path"), HOSTILE)
async def test_hostile_inputs_are_refused_not_crashed_on(
    method: str, path: str, app: FastAPI, world: World
) -> None:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with world.client(transport, "admin") as client:
        response = await client.request(method, path, json={})
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["code"]


def test_the_fuzzer_reports_a_server_error() -> None:
    """The harness above can fail: a route that crashes is found and named."""
    broken = FastAPI()
    problems.install(broken)

    @broken.get("/v1/broken")
    def crash(n: int = 0) -> dict[str, int]:
        raise RuntimeError("boom")

    failures = fuzz(schemathesis.openapi.from_asgi("/openapi.json", broken), {})
    assert list(failures) == ["GET /v1/broken"]
