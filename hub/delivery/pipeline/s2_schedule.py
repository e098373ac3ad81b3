"""Step 2, schedule: runs jobs when due, at most ``max_in_flight`` at a time, one at a time per key.

Guarantees: a job never starts before its ``due`` time; with ``ordered`` two jobs of the same
``order_key`` never run at once and start in submission order (a job that is rescheduled stays
at the head of its key, so later ones wait behind it, while every other key proceeds); in batch
mode a request takes up to ``batch_max`` ready jobs, waiting at most ``batch_wait_s`` for more
(and not at all while a job for another request is due).

In batch mode with ``ordered``, a request that takes a key's head also takes the due jobs queued
right behind it (in order): the receiver processes a batch in order, so a key's run of events
travels in one request instead of one event per round trip. The jobs of a key taken together
are "out"; the key's next job becomes ready only when every one of them is settled.

Parking (``ordered`` only): a feed job whose key has an earlier event in the retry topic
(``keys``: read from there, or handed there by this process) must not overtake it. When this
process reads the key's retry partition (``Job.retry_here``, co-partitioning) the job waits in
memory, with its key's later feed jobs behind it, until the key's retried events are settled:
its offset stays unresolved, so a crash re-reads it. Otherwise it is handed to ``park`` for a
durable hand-off (appended to the retry topic behind the earlier event). Parked jobs hold their
partition's commits back, so when the intake has too many records unresolved it calls ``spill``:
the keys parked in memory are then handed off durably, and their offsets move on.

Recorded requests (ADR 013): a job that belongs to a request already decided (``Job.batch``,
set by ``recall`` from the batch ledger when the job is submitted) is never cut into a new one.
The scheduler gathers the request's members as they become due (in ordered mode with the
members queued right behind them) and runs them together once all are there, or after
``regroup_wait_s`` with those that came (the others were settled before a restart: the
request is then "spent", and a member still arriving later starts a new request). Such jobs
are not parked: their order was settled when the request was first decided. A new request
takes only jobs of one feed partition, so the process that owns the partition owns the request.

``run`` (steps 3 and 4) RETURNS how each job it was given is settled; the scheduler applies that
to its own queues. Nothing downstream calls back into the scheduler.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Iterable
from dataclasses import dataclass
from enum import Enum

from hub.delivery.pipeline.job import Job, RecordedBatch
from hub.delivery.pipeline.parking import LaneKey, RetryKeys

IDLE_WAIT_S = 1.0
REGROUP_WAIT_S = 30.0


class Next(Enum):
    """What becomes of a job once a step is done with it."""

    DONE = "done"  # resolved: delivered or dead-lettered
    HANDED_OFF = "handed_off"  # appended to the retry topic: its key is held until read back and settled
    AGAIN = "again"  # stays at the head of its key, in memory, until ``due``
    KEPT = "kept"  # left unresolved (the subscription was disabled; its sink stops)


@dataclass(frozen=True)
class Settled:
    job: Job
    next: Next
    due: float = 0.0


Run = Callable[[list[Job]], Awaitable[list[Settled]]]
Park = Callable[[Job, bool], Awaitable[Settled | None]]  # (job, durable): None when parked in memory


async def _nowhere(job: Job, durable: bool) -> Settled | None:
    return None


def _as_read(job: Job) -> None:
    """No ledger: every job is new."""


@dataclass
class _Gathering:
    """The members of a recorded request that are back, by feed offset, since ``since`` (monotonic)."""

    batch: RecordedBatch
    since: float
    jobs: list[Job]

    def complete(self) -> bool:
        return {job.origin.offset for job in self.jobs} >= set(self.batch.offsets) - self.batch.gone

    def in_order(self) -> list[Job]:
        place = {offset: index for index, offset in enumerate(self.batch.offsets)}
        return sorted(self.jobs, key=lambda job: place.get(job.origin.offset, len(place)))


class Scheduler:
    def __init__(
        self,
        run: Run,
        *,
        park: Park = _nowhere,
        ordered: bool,
        max_in_flight: int,
        batch_max: int = 1,
        batch_wait_s: float = 0.0,
        clock: Callable[[], float] = time.time,
        recall: Callable[[Job], None] = _as_read,
        regroup_wait_s: float = REGROUP_WAIT_S,
    ) -> None:
        self._run = run
        self._park = park
        self._recall = recall
        self._regroup_wait_s = regroup_wait_s
        self._gathering: dict[str, _Gathering] = {}
        self._spent: set[str] = set()  # requests sent without some members (see the docstring)
        self._revoked: list[set[tuple[str, int]]] = []  # partitions of each ``forget``, in order
        self.keys = RetryKeys()
        self._parked: dict[LaneKey, list[Job]] = {}
        self._spilling: set[Hashable] = set()  # order keys whose held jobs are handed off durably
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
        self._recall(job)
        if job.from_retry:
            self.keys.add(job)
        if not self._ordered:
            self._ready(job)
            return
        queue = self._queues.setdefault(job.order_key, deque())
        queue.append(job)
        if len(queue) == 1:
            self._ready(job)
        elif self._joins_gathering(job, queue):
            self._wake.set()
        elif self._parked_here(queue[0]):
            self._spawn(self._park_one(job, durable=False))  # waits behind the parked head

    def forget(self, partitions: Iterable[tuple[str, int]]) -> None:
        """Partitions revoked: their retry keys go, and every job of theirs not yet running (the
        new owner re-reads them, and cuts their requests from the ledger, not anew here)."""
        gone = set(partitions)
        self._revoked.append(gone)
        self.keys.forget(gone)
        self._drop_waiting(gone)
        for batch_id in [b for b, g in self._gathering.items() if (g.batch.topic, g.batch.partition) in gone]:
            for job in self._gathering.pop(batch_id).jobs:
                self._queues.pop(job.order_key, None)
                self._out.pop(job.order_key, None)
        for lane in [lane for lane in self._parked if lane[:2] in gone]:
            for job in self._parked.pop(lane):
                self._queues.pop(job.order_key, None)
                self._spilling.discard(job.order_key)

    def _joins_gathering(self, job: Job, queue: deque[Job]) -> bool:
        """A member read after its key's head was gathered joins it, when only members are ahead."""
        gathering = self._gathering.get(job.batch.id) if job.batch is not None else None
        if gathering is None or gathering.batch is not job.batch:
            return False
        ahead = len(queue) - 1
        if self._out.get(job.order_key, 0) != ahead:
            return False  # the jobs ahead are not all taken (gathered)
        if any(waiting.batch is not job.batch for waiting in itertools.islice(queue, ahead)):
            return False
        gathering.jobs.append(job)
        self._out[job.order_key] = ahead + 1
        return True

    def _drop_waiting(self, gone: set[tuple[str, int]]) -> None:
        """Drop the jobs of ``gone`` that wait (due later, or queued behind their key's head)."""
        self._heap = [entry for entry in self._heap if entry[2].record.tp not in gone]
        heapq.heapify(self._heap)
        for key, queue in list(self._queues.items()):
            out = self._out.get(key, 0)  # the first ``out`` jobs of a queue are running
            kept = [job for index, job in enumerate(queue) if index < out or job.record.tp not in gone]
            if len(kept) == len(queue):
                continue
            if kept:
                self._queues[key] = deque(kept)
            else:
                del self._queues[key]
                self._spilling.discard(key)

    def _still_owned(self, jobs: list[Job], since: int) -> list[Job]:
        """``jobs`` less those whose partition was revoked while they were being gathered."""
        gone = set().union(*self._revoked[since:])
        if not gone:
            return jobs
        for job in [job for job in jobs if job.record.tp in gone]:
            self.settle(Settled(job, Next.DONE))  # not resolved: the partition's new owner has it
        return [job for job in jobs if job.record.tp not in gone]

    def spill(self) -> None:
        """Hand every job parked in memory to the retry topic (durably), with the jobs behind it."""
        parked, self._parked = self._parked, {}
        for heads in parked.values():
            for head in heads:
                self._spilling.add(head.order_key)
                self._spawn(self._park_one(head, durable=True))

    def parked(self) -> int:
        return sum(len(jobs) for jobs in self._parked.values())

    def settle(self, settled: Settled) -> None:
        job = settled.job
        if settled.next is Next.KEPT:
            return
        if settled.next is Next.AGAIN:
            self._reschedule(job, settled.due)
            return
        if settled.next is Next.HANDED_OFF:
            self.keys.add(job)
        if self._ordered:
            queue = self._queues.get(job.order_key)
            if queue is not None and job in queue:
                queue.remove(job)
                self._returned(job.order_key)
        if job.from_retry:
            self._release(job)

    def _reschedule(self, job: Job, due: float) -> None:
        job.due = due
        if self._ordered:
            self._returned(job.order_key)
        else:
            self._ready(job)

    def _release(self, job: Job) -> None:
        """A retried event is settled: when its key holds no other, the key's parked jobs go on."""
        self.keys.discard(job)
        if self.keys.holds(job):
            return
        for parked in self._parked.pop(RetryKeys.lane(job), []):
            self._ready(parked)

    def _held(self, job: Job) -> bool:
        return self._ordered and not job.from_retry and job.batch is None and self.keys.holds(job)

    def _hold(self, job: Job) -> None:
        if not job.retry_here or job.order_key in self._spilling:
            self._spawn(self._park_one(job, durable=True))
            return
        self._parked.setdefault(RetryKeys.lane(job), []).append(job)
        for waiting in self._queues[job.order_key]:  # the head and the key's jobs behind it
            self._spawn(self._park_one(waiting, durable=False))

    def _parked_here(self, head: Job) -> bool:
        return head in self._parked.get(RetryKeys.lane(head), ())

    def _returned(self, key: Hashable) -> None:
        """One taken job of ``key`` is back; when all are, its (possibly same) head is ready."""
        self._out[key] = self._out.get(key, 1) - 1
        if self._out[key] > 0:
            return
        del self._out[key]
        queue = self._queues.get(key)
        if queue is None:
            return  # forgotten with its partition
        if queue:
            self._ready(queue[0])
        else:
            del self._queues[key]
            self._spilling.discard(key)

    def waiting(self) -> int:
        """Jobs submitted and not yet done (running, due later, or queued behind their key)."""
        if self._ordered:
            return sum(len(q) for q in self._queues.values())
        return len(self._heap) + self.running() + sum(len(g.jobs) for g in self._gathering.values())

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
                self._spawn(self._run_one(jobs))
        finally:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_one(self, jobs: list[Job]) -> None:
        try:
            for settled in await self._run(jobs):
                self.settle(settled)
        except Exception as exc:
            self._fail(exc)
        finally:
            self._slots.release()

    async def _park_one(self, job: Job, *, durable: bool) -> None:
        try:
            settled = await self._park(job, durable)
        except Exception as exc:
            self._fail(exc)
            return
        if settled is not None:
            self.settle(settled)

    def _fail(self, exc: Exception) -> None:
        self._failure = exc
        self._wake.set()

    async def _next_batch(self) -> list[Job]:
        """The next request: a recorded one gathered whole, or a new one cut from due jobs."""
        while True:
            self._raise_failure()
            gathered = self._gathered()
            if gathered is not None:
                return gathered
            head = self._pop_due()
            if head is None:
                await self._sleep(self._until_next_due())
                continue
            if head.batch is not None and head.batch.id in self._spent:
                head.released, head.batch = head.batch.id, None
            if head.batch is None:
                jobs = await self._fill(head)
                if jobs:
                    return jobs
                continue
            gathered = self._gather(head)
            if gathered is not None:
                return gathered

    async def _fill(self, head: Job) -> list[Job]:
        """``head`` and due new jobs of its feed partition, up to ``batch_max`` or ``batch_wait_s``.

        The wait is for a partition whose events trickle in while nothing else is ready: it
        ends as soon as a job for another request is due, since requests are cut one at a time
        and waiting would hold that one back (at 1,000 events/s over six partitions, every
        request waited the whole ``batch_wait_s`` for one or two events and requests could not
        be cut as fast as events came). Under load the requests still fill: while every slot
        is busy the due jobs gather in the heap, and the next cut takes its partition's.
        """
        jobs = self._take(head, self._batch_max)
        aside: list[Job] = []  # due, but for another request: back to the heap afterwards
        revocations = len(self._revoked)
        deadline = time.monotonic() + self._batch_wait_s
        try:
            while len(jobs) < self._batch_max:
                job = self._pop_due()
                if job is not None:
                    if job.batch is None and _same_partition(job, head):
                        jobs += self._take(job, self._batch_max - len(jobs))
                    else:
                        aside.append(job)
                    continue
                left = deadline - time.monotonic()
                if left <= 0 or aside:
                    break
                await self._sleep(min(left, self._until_next_due()))
        finally:  # a job set aside whose partition was revoked meanwhile was forgotten with it
            gone = set().union(*self._revoked[revocations:])
            for job in aside:
                if job.record.tp not in gone:
                    self._ready(job)
        return self._still_owned(jobs, revocations)

    def _gather(self, head: Job) -> list[Job] | None:
        """Add ``head`` (and its request's members queued behind it) to its gathering; the
        request's jobs, in request order, once every member is back."""
        batch = head.batch
        assert batch is not None
        gathering = self._gathering.setdefault(batch.id, _Gathering(batch, time.monotonic(), []))
        gathering.jobs += self._take_members(head, batch)
        if not gathering.complete():
            return None
        return self._send(gathering, overdue=False)

    def _take_members(self, head: Job, batch: RecordedBatch) -> list[Job]:
        if not self._ordered:
            return [head]
        queue = self._queues[head.order_key]
        taken = [head]
        for job in itertools.islice(queue, 1, None):
            if job.batch is not batch:
                break
            taken.append(job)
        self._out[head.order_key] = len(taken)
        return taken

    def _gathered(self) -> list[Job] | None:
        """A request complete now that its missing members are known gone (``RecordedBatch.gone``), or
        one whose missing members did not come back in time: it goes with those that did."""
        now = time.monotonic()
        for gathering in self._gathering.values():
            overdue = now - gathering.since >= self._regroup_wait_s
            if overdue or gathering.complete():
                return self._send(gathering, overdue=overdue)
        return None

    def _send(self, gathering: _Gathering, *, overdue: bool) -> list[Job]:
        """A gathered request goes. Sent without some members (known gone, or overdue), its
        ``webhook-id`` is spent: a member still arriving starts a new request, since the
        receiver keeps the first body it got under an id and would drop that member with it."""
        batch = gathering.batch
        del self._gathering[batch.id]
        if overdue or batch.gone:
            self._spent.add(batch.id)
        return gathering.in_order()

    def _take(self, head: Job, room: int) -> list[Job]:
        """``head`` and, when ordered, the new due jobs queued right behind it (up to ``room``);
        a job of a recorded request stops the run: it only ever goes with its own request."""
        if not self._ordered:
            return [head]
        queue, now = self._queues[head.order_key], self._clock()
        taken = [head]
        for job in itertools.islice(queue, 1, None):
            if len(taken) >= room or job.due > now or job.batch is not None:
                break
            taken.append(job)
        self._out[head.order_key] = len(taken)
        return taken

    def _pop_due(self) -> Job | None:
        """The next due job that may run now; a due job whose key is held is parked instead."""
        while self._heap and self._heap[0][0] <= self._clock():
            job = heapq.heappop(self._heap)[2]
            if not self._held(job):
                return job
            self._hold(job)
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


def _same_partition(job: Job, head: Job) -> bool:
    return (job.origin.topic, job.origin.partition) == (head.origin.topic, head.origin.partition)


__all__ = ["REGROUP_WAIT_S", "Next", "Park", "Run", "Scheduler", "Settled"]
