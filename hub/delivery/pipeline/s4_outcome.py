"""Step 4, outcome: THE place where what happened to an event takes effect.

Every effect of delivery is applied here, and nowhere else: offsets resolved (so they may be
committed), records appended to the retry topic and the dead-letter topic, the subscriber's
health and the subscription's state changed, the delivery log written. Each method returns how
the scheduler should settle the jobs (``s2_schedule.Settled``); it calls no earlier step.

- ``Delivered``: logged, resolved.
- ``DeadLetter``: appended to the dead letters with the reason, logged, resolved.
- ``RetryAt``: a retry job stays in memory at the head of its key until due; a feed job is
  appended to the retry topic with its due time (then resolved: Kafka holds it durably).
- a copy of an event already sent in a batch (``duplicate``): logged, resolved, not sent.
- ``Disable``, or failing past ``disable_after_s``: the subscription is disabled with the
  reason and the sink stops (``stopped``); the jobs stay unresolved, so nothing is lost.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from bus import headers
from bus.ports import Producer
from hub.delivery.control.dead_letter import dead_letter_headers
from hub.delivery.control.health import Health, Transition
from hub.delivery.pipeline import copartition, retry
from hub.delivery.pipeline.job import Job, Origin, Record
from hub.delivery.pipeline.s2_schedule import Next, Settled
from hub.delivery.pipeline.s3_attempt import (
    Attempted,
    DeadLetter,
    Disable,
    RetryAt,
    Try,
    Verdict,
)
from hub.delivery.pipeline.tracker import OffsetTracker
from hub.delivery.push.exchange import Exchange
from hub.delivery.push.failures import PushError
from hub.store.deliveries import Outcome
from hub.subscriptions.model import Subscription
from schemas.events import ChangeEvent
from schemas.tracing import trace_id_of

log = logging.getLogger(__name__)
StateChange = Callable[[str, Transition], Awaitable[None]]


def event_fields(event: ChangeEvent, subscription_id: str) -> dict[str, str | None]:
    """What a log line about one event's delivery carries (see ``hub.telemetry.logs``)."""
    return {"event_id": event.id, "subscription": subscription_id, "trace_id": trace_id_of(event.traceparent)}


class AttemptLog(Protocol):
    """The delivery log, as this step writes it (``hub.delivery.pipeline.delivery_log.DeliveryLog``)."""

    def attempt(
        self,
        subscription_id: str,
        job: Job,
        *,
        started_at: float,
        outcome: Outcome,
        status_code: int | None = None,
        latency_ms: float | None = None,
        error_code: str | None = None,
        error: str | None = None,
        number: int | None = None,
        exchange: Exchange | None = None,
    ) -> None: ...


class Topics:
    """Where this step writes: the subscription's retry and dead-letter topics."""

    def __init__(self, producer: Producer, retry_topic: str, dlq_topic: str) -> None:
        self.producer = producer
        self.retry = retry_topic
        self.dlq = dlq_topic

    async def to_retry(self, job: Job, *, stage: int, due: float, parked: bool = False) -> None:
        marks = retry.retry_headers(job, stage=stage, due=due, parked=parked)
        partition = copartition.retry_partition(job.origin.partition)
        await self.producer.send_and_wait(
            self.retry, job.record.value, key=job.record.key, headers=marks, partition=partition
        )

    async def to_dead_letters(self, job: Job, verdict: DeadLetter) -> None:
        marks = dead_letter_headers(job, verdict.reason, verdict.error, verdict.status_code)
        await self.producer.send_and_wait(self.dlq, job.record.value, key=job.record.key, headers=marks)

    async def undecodable(self, record: Record, reason: str) -> None:
        marks = [
            *record.headers,
            (headers.DLQ_REASON, b"undecodable"),
            (headers.DLQ_ERROR, headers.text(reason, 1000)),
            (headers.ORIGIN, headers.text(Origin(record.topic, record.partition, record.offset).render())),
        ]
        await self.producer.send_and_wait(self.dlq, record.value or b"", key=record.key, headers=marks)


