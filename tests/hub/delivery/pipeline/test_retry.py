"""Quick tries (tenacity) and the long schedule, with time injected."""

from __future__ import annotations

import pytest

from hub.delivery.pipeline.job import Job, Origin, Record
from hub.delivery.pipeline.retry import ShortRetry, next_due, read_marks, retry_headers, with_short_retries
from hub.delivery.push.failures import PushFailed, PushRejected
from tests.hub.delivery.jobs import make_job

POLICY = ShortRetry(attempts=3, initial_s=0.1, max_s=1.0, inline_max_s=10.0)


class Flaky:
    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


async def test_retriable_failures_are_tried_again_with_growing_waits() -> None:
    flaky, sleeps = Flaky(PushFailed("500"), PushFailed("503")), Sleeps()
    assert await with_short_retries(flaky, POLICY, sleeps) == "ok"
    assert flaky.calls == 3
    assert len(sleeps.waits) == 2 and all(0.1 <= w <= 1.1 for w in sleeps.waits)


async def test_short_tries_stop_after_the_policy_attempts() -> None:
    flaky = Flaky(*(PushFailed(f"{i}") for i in range(5)))
    with pytest.raises(PushFailed, match="2"):
        await with_short_retries(flaky, POLICY, Sleeps())
    assert flaky.calls == 3


async def test_permanent_failure_is_not_retried() -> None:
    flaky = Flaky(PushRejected("400"))
    with pytest.raises(PushRejected):
        await with_short_retries(flaky, POLICY, Sleeps())
    assert flaky.calls == 1


async def test_short_retry_after_is_honoured_inline() -> None:
    flaky, sleeps = Flaky(PushFailed("429", status_code=429, retry_after_s=4)), Sleeps()
    await with_short_retries(flaky, POLICY, sleeps)
    assert len(sleeps.waits) == 1 and 4 <= sleeps.waits[0] <= 4.2


async def test_long_retry_after_ends_the_quick_tries() -> None:
    flaky = Flaky(PushFailed("429", status_code=429, retry_after_s=60))
    with pytest.raises(PushFailed):
        await with_short_retries(flaky, POLICY, Sleeps())
    assert flaky.calls == 1


def test_schedule_gives_the_next_stage_then_runs_out() -> None:
    schedule = [0.0, 5.0, 300.0]
    error = PushFailed("500")
    assert 1005.0 <= (next_due(schedule, 0, 1000.0, error) or 0) <= 1005.5
    assert 1300.0 <= (next_due(schedule, 1, 1000.0, error) or 0) <= 1330.0
    assert next_due(schedule, 2, 1000.0, error) is None


def test_schedule_waits_at_least_retry_after() -> None:
    error = PushFailed("429", retry_after_s=120)
    assert next_due([0.0, 5.0], 0, 1000.0, error) == 1120.0


def test_retry_headers_round_trip_and_keep_the_event_headers() -> None:
    job = make_job(offset=42)
    job.attempts, job.last_error = 4, "push_failed: HTTP 500"
    headers = retry_headers(job, stage=2, due=1234.5)
    record = Record("hub.sub.x.retry", 1, 7, job.record.key, job.record.value, headers)
    marks = read_marks(record)
    assert (marks.stage, marks.due, marks.attempts) == (2, 1234.5, 4)
    assert marks.origin == Origin(job.record.topic, 0, 42)
    assert marks.last_error == "push_failed: HTTP 500"
    assert record.event_headers() == job.record.event_headers()
    assert isinstance(job, Job)
