"""One scheduled attempt for the jobs the scheduler hands over, and what follows from its outcome.

For each request (one event, or a batch): quick tries with tenacity, each logged; then

- delivered: resolve the jobs (their offsets may be committed);
- 410 Gone: disable the subscription and stop, leaving the jobs unresolved (nothing is lost);
- permanent failure, or the schedule used up: dead-letter each job with the reason, resolve;
- otherwise: the next scheduled attempt. A feed job goes to the retry topic with its due time
  (then resolved); a retry job stays in memory, at the head of its key, until due.

With ``ordering: key``, a feed job whose key has events in retry is parked behind them instead.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from opentelemetry import trace

from hub.delivery.failures import EndpointGone, PushError
from hub.delivery.health import Health, Transition
from hub.delivery.job import Job
from hub.delivery.log import DeliveryLog
from hub.delivery.parking import RetryKeys
from hub.delivery.rate_limit import RateLimiter
from hub.delivery.retry import ShortRetry, next_due, with_short_retries
from hub.delivery.sender import Delivered, Push, Sender
from hub.store.deliveries import Outcome
from hub.subscriptions.model import Subscription
from schemas.errors import DeliveryError
from schemas.events import ChangeEvent, http_codec
from schemas.tracing import context_from, current_traceparent, http_client_attributes, trace_id_of, tracer

log = logging.getLogger(__name__)
BATCH_NAMESPACE = uuid.UUID("2b0c8f5e-7a43-5d0e-b1f6-3c9a4d2e8f71")


class Outlet(Protocol):
    """What the sink does with jobs once the dispatcher has decided (see module docstring)."""

    def resolve(self, job: Job) -> None: ...

    def reschedule(self, job: Job, due: float) -> None: ...

    async def to_retry(self, job: Job, *, stage: int, due: float, parked: bool = False) -> None: ...

    async def to_dead_letters(self, job: Job, reason: str, error: str, status_code: int | None) -> None: ...

    async def change_state(self, transition: Transition) -> None: ...


@dataclass
class _Try:
    started_at: float
    error: PushError | DeliveryError | None = None
    result: Delivered | None = None


def event_fields(event: ChangeEvent, subscription_id: str) -> dict[str, str | None]:
    """What a log line about one event's delivery carries (see ``hub.telemetry.logs``)."""
    return {"event_id": event.id, "subscription": subscription_id, "trace_id": trace_id_of(event.traceparent)}


def batch_id(jobs: Sequence[Job]) -> str:
    """A deterministic webhook-id for a batch: the same events in the same order, the same id."""
    return str(uuid.uuid5(BATCH_NAMESPACE, "\n".join(job.event.id for job in jobs)))


def build_push(jobs: Sequence[Job], batch_mode: bool) -> Push:
    if not batch_mode:
        (job,) = jobs
        return Push(job.event.id, http_codec.encode(job.event), http_codec.STRUCTURED, job.event.traceparent)
    body = http_codec.encode_batch([job.event for job in jobs])
    return Push(batch_id(jobs), body, http_codec.BATCH, jobs[0].event.traceparent)


