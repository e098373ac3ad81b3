"""One subscription's sink: its consumers, its scheduler, its commits. Several sinks share a process.

One consumer group per subscription, ``hub.sub.<id>``, reads the feed topics (a topic pattern,
so new feed topics are picked up) and the subscription's retry topic, co-partitioned
(``copartition``): the process that owns a key's feed partition owns its retry partition too,
so with several hub processes a key's retries and its later (parked) events stay in one
process. Each hub process running the subscription joins the group, so processes share its
partitions; no sink ever waits on another subscription's. Guarantees:

- offsets are committed only up to the oldest record not yet resolved (delivered,
  dead-lettered, handed to the retry topic with Kafka's acknowledgement, or filtered out), and
  the delivery log is flushed first: a crash at any point loses nothing (at-least-once);
- retry records wait in memory until due without holding back other keys; with
  ``ordering: key`` a key's events are delivered in log order, across retries (``parking``);
- on 410 Gone, or failing past ``disable_after_s``, the subscription is disabled with the reason
  and the sink stops; undelivered events stay uncommitted for when it is enabled again.

After every assignment the feed partitions stay paused until the assigned retry partitions are
read up to their end (or ``CATCH_UP_TIMEOUT_S``), so the keys in retry are known before newer
events of those keys could overtake them, after a restart or when partitions move.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bus import headers
from bus.admin import KafkaAdmin
from bus.consumer import KafkaConsumer
from bus.ports import Consumer, Producer
from bus.records import TopicPartition
from hub.delivery import copartition, retry
from hub.delivery.dead_letter import DLQ_PARTITIONS, dead_letter_headers
from hub.delivery.dispatch import Dispatcher
from hub.delivery.health import Health, Transition
from hub.delivery.job import Job, Origin, Record
from hub.delivery.log import DeliveryLog
from hub.delivery.parking import RetryKeys
from hub.delivery.scheduler import Scheduler
from hub.delivery.sender import Sender
from hub.delivery.tracker import OffsetTracker
from hub.observability import metrics, spans
from hub.routing import AdminUnitIndex, decide
from hub.routing.moves import moved_out_record
from hub.subscriptions.model import Subscription
from schemas.errors import BusError, InvalidInput
from schemas.events import ChangeEvent
from schemas.events.kafka_codec import from_kafka
from schemas.naming import dlq_topic, retry_topic

log = logging.getLogger(__name__)
StateChange = Callable[[str, Transition], Awaitable[None]]
POLL_MS = 200
CATCH_UP_TIMEOUT_S = 10.0


def feed_group(subscription_id: str) -> str:
    return f"hub.sub.{subscription_id}"


def retry_group(subscription_id: str) -> str:
    """The retry topic's own group of hubs before co-partitioning (read when migrating)."""
    return f"hub.sub.{subscription_id}.retry"


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
    max_pending: int = 5000


class _Lane:
    """The sink's consumer (feeds and retry topic), the offsets it read that are not resolved
    yet, and the catch-up of its retry partitions after each assignment."""

    def __init__(self, name: str, consumer: Consumer, retry_topic: str) -> None:
        self.name = name
        self.consumer = consumer
        self.retry_topic = retry_topic
        self.tracker = OffsetTracker()
        self.catching_up: list[TopicPartition] = []  # retry partitions to read before the feeds
        self.catch_up_ends: dict[TopicPartition, int] | None = None
        self.catch_up_since = 0.0

    def assigned(self, assigned: list[TopicPartition]) -> None:
        self.catching_up = [tp for tp in assigned if tp.topic == self.retry_topic]
        self.catch_up_ends, self.catch_up_since = None, time.monotonic()
        self.consumer.pause(*(tp for tp in assigned if tp.topic != self.retry_topic))

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


class _Revocations:
    """The sink's ``bus.ports.RebalanceListener``."""

    def __init__(self, lane: _Lane, flush: Callable[[], Awaitable[None]], keys: RetryKeys) -> None:
        self.lane = lane
        self.flush = flush
        self.keys = keys

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self.flush()
        await self.lane.commit()
        gone = [(tp.topic, tp.partition) for tp in revoked]
        self.lane.tracker.forget(gone)
        self.keys.forget(gone)  # their new owner reads their retries and parks behind them

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        self.lane.assigned(assigned)


