"""``/v1/subscriptions/{id}/backfill`` and ``.../backfills``: queue a job, read it, one at a time."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from hub.store import state_jobs
from hub.store import subscriptions as stored
from hub.store.base import Store
from hub.subscriptions.model import SubscriptionSpec
from hub.subscriptions.secrets import SigningSecrets, generate_secret


def _store(app: FastAPI) -> Store:
    store: Store = app.state.store
    return store


def _subscribe(app: FastAPI, sid: str) -> None:
    spec = SubscriptionSpec(id=sid, endpoint_url="https://portal.example/hook", feeds=["vn.gov.land.*"])
    with _store(app).session() as session:
        stored.insert(session, spec, SigningSecrets(generate_secret()))


async def test_a_backfill_is_queued_readable_and_audited(api_app: FastAPI, client: httpx.AsyncClient) -> None:
    _subscribe(api_app, "tuyen-quang")
    made = await client.post("/v1/subscriptions/tuyen-quang/backfill")
    assert made.status_code == 202
    job = made.json()
    assert (job["kind"], job["state"], job["total"], job["produced"]) == ("backfill", "pending", None, 0)
    one = (await client.get(f"/v1/subscriptions/tuyen-quang/backfills/{job['id']}")).json()
    assert one["id"] == job["id"] and one["eta_s"] is None
    listed = (await client.get("/v1/subscriptions/tuyen-quang/backfills")).json()
    assert [item["id"] for item in listed] == [job["id"]]
    audit = (await client.get("/v1/audit", params={"limit": 10})).json()
    entries = audit["items"] if isinstance(audit, dict) else audit
    assert any(e["action"] == "subscription.backfill" and e["resource_id"] == "tuyen-quang" for e in entries)


async def test_one_open_job_per_subscription(api_app: FastAPI, client: httpx.AsyncClient) -> None:
    _subscribe(api_app, "tuyen-quang")
    first = (await client.post("/v1/subscriptions/tuyen-quang/backfill")).json()
    again = await client.post("/v1/subscriptions/tuyen-quang/backfill")
    assert again.status_code == 409
    assert again.json()["code"] == "job_running" and again.json()["details"] == {"job": first["id"]}
    with _store(api_app).session() as session:
        state_jobs.finish(session, first["id"], "done")
    assert (await client.post("/v1/subscriptions/tuyen-quang/backfill")).status_code == 202


async def test_unknown_subscription_and_job_are_refused_with_their_codes(
    api_app: FastAPI, client: httpx.AsyncClient
) -> None:
    missing = await client.post("/v1/subscriptions/nobody/backfill")
    assert missing.status_code == 404 and missing.json()["code"] == "subscription_not_found"
    _subscribe(api_app, "tuyen-quang")
    no_job = await client.get("/v1/subscriptions/tuyen-quang/backfills/41")
    assert no_job.status_code == 404 and no_job.json()["code"] == "job_not_found"
    bad_id = await client.get("/v1/subscriptions/tuyen-quang/backfills/0")
    assert bad_id.status_code == 422
