"""``start: backfill`` queues the backfill job with the subscription, in one transaction."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.services.subscriptions import Checks, SubscriptionService
from hub.store import migrate, state_jobs
from hub.store.base import Store
from hub.subscriptions.model import SubscriptionSpec

FEEDS = frozenset({"vn.gov.land.parcel.v1", "gov.land.parcel.v1"})


@pytest.fixture
def service(tmp_path: Path) -> SubscriptionService:
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    migrate.upgrade(url)
    return SubscriptionService(Store(url), Checks(known_feeds=lambda: FEEDS))


def spec(start: str) -> SubscriptionSpec:
    body = {"id": "tq", "owner": "tq-org", "endpoint_url": "https://93.184.216.34/hook",
            "feeds": ["vn.gov.land.*"], "start": start}  # fmt: skip
    return SubscriptionSpec.model_validate(body)


async def test_a_new_subscription_starting_with_a_backfill_has_its_job_queued(
    service: SubscriptionService,
) -> None:
    await service.create(spec("backfill"))
    with service.store.session() as session:
        job = state_jobs.open_job(session, "tq")
    assert job is not None and (job.kind, job.state, job.started_by) == ("backfill", "pending", "tq-org")


async def test_applying_it_again_or_starting_now_queues_nothing(service: SubscriptionService) -> None:
    await service.apply(spec("now"))
    await service.apply(spec("backfill"))  # an existing subscription: its start is behind it
    with service.store.session() as session:
        assert state_jobs.open_job(session, "tq") is None
