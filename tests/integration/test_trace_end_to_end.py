"""One record followed through a real run: PostgreSQL table -> postgres_cdc connector -> Kafka ->
delivery engine -> the reference receiver on a loopback port, then read back three ways.

- the trace API returns every hop in order with the right statuses (a 500 then a 200 for the
  first change; a 400, dead-lettering, redelivery and a 200 for the second), each
  subscription's filter decision, and the record's two events in log order;
- the spans exported to an in-memory exporter form one trace per change: capture -> send ->
  routing and each push attempt, joined through the Kafka headers, and the receiver's own
  request spans continue it from the push's ``traceparent``;
- ``/metrics`` counts exactly what was delivered, retried, dead-lettered and filtered out.

Everything runs in the test's event loop: the connector worker and the supervisor as in
``devtools dev``, the API through its ASGI app, the receiver on a real uvicorn server.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import psycopg
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from connectors import registry
from connectors.worker import Worker
from devtools.portal.receiver import create_receiver_app
from hub.api import create_app
from hub.delivery.control.supervisor import Supervisor, SupervisorOptions
from hub.observability.connector_view import connector_health
from hub.services.contract_lookup import RegisteredContracts
from hub.settings import Settings
from hub.store import connectors as stored_connectors
from hub.store import subscriptions as stored_subscriptions
from hub.store.base import Store
from hub.store.connector_runtime import SqlControlPlane
from hub.store.contracts import ContractRegistry
from hub.subscriptions.model import SubscriptionSpec
from hub.subscriptions.secrets import SigningSecrets, generate_secret
from hub.telemetry import setup_tracing
from schemas import naming
from schemas.admin_units import default_normaliser
from schemas.contracts.compatibility import Mode
from schemas.tracing import TRACER_NAME
from tests.contract_documents import contract
from tests.devtools.portal.serving import serving
from tests.hub.access.auth import admin_token, bearer
from tests.hub.delivery.waiting import eventually
from tests.integration.harness import hub_on

pytestmark = pytest.mark.integration

TABLE = "public.people"
PERSON_FIELDS = {"id": {"type": "integer"}, "name": {"type": "string"}, "commune_code": {"type": "string"}}
HANOI, HO_CHI_MINH_CITY = "01", "79"
BA_DINH = "00004"  # a commune of Hà Nội


@dataclass
class Run:
    store: Store
    api: httpx.AsyncClient
    receiver: httpx.AsyncClient
    source: psycopg.AsyncConnection[tuple[Any, ...]]
    connector: str
    event_type: str
    portal: str  # the subscription that wants the record (Hà Nội)
    far: str  # one that filters it out (Hồ Chí Minh City)

    async def received_ids(self) -> list[str]:
        pushes = (await self.receiver.get("/received", params={"limit": 1000})).json()
        return [event["id"] for push in pushes for event in push["events"]]

    async def trace(self, event_id: str) -> dict[str, Any]:
        response = await self.api.get(f"/v1/events/{event_id}/trace")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def connector_phase(self) -> str | None:
        with self.store.session() as session:
            return connector_health(stored_connectors.get(session, self.connector)).phase


@pytest.fixture(scope="module")
def exporter() -> InMemorySpanExporter:
    found = InMemorySpanExporter()
    setup_tracing("hub-e2e", Settings(), exporter=found)
    return found


def _prepare(
    store: Store, source_dsn: str, unique: str, event_type: str, receiver_url: str, secret: str
) -> str:
    with psycopg.connect(source_dsn, autocommit=True) as db:
        db.execute(
            "CREATE TABLE people (id integer PRIMARY KEY, name text NOT NULL, commune_code text NOT NULL)"
        )
    config = registry.parse_config({
        "name": f"pg-{unique}", "kind": "postgres_cdc", "dsn": source_dsn, "poll_interval_ms": 100,
        "heartbeat_interval_s": 0.2,
        "feeds": [{"table": TABLE, "event_type": event_type, "admin_unit_column": "commune_code"}],
    })  # fmt: skip
    with store.session() as session:
        person = contract(event_type, PERSON_FIELDS, key=("id",), admin_unit="commune_code")
        ContractRegistry(session, Mode.BACKWARD).register(event_type, person)
        stored_connectors.insert(session, config)
        for sid, province in ((f"portal-{unique}", HANOI), (f"far-{unique}", HO_CHI_MINH_CITY)):
            spec = SubscriptionSpec.model_validate({
                "id": sid, "endpoint_url": f"{receiver_url}/hook", "feeds": [event_type],
                "filter": {"admin_units": [province]}, "retry": {"schedule_s": [0, 0.3, 0.5]},
            })  # fmt: skip
            stored_subscriptions.insert(session, spec, SigningSecrets(secret))
    return config.name


@asynccontextmanager
async def running_hub(
    settings: Settings, kafka_bootstrap: str, pg_database: str, unique: str
) -> AsyncIterator[Run]:
    engine, store = await hub_on(settings, kafka_bootstrap)
    event_type = f"vn.gov.t{unique}.person.v1"
    secret = generate_secret()
    receiver_app = create_receiver_app([secret])
    stop = asyncio.Event()
    async with AsyncExitStack() as stack:
        receiver_url = await stack.enter_async_context(serving(receiver_app))
        connector = await asyncio.to_thread(
            _prepare, store, pg_database, unique, event_type, receiver_url, secret
        )
        worker_id = f"e2e-{unique}"
        worker = Worker(
            SqlControlPlane(store, worker_id, lease_ttl_s=5), kafka_bootstrap,
            RegisteredContracts(store, Mode.BACKWARD), worker_id, heartbeat_s=0.2,
        )  # fmt: skip
        supervisor = Supervisor(engine, store, default_normaliser(), SupervisorOptions(poll_s=0.2))
        api_app = create_app(engine.model_copy(update={"auth_enabled": True}))
        await stack.enter_async_context(api_app.router.lifespan_context(api_app))
        token = bearer(admin_token(api_app.state.store))
        api = await stack.enter_async_context(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=api_app), base_url="http://hub.test", headers=token
            )
        )
        receiver = await stack.enter_async_context(httpx.AsyncClient(base_url=receiver_url, timeout=10))
        source = await stack.enter_async_context(
            await psycopg.AsyncConnection.connect(pg_database, autocommit=True)
        )
        tasks = [asyncio.create_task(worker.run(stop)), asyncio.create_task(supervisor.run(stop))]
        try:
            yield Run(
                store, api, receiver, source, connector, event_type, f"portal-{unique}", f"far-{unique}"
            )
        finally:
            stop.set()
            async with asyncio.timeout(30):
                await asyncio.gather(*tasks)
            store.engine.dispose()


def _hops(trace: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (hop["kind"], hop["subscription_id"], hop["status_code"], hop["outcome"]) for hop in trace["hops"]
    ]


def _in_time_order(trace: dict[str, Any]) -> bool:
    times = [hop["at"] for hop in trace["hops"] if hop["at"] is not None]
    return times == sorted(times)


def _spans_of(exporter: InMemorySpanExporter, trace_id: str) -> list[ReadableSpan]:
    return [
        s for s in exporter.get_finished_spans() if s.context and f"{s.context.trace_id:032x}" == trace_id
    ]


def _metric(body: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    match = re.search(rf"^{name}\{{{re.escape(wanted)}\}} (\S+)$", body, re.MULTILINE)
    assert match is not None, f"{name}{{{wanted}}} not in /metrics"
    return float(match.group(1))


async def test_one_record_followed_from_the_source_commit_to_the_portal(
    settings: Settings, kafka_bootstrap: str, pg_database: str, unique: str, exporter: InMemorySpanExporter
) -> None:
    async with running_hub(settings, kafka_bootstrap, pg_database, unique) as run:
        await eventually(lambda: run.connector_phase() == "streaming", timeout_s=30)
        await run.receiver.post("/control", json={"mode": "fail", "count": 1})
        await run.source.execute("INSERT INTO people VALUES (1, 'Nguyễn Văn An', %s)", (BA_DINH,))
        await eventually(lambda: _has(run, 1), timeout_s=30)
        first = (await run.received_ids())[0]
        await eventually(lambda: _decided(run, first), timeout_s=15)
        trace = await run.trace(first)

        await run.receiver.post("/control", json={"mode": "400", "count": 1})
        await run.source.execute("UPDATE people SET name = 'Nguyễn Văn Bình' WHERE id = 1")
        second = await _dead_lettered_event(run)
        redelivered = await run.api.post(
            f"/v1/subscriptions/{run.portal}/dead-letters/redeliver", json={"ids": [second]}
        )
        assert [item["event_id"] for item in redelivered.json()["redelivered"]] == [second]
        await eventually(lambda: _has(run, 2), timeout_s=30)
        await eventually(lambda: _delivered(run, second), timeout_s=15)
        record = (await run.api.get(f"/v1/records/{run.event_type}/1/trace")).json()
        metrics = (await run.api.get("/metrics")).text
        await eventually(lambda: _published_counted(run, 2), timeout_s=10)
        connector_metrics = (await run.api.get("/metrics")).text

    portal, far = run.portal, run.far
    assert _hops(trace) == [
        ("committed", None, None, None),
        ("published", None, None, None),
        ("routed", portal, None, None),
        ("attempt", portal, 500, "retrying"),
        ("attempt", portal, 200, "delivered"),
    ]
    assert _in_time_order(trace)
    assert trace["source"]["connector"] == run.connector and trace["source"]["table"] == TABLE
    assert trace["source"]["commit_time"] is not None and trace["source"]["position"]
    assert trace["kafka"]["topic"] == naming.parse_event_type(run.event_type).topic
    paths = {path["subscription_id"]: path for path in trace["subscriptions"]}
    assert (paths[portal]["decision"], paths[portal]["outcome"], paths[portal]["attempts"]) == (
        "matched",
        "delivered",
        2,
    )
    assert (paths[far]["decision"], paths[far]["outcome"]) == ("filtered_out", "filtered_out")
    assert f"not within any of ['{HO_CHI_MINH_CITY}']" in paths[far]["reason"]

    assert [event["event_id"] for event in record["events"]] == [first, second]
    second_trace = record["events"][1]
    assert _hops(second_trace) == [
        ("committed", None, None, None),
        ("published", None, None, None),
        ("routed", portal, None, None),
        ("attempt", portal, 400, "dead_lettered"),
        ("dead_lettered", portal, None, None),
        ("redelivered", portal, None, None),
        ("attempt", portal, 200, "delivered"),
    ]
    assert _in_time_order(second_trace)
    assert record["events"][0]["kafka"]["offset"] < second_trace["kafka"]["offset"]

    for traced in (trace, second_trace):
        spans = _spans_of(exporter, traced["trace_id"])
        ours = [
            span
            for span in spans
            if span.instrumentation_scope and span.instrumentation_scope.name == TRACER_NAME
        ]
        by_name = {span.name: span for span in ours}
        capture, send = by_name[f"capture {TABLE}"], by_name[f"send {traced['kafka']['topic']}"]
        process = by_name[f"process {traced['kafka']['topic']}"]
        pushes = [span for span in ours if span.name == "POST"]
        assert len(ours) == 5 and len(pushes) == 2  # capture, send, routing (portal only), two pushes
        assert capture.parent is None
        assert send.parent is not None and send.parent.span_id == capture.context.span_id
        for child in (process, *pushes):
            assert child.parent is not None and child.parent.span_id == send.context.span_id
        assert (process.attributes or {})["hub.subscription.id"] == portal
        statuses = sorted(int(str((span.attributes or {})["http.response.status_code"])) for span in pushes)
        assert statuses == sorted(hop["status_code"] for hop in traced["hops"] if hop["kind"] == "attempt")
        # the receiver (FastAPI traces its requests) continued the trace from the push's traceparent
        served = [span for span in spans if span.kind is SpanKind.SERVER]
        assert {span.parent.span_id for span in served if span.parent} == {
            span.context.span_id for span in pushes
        }

    assert _metric(metrics, "hub_delivery_attempts_total", subscription=portal, outcome="delivered") == 2
    assert _metric(metrics, "hub_delivery_attempts_total", subscription=portal, outcome="retrying") == 1
    assert _metric(metrics, "hub_delivery_attempts_total", subscription=portal, outcome="dead_lettered") == 1
    assert _metric(metrics, "hub_routing_decisions_total", subscription=far, decision="filtered_out") == 2
    assert _metric(metrics, "hub_routing_decisions_total", subscription=portal, decision="matched") == 2
    assert _metric(metrics, "hub_delivery_latency_seconds_count", subscription=portal) == 2
    assert (
        _metric(connector_metrics, "hub_connector_events_total", connector=run.connector, result="published")
        == 2
    )


async def _has(run: Run, count: int) -> bool:
    return len(await run.received_ids()) >= count


async def _decided(run: Run, event_id: str) -> bool:
    """Both decisions known: the delivery log flushed, the far group committed past the event."""
    response = await run.api.get(f"/v1/events/{event_id}/trace")
    decisions = {path["decision"] for path in response.json().get("subscriptions", [])}
    return response.status_code == 200 and decisions == {"matched", "filtered_out"}


async def _delivered(run: Run, event_id: str) -> bool:
    """Delivered per the trace (which may not know the event until the delivery log's next flush)."""
    response = await run.api.get(f"/v1/events/{event_id}/trace")
    return response.status_code == 200 and any(
        path["outcome"] == "delivered" for path in response.json()["subscriptions"]
    )


async def _dead_lettered_event(run: Run) -> str:
    found: list[str] = []

    async def listed() -> bool:
        letters = (await run.api.get(f"/v1/subscriptions/{run.portal}/dead-letters")).json()["items"]
        found[:] = [letter["event_id"] for letter in letters]
        return bool(found)

    await eventually(listed, timeout_s=30, every_s=0.2)
    return found[0]


def _published_counted(run: Run, count: int) -> bool:
    with run.store.session() as session:
        return connector_health(stored_connectors.get(session, run.connector)).events_published >= count
