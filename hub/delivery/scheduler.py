"""Runs jobs when due, at most ``max_in_flight`` at a time, one at a time per key when ordered.

Guarantees: a job never starts before its ``due`` time; with ``ordered`` two jobs of the same
``order_key`` never run at once and start in submission order (a job that is rescheduled stays
at the head of its key, so later ones wait behind it, while every other key proceeds); in batch
mode a request takes up to ``batch_max`` ready jobs, waiting at most ``batch_wait_s`` for more.

In batch mode with ``ordered``, a request that takes a key's head also takes the due jobs queued
right behind it (in order): the receiver processes a batch in order, so a key's run of events
travels in one request instead of one event per round trip. The jobs of a key taken together
are "out"; the key's next job becomes ready only when every one of them is done or rescheduled
(a rescheduled job stays in the queue, in place, so the key resumes from its earliest job).

The run callback must end every job it receives with ``done`` (resolved) or ``reschedule``
(with a new ``due``), or the job's key stays blocked.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable

from hub.delivery.job import Job

Run = Callable[[list[Job]], Awaitable[None]]
IDLE_WAIT_S = 1.0


class Scheduler:
    def __init__(
        self,
        run: Run,
        *,
        ordered: bool,
        max_in_flight: int,
        batch_max: int = 1,
        batch_wait_s: float = 0.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._run = run
        self._ordered = ordered
        self._batch_max = batch_max
        self._batch_wait_s = batch_wait_s
        self._clock = clock
        self._slots = asyncio.Semaphore(max_in_flight)
        self._heap: list[tuple[float, int, Job]] = []
        self._seq = itertools.count()
        self._queues: dict[Hashable, deque[Job]] = {}
        self._out: dict[Hashable, int] = {}  # jobs of the key taken and not yet back (ordered)
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._failure: BaseException | None = None

    def submit(self, job: Job) -> None:
        if not self._ordered:
            self._ready(job)
            return
        queue = self._queues.setdefault(job.order_key, deque())
        queue.append(job)
        if len(queue) == 1:
            self._ready(job)

    def done(self, job: Job) -> None:
        if self._ordered:
            self._queues[job.order_key].remove(job)
            self._returned(job.order_key)

    def reschedule(self, job: Job, due: float) -> None:
        job.due = due
        if self._ordered:
            self._returned(job.order_key)
        else:
            self._ready(job)

    def _returned(self, key: Hashable) -> None:
        """One taken job of ``key`` is back; when all are, its (possibly same) head is ready."""
        self._out[key] = self._out.get(key, 1) - 1
        if self._out[key] > 0:
            return
        del self._out[key]
        queue = self._queues[key]
        if queue:
            self._ready(queue[0])
        else:
            del self._queues[key]

    def waiting(self) -> int:
        """Jobs submitted and not yet done (running, due later, or queued behind their key)."""
        if self._ordered:
            return sum(len(q) for q in self._queues.values())
        return len(self._heap) + self.running()

    def running(self) -> int:
        return len(self._tasks)

    def _ready(self, job: Job) -> None:
        heapq.heappush(self._heap, (job.due, next(self._seq), job))
        self._wake.set()

    async def run_forever(self) -> None:
        """Dispatch until cancelled; re-raises the first unexpected error of a run."""
        try:
            while True:
                await self._slots.acquire()
                try:
                    jobs = await self._next_batch()
                except BaseException:
                    self._slots.release()
                    raise
                task = asyncio.create_task(self._run_one(jobs))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        finally:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _run_one(self, jobs: list[Job]) -> None:
        try:
            await self._run(jobs)
        except Exception as exc:
            self._failure = exc
            self._wake.set()
        finally:
            self._slots.release()

    async def _next_batch(self) -> list[Job]:
        jobs = self._take(await self._next_due(), self._batch_max)
        deadline = time.monotonic() + self._batch_wait_s
        while len(jobs) < self._batch_max:
            job = self._pop_due()
            if job is not None:
                jobs += self._take(job, self._batch_max - len(jobs))
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                break
            await self._sleep(min(left, self._until_next_due()))
        return jobs

    def _take(self, head: Job, room: int) -> list[Job]:
        """``head`` and, when ordered, the due jobs queued right behind it (up to ``room``)."""
        if not self._ordered:
            return [head]
        queue, now = self._queues[head.order_key], self._clock()
        taken = [head]
        for job in itertools.islice(queue, 1, None):
            if len(taken) >= room or job.due > now:
                break
            taken.append(job)
        self._out[head.order_key] = len(taken)
        return taken

    async def _next_due(self) -> Job:
        while True:
            self._raise_failure()
            job = self._pop_due()
            if job is not None:
                return job
            await self._sleep(self._until_next_due())

    def _pop_due(self) -> Job | None:
        if self._heap and self._heap[0][0] <= self._clock():
            return heapq.heappop(self._heap)[2]
        return None

    def _until_next_due(self) -> float:
        if not self._heap:
            return IDLE_WAIT_S
        return max(0.0, min(IDLE_WAIT_S, self._heap[0][0] - self._clock()))

    async def _sleep(self, seconds: float) -> None:
        self._wake.clear()
        try:
            async with asyncio.timeout(seconds):
                await self._wake.wait()
        except TimeoutError:
            pass

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure


__all__ = ["Scheduler"]
