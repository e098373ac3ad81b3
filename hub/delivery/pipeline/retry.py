"""Retries: quick tries inside one scheduled attempt (tenacity), and the long schedule between them.

Short tries absorb blips (a restarting endpoint, one lost connection): exponential backoff with
jitter, honouring ``Retry-After`` when it is short. Anything longer moves the event to the
subscription's retry topic with its due time in a header, where it waits without holding back
other events (see ``s2_schedule``). The schedule is the subscription's ``retry.schedule_s``: entry
``i`` is the wait before scheduled attempt ``i`` (entry 0, normally 0, is the first delivery);
after the last entry fails, the event goes to the dead letters.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_base, wait_exponential_jitter

from bus import headers
from hub.delivery.pipeline.job import Headers, Job, Origin, Record
from hub.delivery.push.failures import PushError
from schemas.errors import DeliveryError

T = TypeVar("T")

LONG_JITTER = 0.1  # up to +10% on scheduled delays, so a recovered endpoint is not stampeded


@dataclass(frozen=True)
class ShortRetry:
    """Quick tries within one scheduled attempt; ``Retry-After`` beyond ``inline_max_s`` ends them."""

    attempts: int = 3
    initial_s: float = 0.1
    max_s: float = 2.0
    inline_max_s: float = 10.0


class _WaitHonouringRetryAfter(wait_base):
    def __init__(self, policy: ShortRetry) -> None:
        self._backoff = wait_exponential_jitter(
            multiplier=policy.initial_s, max=policy.max_s, jitter=policy.initial_s
        )

    def __call__(self, retry_state: RetryCallState) -> float:
        asked = _retry_after(retry_state.outcome.exception() if retry_state.outcome else None)
        return max(self._backoff(retry_state), asked or 0.0)


def _retry_after(error: BaseException | None) -> float | None:
    return error.retry_after_s if isinstance(error, PushError) else None


def worth_retrying_now(error: BaseException, policy: ShortRetry) -> bool:
    if not isinstance(error, DeliveryError) or not error.retriable:
        return False
    asked = _retry_after(error)
    return asked is None or asked <= policy.inline_max_s


async def with_short_retries(
    try_once: Callable[[], Awaitable[T]],
    policy: ShortRetry,
    sleep: Callable[[float], Awaitable[None]] | None = None,
) -> T:
    """Run ``try_once`` until it succeeds, fails permanently, or the quick tries are used up.

    The first try is made directly: tenacity's bookkeeping (a retrying object and its state per
    call) was a twentieth of a push's CPU, and almost every push succeeds the first time. A first
    failure worth retrying is handed to tenacity as its first attempt, so the waits that follow
    (backoff, ``Retry-After``) are the same as if tenacity had made it.
    """
    try:
        return await try_once()
    except Exception as exc:
        if policy.attempts <= 1 or not worth_retrying_now(exc, policy):
            raise
        first: Exception | None = exc
    retrying = AsyncRetrying(
        sleep=sleep or asyncio.sleep,
        stop=stop_after_attempt(policy.attempts),
        wait=_WaitHonouringRetryAfter(policy),
        retry=retry_if_exception(lambda exc: worth_retrying_now(exc, policy)),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            if first is not None:
                failed, first = first, None
                raise failed
            return await try_once()
    raise AssertionError("tenacity ended without a result or an error")  # pragma: no cover


def next_due(
    schedule_s: Sequence[float], failed_stage: int, now: float, error: BaseException
) -> float | None:
    """When scheduled attempt ``failed_stage + 1`` is due, or None when the schedule is used up."""
    following = failed_stage + 1
    if following >= len(schedule_s):
        return None
    delay = schedule_s[following] * (1 + random.uniform(0, LONG_JITTER))  # jitter, not crypto
    return now + max(delay, _retry_after(error) or 0.0)


def retry_headers(job: Job, *, stage: int, due: float, parked: bool = False) -> Headers:
    """The retry-topic headers of ``job``: its CloudEvent headers plus where delivery stands."""
    marks = [
        (headers.RETRY_STAGE, headers.integer(stage)),
        (headers.RETRY_DUE_MS, headers.millis(due)),
        (headers.ATTEMPTS, headers.integer(job.attempts)),
        (headers.ORIGIN, headers.text(job.origin.render())),
    ]
    if parked:
        marks.append((headers.PARKED, b"1"))
    if job.last_error:
        marks.append((headers.LAST_ERROR, headers.text(job.last_error, 500)))
    return (*job.record.event_headers(), *marks)


@dataclass(frozen=True)
class RetryMarks:
    stage: int
    due: float
    attempts: int
    origin: Origin
    last_error: str | None


def read_marks(record: Record) -> RetryMarks:
    """The progress a retry-topic record carries (missing headers: a fresh first attempt)."""
    return RetryMarks(
        stage=headers.read_integer(record.header(headers.RETRY_STAGE)),
        due=headers.read_millis(record.header(headers.RETRY_DUE_MS)),
        attempts=headers.read_integer(record.header(headers.ATTEMPTS)),
        origin=Origin.parse(record.header(headers.ORIGIN), record),
        last_error=record.header(headers.LAST_ERROR),
    )


__all__ = [
    "RetryMarks",
    "ShortRetry",
    "next_due",
    "read_marks",
    "retry_headers",
    "with_short_retries",
    "worth_retrying_now",
]
