"""A feed for a domain the code has never heard of, registered from one file, flows end to end.

The building-permit contract (``deploy/examples/contract-building-permit.json``) is registered
through the API while the connector worker is already running; a ministry table for it gets a
``postgres_cdc`` connector, a province subscribes, and a row committed in the table reaches a
real HTTP receiver, signed, carrying the exact contract version in ``dataschema`` and its values
in the wire forms the guide promises (decimal as text, dates as RFC 3339, bytes as base64). No
code names the feed: only the file does.
"""

from __future__ import annotations

import asyncio
import base64
from contextlib import AsyncExitStack
from typing import Any

import httpx
import psycopg
import pytest

from connectors.worker import Worker
from devtools.portal.receiver import create_receiver_app
from hub.api import create_app
from hub.cli.contract_files import read_schema
from hub.delivery.control.supervisor import Supervisor, SupervisorOptions
from hub.observability.connector_view import connector_health
from hub.services.contract_lookup import RegisteredContracts
from hub.settings import REPO_ROOT, Settings
from hub.store import connectors as stored_connectors
from hub.store.base import Store
from hub.store.connector_runtime import SqlControlPlane
from hub.subscriptions.secrets import generate_secret
from schemas import naming
from schemas.admin_units import default_normaliser
from schemas.contracts.compatibility import Mode
from tests.devtools.portal.serving import serving
from tests.hub.access.auth import admin_token, bearer
from tests.hub.delivery.waiting import eventually
from tests.integration.harness import hub_on

pytestmark = pytest.mark.integration

CONTRACT_FILE = REPO_ROOT / "deploy" / "examples" / "contract-building-permit.json"
PERMIT = "vn.gov.construction.building-permit.v1"
BA_DINH = "00004"  # a commune of Hà Nội (province 01)
SIGNATURE = b"\xde\xad\xbe\xef"
TABLE_SQL = """
CREATE TABLE building_permit (
    permit_no text PRIMARY KEY,
    commune_code text NOT NULL,
    permit_type text NOT NULL,
    site_address text NOT NULL,
    floors integer NOT NULL,
    gross_floor_area_m2 numeric(12, 2) NOT NULL,
    issue_date date NOT NULL,
    expiry_date date,
    owner_full_name text NOT NULL,
    owner_citizen_id text,
    owner_health_exemption boolean NOT NULL,
    approval_signature bytea,
    updated_at timestamptz NOT NULL
)"""


def connector_document(name: str, dsn: str) -> dict[str, Any]:
    feed = {"table": "public.building_permit", "event_type": PERMIT, "admin_unit_column": "commune_code"}
    return {"name": name, "kind": "postgres_cdc", "dsn": dsn, "poll_interval_ms": 100,
            "heartbeat_interval_s": 0.2, "feeds": [feed]}  # fmt: skip


async def created(response: Any) -> dict[str, Any]:
    answer: httpx.Response = await response
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_a_new_domain_registered_from_one_file_reaches_the_province(
    settings: Settings, kafka_bootstrap: str, pg_database: str, unique: str
) -> None:
    engine, store = await hub_on(settings, kafka_bootstrap)
    secret, stop = generate_secret(), asyncio.Event()
    worker_id, connector, permit_no = f"permits-{unique}", f"xay-dung-{unique}", f"125/GPXD-{unique.upper()}"
    async with AsyncExitStack() as stack:
        receiver_url = await stack.enter_async_context(serving(create_receiver_app([secret])))
        api_app = create_app(engine.model_copy(update={"auth_enabled": True}))
        await stack.enter_async_context(api_app.router.lifespan_context(api_app))
        api = await stack.enter_async_context(httpx.AsyncClient(
            transport=httpx.ASGITransport(app=api_app), base_url="http://hub.test",
            headers=bearer(admin_token(api_app.state.store)),
        ))  # fmt: skip
        receiver = await stack.enter_async_context(httpx.AsyncClient(base_url=receiver_url, timeout=10))
        worker = Worker(SqlControlPlane(store, worker_id, lease_ttl_s=5), kafka_bootstrap,
                        RegisteredContracts(store, Mode.BACKWARD), worker_id, heartbeat_s=0.2)  # fmt: skip
        supervisor = Supervisor(engine, store, default_normaliser(), SupervisorOptions(poll_s=0.2))
        tasks = [asyncio.create_task(worker.run(stop)), asyncio.create_task(supervisor.run(stop))]
        try:
            registered = await created(api.post("/v1/contracts", json={"schema": read_schema(CONTRACT_FILE)}))
            with psycopg.connect(pg_database, autocommit=True) as db:
                db.execute(TABLE_SQL)
            await created(api.post("/v1/connectors", json=connector_document(connector, pg_database)))
            await created(api.post("/v1/subscriptions", json={
                "id": f"ha-noi-{unique}", "endpoint_url": f"{receiver_url}/hook",
                "feeds": ["vn.gov.construction.*"], "filter": {"admin_units": ["01"]}, "secret": secret,
            }))  # fmt: skip
            await eventually(lambda: _phase(store, connector) == "streaming", timeout_s=30)
            with psycopg.connect(pg_database, autocommit=True) as db:
                db.execute(
                    "INSERT INTO building_permit VALUES (%s, %s, 'new_construction', 'số 8 phố Kim Mã', 5,"
                    " 412.50, '2026-11-20', NULL, 'Nguyễn Thị Hạnh', '001190004567', false, %s,"
                    " '2026-11-20 09:30:00+07')",
                    (permit_no, BA_DINH, SIGNATURE),
                )
            event = await _arrival(receiver, permit_no)
        finally:
            stop.set()
            async with asyncio.timeout(30):
                await asyncio.gather(*tasks)
            store.engine.dispose()

    assert registered["schema"]["$id"] == naming.contract_id(PERMIT, 1)
    assert (event["type"], event["subject"]) == (PERMIT, permit_no)
    assert event["dataschema"] == "urn:vn-gov-hub:contract:vn.gov.construction.building-permit.v1:v1"
    after = event["data"]["after"]
    assert after["gross_floor_area_m2"] == "412.50"  # numeric: exact decimal text
    assert (after["floors"], after["owner_health_exemption"], after["expiry_date"]) == (5, False, None)
    assert after["issue_date"] == "2026-11-20"
    assert after["updated_at"] == "2026-11-20T02:30:00Z"
    assert base64.b64decode(after["approval_signature"]) == SIGNATURE


def _phase(store: Store, name: str) -> str | None:
    with store.session() as session:
        return connector_health(stored_connectors.get(session, name)).phase


async def _arrival(receiver: httpx.AsyncClient, subject: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = []

    async def arrived() -> bool:
        pushes = (await receiver.get("/received", params={"limit": 1000})).json()
        found[:] = [event for push in pushes for event in push["events"] if event.get("subject") == subject]
        return bool(found)

    await eventually(arrived, timeout_s=60, every_s=0.2)
    return found[0]
