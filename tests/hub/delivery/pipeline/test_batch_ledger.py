"""The batch ledger: a request is decided once, kept in the store, and re-formed from it after a
restart with its webhook-id, its members and its attempt count (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from bus.records import TopicPartition
from hub.delivery.pipeline.batch_ledger import BatchLedger, PartitionRevoked
from hub.delivery.pipeline.job import Job
from hub.delivery.pipeline.s2_schedule import Next, Settled
from hub.delivery.pipeline.s3_attempt import batch_id
from hub.delivery.pipeline.tracker import OffsetTracker
from hub.store.base import Store
from hub.store.batches import ClaimConflict
from tests.hub.delivery.jobs import TOPIC, make_job
from tests.hub.store.test_connectors import store  # noqa: F401  # the store fixture

FEED = TopicPartition(TOPIC, 0)


def jobs_at(*offsets: int, from_retry: bool = False) -> list[Job]:
    return [make_job(f"K{o}", o, offset=o, from_retry=from_retry) for o in offsets]


async def test_a_new_batch_is_recorded_before_its_first_try_and_read_back_after_a_restart(
    store: Store,  # noqa: F811
) -> None:
    before = BatchLedger(store, "hanoi", batch_mode=True)
    sent = jobs_at(3, 5, 8)
    await before.before_try(sent)
    batch = sent[0].batch
    assert batch is not None and all(job.batch is batch for job in sent)
    assert batch.id == batch_id(sent) and batch.offsets == (3, 5, 8) and batch.attempts == 1

    after = BatchLedger(store, "hanoi", batch_mode=True)  # a new process
    await after.load([FEED])
    again = jobs_at(3, 5, 8)
    for job in again:
        after.recall(job)
    assert {job.batch.id for job in again if job.batch} == {batch.id}
    assert [job.attempts for job in again] == [1, 1, 1]
    await after.before_try(again)
    assert [job.attempts for job in again] == [1, 1, 1] and again[0].batch.attempts == 2  # type: ignore[union-attr]


async def test_members_committed_before_the_restart_are_gone_once_the_feed_is_read_past_them(
    store: Store,  # noqa: F811
) -> None:
    await BatchLedger(store, "hanoi", batch_mode=True).before_try(jobs_at(3, 5, 8))
    after = BatchLedger(store, "hanoi", batch_mode=True)
    await after.load([FEED])
    (retried,) = jobs_at(3, from_retry=True)  # handed to the retry topic before the crash
    after.recall(retried)
    assert retried.batch is not None and retried.batch.gone == set()
    (reread,) = jobs_at(8)  # the feed was committed up to 6: offset 5 was settled with the batch
    after.recall(reread)
    assert reread.batch is retried.batch and retried.batch.gone == {5}


async def test_a_request_is_deleted_only_once_its_records_are_committed_past(store: Store) -> None:  # noqa: F811
    ledger = BatchLedger(store, "hanoi", batch_mode=True)
    sent = jobs_at(3, 5)
    await ledger.before_try(sent)
    ledger.finished([Settled(job, Next.DONE) for job in sent])
    tracker = OffsetTracker()
    for job in sent:
        tracker.track(FEED, job.origin.offset)
        tracker.resolve(FEED, job.origin.offset)
    await ledger.sweep(tracker)
    assert await reloaded(store) == 1  # not committed yet: a crash now must find it
    tracker.committed({FEED: 6})
    await ledger.sweep(tracker)
    assert await reloaded(store) == 0


async def test_a_request_retried_later_is_not_finished(store: Store) -> None:  # noqa: F811
    ledger = BatchLedger(store, "hanoi", batch_mode=True)
    sent = jobs_at(3, 5)
    await ledger.before_try(sent)
    ledger.finished([Settled(job, Next.HANDED_OFF) for job in sent])
    (copy,) = jobs_at(5, from_retry=True)  # read back from the retry topic
    ledger.recall(copy)
    assert copy.batch is sent[0].batch


async def test_single_mode_keeps_counts_from_the_second_try_on(store: Store) -> None:  # noqa: F811
    ledger = BatchLedger(store, "hanoi", batch_mode=False)
    (job,) = jobs_at(4)
    await ledger.before_try([job])
    assert job.batch is None  # a first try: nothing worth a write
    job.attempts = 1
    await ledger.before_try([job])
    assert job.batch is not None and job.batch.id == job.event.id and job.batch.attempts == 2
    after = BatchLedger(store, "hanoi", batch_mode=False)
    await after.load([FEED])
    (again,) = jobs_at(4)
    after.recall(again)
    assert again.attempts == 2


async def reloaded(kept_in: Store) -> int:
    ledger = BatchLedger(kept_in, "hanoi", batch_mode=True)
    await ledger.load([FEED])
    probe = jobs_at(3)
    ledger.recall(probe[0])
    return 0 if probe[0].batch is None else 1


async def test_nothing_of_a_revoked_partition_is_recorded_or_sent(store: Store) -> None:  # noqa: F811
    """Jobs taken out of the scheduler before a revocation must not be recorded and sent after
    it: the new owner may have read the ledger already, and would cut them anew."""
    ledger = BatchLedger(store, "hanoi", batch_mode=True)
    ledger.revoke([(TOPIC, 0)])
    await ledger.quiesce()
    with pytest.raises(PartitionRevoked):
        await ledger.before_try(jobs_at(3, 5))
    after = BatchLedger(store, "hanoi", batch_mode=True)
    await after.load([FEED])
    job = jobs_at(3)[0]
    after.recall(job)
    assert job.batch is None  # nothing was recorded
    ledger.assigned([(TOPIC, 0)])  # given back by a later rebalance
    await ledger.before_try(jobs_at(3, 5))


async def test_a_copy_of_an_event_sent_from_another_record_is_found_before_its_request(
    store: Store,  # noqa: F811
) -> None:
    ledger = BatchLedger(store, "hanoi", batch_mode=True)
    first = jobs_at(3, 5)
    await ledger.before_try(first)
    copy = make_job("K3", 3, offset=9)  # the same event (same id), published again at offset 9
    fresh = make_job("K7", 7, offset=10)
    again = make_job("K7", 7, offset=11)  # and a copy of a new event within the same request
    assert await ledger.copies([copy, fresh, again]) == [copy, again]
    reread = jobs_at(3)  # the same record read again after a crash is not a copy
    assert await BatchLedger(store, "hanoi", batch_mode=True).copies(reread) == []
    assert await BatchLedger(store, "hanoi", batch_mode=False).copies([copy]) == []  # single mode


async def test_a_record_in_another_open_request_is_never_cut_into_a_new_one(store: Store) -> None:  # noqa: F811
    """A process that read the ledger before another recorded a request (it had been dropped
    from its group and did not know yet, or it took the partition over) must not send the same
    records under another webhook-id."""
    zombie = BatchLedger(store, "hanoi", batch_mode=True)
    owner = BatchLedger(store, "hanoi", batch_mode=True)
    await owner.load([FEED])  # before the other records anything
    await zombie.before_try(jobs_at(3, 5))
    with pytest.raises(ClaimConflict):
        await owner.before_try(jobs_at(3, 5, 8))  # its own cut of the same records
    restarted = BatchLedger(store, "hanoi", batch_mode=True)  # the sink restarts, reads again
    await restarted.load([FEED])
    again = jobs_at(3, 5)
    for job in again:
        restarted.recall(job)
    await restarted.before_try(again)  # the recorded request: same id
    assert again[0].batch is not None and again[0].batch.attempts == 2


async def test_a_spent_or_ended_request_gives_its_records_up(store: Store) -> None:  # noqa: F811
    ledger = BatchLedger(store, "hanoi", batch_mode=True)
    first = jobs_at(3, 5)
    await ledger.before_try(first)
    assert first[0].batch is not None
    late = jobs_at(3)  # sent without it (spent): it goes in a new request
    late[0].released = first[0].batch.id
    await ledger.before_try(late)
    ledger.finished([Settled(job, Next.DONE) for job in first])
    tracker = OffsetTracker()
    for job in first:
        tracker.track(FEED, job.origin.offset)
        tracker.resolve(FEED, job.origin.offset)
    tracker.committed({FEED: 6})
    await ledger.sweep(tracker)  # the request ended: a replay of record 5 is sent again
    await BatchLedger(store, "hanoi", batch_mode=True).before_try(jobs_at(5))
