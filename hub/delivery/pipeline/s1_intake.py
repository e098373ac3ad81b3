"""Step 1, intake: the sink's consumer, the offsets it read, and each record turned into a job.

One consumer group per subscription, ``hub.sub.<id>``, reads the feed topics (a topic pattern,
so new feed topics are picked up) and the subscription's retry topic, co-partitioned
(``copartition``): the process that owns a key's feed partition owns its retry partition too,
so with several hub processes a key's retries and its later (parked) events stay in one process.

- Every record read is tracked (``OffsetTracker``); offsets are committed only up to the oldest
  record not yet resolved (step 4 resolves them), after the delivery log is flushed: a crash at
  any point loses nothing (at-least-once).
- After every assignment the feed partitions stay paused until the assigned retry partitions are
  read up to their end (or ``CATCH_UP_TIMEOUT_S``), so the keys in retry are known before newer
  events of those keys could overtake them, after a restart or when partitions move.
- A feed record is decoded and routed (``_route``: the one place where the routing decision
  becomes a job); a retry record becomes a job at the stage and due time its headers carry.
  Jobs go on to the scheduler; filtered-out and undecodable records go straight to step 4.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable

from bus.ports import Consumer
from bus.records import TopicPartition
from hub.delivery import spans
from hub.delivery.pipeline import copartition, retry
from hub.delivery.pipeline.delivery_log import DeliveryLog
from hub.delivery.pipeline.job import Job, Origin, Record
from hub.delivery.pipeline.s2_schedule import Scheduler
from hub.delivery.pipeline.s4_outcome import Outcomes
from hub.delivery.pipeline.tracker import OffsetTracker
from hub.routing import AdminUnitIndex, Decision, decide
from hub.routing.moves import moved_out
from hub.subscriptions.model import Subscription
from hub.telemetry import metrics
from schemas.errors import BusError, InvalidInput
from schemas.events import ChangeEvent
from schemas.events.kafka_codec import from_kafka, to_kafka

log = logging.getLogger(__name__)
Flush = Callable[[], Awaitable[None]]
POLL_MS = 200  # while the feeds wait for the retry catch-up, checked after each poll
IDLE_POLL_MS = 2_000  # otherwise: records wake a poll at once; more polls only cost CPU (ADR 018)
CATCH_UP_TIMEOUT_S = 10.0


def feed_group(subscription_id: str) -> str:
    return f"hub.sub.{subscription_id}"


def retry_group(subscription_id: str) -> str:
    """The retry topic's own group of hubs before co-partitioning (read when migrating)."""
    return f"hub.sub.{subscription_id}.retry"


class Lane:
    """The consumer (feeds and retry topic), the offsets it read that are not resolved yet, and
    the catch-up of its retry partitions after each assignment."""

    def __init__(self, name: str, consumer: Consumer, retry_topic: str, tracker: OffsetTracker) -> None:
        self.name = name
        self.consumer = consumer
        self.retry_topic = retry_topic
        self.tracker = tracker
        self.retry_partitions: set[int] = set()  # retry partitions this process reads (parking)
        self.catching_up: list[TopicPartition] = []  # retry partitions to read before the feeds
        self.catch_up_ends: dict[TopicPartition, int] | None = None
        self.catch_up_since = 0.0

    def assigned(self, assigned: list[TopicPartition]) -> None:
        self.catching_up = [tp for tp in assigned if tp.topic == self.retry_topic]
        self.retry_partitions = {tp.partition for tp in self.catching_up}
        self.catch_up_ends, self.catch_up_since = None, time.monotonic()
        self.consumer.pause(*(tp for tp in assigned if tp.topic != self.retry_topic))

    def catching_up_now(self) -> bool:
        return bool(self.consumer.paused())

    async def catch_up(self) -> None:
        """Resume the feeds once the retry partitions are read to the end they had at assignment."""
        if not self.consumer.paused():
            return
        if self.catch_up_ends is None and self.catching_up:
            self.catch_up_ends = await self.consumer.end_offsets(self.catching_up)
        ends = self.catch_up_ends or {}
        timed_out = time.monotonic() - self.catch_up_since > CATCH_UP_TIMEOUT_S
        if timed_out or all([await self.consumer.position(tp) >= ends[tp] for tp in ends]):
            self.consumer.resume(*self.consumer.paused())

    async def commit(self) -> None:
        offsets = self.tracker.committable()
        if not offsets:
            return
        try:
            await self.consumer.commit({TopicPartition(t, p): o for (t, p), o in offsets.items()})
        except BusError as exc:  # a rebalance: the new owner re-reads from the last commit
            log.warning("%s commit failed (%s); those records will be re-read", self.name, exc)
            return
        self.tracker.committed(offsets)


class Revocations:
    """The intake's ``bus.ports.RebalanceListener``."""

    def __init__(self, lane: Lane, flush: Flush, scheduler: Scheduler) -> None:
        self.lane = lane
        self.flush = flush
        self.scheduler = scheduler

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self.flush()
        await self.lane.commit()
        gone = [(tp.topic, tp.partition) for tp in revoked]
        self.lane.tracker.forget(gone)
        self.scheduler.forget(gone)  # their new owner reads their retries and parks behind them

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        self.lane.assigned(assigned)


