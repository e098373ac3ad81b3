"""Step 3, attempt: one scheduled attempt of the jobs the scheduler hands over, and its verdict.

For each request (one event, or a batch): quick tries with tenacity (each signed and sent by
the ``Sender``, which classifies the answer), then a verdict per job, RETURNED as a value and
applied by step 4. Nothing here writes to Kafka, the store or the subscription's state:

- 2xx: ``Delivered``;
- 410 Gone: ``Disable`` (the subscriber says the endpoint is gone for good);
- any other permanent failure (other 4xx, a redirect, a refused address): ``DeadLetter``;
- a retriable failure (408, 429, 5xx, timeout, no connection): ``RetryAt`` the next stage of
  the subscription's schedule (``Retry-After`` honoured), or ``DeadLetter`` once it is used up.

``Attempted`` also keeps every try, for the delivery log. A request is one unit to the end: its
jobs get one verdict (one stage, one due time), so a batch that is retried is retried whole.
``BeforeTry`` (the batch ledger, injected by the sink) runs before every try: it records the
request and its attempt count durably before anything is sent (ADR 013).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from opentelemetry import trace

from hub.delivery.pipeline.job import Job
from hub.delivery.pipeline.retry import ShortRetry, next_due, with_short_retries
from hub.delivery.push.failures import EndpointGone, PushError
from hub.delivery.push.rate_limit import RateLimiter
from hub.delivery.push.sender import Accepted, Push, Sender
from hub.subscriptions.model import Subscription
from schemas.errors import DeliveryError
from schemas.events import http_codec
from schemas.tracing import context_from, current_traceparent, http_client_attributes, tracer

BATCH_NAMESPACE = uuid.UUID("2b0c8f5e-7a43-5d0e-b1f6-3c9a4d2e8f71")


@dataclass(frozen=True)
class Delivered:
    """The endpoint accepted the event."""


@dataclass(frozen=True)
class RetryAt:
    """Try again at ``due`` (epoch seconds), as stage ``stage`` of the retry schedule."""

    due: float
    stage: int


@dataclass(frozen=True)
class DeadLetter:
    """Give up on the event: it goes to the dead letters with ``reason`` (an error code)."""

    reason: str
    error: str
    status_code: int | None = None


@dataclass(frozen=True)
class Disable:
    """Stop delivering to the subscription; the event stays unresolved for when it is enabled."""

    reason: str


Verdict = Delivered | RetryAt | DeadLetter | Disable
BeforeTry = Callable[[Sequence[Job]], Awaitable[None]]


async def _unrecorded(jobs: Sequence[Job]) -> None:
    """No ledger: nothing to record."""


@dataclass
class Try:
    """One HTTP try of a request: when, what came back, and each job's attempt number then."""

    started_at: float
    numbers: tuple[int, ...]
    error: DeliveryError | None = None
    answer: Accepted | None = None


@dataclass(frozen=True)
class Attempted:
    """What one scheduled attempt did: its jobs, their verdicts (same order), every try."""

    jobs: list[Job]
    verdicts: list[Verdict]
    tries: list[Try] = field(default_factory=list)

    @property
    def failure(self) -> DeliveryError | None:
        """The last try's error, when the attempt did not deliver."""
        return self.tries[-1].error if self.tries else None


def batch_id(jobs: Sequence[Job]) -> str:
    """The webhook-id a new batch is given: the same events in the same order, the same id.

    Only ever computed once per request: a recorded request keeps the id it was given.
    """
    return str(uuid.uuid5(BATCH_NAMESPACE, "\n".join(job.event.id for job in jobs)))


def build_push(jobs: Sequence[Job], batch_mode: bool) -> Push:
    if not batch_mode:
        (job,) = jobs
        return Push(job.event.id, http_codec.encode(job.event), http_codec.STRUCTURED, job.event.traceparent)
    members = distinct_members(jobs)
    body = http_codec.encode_batch([job.event for job in members])
    recorded = jobs[0].batch
    webhook_id = recorded.id if recorded else batch_id(members)
    return Push(webhook_id, body, http_codec.BATCH, jobs[0].event.traceparent)


