"""One subscription's sink: the four steps of ``hub.delivery.pipeline`` wired together, and run.

intake -> schedule -> attempt -> outcome, each handing on to the next and none calling back:
the scheduler runs ``attempt`` then ``outcome`` for each request and settles its queues from
what they return. Several sinks share a process; no sink ever waits on another subscription's.
Guarantees (the steps' docstrings say how each is kept):

- at-least-once: offsets are committed only up to the oldest record not yet resolved, after the
  delivery log is flushed;
- retry records wait in memory until due without holding back other keys; with
  ``ordering: key`` a key's events are delivered in log order, across retries (parking);
- a request is decided once (``batch_ledger``, ADR 013): after a crash, a restart or a
  rebalance the same events go under the same ``webhook-id``, and attempt numbers go on counting;
- on 410 Gone, or failing past ``disable_after_s``, the subscription is disabled with the
  reason and the sink stops; undelivered events stay uncommitted for when it is enabled again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from bus.admin import KafkaAdmin
from bus.consumer import KafkaConsumer
from bus.ports import Producer
from bus.records import TopicPartition
from hub.delivery.backfill.lane import BackfillIntake, backfill_group
from hub.delivery.control.budget import MemoryBudget, Share
from hub.delivery.control.dead_letter import DLQ_PARTITIONS
from hub.delivery.control.health import Health
from hub.delivery.control.start_position import pin_start
from hub.delivery.control.topic_directory import TopicDirectory
from hub.delivery.pipeline import copartition, retry
from hub.delivery.pipeline.batch_ledger import BatchLedger, PartitionRevoked
from hub.delivery.pipeline.delivery_log import DeliveryLog
from hub.delivery.pipeline.job import Job
from hub.delivery.pipeline.parking import RetryKeys
from hub.delivery.pipeline.s1_intake import Flush, Intake, Lane, Revocations, feed_group, retry_group
from hub.delivery.pipeline.s2_schedule import Next, Scheduler, Settled
from hub.delivery.pipeline.s3_attempt import Attempt
from hub.delivery.pipeline.s4_outcome import Outcomes, StateChange, Topics
from hub.delivery.pipeline.tracker import OffsetTracker
from hub.delivery.push.rate_limit import RateLimiter
from hub.delivery.push.sender import Sender
from hub.routing import AdminUnitIndex
from hub.store.base import Store
from hub.subscriptions.model import Subscription
from hub.telemetry import metrics
from schemas.errors import BusError
from schemas.naming import backfill_topic, dlq_topic, retry_topic

log = logging.getLogger(__name__)
STARTING_AT_ONCE = 4
COMMIT_ON_STOP_S = 1.0
LaneKind = Literal["feed", "backfill"]


@dataclass
class SinkContext:
    """What a sink takes from its process (shared by all the process's sinks)."""

    bootstrap: str
    producer: Producer
    log: DeliveryLog
    units: AdminUnitIndex
    change_state: StateChange
    short: retry.ShortRetry = field(default_factory=retry.ShortRetry)
    commit_interval_s: float = 0.5
    store: Store | None = None  # the batch ledger's (None: requests are not kept across restarts)
    backfill_rate_per_s: float | None = None  # the backfill lane's own limit (``hub.delivery.backfill``)
    topics: TopicDirectory | None = None  # the process's topic list (None: subscribe by pattern)
    # sinks preparing their topics at once: a hundred starting together (a restart of `hub run`)
    # each asking the broker to create topics made its requests time out, and the sinks restart
    starting: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(STARTING_AT_ONCE))
    # what the process's lanes may hold in memory together (``control.budget``), and each one's part
    # now: the supervisor updates it, and every running lane's, as lanes come and go
    budget: MemoryBudget = field(default_factory=MemoryBudget)
    share: Share = field(default_factory=lambda: MemoryBudget().share(1))


