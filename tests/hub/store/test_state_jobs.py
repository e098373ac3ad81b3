"""State jobs in the store: one open job per subscription, claimed by one process at a time."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from bus.records import TopicPartition
from hub.store import migrate, state_jobs
from hub.store.base import Store, utcnow
from schemas.errors import JobRunning


@pytest.fixture
def store(tmp_path: Path) -> Store:
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    migrate.upgrade(url)
    return Store(url)


def test_a_pending_job_is_claimed_by_one_process_until_its_lease_goes_stale(store: Store) -> None:
    with store.session() as session:
        job_id = state_jobs.insert(session, "tq", "backfill", {}, "ops").id
    with store.session() as session:
        assert state_jobs.claim(session, job_id, "a", lease_s=60)
        assert not state_jobs.claim(session, job_id, "b", lease_s=60)
        assert state_jobs.claim(session, job_id, "a", lease_s=60)  # its own, after a restart of the task
    with store.session() as session:
        stale = utcnow() - timedelta(seconds=120)
        session.execute(update(state_jobs.StateJob).values(updated_at=stale))
    with store.session() as session:
        assert state_jobs.claim(session, job_id, "b", lease_s=60)
        assert not state_jobs.save(session, job_id, "a", produced=5)  # a has lost it
        assert state_jobs.save(session, job_id, "b", produced=7)
        assert state_jobs.get(session, "tq", job_id).produced == 7


def test_one_open_job_per_subscription_and_ended_jobs_are_not_claimed(store: Store) -> None:
    with store.session() as session:
        job_id = state_jobs.insert(session, "tq", "backfill", {}, "ops").id
    with pytest.raises(JobRunning), store.session() as session:
        state_jobs.insert(session, "tq", "backfill", {}, "ops")
    with store.session() as session:
        state_jobs.insert(session, "hn", "backfill", {}, "ops")  # another subscription may
        state_jobs.finish(session, job_id, "failed", "broker gone")
    with store.session() as session:
        assert not state_jobs.claim(session, job_id, "a", lease_s=60)
        assert [job.subscription_id for job in state_jobs.open_jobs(session)] == ["hn"]
        assert state_jobs.get(session, "tq", job_id).error == "broker gone"


def test_offsets_round_trip_through_json() -> None:
    offsets = {TopicPartition("gov.a.b.v1", 3): 41, TopicPartition("gov.a.b.v1", 0): 7}
    stored = state_jobs.offsets_json(offsets)
    assert stored == {"gov.a.b.v1:0": 7, "gov.a.b.v1:3": 41}
    assert state_jobs.offsets_of(stored) == offsets
