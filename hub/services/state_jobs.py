"""Starting and reading state jobs (backfill, rehome): the use cases behind the API and the CLI.

``start_job`` stores a pending job and its audit entry in one transaction; a running ``hub run``
process claims it (``hub.delivery.backfill.runner``). The job's end is audited by the runner.
``JobView`` is the job as the API shows it, with its progress (fraction done, rate, ETA).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hub.access.principals import Principal
from hub.services import audit
from hub.services.job_kinds import check_kind
from hub.store import state_jobs as rows
from hub.store import subscriptions as stored
from hub.store.base import Store, utcnow
from hub.store.state_jobs import JobKind


class JobView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    subscription_id: str
    kind: str
    params: dict[str, Any]
    state: str
    scanned: int = Field(description="state entries read so far")
    total: int | None = Field(description="records in the state at the hand-over (known after counting)")
    selected: int
    produced: int
    delivered: int
    started_by: str
    started_at: datetime
    updated_at: datetime
    ended_at: datetime | None
    error: str | None
    rate_per_s: float | None = Field(default=None, description="records scanned per second so far")
    eta_s: float | None = Field(default=None, description="seconds left at that rate")

    @classmethod
    def of(cls, job: rows.StateJob) -> JobView:
        view = cls.model_validate(job)
        end = job.ended_at or utcnow()
        elapsed = (end - job.started_at).total_seconds()
        if elapsed > 0 and job.scanned:
            rate = job.scanned / elapsed  # the ETA divides by it unrounded: a slow job rounds to 0.0/s
            view.rate_per_s = round(rate, 1)
            if job.total is not None and job.ended_at is None:
                view.eta_s = round(max(0, job.total - job.scanned) / rate, 1)
        return view


def start_job(
    store: Store,
    subscription_id: str,
    *,
    kind: JobKind = "backfill",
    params: Mapping[str, Any] | None = None,
    actor: Principal,
) -> JobView:
    """Queue a job for ``subscription_id`` (``job_running`` if one has not ended), audited."""
    check_kind(kind)
    with store.session() as session:
        stored.get(session, subscription_id)  # subscription_not_found
        job = rows.insert(session, subscription_id, kind, params or {}, actor.org)
        view = JobView.of(job)
        audit.record(session, actor, f"subscription.{kind}", "subscription", subscription_id, after=view)
    return view


def get_job(store: Store, subscription_id: str, job_id: int) -> JobView:
    with store.session() as session:
        return JobView.of(rows.get(session, subscription_id, job_id))


def list_jobs(store: Store, subscription_id: str) -> list[JobView]:
    with store.session() as session:
        stored.get(session, subscription_id)
        return [JobView.of(job) for job in rows.list_for(session, subscription_id)]


__all__ = ["JobView", "get_job", "list_jobs", "start_job"]
