"""Runs every runnable subscription's sink in one process (``hub run``), and keeps up with changes.

Every ``poll_s`` the supervisor asks the control-plane store whether the subscriptions, their
signing secrets or the grants changed (one cheap query, ``store_changes``; when they did, or
``store_changes.FULL_READ_S`` after the last time, it reads them all again: active and unhealthy
ones run), and reads the pending replay requests and open state jobs, then:

- starts sinks of new subscriptions, restarts sinks whose declaration or secrets changed (a
  change of state alone, e.g. active -> unhealthy, does not restart: the health clock goes on),
  stops sinks of paused, disabled or deleted subscriptions;
- restarts a sink that crashed, after ``restart_backoff_s``;
- disables a subscription whose stored declaration no longer validates, with the reason, instead
  of failing at every round;
- takes a pending replay request (one process does: ``claim_replay``) and copies its time
  window to the subscription's retry topic in the background, reporting progress
  (``hub.delivery.control.replay``); the sink keeps running and its live position never moves.
- for an open state job (backfill, rehome; ``hub.delivery.backfill``): holds the subscription's
  feed lane (live events wait in Kafka), claims the job if no live process holds its lease and
  runs it, and runs the subscription's backfill lane once the job has fixed its hand-over; when
  the job has ended, the feed lane starts again from the hand-over;
- runs the state keeper over the feeds some subscription names (``backfill.keeper``);
- reports, beside its rounds, the partitions its sinks' consumers hold (``presence``), which
  ``hub status`` lists per process;
- divides the process's memory budget (``budget``) among the lanes that run, again whenever
  their number changes.

A process started while the broker is away waits for it (retrying, stoppable) rather than
exiting; sinks that lose the broker later crash and are restarted by the rule above until it is
back. Several processes may run the same subscriptions; Kafka's consumer groups share the work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from sqlalchemy.orm import Session

from bus import admin
from bus.producer import KafkaProducer
from bus.records import TopicPartition
from hub.delivery.backfill.keeper import StateKeeper, run_keeper
from hub.delivery.backfill.runner import JobContext, JobRunner
from hub.delivery.control import replay, store_changes
from hub.delivery.control.budget import MemoryBudget
from hub.delivery.control.health import Health, Transition
from hub.delivery.control.presence import Presence, holding
from hub.delivery.control.topic_directory import TopicDirectory
from hub.delivery.pipeline.delivery_log import DeliveryLog
from hub.delivery.push.exchange import Redaction
from hub.delivery.push.sender import Sender
from hub.delivery.sink import LaneKind, Sink, SinkContext
from hub.endpoint_safety import EndpointPolicy, safe_client
from hub.routing import AdminUnitIndex
from hub.services import admission
from hub.settings import Settings
from hub.store import deliveries, state_jobs
from hub.store import subscriptions as stored
from hub.store.base import Store
from hub.store.delivery_workers import Holding
from hub.subscriptions.model import Subscription, SubscriptionState
from hub.subscriptions.secrets import SigningSecrets
from schemas.errors import BusError, HubError

log = logging.getLogger(__name__)
RUNNABLE: tuple[SubscriptionState, ...] = ("active", "unhealthy")
CONNECT_RETRY_MAX_S = 15.0
ClientFactory = Callable[[Subscription], httpx.AsyncClient]


@dataclass(frozen=True)
class Wanted:
    subscription: Subscription
    secrets: SigningSecrets
    headers: admission.Headers = ()  # the grants it runs under (hub.services.admission)
    not_before: datetime | None = None  # when those grants were created (the earliest start)

    @property
    def fingerprint(self) -> tuple[str, SigningSecrets, admission.Headers]:
        return (self.subscription.spec().model_dump_json(), self.secrets, self.headers)


@dataclass(frozen=True)
class _Round:
    """What one round reads from the store."""

    wanted: dict[str, Wanted]
    replays: list[deliveries.ReplayRequest]
    jobs: list[state_jobs.StateJob]
    feeds: frozenset[str]  # every feed some subscription names (the state keeper's scope)


@dataclass
class _Running:
    wanted: Wanted
    sink: Sink
    task: asyncio.Task[None]


@dataclass
class SupervisorOptions:
    poll_s: float = 1.0
    restart_backoff_s: float = 5.0
    log_flush_s: float = 0.5
    connect_retry_s: float = 1.0  # first wait for a broker that is away at start (doubling)
    job_lease_s: float = 60.0  # a job whose process renewed nothing for this long is taken over
    keep_state: bool = True  # run the state keeper (backfills need it)


@dataclass
class Supervisor:
    settings: Settings
    store: Store
    units: AdminUnitIndex
    options: SupervisorOptions = field(default_factory=SupervisorOptions)
    client_factory: ClientFactory | None = None
    sink_context: SinkContext | None = None
    _running: dict[str, _Running] = field(default_factory=dict)
    _health: dict[str, Health] = field(default_factory=dict)
    _crashed_at: dict[str, float] = field(default_factory=dict)
    _lanes: dict[str, _Running] = field(default_factory=dict)  # backfill lanes, by subscription
    _lane_jobs: dict[str, int] = field(default_factory=dict)  # the job each backfill lane serves
    _jobs: dict[int, asyncio.Task[None]] = field(default_factory=dict)
    _keeper: tuple[frozenset[str], asyncio.Task[None]] | None = None
    _job_context: JobContext | None = None
    owner: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}")
    _replays: dict[int, asyncio.Task[None]] = field(default_factory=dict)
    # the last full read of the subscriptions, its stamp and when it was made (``store_changes``)
    _read: tuple[store_changes.Stamp, float, dict[str, Wanted], frozenset[str]] | None = None
    _shared_by: int = 0  # lanes the memory budget was last divided among
    # each lane's last reported holding and the assignment it was made from (``holdings``)
    _held: dict[tuple[str, str], tuple[set[TopicPartition], Holding]] = field(default_factory=dict)

    async def run(self, stop: asyncio.Event) -> None:
        """Supervise until ``stop`` is set; then stop every sink (each commits what it resolved).

        The process's admin calls (sinks preparing their topics, the topic directory) share one
        admin client (``bus.admin.shared``).
        """
        bootstrap = self.settings.kafka_address()
        async with admin.shared(bootstrap):
            await self._run(bootstrap, stop)

    async def _run(self, bootstrap: str, stop: asyncio.Event) -> None:
        producer = await self._connected_producer(bootstrap, stop)
        if producer is None:
            return
        delivery_log = DeliveryLog(self.store)
        self.sink_context = SinkContext(
            bootstrap,
            producer,
            delivery_log,
            self.units,
            self._change_state,
            store=self.store,
            backfill_rate_per_s=self.settings.backfill_rate_per_s,
            topics=TopicDirectory(bootstrap),
            budget=MemoryBudget.from_settings(self.settings),
        )
        self._job_context = JobContext(
            self.store, bootstrap, producer, self.units, self.settings.state_keeper_group, self.owner
        )
        flusher = asyncio.create_task(delivery_log.run(self.options.log_flush_s))
        reporter = asyncio.create_task(Presence(self.store, self.owner).run(self.holdings, stop))
        try:
            while not stop.is_set():
                await self.reconcile()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.options.poll_s):
                        await stop.wait()
        finally:
            await self._stop_jobs()
            for copying in list(self._replays.values()):
                copying.cancel()
            await asyncio.gather(*self._replays.values(), return_exceptions=True)
            await asyncio.gather(*(self._stop_sink(sid) for sid in list(self._running)))
            flusher.cancel()
            await delivery_log.flush()
            await producer.stop()
            if not stop.is_set():  # stopped by an error: the reporter leaves the store on its way out
                reporter.cancel()
            await asyncio.gather(reporter, return_exceptions=True)

    async def _connected_producer(self, bootstrap: str, stop: asyncio.Event) -> KafkaProducer | None:
        """The process's producer once the broker answers (None when stopped first).

        A process started while the broker is away waits for it, as one that was running
        through the outage does, instead of exiting and leaving the restart to someone else.
        """
        delay = self.options.connect_retry_s
        while not stop.is_set():
            producer = KafkaProducer(bootstrap)
            try:
                await producer.start()
                return producer
            except BusError as exc:
                log.warning("waiting for Kafka (next try in %.0fs): %s", delay, exc.message)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await stop.wait()
            delay = min(delay * 2, CONNECT_RETRY_MAX_S)
        return None

    def running(self) -> list[str]:
        return sorted(sid for sid, item in self._running.items() if not item.task.done())

    def holdings(self) -> list[Holding]:
        """Each running lane's consumer assignment, as Kafka gave it (none yet: empty).

        Asked every second: a lane's holding is made again only when its assignment changed
        (sorting and naming 121 partitions for each of 100 sinks each second was a tenth of an
        idle ``hub run``)."""
        lanes = [
            item.sink for item in [*self._running.values(), *self._lanes.values()] if not item.task.done()
        ]
        held: dict[tuple[str, str], tuple[set[TopicPartition], Holding]] = {}
        for sink in lanes:
            key, assigned = (sink.subscription.id, sink.lane), sink.assignment()
            last = self._held.get(key)
            held[key] = (
                last
                if last is not None and last[0] == assigned
                else (assigned, holding(key[0], key[1], assigned))
            )
        self._held = held
        return [made for _assigned, made in held.values()]

    def sink(self, sid: str) -> Sink | None:
        """The sink running ``sid`` in this process, if any."""
        item = self._running.get(sid)
        return item.sink if item is not None else None

    async def reconcile(self) -> None:
        read = await asyncio.to_thread(self._read_round)
        wanted, replays, jobs, all_feeds = read.wanted, read.replays, read.jobs, read.feeds
        held = {job.subscription_id for job in jobs}  # feed lanes that must not run
        for sid in list(self._running):
            current = wanted.get(sid)
            item = self._running[sid]
            if current is None or sid in held or current.fingerprint != item.wanted.fingerprint:
                await self._stop_sink(sid)
            elif item.task.done():
                self._reap(sid)
        for request in replays:
            await self._start_replay(request)
        for sid, target in wanted.items():
            if sid not in self._running and sid not in held and self._may_start(sid):
                self._start_sink(target)
        await self._reconcile_jobs(jobs, wanted)
        await self._keep_state(all_feeds)
        self._share_budget()

    def _share_budget(self) -> None:
        """Each running lane's part of the memory budget, again when their number changed."""
        assert self.sink_context is not None
        lanes = [item.sink for item in [*self._running.values(), *self._lanes.values()]]
        if len(lanes) == self._shared_by:
            return
        self._shared_by = len(lanes)
        share = self.sink_context.share = self.sink_context.budget.share(len(lanes))
        for sink in lanes:
            sink.apply(share)

    def _read_round(self) -> _Round:
        """One session: the stamp (and a full read when it moved), replay requests, open jobs."""
        with self.store.session() as session:
            now = time.monotonic()
            current = store_changes.stamp(session, grants=self.settings.auth_enabled)
            last = self._read
            if last is None or last[0] != current or now - last[1] >= store_changes.FULL_READ_S:
                wanted, feeds = self._read_subscriptions(session)
                # the full read may have changed rows (pauses for grants): stamped after it
                last = self._read = (
                    store_changes.stamp(session, grants=self.settings.auth_enabled),
                    now,
                    wanted,
                    feeds,
                )
            return _Round(
                last[2], deliveries.pending_replays(session), state_jobs.open_jobs(session), last[3]
            )

    def _read_subscriptions(self, session: Session) -> tuple[dict[str, Wanted], frozenset[str]]:
        """What should run, with secrets and grants; and every feed some subscription names."""
        for sid in stored.disable_unreadable(session, RUNNABLE):
            log.error("subscription %s disabled: its stored declaration is invalid", sid)
        every = stored.list_all(session)
        subs = [sub for sub in every if sub.state in RUNNABLE]
        admitted = admission.admit(session, subs, self.units, enforce=self.settings.auth_enabled)
        wanted = {
            a.subscription.id: Wanted(
                a.subscription,
                stored.signing_secrets(session, a.subscription.id),
                a.headers,
                a.not_before,
            )
            for a in admitted
        }
        return wanted, frozenset(feed for sub in every for feed in sub.feeds)

    # ---- state jobs ------------------------------------------------------------------------

    async def _reconcile_jobs(self, jobs: list[state_jobs.StateJob], wanted: dict[str, Wanted]) -> None:
        """Backfill lanes run while their job is open; each open job runs in one process."""
        by_subscription = {job.subscription_id: job for job in jobs}
        for sid in list(self._lanes):
            item, current = self._lanes[sid], wanted.get(sid)
            job = by_subscription.get(sid)
            if (
                job is None
                or job.id != self._lane_jobs.get(sid)  # a finished job's lane holds the group a new one pins
                or current is None
                or current.fingerprint != item.wanted.fingerprint
            ):
                await self._stop_lane(sid)
            elif item.task.done():
                self._lanes.pop(sid)  # crashed: started again below
        for job in jobs:
            target = wanted.get(job.subscription_id)
            if target is None:  # paused, disabled or not admitted: the job waits
                continue
            if job.lane_start is not None and job.subscription_id not in self._lanes:
                self._lanes[job.subscription_id] = self._launch(target, "backfill")
                self._lane_jobs[job.subscription_id] = job.id
            task = self._jobs.get(job.id)
            if (task is None or task.done()) and await asyncio.to_thread(self._claim, job.id):
                self._start_job(job, target)
        for job_id in [job_id for job_id, task in self._jobs.items() if task.done()]:
            del self._jobs[job_id]

    def _claim(self, job_id: int) -> bool:
        with self.store.session() as session:
            return state_jobs.claim(session, job_id, self.owner, self.options.job_lease_s)

    def _start_job(self, job: state_jobs.StateJob, target: Wanted) -> None:
        assert self._job_context is not None
        runner = JobRunner(job, target.subscription, self._job_context)
        self._jobs[job.id] = asyncio.create_task(runner.run(), name=f"job {job.id}")
        log.info("%s job %s of %s started here", job.kind, job.id, job.subscription_id)

    async def _stop_lane(self, sid: str) -> None:
        item = self._lanes.pop(sid, None)
        self._lane_jobs.pop(sid, None)
        if item is not None:
            item.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await item.task

    async def _stop_jobs(self) -> None:
        tasks = [*self._jobs.values(), *(item.task for item in self._lanes.values())]
        if self._keeper is not None:
            tasks.append(self._keeper[1])
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._jobs.clear()
        self._lanes.clear()
        self._lane_jobs.clear()
        self._keeper = None

    async def _keep_state(self, feeds: frozenset[str]) -> None:
        """Run the keeper over ``feeds``; restart it when they change."""
        if not self.options.keep_state or self._job_context is None:
            return
        if self._keeper is not None and self._keeper[0] == feeds and not self._keeper[1].done():
            return
        if self._keeper is not None:
            old = self._keeper[1]
            self._keeper = None
            old.cancel()
            await asyncio.gather(old, return_exceptions=True)  # its consumer leaves the group
        if feeds:
            ctx = self._job_context
            keeper = StateKeeper(ctx.bootstrap, ctx.producer, ctx.keeper_group, feeds)
            self._keeper = (feeds, asyncio.create_task(run_keeper(keeper), name="state keeper"))

    def _may_start(self, sid: str) -> bool:
        crashed = self._crashed_at.get(sid)
        return crashed is None or time.monotonic() - crashed >= self.options.restart_backoff_s

    def _start_sink(self, wanted: Wanted) -> None:
        self._running[wanted.subscription.id] = self._launch(wanted, "feed")
        log.info("sink %s started", wanted.subscription.id)

    def _launch(self, wanted: Wanted, lane: LaneKind) -> _Running:
        assert self.sink_context is not None
        sub = wanted.subscription
        health = self._health.setdefault(sub.id, Health(sub.unhealthy_after_s, sub.disable_after_s))
        health.unhealthy_after_s, health.disable_after_s = sub.unhealthy_after_s, sub.disable_after_s
        health.state = "unhealthy" if sub.state == "unhealthy" else health.state
        client = self._client(sub)
        client.headers.update(dict(wanted.headers))
        redaction = Redaction.of(self.settings.attempt_redacted_headers)
        sender = Sender(sub.endpoint_url, client, wanted.secrets, redaction)
        sink = Sink(sub, sender, health, self.sink_context, lane, wanted.not_before)
        task = asyncio.create_task(self._run_sink(sink), name=f"sink {sub.id} ({lane})")
        return _Running(wanted, sink, task)

    async def _run_sink(self, sink: Sink) -> None:
        try:
            await sink.run()
        finally:
            await sink.sender.aclose()

    def _client(self, sub: Subscription) -> httpx.AsyncClient:
        if self.client_factory is not None:
            return self.client_factory(sub)
        policy = EndpointPolicy.from_settings(self.settings)
        return safe_client(
            policy, timeout_s=sub.delivery.timeout_s, max_connections=sub.delivery.max_in_flight
        )

    def _reap(self, sid: str) -> None:
        item = self._running.pop(sid)
        if item.task.cancelled():  # a cancellation nobody sent came out of a client: restart it
            log.error("sink %s ended cancelled; restarting", sid)
            self._crashed_at[sid] = time.monotonic()
            return
        error = item.task.exception()
        if error is not None:
            log.error("sink %s failed: %s; restarting", sid, error, exc_info=error)
            self._crashed_at[sid] = time.monotonic()

    async def _stop_sink(self, sid: str) -> None:
        item = self._running.pop(sid, None)
        if item is None:
            return
        item.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await item.task
        log.info("sink %s stopped", sid)

    async def _start_replay(self, request: deliveries.ReplayRequest) -> None:
        """Take a pending request (one process does) and copy its window in the background."""
        to_time = request.to_time or datetime.now(UTC)
        if request.id in self._replays or not await asyncio.to_thread(
            self._claim_replay, request.id, to_time
        ):
            return
        task = asyncio.create_task(self._replay(request, to_time), name=f"replay {request.id}")
        self._replays[request.id] = task
        task.add_done_callback(lambda _done: self._replays.pop(request.id, None))

    async def _replay(self, request: deliveries.ReplayRequest, to_time: datetime) -> None:
        assert self.sink_context is not None
        subscription = await asyncio.to_thread(self._subscription, request.subscription_id)
        try:
            if subscription is None:
                raise HubError(f"subscription {request.subscription_id} no longer exists")
            copy = replay.WindowReplay(
                self.sink_context.bootstrap, self.sink_context.producer, subscription, self.units
            )
            done = await copy.run(request.from_time, to_time, lambda p: self._report_replay(request.id, p))
        except Exception as exc:  # the request says why, rather than staying "running"
            log.warning("replay %s of %s failed: %s", request.id, request.subscription_id, exc, exc_info=True)
            reason = exc.message if isinstance(exc, HubError) else f"{type(exc).__name__}: {exc}"
            await asyncio.to_thread(self._finish_replay, request.id, "failed", reason[:1000])
            return
        detail = f"{done.queued} of {done.total} record(s) in the window sent again for delivery"
        await asyncio.to_thread(self._finish_replay, request.id, "done", detail)
        log.info("replay %s of %s done: %s", request.id, request.subscription_id, detail)

    async def _report_replay(self, request_id: int, progress: replay.Progress) -> None:
        def write() -> None:
            with self.store.session() as session:
                deliveries.replay_progress(
                    session,
                    request_id,
                    total=progress.total,
                    scanned=progress.scanned,
                    queued=progress.queued,
                )

        await asyncio.to_thread(write)

    def _claim_replay(self, request_id: int, to_time: datetime) -> bool:
        with self.store.session() as session:
            return deliveries.claim_replay(session, request_id, to_time)

    def _subscription(self, subscription_id: str) -> Subscription | None:
        with self.store.session() as session:
            if not stored.exists(session, subscription_id):
                return None
            return stored.get(session, subscription_id)

    def _finish_replay(self, request_id: int, state: deliveries.ReplayState, detail: str) -> None:
        with self.store.session() as session:
            deliveries.finish_replay(session, request_id, state, detail)

    async def _change_state(self, subscription_id: str, transition: Transition) -> None:
        def write() -> None:
            with self.store.session() as session:
                stored.set_state(session, subscription_id, transition.state, transition.reason)

        await asyncio.to_thread(write)
        log.warning("subscription %s is now %s: %s", subscription_id, transition.state, transition.reason)


__all__ = ["Supervisor", "SupervisorOptions", "Wanted"]