def distinct_members(jobs: Sequence[Job]) -> list[Job]:
    """One job per feed record: an event read back from both the feed and the retry topic after a
    crash is one member of its request, and is sent once in it."""
    seen: set[tuple[str, str]] = set()
    members: list[Job] = []
    for job in jobs:
        origin = (job.origin.render(), job.event.id)
        if origin not in seen:
            seen.add(origin)
            members.append(job)
    return members


def verdicts_for(
    jobs: Sequence[Job], error: DeliveryError | None, schedule_s: Sequence[float], now: float
) -> list[Verdict]:
    """The classification of an attempt's end: the one place that maps errors to what follows."""
    if error is None:
        return [Delivered() for _ in jobs]
    text = f"{error.code}: {error.message}"
    if isinstance(error, EndpointGone):
        return [Disable(f"endpoint answered 410 Gone ({text})"[:1000]) for _ in jobs]
    status = error.status_code if isinstance(error, PushError) else None
    dead = DeadLetter(error.code, error.message, status)
    if not error.retriable:
        return [dead for _ in jobs]
    stage = max(job.stage for job in jobs)  # the request is retried whole, at its furthest stage
    due = next_due(schedule_s, stage, now, error)
    verdict: Verdict = dead if due is None else RetryAt(due, stage + 1)
    return [verdict for _ in jobs]


class Attempt:
    def __init__(
        self,
        subscription: Subscription,
        sender: Sender,
        short: ShortRetry,
        before_try: BeforeTry = _unrecorded,
    ) -> None:
        self.subscription = subscription
        self.sender = sender
        self.before_try = before_try
        self.short = ShortRetry(
            attempts=subscription.retry.short_attempts,
            initial_s=short.initial_s,
            max_s=short.max_s,
            inline_max_s=short.inline_max_s,
        )
        self.rate = RateLimiter(subscription.delivery.rate_limit_per_s)
        self.batch_mode = subscription.delivery.mode == "batch"

    async def __call__(self, jobs: list[Job]) -> Attempted:
        tries: list[Try] = []
        push = build_push(jobs, self.batch_mode)
        error: DeliveryError | None = None

        async def once() -> Accepted:  # a coroutine function: tenacity awaits it, not a lambda's result
            return await self._try(jobs, push, tries)

        try:
            await with_short_retries(once, self.short)
        except DeliveryError as exc:
            error = exc
        verdicts = verdicts_for(jobs, error, self.subscription.retry.schedule_s, time.time())
        return Attempted(jobs, verdicts, tries)

    async def _try(self, jobs: list[Job], push: Push, tries: list[Try]) -> Accepted:
        await self.rate.acquire()
        await self.before_try(jobs)
        for job in jobs:
            job.attempts += 1
        attempt = Try(time.time(), tuple(job.attempts for job in jobs))
        tries.append(attempt)
        with tracer().start_as_current_span(
            "POST",  # HTTP client spans are named by their method (semantic conventions)
            context=context_from(push.traceparent),
            kind=trace.SpanKind.CLIENT,
            attributes=http_client_attributes(
                self.sender.url, attempt=jobs[0].attempts, subscription_id=self.subscription.id
            ),
        ) as span:
            traced = Push(
                push.msg_id, push.body, push.content_type, current_traceparent() or push.traceparent
            )
            try:
                attempt.answer = await self.sender.send(traced)
            except DeliveryError as exc:
                attempt.error = exc
                span.set_attribute("error.type", exc.code)
                if isinstance(exc, PushError) and exc.status_code is not None:
                    span.set_attribute("http.response.status_code", exc.status_code)
                raise
            span.set_attribute("http.response.status_code", attempt.answer.status_code)
            return attempt.answer


__all__ = [
    "Attempt",
    "Attempted",
    "BeforeTry",
    "DeadLetter",
    "Delivered",
    "Disable",
    "RetryAt",
    "Try",
    "Verdict",
    "batch_id",
    "build_push",
    "distinct_members",
    "verdicts_for",
]
