"""``/v1/quarantine``: connector roles (operators and the owning publisher read; the publisher
republishes), and a malformed id refused before Kafka is asked.

What the routes return from real quarantine topics is tested end to end in
``tests/hub/cli/test_quarantine.py``.
"""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.hub.access.world import build_world

ENTRY = "gov.civil-status.birth.v1.quarantine:0:7"


async def test_subscribers_see_nothing_and_operators_do_not_republish(api_app: FastAPI) -> None:
    world = build_world(api_app.state.store)
    transport = httpx.ASGITransport(app=api_app, raise_app_exceptions=False)
    async with world.client(transport, "quang_ninh") as province:
        for answer in (
            await province.get("/v1/quarantine"),
            await province.get(f"/v1/quarantine/{ENTRY}"),
            await province.post("/v1/quarantine/republish", json={}),
        ):
            assert (answer.status_code, answer.json()["code"]) == (403, "role_missing"), answer.text
    async with world.client(transport, "operator") as operator:
        answer = await operator.post("/v1/quarantine/republish", json={})
        assert (answer.status_code, answer.json()["code"]) == (403, "role_missing"), answer.text


async def test_a_malformed_entry_id_is_refused_with_its_code(api_app: FastAPI) -> None:
    world = build_world(api_app.state.store)
    transport = httpx.ASGITransport(app=api_app, raise_app_exceptions=False)
    async with world.client(transport, "operator") as operator:
        shown = await operator.get("/v1/quarantine/gov.civil-status.birth.v1:0:7")
    async with world.client(transport, "civil") as ministry:
        sent = await ministry.post("/v1/quarantine/republish", json={"ids": ["nope"]})
    for answer in (shown, sent):
        assert (answer.status_code, answer.json()["code"]) == (422, "quarantine_id_invalid"), answer.text