class Sink:
    def __init__(self, subscription: Subscription, sender: Sender, health: Health, ctx: SinkContext) -> None:
        self.subscription = subscription
        self.ctx = ctx
        self.keys = RetryKeys()
        self.retry_topic = retry_topic(subscription.id)
        self.dlq_topic = dlq_topic(subscription.id)
        self.dispatcher = Dispatcher(subscription, sender, self, ctx.log, health, self.keys, ctx.short)
        delivery = subscription.delivery
        batch = delivery.mode == "batch"
        self.scheduler = Scheduler(
            self.dispatcher.run,
            ordered=delivery.ordering == "key",
            max_in_flight=delivery.max_in_flight,
            batch_max=delivery.batch_max_events if batch else 1,
            batch_wait_s=delivery.batch_max_wait_ms / 1000 if batch else 0.0,
        )
        self.sender = sender
        self._lane: _Lane | None = None
        self._stop = asyncio.Event()
        self.stopped_reason: str | None = None

    # ---- running -------------------------------------------------------------------------

    async def run(self) -> None:
        """Deliver until cancelled or until the subscription is disabled (then return)."""
        sid = self.subscription.id
        consumer = KafkaConsumer(self.ctx.bootstrap, feed_group(sid), range_assignment=copartition.RANGE)
        lane = self._lane = _Lane("feeds+retry", consumer, self.retry_topic)
        pattern = copartition.subscription_pattern(self.subscription.feeds, self.retry_topic)
        consumer.subscribe(pattern, _Revocations(lane, self.ctx.log.flush, self.keys))
        try:
            await self._prepare_topics()
            await self._start(lane)
            await self._run_until_stopped(lane)
        finally:
            await self._shutdown(lane)

    async def _prepare_topics(self) -> None:
        sid, bootstrap = self.subscription.id, self.ctx.bootstrap
        await KafkaAdmin(bootstrap).create_topics([self.dlq_topic], DLQ_PARTITIONS)
        await copartition.ensure_retry_topic(bootstrap, self.retry_topic, [retry_group(sid), feed_group(sid)])
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

    async def _start(self, lane: _Lane) -> None:
        try:
            await lane.consumer.start()
        except BusError as exc:
            raise BusError(f"sink {self.subscription.id} cannot start: {exc}") from exc

    async def _run_until_stopped(self, lane: _Lane) -> None:
        tasks = [
            asyncio.create_task(self.scheduler.run_forever(), name="scheduler"),
            asyncio.create_task(self._read(lane), name="reader"),
            asyncio.create_task(self._commit_loop(), name="committer"),
            asyncio.create_task(self._stop.wait(), name="stop"),
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

    async def _shutdown(self, *lanes: _Lane) -> None:
        metrics.forget_subscription(self.subscription.id)
        with contextlib.suppress(Exception):
            await self.ctx.log.flush()
        for lane in lanes:
            with contextlib.suppress(Exception):
                await lane.commit()
            with contextlib.suppress(Exception):
                await lane.consumer.stop()

    async def _commit_loop(self) -> None:
        while True:
            await asyncio.sleep(self.ctx.commit_interval_s)
            await self.commit()
            if self._lane is not None:
                await metrics.measure_consumer_lag(self.subscription.id, self._lane.consumer)

    async def commit(self) -> None:
        await self.ctx.log.flush()
        if self._lane is not None:
            await self._lane.commit()

    # ---- reading -------------------------------------------------------------------------

    async def _read(self, lane: _Lane) -> None:
        while True:
            for record in await self._poll(lane):
                if record.topic == self.retry_topic:
                    await self._accept_retry(lane, record)
                else:
                    await self._accept_feed(lane, record)
            try:
                await lane.catch_up()
            except BusError as exc:
                raise BusError(f"sink {self.subscription.id} cannot read its retry offsets: {exc}") from exc

    async def _poll(self, lane: _Lane) -> list[Record]:
        while lane.tracker.pending() >= self.ctx.max_pending:  # noqa: ASYNC110  # resolutions come from many places
            await asyncio.sleep(0.02)
        try:
            batch = await lane.consumer.getmany(timeout_ms=POLL_MS, max_records=500)
        except BusError as exc:
            raise BusError(f"sink {self.subscription.id} {lane.name} read failed: {exc}") from exc
        return [record for records in batch.values() for record in records]

    async def _take(self, lane: _Lane, record: Record) -> ChangeEvent | None:
        """Track the record and decode its event; an undecodable one is dead-lettered (None)."""
        lane.tracker.track(record.tp, record.offset)
        try:
            return from_kafka(record.key, record.value, list(record.event_headers()))
        except (InvalidInput, ValueError) as exc:
            await self._dead_letter_raw(lane, record, str(exc))
            return None

    async def _accept_feed(self, lane: _Lane, record: Record) -> None:
        event = await self._take(lane, record)
        if event is None:
            return
        self.ctx.log.routes.seen(record, event)
        started_ns = time.time_ns()
        decision = decide(event, self.subscription, self.ctx.units, topic=record.topic)
        spans.routed(
            self.subscription.id, feed_group(self.subscription.id), record, event, decision, started_ns
        )
        self.ctx.log.filtered(self.subscription.id, record.topic, matched=decision.matched)
        if not decision.matched:
            lane.tracker.resolve(record.tp, record.offset)
            return
        if decision.moved_out:  # the record left this subscriber's unit: tell it, without the record
            record, event = moved_out_record(record, event)
        now = time.time()
        origin = Origin(record.topic, record.partition, record.offset)
        self.scheduler.submit(Job(record, event, origin, due=now, scheduled_at=now))

    async def _accept_retry(self, lane: _Lane, record: Record) -> None:
        event = await self._take(lane, record)
        if event is None:
            return
        marks = retry.read_marks(record)
        job = Job(
            record, event, marks.origin, from_retry=True, stage=marks.stage, due=marks.due,
            attempts=marks.attempts, last_error=marks.last_error, scheduled_at=marks.due,
        )  # fmt: skip
        self.keys.add(job)
        self.scheduler.submit(job)

    async def _dead_letter_raw(self, lane: _Lane, record: Record, reason: str) -> None:
        marks = [
            *record.headers,
            (headers.DLQ_REASON, b"undecodable"),
            (headers.DLQ_ERROR, headers.text(reason, 1000)),
            (headers.ORIGIN, Origin(record.topic, record.partition, record.offset).render().encode()),
        ]
        await self._produce(self.dlq_topic, record.key, record.value or b"", marks)
        lane.tracker.resolve(record.tp, record.offset)

    # ---- the dispatcher's outlet -----------------------------------------------------------

    def resolve(self, job: Job) -> None:
        assert self._lane is not None
        self._lane.tracker.resolve(job.record.tp, job.record.offset)
        self.scheduler.done(job)

    def reschedule(self, job: Job, due: float) -> None:
        self.scheduler.reschedule(job, due)

    async def to_retry(self, job: Job, *, stage: int, due: float, parked: bool = False) -> None:
        self.keys.add(job)
        marks = retry.retry_headers(job, stage=stage, due=due, parked=parked)
        partition = copartition.retry_partition(job.origin.partition)
        await self._produce(self.retry_topic, job.record.key, job.record.value, list(marks), partition)

    async def to_dead_letters(self, job: Job, reason: str, error: str, status_code: int | None) -> None:
        marks = dead_letter_headers(job, reason, error, status_code)
        await self._produce(self.dlq_topic, job.record.key, job.record.value, list(marks))

    async def change_state(self, transition: Transition) -> None:
        await self.ctx.change_state(self.subscription.id, transition)
        if transition.state == "disabled":
            self.stopped_reason = transition.reason
            self._stop.set()

    async def _produce(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        marks: list[headers.Header],
        partition: int | None = None,
    ) -> None:
        await self.ctx.producer.send_and_wait(topic, value, key=key, headers=marks, partition=partition)


__all__ = ["Sink", "SinkContext", "feed_group", "retry_group"]
