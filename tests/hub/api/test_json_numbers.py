"""Non-finite numbers (``NaN``, ``Infinity``, ``1e400``) are refused in every API body with one code.

Python's JSON reader accepts them, and a subscription's ``retry.schedule_s: [NaN]`` used to be
stored and crash-loop its sink.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import httpx
import pytest

from hub.subscriptions.model import RetryPolicy

SUBSCRIPTION = {
    "id": "hanoi-births",
    "endpoint_url": "https://93.184.216.34/hook",
    "feeds": ["vn.gov.civil-status.*"],
    "retry": {"schedule_s": [0, "@"]},
}


def raw(document: Mapping[str, object], number: str) -> str:
    """The document as JSON with ``number`` written where the string ``"@"`` is."""
    return json.dumps(document).replace('"@"', number)


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400", "-1E+999"])
@pytest.mark.parametrize(
    ("method", "path", "document"),
    [
        ("POST", "/v1/subscriptions", SUBSCRIPTION),
        ("PUT", "/v1/subscriptions/hanoi-births", SUBSCRIPTION | {"unhealthy_after_s": "@", "retry": {}}),
        ("POST", "/v1/connectors", {"name": "land-db", "kind": "sql_polling", "batch_size": "@"}),
        ("POST", "/v1/subscriptions/hanoi-births/replay", {"from": "@"}),
    ],
)
async def test_non_finite_numbers_are_refused_with_their_own_code(
    client: httpx.AsyncClient, method: str, path: str, document: dict[str, object], number: str
) -> None:
    response = await client.request(
        method, path, content=raw(document, number), headers={"content-type": "application/json"}
    )
    assert (response.status_code, response.json()["code"]) == (422, "non_finite_number"), response.text
    assert (await client.get("/v1/subscriptions")).json() == []


async def test_a_body_without_a_content_type_is_checked_too(client: httpx.AsyncClient) -> None:
    """FastAPI reads such a body as JSON, so it must not slip past the check."""
    response = await client.post("/v1/subscriptions", content=raw(SUBSCRIPTION, "NaN"))
    assert (response.status_code, response.json()["code"]) == (422, "non_finite_number"), response.text


async def test_finite_numbers_and_strings_naming_them_pass(client: httpx.AsyncClient) -> None:
    document = SUBSCRIPTION | {"retry": {"schedule_s": [0, 1e300]}, "filter": {"predicates": [
        {"path": "after.note", "op": "eq", "value": "NaN Infinity"}]}}  # fmt: skip
    response = await client.post("/v1/subscriptions", json=document)
    assert response.status_code == 201, response.text


def test_the_model_refuses_them_too() -> None:
    """A subscription file read by the CLI (YAML ``.nan``) meets the same rule before any request."""
    for value in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match="finite"):
            RetryPolicy(schedule_s=[value])