class Outcomes:
    def __init__(
        self,
        subscription: Subscription,
        topics: Topics,
        tracker: OffsetTracker,
        attempt_log: AttemptLog,
        health: Health,
        change_state: StateChange,
    ) -> None:
        self.subscription = subscription
        self.topics = topics
        self.tracker = tracker
        self.log = attempt_log
        self.health = health
        self.change_state = change_state
        self.stopped = asyncio.Event()
        self.stopped_reason: str | None = None

    # ---- from intake ---------------------------------------------------------------------

    def filtered_out(self, record: Record) -> None:
        self.tracker.resolve(record.tp, record.offset)

    async def undecodable(self, record: Record, reason: str) -> None:
        await self.topics.undecodable(record, reason)
        self.tracker.resolve(record.tp, record.offset)

    # ---- from the scheduler ----------------------------------------------------------------

    async def park(self, job: Job, durable: bool) -> Settled | None:
        """A feed job waits behind its key's retried events: in memory, or appended behind them."""
        now = time.time()
        self._log(job, Try(now, (job.attempts,)), "parked")
        if not durable:
            return None
        await self.topics.to_retry(job, stage=0, due=now, parked=True)
        self._resolve(job)
        return Settled(job, Next.HANDED_OFF)

    def duplicate(self, job: Job) -> Settled:
        """A second copy of an event already sent in a batch (``BatchLedger.copies``): not sent."""
        self._log(job, Try(time.time(), (job.attempts,)), "duplicate")
        self._resolve(job)
        return Settled(job, Next.DONE)

    # ---- from the attempt ------------------------------------------------------------------

    async def apply(self, attempted: Attempted) -> list[Settled]:
        jobs, tries = attempted.jobs, attempted.tries
        for earlier in tries[:-1]:
            self._log_all(jobs, earlier, "retrying")
        last, verdicts, failure = tries[-1], attempted.verdicts, attempted.failure
        if isinstance(verdicts[0], Disable):
            return await self._disable(jobs, last, Transition("disabled", verdicts[0].reason))
        if failure is None:
            await self._transition(self.health.delivered())
        elif failure.retriable:
            transition = self.health.failed(f"{failure.code}: {failure.message}")
            if transition is not None and transition.state == "disabled":
                return await self._disable(jobs, last, transition)
            await self._transition(transition)
        return [await self._settle(job, verdict, last) for job, verdict in zip(jobs, verdicts, strict=True)]

    async def _settle(self, job: Job, verdict: Verdict, last: Try) -> Settled:
        if isinstance(verdict, RetryAt):
            return await self._retry(job, verdict, last)
        if isinstance(verdict, DeadLetter):
            self._log(job, last, "dead_lettered")
            log.warning(
                "event %s dead-lettered for %s after %d attempt(s): [%s] %s",
                job.event.id, self.subscription.id, job.attempts, verdict.reason, verdict.error,
                extra=event_fields(job.event, self.subscription.id),
            )  # fmt: skip
            await self.topics.to_dead_letters(job, verdict)
        else:
            self._log(job, last, "delivered")
        self._resolve(job)
        return Settled(job, Next.DONE)

    async def _retry(self, job: Job, verdict: RetryAt, last: Try) -> Settled:
        self._log(job, last, "retrying")
        error = last.error
        job.last_error = f"{error.code}: {error.message}" if error is not None else None
        if job.from_retry:
            job.stage, job.scheduled_at = verdict.stage, verdict.due
            return Settled(job, Next.AGAIN, verdict.due)
        await self.topics.to_retry(job, stage=verdict.stage, due=verdict.due)
        self._resolve(job)
        return Settled(job, Next.HANDED_OFF)

    async def _disable(self, jobs: Sequence[Job], last: Try, transition: Transition) -> list[Settled]:
        self._log_all(jobs, last, "disabled")
        await self._transition(transition)
        return [Settled(job, Next.KEPT) for job in jobs]

    async def _transition(self, transition: Transition | None) -> None:
        if transition is None:
            return
        await self.change_state(self.subscription.id, transition)
        if transition.state == "disabled":
            self.stopped_reason = transition.reason
            self.stopped.set()

    def _resolve(self, job: Job) -> None:
        self.tracker.resolve(job.record.tp, job.record.offset)

    def _log_all(self, jobs: Sequence[Job], attempt: Try, outcome: Outcome) -> None:
        for index, job in enumerate(jobs):
            self._log(job, attempt, outcome, attempt.numbers[index] if index < len(attempt.numbers) else None)

    def _log(self, job: Job, attempt: Try, outcome: Outcome, number: int | None = None) -> None:
        error = attempt.error
        facts = error if isinstance(error, PushError) else None
        answer = attempt.answer
        self.log.attempt(
            self.subscription.id,
            job,
            started_at=attempt.started_at,
            outcome=outcome,
            status_code=answer.status_code if answer else (facts.status_code if facts else None),
            latency_ms=answer.latency_ms if answer else (facts.latency_ms if facts else None),
            error_code=error.code if error else None,
            error=error.message if error else None,
            number=number,
            exchange=answer.exchange if answer else (facts.exchange if facts else None),
        )


__all__ = ["AttemptLog", "Outcomes", "StateChange", "Topics", "event_fields"]
