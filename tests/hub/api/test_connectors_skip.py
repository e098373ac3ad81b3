"""``POST /v1/connectors/{name}/skip``: only a connector held on a change, audited, acted on once.

The worker's side (the held change quarantined as ``skipped_by_operator``) is tested on the task
(``tests/connectors/test_task.py``); here the request, its refusal and what the worker is told.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from fastapi import FastAPI

from connectors import registry
from connectors.status import ErrorInfo, TaskState, TaskStatus
from hub.store import connectors as stored
from hub.store.base import Store
from hub.store.connector_runtime import SqlControlPlane
from schemas.errors import BusError

DOCUMENT = {
    "name": "hotich",
    "kind": "sql_polling",
    "url": "sqlite:///nowhere.db",
    "feeds": [{"table": "main.birth", "event_type": "vn.gov.civil-status.birth.v1"}],
}


async def test_skip_is_refused_unless_held_then_recorded_once_and_audited(
    api_app: FastAPI, client: httpx.AsyncClient
) -> None:
    store: Store = api_app.state.store
    with store.session() as session:
        stored.insert(session, registry.parse_config(DOCUMENT))
    nothing = await client.post("/v1/connectors/hotich/skip")
    assert (nothing.status_code, nothing.json()["code"]) == (409, "nothing_held")

    worker = SqlControlPlane(store, "w-1")
    assert await worker.claim(10) == ["hotich"]
    await worker.save("hotich", "000000000042.000000")
    failing = TaskStatus(state=TaskState.RESTARTING, position="000000000042.000000")
    failing.last_error = ErrorInfo.of(BusError("the broker refused the record"), datetime.now(UTC))
    await worker.report({"hotich": failing.document()})

    asked = await client.post("/v1/connectors/hotich/skip")
    assert asked.status_code == 202, asked.text
    assert asked.json()["skip_after"] == "000000000042.000000"
    told = (await worker.assignments(["hotich"]))["hotich"]
    assert (told.skip_seq, told.skip_after) == (1, "000000000042.000000")
    audit = (await client.get("/v1/audit", params={"action": "connector.skip"})).json()["items"]
    assert [(e["resource_id"], e["after"]["skip_after"]) for e in audit] == [
        ("hotich", "000000000042.000000")
    ]
    assert audit[0]["before"]["last_error"]["code"] == "bus_error"