class Intake:
    poll_max_records = 500  # records routed between two chances for other sinks to run

    def __init__(
        self,
        subscription: Subscription,
        lane: Lane,
        units: AdminUnitIndex,
        scheduler: Scheduler,
        outcomes: Outcomes,
        routes_log: DeliveryLog,
        max_pending: int,
    ) -> None:
        self.subscription = subscription
        self.lane = lane
        self.units = units
        self.scheduler = scheduler
        self.outcomes = outcomes
        self.routes_log = routes_log  # what was read and how it was routed, for the trace
        self.max_pending = max_pending

    async def read(self) -> None:
        """Read until cancelled; each record becomes a job, or goes straight to step 4."""
        while True:
            for record in await self._poll():
                if record.topic == self.lane.retry_topic:
                    await self._accept_retry(record)
                else:
                    await self._accept_feed(record)
            try:
                await self.lane.catch_up()
            except BusError as exc:
                raise BusError(f"sink {self.subscription.id} cannot read its retry offsets: {exc}") from exc

    async def commit_every(self, interval_s: float, flush: Flush) -> None:
        while True:
            await asyncio.sleep(interval_s)
            await flush()
            await self.lane.commit()
            await metrics.measure_consumer_lag(self.subscription.id, self.lane.consumer)

    async def _poll(self) -> list[Record]:
        while self.lane.tracker.pending() >= self.max_pending:  # resolved in step 4
            self.scheduler.spill()  # jobs parked in memory hold offsets back: hand them off
            await asyncio.sleep(0.02)
        room = min(self.poll_max_records, self.max_pending - self.lane.tracker.pending())  # never past it
        try:
            wait_ms = POLL_MS if self.lane.catching_up_now() else IDLE_POLL_MS
            batch = await self.lane.consumer.getmany(timeout_ms=wait_ms, max_records=room)
        except BusError as exc:
            raise BusError(f"sink {self.subscription.id} {self.lane.name} read failed: {exc}") from exc
        return [record for records in batch.values() for record in records]

    async def _take(self, record: Record) -> ChangeEvent | None:
        """Track the record and decode its event; an undecodable one is dead-lettered (None)."""
        self.lane.tracker.track(record.tp, record.offset)
        try:
            return from_kafka(record.key, record.value, list(record.event_headers()))
        except (InvalidInput, ValueError) as exc:
            await self.outcomes.undecodable(record, str(exc))
            return None

    async def _accept_feed(self, record: Record) -> None:
        event = await self._take(record)
        if event is None:
            return
        self.routes_log.routes.seen(self._published(record), event)
        job = self._route(record, event)
        if job is None:
            self.outcomes.filtered_out(record)
            return
        self.scheduler.submit(job)

    def _published(self, record: Record) -> Record:
        """The feed record as published (a lane reading copies of feed records overrides this)."""
        return record

    def _decide(self, record: Record, event: ChangeEvent) -> Decision:
        """Whether the subscription wants the record (a lane of records chosen already overrides it)."""
        return decide(event, self.subscription, self.units, topic=self._published(record).topic)

    def _route(self, record: Record, event: ChangeEvent) -> Job | None:
        """The routing decision, turned into the job to deliver (None: filtered out)."""
        started_ns = time.time_ns()
        decision = self._decide(record, event)
        spans.routed(
            self.subscription.id, feed_group(self.subscription.id), record, event, decision, started_ns
        )
        self.routes_log.filtered(self.subscription.id, record.topic, matched=decision.matched)
        if not decision.matched:
            return None
        origin = Origin(record.topic, record.partition, record.offset)
        if decision.moved_out:  # the record left this subscriber's unit: tell it, without the record
            record, event = moved_out_record(record, event)
        now = time.time()
        retry_here = copartition.retry_partition(record.partition) in self.lane.retry_partitions
        return Job(record, event, origin, due=now, scheduled_at=now, retry_here=retry_here)

    async def _accept_retry(self, record: Record) -> None:
        event = await self._take(record)
        if event is None:
            return
        marks = retry.read_marks(record)
        job = Job(
            record, event, marks.origin, from_retry=True, stage=marks.stage, due=marks.due,
            attempts=marks.attempts, last_error=marks.last_error, scheduled_at=marks.due,
        )  # fmt: skip
        self.scheduler.submit(job)


def moved_out_record(record: Record, event: ChangeEvent) -> tuple[Record, ChangeEvent]:
    """The move-out and the record re-encoded to carry it (same Kafka address), so retries and
    dead letters hold the derived event, not the moved record's new contents."""
    derived = moved_out(event)
    message = to_kafka(derived)
    return dataclasses.replace(record, value=message.value, headers=tuple(message.headers)), derived


__all__ = ["CATCH_UP_TIMEOUT_S", "Intake", "Lane", "Revocations", "feed_group", "retry_group"]
