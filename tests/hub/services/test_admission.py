"""Grants enforced at delivery, on the real Kafka and a real receiver: a revoked grant stops the
pushes (the subscription is paused and says why), the events wait in Kafka, and when a grant
covers the subscription again every event arrives, none lost; pushes carry the purpose."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from urllib.parse import unquote

import httpx
import pytest

from hub.access.principals import OrganisationSpec
from hub.delivery.control.supervisor import Supervisor
from hub.services.access import AccessService
from hub.services.admission import admit
from hub.settings import Settings
from hub.store import access as rows
from hub.store import migrate
from hub.store import subscriptions as stored
from hub.store.base import Store
from hub.subscriptions.model import Subscription, SubscriptionSpec
from hub.subscriptions.secrets import SigningSecrets, generate_secret
from schemas.admin_units import default_normaliser
from tests.hub.access.world import PURPOSE, SYSTEM_ADMIN, grant_spec
from tests.hub.delivery.harness import Deployment, deployment
from tests.hub.delivery.waiting import eventually

QN = "000.00.00.H49"
NEGATIVE_WAIT_S = 1.0  # five supervisor rounds: long enough for a wrongly running sink to push


@pytest.fixture
async def d(settings: Settings, kafka_bootstrap: str, unique: str) -> AsyncIterator[Deployment]:
    async with deployment(settings, kafka_bootstrap, unique) as made:
        made.settings = made.settings.model_copy(update={"auth_enabled": True})  # the harness turns it off
        yield made


@asynccontextmanager
async def running_hub(d: Deployment, seen: list[httpx.Headers]) -> AsyncIterator[Supervisor]:
    """The supervisor with clients that remember each push's headers."""

    async def remember(request: httpx.Request) -> None:
        seen.append(request.headers)

    def client(_sub: Subscription) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=10, event_hooks={"request": [remember]})

    async with d.hub() as supervisor:
        supervisor.client_factory = client  # before its first round: the task has not run yet
        yield supervisor


def with_province(store: Store) -> AccessService:
    """The access service of ``store``, Quảng Ninh registered as a subscriber."""
    service = AccessService(store)
    spec = OrganisationSpec(code=QN, name="UBND tỉnh Quảng Ninh", kind="province", roles=["subscriber"])
    service.create_org(SYSTEM_ADMIN, spec)
    return service


def state(d: Deployment, sid: str) -> tuple[str, str | None]:
    sub = d.subscription(sid)
    return sub.state, sub.status_reason


@pytest.mark.integration
async def test_a_revoked_grant_stops_delivery_without_loss(d: Deployment) -> None:
    service = with_province(d.store)
    first = service.create_grant(SYSTEM_ADMIN, grant_spec(QN, d.event_type, "*"))
    portal = await d.portal()
    sid = d.subscribe("qn", portal, owner=QN).id
    seen: list[httpx.Headers] = []
    async with running_hub(d, seen):
        await d.publish(*(d.event(f"K{n}", n) for n in range(5)))
        await eventually(lambda: portal.has(5), timeout_s=30)
        service.revoke_grant(SYSTEM_ADMIN, first.id)
        await eventually(lambda: state(d, sid)[0] == "paused", timeout_s=10)
        assert str(state(d, sid)[1]).startswith(f"grant_revoked: grant {first.id} for feed {d.event_type}")
        await d.publish(*(d.event(f"K{n}", n) for n in range(5, 10)))
        await asyncio.sleep(NEGATIVE_WAIT_S)
        assert len(await portal.event_ids()) == 5  # stopped: the new events wait in Kafka
        second = service.create_grant(SYSTEM_ADMIN, grant_spec(QN, d.event_type, "*"))
        await eventually(lambda: portal.has(10), timeout_s=30)
        assert state(d, sid) == ("active", None)
    assert sorted(set(await portal.event_ids())) == sorted(f"{d.domain}-K{n}-{n}" for n in range(10))
    granted = {h["hub-grants"] for h in seen}
    assert granted == {str(first.id), str(second.id)}
    assert {unquote(h["hub-purpose"]) for h in seen} == {PURPOSE}
    with d.store.session() as session:
        trail = rows.audit_entries(session, rows.AuditQuery(actor="system:delivery", oldest_first=True))
        assert [(e.action, e.resource_id) for e in trail] == [
            ("subscription.pause", sid),
            ("subscription.resume", sid),
        ]
        assert PURPOSE in str(trail[0].purpose) and PURPOSE in str(trail[1].purpose)


@pytest.mark.integration
async def test_an_expired_grant_pauses_too(d: Deployment) -> None:
    service = with_province(d.store)
    grant = service.create_grant(SYSTEM_ADMIN, grant_spec(QN, d.event_type, "*", days=1 / 86400 * 0.5))
    portal = await d.portal()
    sid = d.subscribe("qn", portal, owner=QN).id
    await eventually(lambda: grant.expires_at <= datetime.now(UTC))
    async with running_hub(d, []):
        await eventually(lambda: state(d, sid)[0] == "paused", timeout_s=10)
    assert str(state(d, sid)[1]).startswith(f"grant_expired: grant {grant.id}")


def test_only_subscriptions_paused_for_a_grant_are_resumed(settings: Settings) -> None:
    """Admission without Kafka: an owner's own pause is never lifted by the delivery engine."""
    migrate.upgrade(settings.store_url())
    store = Store(settings.store_url())
    service = with_province(store)
    service.create_grant(SYSTEM_ADMIN, grant_spec(QN, "vn.gov.land.*", "*"))
    with store.session() as session:
        for sid in ("mine", "ungranted"):
            feeds = ["vn.gov.land.parcel.v1"] if sid == "mine" else ["vn.gov.civil-status.birth.v1"]
            spec = SubscriptionSpec(id=sid, owner=QN, endpoint_url="https://93.184.216.34/", feeds=feeds)
            stored.insert(session, spec, SigningSecrets(generate_secret()))
        stored.set_state(session, "mine", "paused", "paused by its owner for maintenance")
    with store.session() as session:
        runnable = stored.list_all(session, states=("active",))
        admitted = admit(session, runnable, default_normaliser())
        assert admitted == []
        assert stored.get(session, "mine").status_reason == "paused by its owner for maintenance"
        assert str(stored.get(session, "ungranted").status_reason).startswith("grant_missing")
        assert [a.subscription.id for a in admit(session, [], default_normaliser(), enforce=False)] == []
    store.engine.dispose()
