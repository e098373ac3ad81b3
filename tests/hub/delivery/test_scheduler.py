"""Scheduling: due times, per-key order with parallel keys, in-flight limit, batches."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from hub.delivery.job import Job
from hub.delivery.scheduler import Scheduler
from tests.hub.delivery.jobs import make_job
from tests.hub.delivery.waiting import eventually


class Recorder:
    """A run callback that records each call and resolves (or holds) its jobs."""

    def __init__(self, *, hold_s: float = 0.0) -> None:
        self.calls: list[list[str]] = []
        self.started: dict[str, float] = {}
        self.hold_s = hold_s
        self.running = 0
        self.peak = 0
        self.scheduler: Scheduler | None = None
        self.reschedule_once: set[str] = set()

    async def __call__(self, jobs: list[Job]) -> None:
        assert self.scheduler is not None
        self.calls.append([j.event.id for j in jobs])
        for job in jobs:
            self.started.setdefault(job.event.id, time.time())
        self.running += 1
        self.peak = max(self.peak, self.running)
        await asyncio.sleep(self.hold_s)
        self.running -= 1
        for job in jobs:
            if job.event.id in self.reschedule_once:
                self.reschedule_once.discard(job.event.id)
                self.scheduler.reschedule(job, time.time() + 0.2)
            else:
                self.scheduler.done(job)


@asynccontextmanager
async def running(recorder: Recorder, **options: object) -> AsyncIterator[Scheduler]:
    scheduler = Scheduler(recorder, **options)  # type: ignore[arg-type]
    recorder.scheduler = scheduler
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
    async def broken(jobs: list[Job]) -> None:
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
