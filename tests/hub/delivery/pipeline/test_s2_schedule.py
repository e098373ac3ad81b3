"""Scheduling: due times, per-key order with parallel keys, in-flight limit, batches, parking."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from hub.delivery.pipeline.job import Job, RecordedBatch
from hub.delivery.pipeline.s2_schedule import Next, Scheduler, Settled
from tests.hub.delivery.jobs import TOPIC, make_job
from tests.hub.delivery.waiting import eventually


class Recorder:
    """A run callback that records each call and settles its jobs as done (or due again)."""

    def __init__(self, *, hold_s: float = 0.0) -> None:
        self.calls: list[list[str]] = []
        self.started: dict[str, float] = {}
        self.hold_s = hold_s
        self.running = 0
        self.peak = 0
        self.reschedule_once: set[str] = set()
        self.handed_off: set[str] = set()

    async def __call__(self, jobs: list[Job]) -> list[Settled]:
        self.calls.append([j.event.id for j in jobs])
        for job in jobs:
            self.started.setdefault(job.event.id, time.time())
        self.running += 1
        self.peak = max(self.peak, self.running)
        await asyncio.sleep(self.hold_s)
        self.running -= 1
        return [self.settle(job) for job in jobs]

    def settle(self, job: Job) -> Settled:
        if job.event.id in self.reschedule_once:
            self.reschedule_once.discard(job.event.id)
            return Settled(job, Next.AGAIN, time.time() + 0.2)
        if job.event.id in self.handed_off:
            return Settled(job, Next.HANDED_OFF)
        return Settled(job, Next.DONE)


@asynccontextmanager
async def running(recorder: Recorder, **options: object) -> AsyncIterator[Scheduler]:
    scheduler = Scheduler(recorder, **options)  # type: ignore[arg-type]
    task = asyncio.create_task(scheduler.run_forever())
    try:
        yield scheduler
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_same_key_runs_in_order_one_at_a_time_other_keys_in_parallel() -> None:
    recorder = Recorder(hold_s=0.05)
    async with running(recorder, ordered=True, max_in_flight=4) as scheduler:
        for n in range(3):
            scheduler.submit(make_job("A", n))
        scheduler.submit(make_job("B", 0))
        await eventually(lambda: len(recorder.calls) == 4)
    order_a = [c[0] for c in recorder.calls if c[0].startswith("e-A")]
    assert order_a == ["e-A-0", "e-A-1", "e-A-2"]
    assert recorder.calls.index(["e-B-0"]) <= 1  # B did not wait behind A's chain
    assert recorder.peak == 2


async def test_rescheduled_job_keeps_its_key_blocked_but_not_others() -> None:
    recorder = Recorder()
    recorder.reschedule_once.add("e-A-0")
    async with running(recorder, ordered=True, max_in_flight=2) as scheduler:
        scheduler.submit(make_job("A", 0))
        scheduler.submit(make_job("A", 1))
        scheduler.submit(make_job("B", 0))
        await eventually(lambda: len(recorder.calls) == 4)
    ids = [c[0] for c in recorder.calls]
    assert ids.index("e-B-0") < ids.index("e-A-1")
    assert ids.count("e-A-0") == 2 and ids.index("e-A-1") > len(ids) - 2


async def test_job_never_starts_before_due() -> None:
    recorder = Recorder()
    async with running(recorder, ordered=False, max_in_flight=2) as scheduler:
        due = time.time() + 0.3
        scheduler.submit(make_job("A", 0, due=due))
        scheduler.submit(make_job("B", 0))
        await eventually(lambda: len(recorder.calls) == 2)
    assert recorder.calls[0] == ["e-B-0"]
    assert recorder.started["e-A-0"] >= due


async def test_in_flight_limit_holds() -> None:
    recorder = Recorder(hold_s=0.05)
    async with running(recorder, ordered=False, max_in_flight=3) as scheduler:
        for n in range(10):
            scheduler.submit(make_job(f"K{n}"))
        await eventually(lambda: len(recorder.calls) == 10)
    assert recorder.peak == 3


async def test_batches_take_ready_heads_up_to_the_limit() -> None:
    recorder = Recorder()
    async with running(recorder, ordered=True, max_in_flight=1, batch_max=4, batch_wait_s=0.1) as scheduler:
        for n in range(6):
            scheduler.submit(make_job(f"K{n}"))
        await eventually(lambda: sum(len(c) for c in recorder.calls) == 6)
    assert max(len(c) for c in recorder.calls) == 4


async def test_a_batch_carries_a_keys_queued_run_in_order() -> None:
    recorder = Recorder(hold_s=0.05)
    async with running(recorder, ordered=True, max_in_flight=2, batch_max=4, batch_wait_s=0.05) as scheduler:
        for n in range(6):
            scheduler.submit(make_job("A", n, offset=n))
        await eventually(lambda: sum(len(c) for c in recorder.calls) == 6)
    assert recorder.calls == [["e-A-0", "e-A-1", "e-A-2", "e-A-3"], ["e-A-4", "e-A-5"]]
    assert recorder.peak == 1  # the key's second batch waited for its first


async def test_a_rescheduled_batch_resumes_from_the_keys_earliest_job() -> None:
    recorder = Recorder()
    recorder.reschedule_once = {"e-A-0", "e-A-1"}
    async with running(recorder, ordered=True, max_in_flight=2, batch_max=4, batch_wait_s=0.0) as scheduler:
        for n in range(3):
            scheduler.submit(make_job("A", n, offset=n))
        await eventually(lambda: sum(len(c) for c in recorder.calls) == 5)
    assert recorder.calls == [["e-A-0", "e-A-1", "e-A-2"], ["e-A-0", "e-A-1"]]


async def test_an_unexpected_error_of_a_run_stops_the_scheduler() -> None:
    async def broken(jobs: list[Job]) -> list[Settled]:
        raise RuntimeError("bug")

    scheduler = Scheduler(broken, ordered=False, max_in_flight=1)
    task = asyncio.create_task(scheduler.run_forever())
    scheduler.submit(make_job())
    scheduler.submit(make_job("B"))
    async with asyncio.timeout(3):
        try:
            await task
        except RuntimeError as exc:
            assert str(exc) == "bug"
        else:
            raise AssertionError("the scheduler kept running")


class Parking:
    """A park callback that records (event id, durable) and hands durable ones off."""

    def __init__(self) -> None:
        self.parked: list[tuple[str, bool]] = []

    async def __call__(self, job: Job, durable: bool) -> Settled | None:
        self.parked.append((job.event.id, durable))
        return Settled(job, Next.HANDED_OFF) if durable else None


async def test_a_feed_job_waits_in_memory_behind_its_keys_retried_event() -> None:
    recorder, parking = Recorder(), Parking()
    recorder.reschedule_once.add("e-A-0")
    async with running(recorder, park=parking, ordered=True, max_in_flight=2) as scheduler:
        scheduler.submit(make_job("A", 0, from_retry=True))
        scheduler.submit(make_job("A", 1))
        scheduler.submit(make_job("B", 0))
        await eventually(lambda: len(recorder.calls) == 4)
        assert scheduler.parked() == 0 and len(scheduler.keys) == 0
    ids = [c[0] for c in recorder.calls]
    assert ids.index("e-B-0") < ids.index("e-A-1")
    assert ids.count("e-A-0") == 2 and ids[-1] == "e-A-1"  # after the retried event's second try
    assert parking.parked == [("e-A-1", False)]


async def test_a_handed_off_event_holds_its_key_until_read_back_and_settled() -> None:
    recorder, parking = Recorder(), Parking()
    recorder.handed_off.add("e-A-0")
    async with running(recorder, park=parking, ordered=True, max_in_flight=2) as scheduler:
        first = make_job("A", 0)
        scheduler.submit(first)
        scheduler.submit(make_job("A", 1, offset=1))
        await eventually(lambda: parking.parked == [("e-A-1", False)])
        scheduler.submit(make_job("A", 2, offset=2))  # behind the parked head: parked too
        await eventually(lambda: parking.parked == [("e-A-1", False), ("e-A-2", False)])
        assert scheduler.parked() == 1 and [c[0] for c in recorder.calls] == ["e-A-0"]
        recorder.handed_off.clear()
        scheduler.submit(make_job("A", 0, from_retry=True))  # read back from the retry topic
        await eventually(lambda: len(recorder.calls) == 4)
    assert [c[0] for c in recorder.calls] == ["e-A-0", "e-A-0", "e-A-1", "e-A-2"]


async def test_without_its_retry_partition_a_held_job_is_parked_durably() -> None:
    recorder, parking = Recorder(), Parking()
    async with running(recorder, park=parking, ordered=True, max_in_flight=2) as scheduler:
        scheduler.submit(make_job("A", 0, from_retry=True, due=time.time() + 0.3))
        for n in (1, 2):
            elsewhere = make_job("A", n, offset=n)
            elsewhere.retry_here = False
            scheduler.submit(elsewhere)
        await eventually(lambda: parking.parked == [("e-A-1", True), ("e-A-2", True)])
        assert scheduler.parked() == 0 and recorder.calls == []
        await eventually(lambda: len(recorder.calls) == 1)
    assert recorder.calls == [["e-A-0"]]


async def test_unordered_jobs_are_never_parked() -> None:
    recorder, parking = Recorder(), Parking()
    async with running(recorder, park=parking, ordered=False, max_in_flight=2) as scheduler:
        scheduler.submit(make_job("A", 0, from_retry=True, due=time.time() + 0.2))
        scheduler.submit(make_job("A", 1))
        await eventually(lambda: len(recorder.calls) == 2)
    assert [c[0] for c in recorder.calls] == ["e-A-1", "e-A-0"] and parking.parked == []


async def test_parked_jobs_of_a_revoked_partition_are_dropped() -> None:
    recorder, parking = Recorder(), Parking()
    async with running(recorder, park=parking, ordered=True, max_in_flight=1) as scheduler:
        scheduler.submit(make_job("A", 0, from_retry=True, due=time.time() + 60))
        scheduler.submit(make_job("A", 1, offset=1))
        await eventually(lambda: scheduler.parked() == 1)
        scheduler.forget([(TOPIC, 0)])
        assert scheduler.parked() == 0 and len(scheduler.keys) == 0
    assert recorder.calls == []


async def test_spilling_hands_the_keys_parked_in_memory_off_durably_in_order() -> None:
    recorder, parking = Recorder(), Parking()
    async with running(recorder, park=parking, ordered=True, max_in_flight=1) as scheduler:
        scheduler.submit(make_job("A", 0, from_retry=True, due=time.time() + 60))
        scheduler.submit(make_job("A", 1, offset=1))
        scheduler.submit(make_job("A", 2, offset=2))
        await eventually(lambda: scheduler.parked() == 1)
        scheduler.spill()
        await eventually(lambda: parking.parked[2:] == [("e-A-1", True), ("e-A-2", True)])
        assert scheduler.parked() == 0 and recorder.calls == []
        scheduler.submit(make_job("A", 3, offset=3))  # a later event of the key parks in memory again
        await eventually(lambda: scheduler.parked() == 1)


# ---- recorded requests (ADR 013) -------------------------------------------------------------


def recorded(*jobs: Job, gone: set[int] | None = None) -> RecordedBatch:
    batch = RecordedBatch("b-1", TOPIC, 0, tuple(job.origin.offset for job in jobs), gone=gone or set())
    for job in jobs:
        job.batch = batch
    return batch


async def test_a_recorded_request_is_gathered_whole_and_sent_in_its_order() -> None:
    recorder = Recorder()
    a0, b1, a2 = make_job("A", 0, offset=0), make_job("B", 1, offset=1), make_job("A", 2, offset=2)
    recorded(a2, b1, a0)  # cut in this order before a restart
    async with running(recorder, ordered=True, max_in_flight=2, batch_max=10, batch_wait_s=0.0) as scheduler:
        scheduler.submit(a0)
        scheduler.submit(b1)
        await asyncio.sleep(0.1)
        assert recorder.calls == []  # a member is missing: nothing is cut anew meanwhile
        scheduler.submit(a2)
        await eventually(lambda: len(recorder.calls) == 1)
    assert recorder.calls == [["e-A-2", "e-B-1", "e-A-0"]]


async def test_a_recorded_request_goes_without_members_known_gone() -> None:
    recorder = Recorder()
    a0, b1 = make_job("A", 0, offset=0), make_job("B", 1, offset=1)
    batch = recorded(a0, b1)
    async with running(recorder, ordered=True, max_in_flight=1, batch_max=10) as scheduler:
        scheduler.submit(b1)
        await asyncio.sleep(0.1)
        batch.gone.add(0)  # the ledger saw the feed read past it: settled before the restart
        await eventually(lambda: recorder.calls == [["e-B-1"]], timeout_s=3)


async def test_a_member_thought_gone_that_comes_after_all_never_goes_under_the_spent_id() -> None:
    """The receiver keeps the first body it got under a ``webhook-id``: a member sent later
    under the same id would be dropped with it, so it goes in a new request."""
    recorder = Recorder()
    a0, b1 = make_job("A", 0, offset=0), make_job("B", 1, offset=1)
    batch = recorded(a0, b1, gone={0})  # e.g. read back from the retry topic after the feed
    async with running(recorder, ordered=True, max_in_flight=1, batch_max=10) as scheduler:
        scheduler.submit(b1)
        await eventually(lambda: recorder.calls == [["e-B-1"]], timeout_s=3)
        assert a0.batch is batch
        scheduler.submit(a0)
        await eventually(lambda: len(recorder.calls) == 2, timeout_s=3)
    assert recorder.calls[1] == ["e-A-0"] and a0.batch is None


async def test_a_recorded_request_whose_members_never_come_goes_after_the_wait_and_is_spent() -> None:
    recorder = Recorder()
    a0, b1 = make_job("A", 0, offset=0), make_job("B", 1, offset=1)
    recorded(a0, b1)
    options = {"ordered": True, "max_in_flight": 1, "batch_max": 10, "regroup_wait_s": 0.2}
    async with running(recorder, **options) as scheduler:
        scheduler.submit(b1)
        await eventually(lambda: recorder.calls == [["e-B-1"]], timeout_s=3)
        scheduler.submit(a0)  # too late: cut as a new request, never as a part of the spent one
        await eventually(lambda: len(recorder.calls) == 2, timeout_s=3)
    assert a0.batch is None


async def test_a_new_batch_takes_jobs_of_one_feed_partition_only() -> None:
    recorder = Recorder()
    async with running(recorder, ordered=True, max_in_flight=1, batch_max=10, batch_wait_s=0.1) as scheduler:
        for n in range(4):
            scheduler.submit(make_job(f"K{n}", n, offset=n, partition=n % 2))
        await eventually(lambda: sum(len(c) for c in recorder.calls) == 4)
    assert sorted(recorder.calls) == [["e-K0-0", "e-K2-2"], ["e-K1-1", "e-K3-3"]]


async def test_waiting_jobs_of_a_revoked_partition_are_dropped() -> None:
    recorder = Recorder()
    async with running(recorder, ordered=True, max_in_flight=1) as scheduler:
        scheduler.submit(make_job("A", 0, offset=0, due=time.time() + 0.3))
        scheduler.submit(make_job("A", 1, offset=1))
        scheduler.submit(make_job("B", 2, offset=2, partition=1, due=time.time() + 0.3))
        scheduler.forget([(TOPIC, 0)])  # its new owner re-reads them, and cuts them from the ledger
        await eventually(lambda: len(recorder.calls) == 1)
        await asyncio.sleep(0.1)
        assert scheduler.waiting() == 0
    assert recorder.calls == [["e-B-2"]]


async def test_a_fills_wait_ends_when_a_job_for_another_request_is_due() -> None:
    """Requests are cut one at a time: waiting for more of one partition while another's job is
    ready held every request back by the whole wait (issue 13: commit -> portal at 1,000/s)."""
    recorder = Recorder()
    options = {"ordered": True, "max_in_flight": 2, "batch_max": 10, "batch_wait_s": 2.0}
    async with running(recorder, **options) as scheduler:
        scheduler.submit(make_job("A", 0, offset=0))
        await asyncio.sleep(0.1)  # A's request is waiting for more of partition 0
        started = time.time()
        scheduler.submit(make_job("B", 1, offset=0, partition=1))
        await eventually(lambda: len(recorder.calls) == 1, timeout_s=1)
        assert recorder.started["e-A-0"] - started < 0.5
        await eventually(lambda: len(recorder.calls) == 2, timeout_s=4)  # B waited for more of its own
    assert recorder.calls == [["e-A-0"], ["e-B-1"]]


async def test_a_request_being_filled_is_dropped_when_its_partition_is_revoked_meanwhile() -> None:
    recorder = Recorder()
    options = {"ordered": True, "max_in_flight": 1, "batch_max": 10, "batch_wait_s": 0.3}
    async with running(recorder, **options) as scheduler:
        scheduler.submit(make_job("A", 0, offset=0))
        await asyncio.sleep(0.1)  # A's request is waiting for more of partition 0
        scheduler.forget([(TOPIC, 0)])
        await asyncio.sleep(0.4)
        scheduler.submit(make_job("C", 2, offset=1, partition=1))  # still scheduling
        await eventually(lambda: len(recorder.calls) == 1, timeout_s=3)
    assert recorder.calls == [["e-C-2"]]