class Sink:
    """``lane="feed"`` reads the feeds (live); ``lane="backfill"`` reads the subscription's
    backfill topic while a job runs (``hub.delivery.backfill.lane``)."""

    def __init__(
        self,
        subscription: Subscription,
        sender: Sender,
        health: Health,
        ctx: SinkContext,
        lane: LaneKind = "feed",
        not_before: datetime | None = None,
    ) -> None:
        self.subscription = subscription
        self.lane = lane
        self.not_before = not_before  # when its grants were created: the earliest start allowed
        self.sender = sender
        self.ctx = ctx
        self.retry_topic = retry_topic(subscription.id)
        self.dlq_topic = dlq_topic(subscription.id)
        tracker = OffsetTracker()
        topics = Topics(ctx.producer, self.retry_topic, self.dlq_topic)
        self.outcomes = Outcomes(subscription, topics, tracker, ctx.log, health, ctx.change_state)
        delivery = subscription.delivery
        batch = delivery.mode == "batch"
        self.ledger = BatchLedger(ctx.store, subscription.id, batch_mode=batch)
        self.attempt = Attempt(subscription, sender, ctx.short, before_try=self.ledger.before_try)
        self.scheduler = Scheduler(
            self._attempt_then_apply,
            park=self.outcomes.park,
            ordered=delivery.ordering == "key",
            max_in_flight=delivery.max_in_flight,
            batch_max=delivery.batch_max_events if batch else 1,
            batch_wait_s=delivery.batch_max_wait_ms / 1000 if batch else 0.0,
            recall=self.ledger.recall,
        )
        self._tracker = tracker
        self._lane: Lane | None = None
        self._consumer: KafkaConsumer | None = None
        self._intake: Intake | None = None
        self._share = ctx.share

    async def _attempt_then_apply(self, jobs: list[Job]) -> list[Settled]:
        copies = await self.ledger.copies(jobs)
        skipped = [self.outcomes.duplicate(job) for job in copies]
        jobs = [job for job in jobs if job not in copies]
        if not jobs:
            return skipped
        try:
            attempted = await self.attempt(jobs)
        except PartitionRevoked as exc:  # not resolved: the partition's new owner sends them
            log.info("%s: %d job(s) not sent: %s", self.subscription.id, len(jobs), exc)
            return [*skipped, *(Settled(job, Next.DONE) for job in jobs)]
        settled = await self.outcomes.apply(attempted)
        self.ledger.finished(settled)
        return [*skipped, *settled]

    async def _flush(self) -> None:
        """Before each commit: the delivery log, then the ledger's requests committed past."""
        await self.ctx.log.flush()
        await self.ledger.sweep(self._tracker)

    @property
    def keys(self) -> RetryKeys:
        """Keys with events in retry in this process (their later events are parked)."""
        return self.scheduler.keys

    # ---- running -------------------------------------------------------------------------

    async def run(self) -> None:
        """Deliver until cancelled or until the subscription is disabled (then return)."""
        sub, ctx = self.subscription, self.ctx
        if self.lane == "backfill":
            group, name, pattern = (
                backfill_group(sub.id),
                "backfill",
                rf"^{re.escape(backfill_topic(sub.id))}$",
            )
        else:
            group, name = feed_group(sub.id), "feeds+retry"
            pattern = copartition.subscription_pattern(sub.feeds, self.retry_topic)
        consumer = KafkaConsumer(
            ctx.bootstrap, group, range_assignment=copartition.RANGE, buffer_bytes=self._share.fetch_bytes
        )
        self._consumer = consumer
        lane = self._lane = Lane(name, consumer, self.retry_topic, self._tracker)
        intake = self._intake = self._make_intake(lane)
        listener = LedgerRebalance(lane, ctx.log.flush, self.scheduler, self.ledger)
        try:
            async with ctx.starting:
                await self._prepare_topics()
                topics = await self._subscribe(consumer, pattern, listener)
            await self._start(lane)
            following = None if topics is None else self._follow_topics(consumer, pattern, listener, topics)
            await self._run_until_stopped(intake, following)
        finally:
            await self._shutdown(lane)

    def _own_topic(self) -> str:
        return backfill_topic(self.subscription.id) if self.lane == "backfill" else self.retry_topic

    async def _topics(self, pattern: str) -> frozenset[str]:
        assert self.ctx.topics is not None
        return await self.ctx.topics.matching(pattern) | {self._own_topic()}

    async def _subscribe(
        self, consumer: KafkaConsumer, pattern: str, listener: LedgerRebalance
    ) -> frozenset[str] | None:
        """By name, from the process's topic directory (``topic_directory``); by pattern without one."""
        if self.ctx.topics is None:
            consumer.subscribe(pattern, listener)
            return None
        topics = await self._topics(pattern)
        consumer.subscribe_topics(topics, listener)
        return topics

    async def _follow_topics(
        self, consumer: KafkaConsumer, pattern: str, listener: LedgerRebalance, topics: frozenset[str]
    ) -> None:
        """A feed topic created after the start is read within the directory's refresh."""
        assert self.ctx.topics is not None
        while True:
            await asyncio.sleep(self.ctx.topics.refresh_s)
            try:
                now = await self._topics(pattern)
            except BusError as exc:  # the broker away: the consumer says so itself; keep the set
                log.debug("%s: topics not listed: %s", self.subscription.id, exc)
                continue
            if now != topics:
                log.info("%s: topics now %s", self.subscription.id, sorted(now))
                consumer.subscribe_topics(now, listener)
                topics = now

    def _make_intake(self, lane: Lane) -> Intake:
        sub, ctx, most = self.subscription, self.ctx, self.pending_cap(self._share)
        if self.lane == "feed":
            return Intake(sub, lane, ctx.units, self.scheduler, self.outcomes, ctx.log, most)
        intake = BackfillIntake(sub, lane, ctx.units, self.scheduler, self.outcomes, ctx.log, most)
        intake.limiter = RateLimiter(ctx.backfill_rate_per_s)
        return intake

    def pending_cap(self, share: Share) -> int:
        """Events this sink may hold unresolved: its share, but never too few to fill its requests
        in flight (a smaller queue would slow it down without saving much)."""
        delivery = self.subscription.delivery
        batch = delivery.batch_max_events if delivery.mode == "batch" else 1
        return max(share.pending_events, delivery.max_in_flight * batch)

    def apply(self, share: Share) -> None:
        """Take a new part of the process's memory budget (more or fewer lanes run now)."""
        self._share = share
        if self._intake is not None:
            self._intake.max_pending = self.pending_cap(share)
        if self._consumer is not None:
            self._consumer.limit_buffer(share.fetch_bytes)

    async def _prepare_topics(self) -> None:
        sid, bootstrap = self.subscription.id, self.ctx.bootstrap
        await KafkaAdmin(bootstrap).create_topics([self.dlq_topic], DLQ_PARTITIONS)
        await copartition.ensure_retry_topic(bootstrap, self.retry_topic, [retry_group(sid), feed_group(sid)])
        if self.lane == "feed":
            sub = self.subscription
            await pin_start(bootstrap, feed_group(sid), sub.feeds, sub.start, self.not_before)
        misaligned = await copartition.misaligned_feeds(bootstrap, self.subscription.feeds)
        if misaligned:
            log.warning(
                "feed topics %s do not have %d partitions: with several hub processes, %s keeps "
                "per-key order through retries only within each process",
                misaligned, copartition.RETRY_PARTITIONS, sid,
            )  # fmt: skip

    def assignment(self) -> set[TopicPartition]:
        """The partitions this sink owns now (feeds and retry topic)."""
        return set(self._lane.consumer.assignment()) if self._lane is not None else set()

    async def _start(self, lane: Lane) -> None:
        try:
            await lane.consumer.start()
        except BusError as exc:
            raise BusError(f"sink {self.subscription.id} cannot start: {exc}") from exc

    async def _run_until_stopped(self, intake: Intake, following: Coroutine[Any, Any, None] | None) -> None:
        tasks = [
            *([] if following is None else [asyncio.create_task(following, name="topics")]),
            asyncio.create_task(self.scheduler.run_forever(), name="scheduler"),
            asyncio.create_task(intake.read(), name="reader"),
            asyncio.create_task(
                intake.commit_every(self.ctx.commit_interval_s, self._flush), name="committer"
            ),
            asyncio.create_task(self.outcomes.stopped.wait(), name="stop"),
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            if task.get_name() != "stop" and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]

    async def _shutdown(self, lane: Lane) -> None:
        """Flush, commit and leave; the commit is bounded, since with the broker away it waits
        for a coordinator forever (what it would have committed is delivered again later)."""
        metrics.forget_subscription(self.subscription.id)
        with contextlib.suppress(Exception):
            await self.ctx.log.flush()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(COMMIT_ON_STOP_S):
                await lane.commit()
        with contextlib.suppress(Exception):
            await lane.consumer.stop()


class LedgerRebalance(Revocations):
    """The intake's rebalance listener, with the ledger's open requests read for what is assigned
    (before any of it is read) and dropped for what is revoked."""

    def __init__(self, lane: Lane, flush: Flush, scheduler: Scheduler, ledger: BatchLedger) -> None:
        super().__init__(lane, flush, scheduler)
        self.ledger = ledger

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        gone = [(tp.topic, tp.partition) for tp in revoked]
        self.ledger.revoke(gone)  # first: nothing of them is sent from now on
        await self.ledger.quiesce()  # what was recorded is in the store before the new owner reads
        await super().on_partitions_revoked(revoked)
        self.ledger.forget(gone)

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        self.ledger.assigned((tp.topic, tp.partition) for tp in assigned)
        await self.ledger.load([tp for tp in assigned if tp.topic != self.lane.retry_topic])
        await super().on_partitions_assigned(assigned)


__all__ = ["LedgerRebalance", "Sink", "SinkContext", "feed_group", "retry_group"]
