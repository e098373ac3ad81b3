"""A hub in the test's event loop on the real Kafka, with real receivers on loopback ports.

``Deployment`` owns what one test needs: a private control-plane store (migrated), a unique feed
topic, subscriptions written straight to the store (the API's feed and DNS checks are not what
these tests are about), a producer of change events, and the supervisor running every sink.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI

from bus.admin import KafkaAdmin
from bus.ports import FEED_PARTITIONS, Producer
from bus.producer import KafkaProducer
from devtools.portal.receiver import create_receiver_app
from hub.delivery.control.supervisor import ClientFactory, Supervisor, SupervisorOptions
from hub.settings import Settings
from hub.store import deliveries, migrate
from hub.store import subscriptions as stored
from hub.store.base import Store
from hub.subscriptions.model import Subscription, SubscriptionSpec
from hub.subscriptions.secrets import SigningSecrets, generate_secret
from schemas.admin_units import default_normaliser
from schemas.events import ChangeEvent, ChangePayload, Op, SourceInfo
from schemas.events.kafka_codec import to_kafka
from tests.devtools.portal.serving import serving

FAST_SCHEDULE = [0.0, 0.3, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]


def hub_settings(settings: Settings, bootstrap: str) -> Settings:
    # Grants are not this suite's subject (tests/hub/services/test_admission.py turns them back on).
    update = {"kafka_bootstrap": bootstrap, "endpoint_allowlist": ["127.0.0.0/8"], "auth_enabled": False}
    return settings.model_copy(update=update)


@dataclass
class Portal:
    """A reference receiver served on 127.0.0.1, with its secret and a client to its controls."""

    url: str
    secret: str
    app: FastAPI
    http: httpx.AsyncClient

    @property
    def hook(self) -> str:
        return f"{self.url}/hook"

    async def control(self, **control: Any) -> None:
        (await self.http.post(f"{self.url}/control", json=control)).raise_for_status()

    async def received(self) -> list[dict[str, Any]]:
        """Accepted pushes in arrival order (first arrival of each webhook-id)."""
        response = await self.http.get(f"{self.url}/received", params={"limit": 100_000})
        return list(response.json())

    async def event_ids(self) -> list[str]:
        return [event["id"] for push in await self.received() for event in push["events"]]

    async def has(self, count: int) -> bool:
        return len(await self.event_ids()) >= count

    async def pushes(self) -> int:
        """Requests answered 2xx, duplicates included."""
        return int((await self.stats())["by_status"].get("200", 0))

    async def stats(self) -> dict[str, Any]:
        return dict((await self.http.get(f"{self.url}/stats")).json())


@dataclass
class Deployment:
    settings: Settings
    store: Store
    bootstrap: str
    domain: str
    producer: Producer
    stack: AsyncExitStack
    supervisor: Supervisor | None = None
    _positions: dict[str, int] = field(default_factory=dict)

    @property
    def topic(self) -> str:
        return f"gov.{self.domain}.birth.v1"

    @property
    def event_type(self) -> str:
        return f"vn.gov.{self.domain}.birth.v1"

    async def portal(self) -> Portal:
        secret = generate_secret()
        app = create_receiver_app([secret])
        url = await self.stack.enter_async_context(serving(app))
        # idle connections expire before uvicorn's 5 s keep-alive closes them: a poll after a pause
        # must not reuse a connection the receiver is closing (httpx.ReadError)
        client = httpx.AsyncClient(timeout=10, limits=httpx.Limits(keepalive_expiry=2.0))
        http = await self.stack.enter_async_context(client)
        return Portal(url, secret, app, http)

    def subscribe(self, name: str, portal: Portal, **spec: Any) -> Subscription:
        """A subscription named ``<name>-<unique>``: its topics and groups are this test's own."""
        sid = f"{name}-{self.domain[1:]}"
        spec.setdefault("feeds", [self.event_type])
        retry = spec.setdefault("retry", {})
        retry.setdefault("schedule_s", FAST_SCHEDULE)
        body = SubscriptionSpec.model_validate({"id": sid, "endpoint_url": portal.hook, **spec})
        with self.store.session() as session:
            return stored.insert(session, body, SigningSecrets(portal.secret))

    def event(self, key: str, n: int, *, adminunit: str | None = None, **after: Any) -> ChangeEvent:
        source = SourceInfo(connector="hotich", database="hotich", table="birth", position=f"{key}/{n}")
        return ChangeEvent(
            id=f"{self.domain}-{key}-{n}",
            source="/connectors/hotich/birth",
            type=self.event_type,
            subject=key,
            adminunit=adminunit,
            data=ChangePayload(op=Op.CREATE, after={"id": key, "n": n, **after}, source=source),
        )

    async def publish(self, *events: ChangeEvent) -> None:
        acks = [await self.producer.send(self.topic, to_kafka(event)) for event in events]
        await self.producer.acknowledged(acks)

    @asynccontextmanager
    async def hub(
        self, client_factory: ClientFactory | None = None, **options: Any
    ) -> AsyncIterator[Supervisor]:
        """The supervisor running in this loop until the block ends (a clean stop)."""
        supervisor = Supervisor(
            self.settings,
            self.store,
            default_normaliser(),
            SupervisorOptions(poll_s=0.2, **options),
            client_factory,
        )
        stop = asyncio.Event()
        task = asyncio.create_task(supervisor.run(stop))
        self.supervisor = supervisor
        try:
            yield supervisor
        finally:
            stop.set()
            async with asyncio.timeout(20):
                await task

    def attempts(self, **query: Any) -> list[deliveries.DeliveryAttempt]:
        with self.store.session() as session:
            return deliveries.attempts(session, deliveries.AttemptQuery(limit=10_000, **query))

    def subscription(self, sid: str) -> Subscription:
        with self.store.session() as session:
            return stored.get(session, sid)


@asynccontextmanager
async def deployment(settings: Settings, bootstrap: str, unique: str) -> AsyncIterator[Deployment]:
    configured = hub_settings(settings, bootstrap)
    url = configured.store_url()
    await asyncio.to_thread(migrate.upgrade, url)
    store = Store(url)
    domain = f"t{unique}"
    await KafkaAdmin(bootstrap).create_topics([f"gov.{domain}.birth.v1"], FEED_PARTITIONS)
    producer = KafkaProducer(bootstrap)
    await producer.start()
    async with AsyncExitStack() as stack:
        try:
            yield Deployment(configured, store, bootstrap, domain, producer, stack)
        finally:
            await producer.stop()
            store.engine.dispose()


def by_key(event_ids: list[str]) -> dict[str, list[int]]:
    """Arrival order per record key, from ids ``<domain>-<key>-<n>``."""
    order: dict[str, list[int]] = {}
    for event_id in event_ids:
        _, key, n = event_id.rsplit("-", 2)
        order.setdefault(key, []).append(int(n))
    return order
