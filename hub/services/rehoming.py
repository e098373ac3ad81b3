"""After a boundaries version is activated: which subscriptions to re-home, and starting their jobs.

A subscription's scope can change only if it has an administrative-unit filter and one of its
codes covers, under the old or the new version, a commune the new version moves (``UnitsDiff``).
For each such subscription one ``rehome`` job is started through a ``JobStarter`` (the state-job
runner: it reads the compacted state of each feed and hands each record to
``hub.routing.rehome.rehome_selector`` built from the job's params). A subscription whose job
cannot start (one is already running) is reported with the error's code, not skipped silently:
``hub units rehome VERSION`` starts what is missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from pydantic import BaseModel, Field

from hub.access.principals import Principal
from hub.subscriptions.model import SubscriptionBase
from schemas.admin_units import UnitsDiff, VersionedUnits
from schemas.errors import HubError, UnknownAdminUnit

REHOME = "rehome"


class StartedJob(Protocol):
    @property
    def id(self) -> int: ...


class JobStarter(Protocol):
    """Queues one state job for a subscription (``hub.services.state_jobs.start_job`` over a store)."""

    def __call__(
        self, subscription_id: str, *, kind: str, params: Mapping[str, Any], actor: Principal
    ) -> StartedJob: ...


class RehomingJob(BaseModel):
    """One subscription's re-homing job, or why it did not start."""

    subscription_id: str
    job_id: int | None = None
    error: str | None = Field(default=None, description="code: message, when the job did not start")


def rehome_params(old_version: str, new_version: str) -> dict[str, str]:
    """The job's params: what the runner builds the selector from (``unit_index`` of each)."""
    return {"from_version": old_version, "to_version": new_version}


def affected(
    subscriptions: Iterable[SubscriptionBase], old: VersionedUnits, new: VersionedUnits, changes: UnitsDiff
) -> list[str]:
    """The ids of the subscriptions whose scope the change may alter, in the given order."""
    moved = [change.code for change in changes.moves]
    return [
        subscription.id
        for subscription in subscriptions
        if any(_touches(area, moved, (old, new)) for area in subscription.filter.admin_units)
    ]


def _touches(area: str, moved: Sequence[str], chains: tuple[VersionedUnits, ...]) -> bool:
    for chain in chains:
        for code in moved:
            try:
                if chain.contains(area, code):
                    return True
            except UnknownAdminUnit:  # a filter code the version no longer knows covers nothing
                break
    return False


def start_rehoming(
    starter: JobStarter | None,
    subscription_ids: Iterable[str],
    old_version: str,
    new_version: str,
    actor: Principal,
) -> list[RehomingJob]:
    """One job per subscription; a refusal is reported per subscription, the others still start."""
    params = rehome_params(old_version, new_version)
    started: list[RehomingJob] = []
    for subscription_id in subscription_ids:
        if starter is None:
            started.append(
                RehomingJob(subscription_id=subscription_id, error="rehoming_unavailable: no job runner")
            )
            continue
        try:
            job = starter(subscription_id, kind=REHOME, params=params, actor=actor)
        except HubError as exc:
            started.append(RehomingJob(subscription_id=subscription_id, error=f"{exc.code}: {exc.message}"))
        else:
            started.append(RehomingJob(subscription_id=subscription_id, job_id=job.id))
    return started


__all__ = ["REHOME", "JobStarter", "RehomingJob", "StartedJob", "affected", "rehome_params", "start_rehoming"]
