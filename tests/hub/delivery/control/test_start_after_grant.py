"""A subscriber never receives events from before its grant existed, whatever ``start`` says."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from hub.access.principals import OrganisationSpec
from hub.services.access import AccessService
from hub.settings import Settings
from tests.hub.access.world import SYSTEM_ADMIN, grant_spec
from tests.hub.delivery.harness import Deployment, deployment
from tests.hub.delivery.waiting import eventually

pytestmark = pytest.mark.integration
QN = "000.00.00.H49"


@pytest.fixture
async def d(settings: Settings, kafka_bootstrap: str, unique: str) -> AsyncIterator[Deployment]:
    async with deployment(settings, kafka_bootstrap, unique) as made:
        made.settings = made.settings.model_copy(update={"auth_enabled": True})  # grants enforced
        yield made


async def test_start_earliest_is_moved_up_to_the_grants_creation(d: Deployment) -> None:
    service = AccessService(d.store)
    service.create_org(SYSTEM_ADMIN, OrganisationSpec(code=QN, name="UBND tỉnh Quảng Ninh", kind="province",
                                                      roles=["subscriber"]))  # fmt: skip
    await d.publish(*(d.event(f"before{i}", 1) for i in range(10)))
    await asyncio.sleep(0.05)  # Kafka timestamps are milliseconds: the grant comes strictly later
    service.create_grant(SYSTEM_ADMIN, grant_spec(QN, d.event_type, "*"))
    await asyncio.sleep(0.05)
    after = [d.event(f"after{i}", 1) for i in range(5)]
    await d.publish(*after)
    portal = await d.portal()
    d.subscribe("qn", portal, owner=QN, start="earliest")
    async with d.hub():
        await eventually(lambda: portal.has(len(after)), timeout_s=30)
        await asyncio.sleep(1.0)  # time for anything older to arrive, wrongly
    assert sorted(await portal.event_ids()) == sorted(e.id for e in after)
