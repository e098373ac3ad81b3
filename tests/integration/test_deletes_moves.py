"""Deletes, moves and split communes end to end: a PostgreSQL table with the DEFAULT replica identity
-> postgres_cdc connector (with its record memory in the control-plane store) -> Kafka -> the
delivery engine -> one reference receiver per subscription, each verifying its own signatures.

The table's primary key is an internal ``id``, the record key is ``serial`` (another column), so a
delete carries only ``id``: its record key and unit come from the connector's record memory.

One certificate is created in Hà Nội (Phường Ba Đình), updated, moved to Cần Thơ (Phường Cái Khế)
and deleted: Hà Nội gets the create, the update and a move-out (no record in it); Cần Thơ the
moved update and the delete; a national subscriber all four. A second one is created in Phường
Hàng Trống (00070), a pre-merger ward split between today's Hoàn Kiếm (00070, the same code) and
Cửa Nam (00082): both wards' subscribers get it, and Hà Nội's once; then its serial (the record
key, not the primary key) changes: the old key is deleted first, for every one of them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import psycopg
import pytest

from connectors import registry
from connectors.worker import Worker
from devtools.portal.receiver import create_receiver_app
from hub.api import create_app
from hub.delivery.control.supervisor import Supervisor, SupervisorOptions
from hub.observability.connector_view import connector_health
from hub.routing.moves import moved_out_id
from hub.services.contract_lookup import RegisteredContracts
from hub.settings import Settings
from hub.store import connectors as stored_connectors
from hub.store import subscriptions as stored_subscriptions
from hub.store.base import Store
from hub.store.connector_runtime import SqlControlPlane
from hub.store.contracts import ContractRegistry
from hub.subscriptions.model import SubscriptionSpec
from hub.subscriptions.secrets import SigningSecrets, generate_secret
from schemas.admin_units import default_normaliser
from schemas.contracts.compatibility import Mode
from tests.contract_documents import contract
from tests.devtools.portal.serving import serving
from tests.hub.access.auth import admin_token, bearer
from tests.hub.delivery.waiting import eventually
from tests.integration.harness import hub_on

pytestmark = pytest.mark.integration

TABLE = "public.certs"
FIELDS = {
    "id": {"type": "integer"}, "serial": {"type": "string"}, "holder": {"type": "string"},
    "commune_code": {"type": "string"},
}  # fmt: skip
BA_DINH, CAI_KHE, HANG_TRONG = "00004", "31120", "00070"
SCOPES = {"hanoi": ["01"], "cantho": ["92"], "national": [], "hoankiem": ["00070"], "cuanam": ["00082"]}


@dataclass
class Run:
    store: Store
    source: psycopg.AsyncConnection[tuple[Any, ...]]
    receivers: dict[str, httpx.AsyncClient]
    connector: str
    api: httpx.AsyncClient
    unique: str

    async def path(self, event_id: str, portal: str) -> dict[str, Any] | None:
        """The trace's account of one subscription's handling of an event."""
        response = await self.api.get(f"/v1/events/{event_id}/trace")
        if response.status_code != 200:
            return None
        paths = {p["subscription_id"]: p for p in response.json()["subscriptions"]}
        return paths.get(f"{portal}-{self.unique}")

    async def events(self, portal: str) -> list[dict[str, Any]]:
        pushes = (await self.receivers[portal].get("/received", params={"limit": 1000})).json()
        return [event for push in pushes for event in push["events"]]

    def phase(self) -> str | None:
        with self.store.session() as session:
            return connector_health(stored_connectors.get(session, self.connector)).phase


def _prepare(
    store: Store, dsn: str, unique: str, event_type: str, portals: dict[str, tuple[str, str]]
) -> str:
    with psycopg.connect(dsn, autocommit=True) as db:  # REPLICA IDENTITY stays DEFAULT
        db.execute(
            "CREATE TABLE certs (id integer PRIMARY KEY, serial text NOT NULL UNIQUE, holder text NOT NULL, "
            "commune_code text NOT NULL)"
        )
    config = registry.parse_config({
        "name": f"pg-{unique}", "kind": "postgres_cdc", "dsn": dsn, "poll_interval_ms": 100,
        "heartbeat_interval_s": 0.2,
        "feeds": [{"table": TABLE, "event_type": event_type, "key": ["serial"],
                   "admin_unit_column": "commune_code"}],
    })  # fmt: skip
    with store.session() as session:
        document = contract(
            event_type, FIELDS, key=("serial",), admin_unit="commune_code",
            required=["serial", "holder", "commune_code"],
        )  # fmt: skip
        ContractRegistry(session, Mode.BACKWARD).register(event_type, document)
        stored_connectors.insert(session, config)
        for name, (url, secret) in portals.items():
            spec = SubscriptionSpec.model_validate({
                "id": f"{name}-{unique}", "endpoint_url": f"{url}/hook", "feeds": [event_type],
                "filter": {"admin_units": SCOPES[name]}, "delivery": {"ordering": "key"},
            })  # fmt: skip
            stored_subscriptions.insert(session, spec, SigningSecrets(secret))
    return config.name


@asynccontextmanager
async def running(
    settings: Settings, kafka_bootstrap: str, pg_database: str, unique: str
) -> AsyncIterator[Run]:
    engine, store = await hub_on(settings, kafka_bootstrap)
    stop = asyncio.Event()
    async with AsyncExitStack() as stack:
        portals: dict[str, tuple[str, str]] = {}
        receivers: dict[str, httpx.AsyncClient] = {}
        for name in SCOPES:
            secret = generate_secret()  # each portal verifies its own subscription's signatures only
            url = await stack.enter_async_context(serving(create_receiver_app([secret])))
            portals[name] = (url, secret)
            receivers[name] = await stack.enter_async_context(httpx.AsyncClient(base_url=url, timeout=10))
        event_type = f"vn.gov.t{unique}.certificate.v1"
        connector = await asyncio.to_thread(_prepare, store, pg_database, unique, event_type, portals)
        worker_id = f"moves-{unique}"
        worker = Worker(
            SqlControlPlane(store, worker_id, lease_ttl_s=5), kafka_bootstrap,
            RegisteredContracts(store, Mode.BACKWARD), worker_id, heartbeat_s=0.2,
        )  # fmt: skip
        supervisor = Supervisor(engine, store, default_normaliser(), SupervisorOptions(poll_s=0.2))
        api_app = create_app(engine.model_copy(update={"auth_enabled": True}))
        await stack.enter_async_context(api_app.router.lifespan_context(api_app))
        api = await stack.enter_async_context(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=api_app), base_url="http://hub.test",
                headers=bearer(admin_token(api_app.state.store)),
            )
        )  # fmt: skip
        source = await stack.enter_async_context(
            await psycopg.AsyncConnection.connect(pg_database, autocommit=True)
        )
        tasks = [asyncio.create_task(worker.run(stop)), asyncio.create_task(supervisor.run(stop))]
        try:
            yield Run(store, source, receivers, connector, api, unique)
        finally:
            stop.set()
            async with asyncio.timeout(30):
                await asyncio.gather(*tasks)
            store.engine.dispose()


def _ops(events: list[dict[str, Any]], subject: str) -> list[tuple[str, str | None]]:
    return [(e["data"]["op"], e.get("adminunit")) for e in events if e["subject"] == subject]


async def test_deletes_and_moves_reach_exactly_the_right_portals_and_splits_reach_both_successors(
    settings: Settings, kafka_bootstrap: str, pg_database: str, unique: str
) -> None:
    async with running(settings, kafka_bootstrap, pg_database, unique) as run:
        await eventually(lambda: run.phase() == "streaming", timeout_s=60, every_s=0.2)
        db = run.source
        await db.execute("INSERT INTO certs VALUES (1, 'DA 000001', 'Nguyễn Văn An', %s)", (BA_DINH,))
        await db.execute("UPDATE certs SET holder = 'Nguyễn Văn Bình' WHERE id = 1")
        await db.execute("UPDATE certs SET commune_code = %s WHERE id = 1", (CAI_KHE,))
        await db.execute("DELETE FROM certs WHERE id = 1")
        await db.execute("INSERT INTO certs VALUES (2, 'DA 000002', 'Trần Thị Cúc', %s)", (HANG_TRONG,))
        await db.execute("UPDATE certs SET serial = 'DA 000003' WHERE id = 2")  # a new record key

        expected = {"hanoi": 6, "cantho": 2, "national": 7, "hoankiem": 3, "cuanam": 3}
        counts: dict[str, int] = {}

        async def arrived() -> bool:  # at least: an extra copy fails below, naming the counts
            counts.update({name: len(await run.events(name)) for name in SCOPES})
            return all(counts[name] >= want for name, want in expected.items())

        try:
            await eventually(arrived, timeout_s=60, every_s=0.2)
        except TimeoutError:
            raise AssertionError(f"portals received {counts}, expected {expected}") from None
        await asyncio.sleep(1.0)  # nothing more arrives (no duplicate routing of the split)
        received = {name: await run.events(name) for name in SCOPES}
        assert {name: len(events) for name, events in received.items()} == expected
        moved_id = next(e for e in received["national"] if e.get("adminunitprev"))["id"]

        async def traced() -> bool:
            path = await run.path(moved_id, "hanoi")
            return path is not None and path["outcome"] == "delivered"

        await eventually(traced, timeout_s=30, every_s=0.3)
        hanoi_path = await run.path(moved_id, "hanoi")

    first, second = "DA 000001", "DA 000002"
    assert _ops(received["hanoi"], first) == [("c", BA_DINH), ("u", BA_DINH), ("d", BA_DINH)]
    assert _ops(received["cantho"], first) == [("u", CAI_KHE), ("d", CAI_KHE)]
    assert _ops(received["national"], first) == [
        ("c", BA_DINH),
        ("u", BA_DINH),
        ("u", CAI_KHE),
        ("d", CAI_KHE),
    ]

    def of(portal: str, subject: str = first) -> list[dict[str, Any]]:
        return [e for e in received[portal] if e["subject"] == subject]

    moved_update = of("national")[2]
    assert moved_update["adminunitprev"] == BA_DINH and moved_update["data"]["after"]["holder"]
    move_out = of("hanoi")[2]
    assert move_out["id"] == moved_out_id(moved_update["id"])
    assert move_out["data"]["moved"] == {"from": BA_DINH, "to": CAI_KHE}
    assert move_out["data"]["before"] is None and move_out["data"]["after"] is None

    assert hanoi_path is not None and hanoi_path["decision"] == "matched"
    assert "moved out of 00004 to 31120" in hanoi_path["reason"]

    delete = of("cantho")[1]
    assert delete["id"] == of("national")[3]["id"]
    assert delete["data"]["before"] == {"serial": first}  # completed from memory: only the id came

    for name in ("hanoi", "national", "hoankiem", "cuanam"):
        created, old_key_deleted = of(name, second)
        (renamed,) = of(name, "DA 000003")
        assert [created["data"]["op"], old_key_deleted["data"]["op"], renamed["data"]["op"]] == [
            "c",
            "d",
            "u",
        ]
        for split in (created, old_key_deleted, renamed):
            assert split["adminunit"] == HANG_TRONG and split["adminunitcandidates"] == "00070,00082"
    assert not of("cantho", second)
