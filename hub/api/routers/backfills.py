"""Backfills: a subscription receives the latest state of every record in its scope, then live.

- ``POST /v1/subscriptions/{id}/backfill`` queues a job (202 with the job; 409 ``job_running``
  while one has not ended); a running ``hub run`` process carries it out (ADR 011).
- ``GET /v1/subscriptions/{id}/backfills`` the subscription's jobs, newest first;
  ``GET /v1/subscriptions/{id}/backfills/{job}`` one job: state, counts, rate and ETA.

Who may: the subscriber owning the subscription, and admins (``write`` on the subscription);
reading as for the subscription itself.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path, status

from hub.api.auth import PrincipalDep
from hub.api.dependencies import StoreDep
from hub.services import state_jobs
from hub.services.resources import check_subscription
from hub.services.state_jobs import JobView
from hub.subscriptions.model import SLUG

router = APIRouter(prefix="/subscriptions", tags=["subscriptions"])

SubscriptionId = Annotated[str, Path(pattern=SLUG.pattern, description="e.g. hanoi-civil-status")]
JobId = Annotated[int, Path(ge=1, le=2**62)]


@router.post("/{subscription_id}/backfill", status_code=status.HTTP_202_ACCEPTED)
async def start_backfill(
    subscription_id: SubscriptionId, store: StoreDep, principal: PrincipalDep
) -> JobView:
    await asyncio.to_thread(check_subscription, store, principal, "write", subscription_id)
    return await asyncio.to_thread(
        state_jobs.start_job, store, subscription_id, kind="backfill", actor=principal
    )


@router.get("/{subscription_id}/backfills")
def list_backfills(
    subscription_id: SubscriptionId, store: StoreDep, principal: PrincipalDep
) -> list[JobView]:
    check_subscription(store, principal, "read", subscription_id)
    return state_jobs.list_jobs(store, subscription_id)


@router.get("/{subscription_id}/backfills/{job_id}")
def get_backfill(
    subscription_id: SubscriptionId, job_id: JobId, store: StoreDep, principal: PrincipalDep
) -> JobView:
    check_subscription(store, principal, "read", subscription_id)
    return state_jobs.get_job(store, subscription_id, job_id)
