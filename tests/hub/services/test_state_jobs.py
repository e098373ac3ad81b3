"""A job as the API shows it: counts, and its rate and ETA worked out from them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from hub.access.principals import Principal
from hub.services import state_jobs
from hub.store import migrate
from hub.store import state_jobs as rows
from hub.store.base import Store, utcnow
from schemas.errors import NotFound, UnknownJobKind

OPS = Principal(org="ops", roles=frozenset({"admin"}))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    migrate.upgrade(url)
    return Store(url)


def test_rate_and_eta_come_from_the_records_examined_so_far() -> None:
    started = utcnow() - timedelta(seconds=10)
    job = rows.StateJob(
        id=1, subscription_id="tq", kind="backfill", params={}, state="running", cursor={}, scanned=400,
        total=1000, selected=100, produced=100, delivered=50, started_by="ops", started_at=started,
        updated_at=utcnow(), ended_at=None, error=None,
    )  # fmt: skip
    view = state_jobs.JobView.of(job)
    assert view.rate_per_s is not None and 39 <= view.rate_per_s <= 40.1
    assert view.eta_s is not None and 14.9 <= view.eta_s <= 15.5
    job.ended_at, job.state = started + timedelta(seconds=20), "done"
    ended = state_jobs.JobView.of(job)
    assert (ended.rate_per_s, ended.eta_s) == (20.0, None)


def test_a_slow_job_shows_a_rate_that_rounds_to_zero_and_still_an_eta() -> None:
    started = utcnow() - timedelta(seconds=30)
    job = rows.StateJob(
        id=1, subscription_id="tq", kind="rehome", params={}, state="running", cursor={}, scanned=1,
        total=8, selected=0, produced=0, delivered=0, started_by="ops", started_at=started,
        updated_at=utcnow(), ended_at=None, error=None,
    )  # fmt: skip
    view = state_jobs.JobView.of(job)  # 1 record in 30 s: 0.03/s
    assert view.rate_per_s == 0.0
    assert view.eta_s is not None and 209 <= view.eta_s <= 212


def test_a_job_needs_a_known_kind_and_an_existing_subscription(store: Store) -> None:
    with pytest.raises(UnknownJobKind):
        state_jobs.start_job(store, "tq", kind="teleport", actor=OPS)  # type: ignore[arg-type]
    with pytest.raises(NotFound) as missing:
        state_jobs.start_job(store, "tq", actor=OPS)
    assert missing.value.code == "subscription_not_found"