class Dispatcher:
    def __init__(
        self,
        subscription: Subscription,
        sender: Sender,
        outlet: Outlet,
        log: DeliveryLog,
        health: Health,
        keys: RetryKeys,
        short: ShortRetry,
    ) -> None:
        self.subscription = subscription
        self.sender = sender
        self.outlet = outlet
        self.log = log
        self.health = health
        self.keys = keys
        self.short = short
        self.rate = RateLimiter(subscription.delivery.rate_limit_per_s)
        self.ordered = subscription.delivery.ordering == "key"
        self.batch_mode = subscription.delivery.mode == "batch"

    async def run(self, jobs: list[Job]) -> None:
        """The scheduler's callback."""
        ready: list[Job] = []
        for job in jobs:
            if self.ordered and not job.from_retry and self.keys.holds(job):
                await self._park(job)
            else:
                ready.append(job)
        if ready:
            await self._attempt(ready)

    async def _park(self, job: Job) -> None:
        now = time.time()
        await self.outlet.to_retry(job, stage=0, due=now, parked=True)
        self._log(job, _Try(now), "parked")
        self.outlet.resolve(job)

    async def _attempt(self, jobs: list[Job]) -> None:
        tries: list[_Try] = []
        push = build_push(jobs, self.batch_mode)

        async def once() -> Delivered:
            if tries:
                self._log_all(jobs, tries[-1], "retrying")
            return await self._try(jobs, push, tries)

        try:
            await with_short_retries(once, self._short_policy())
        except DeliveryError as exc:
            await self._after_failure(jobs, tries[-1], exc)
            return
        self._log_all(jobs, tries[-1], "delivered")
        await self._apply(self.health.delivered())
        for job in jobs:
            if job.from_retry:
                self.keys.discard(job)
            self.outlet.resolve(job)

    def _short_policy(self) -> ShortRetry:
        return ShortRetry(
            attempts=self.subscription.retry.short_attempts,
            initial_s=self.short.initial_s,
            max_s=self.short.max_s,
            inline_max_s=self.short.inline_max_s,
        )

    async def _try(self, jobs: list[Job], push: Push, tries: list[_Try]) -> Delivered:
        await self.rate.acquire()
        attempt = _Try(time.time())
        tries.append(attempt)
        for job in jobs:
            job.attempts += 1
        parent = context_from(push.traceparent)
        with tracer().start_as_current_span(
            "POST",  # HTTP client spans are named by their method (semantic conventions)
            context=parent,
            kind=trace.SpanKind.CLIENT,
            attributes=http_client_attributes(
                self.sender.url, attempt=jobs[0].attempts, subscription_id=self.subscription.id
            ),
        ) as span:
            traced = Push(
                push.msg_id, push.body, push.content_type, current_traceparent() or push.traceparent
            )
            try:
                attempt.result = await self.sender.send(traced)
            except DeliveryError as exc:
                attempt.error = exc
                span.set_attribute("error.type", exc.code)
                if isinstance(exc, PushError) and exc.status_code is not None:
                    span.set_attribute("http.response.status_code", exc.status_code)
                raise
            span.set_attribute("http.response.status_code", attempt.result.status_code)
            return attempt.result

    async def _after_failure(self, jobs: list[Job], last: _Try, error: DeliveryError) -> None:
        text = f"{error.code}: {error.message}"
        if isinstance(error, EndpointGone):
            self._log_all(jobs, last, "disabled")
            await self.outlet.change_state(
                Transition("disabled", f"endpoint answered 410 Gone ({text})"[:1000])
            )
            return
        if not error.retriable:
            await self._dead_letter_all(jobs, last, error)
            return
        transition = self.health.failed(text)
        if transition is not None and transition.state == "disabled":
            self._log_all(jobs, last, "disabled")
            await self.outlet.change_state(transition)
            return
        await self._apply(transition)
        for job in jobs:
            await self._schedule_next(job, last, error, text)

    async def _schedule_next(self, job: Job, last: _Try, error: DeliveryError, text: str) -> None:
        due = next_due(self.subscription.retry.schedule_s, job.stage, time.time(), error)
        if due is None:
            await self._dead_letter_all([job], last, error)
            return
        self._log(job, last, "retrying")
        job.last_error = text
        if job.from_retry:
            job.stage += 1
            job.scheduled_at = due
            self.outlet.reschedule(job, due)
            return
        await self.outlet.to_retry(job, stage=job.stage + 1, due=due)
        self.outlet.resolve(job)

    async def _dead_letter_all(self, jobs: list[Job], last: _Try, error: DeliveryError) -> None:
        status = getattr(error, "status_code", None)
        for job in jobs:
            self._log(job, last, "dead_lettered")
            log.warning(
                "event %s dead-lettered for %s after %d attempt(s): [%s] %s",
                job.event.id, self.subscription.id, job.attempts, error.code, error.message,
                extra=event_fields(job.event, self.subscription.id),
            )  # fmt: skip
            await self.outlet.to_dead_letters(job, error.code, error.message, status)
            if job.from_retry:
                self.keys.discard(job)
            self.outlet.resolve(job)

    async def _apply(self, transition: Transition | None) -> None:
        if transition is not None:
            await self.outlet.change_state(transition)

    def _log_all(self, jobs: list[Job], attempt: _Try, outcome: Outcome) -> None:
        for job in jobs:
            self._log(job, attempt, outcome)

    def _log(self, job: Job, attempt: _Try, outcome: Outcome) -> None:
        error = attempt.error
        facts = error if isinstance(error, PushError) else None
        self.log.attempt(
            self.subscription.id,
            job,
            started_at=attempt.started_at,
            outcome=outcome,
            status_code=attempt.result.status_code
            if attempt.result
            else (facts.status_code if facts else None),
            latency_ms=attempt.result.latency_ms if attempt.result else (facts.latency_ms if facts else None),
            error_code=error.code if error else None,
            error=error.message if error else None,
        )


__all__ = ["Dispatcher", "Outlet", "batch_id", "build_push"]
