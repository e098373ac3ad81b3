"""The attempt step against ``httpx.MockTransport``: what each answer of the endpoint becomes."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook

from hub.delivery.pipeline.job import Job, RecordedBatch
from hub.delivery.pipeline.retry import ShortRetry
from hub.delivery.pipeline.s3_attempt import (
    Attempt,
    Attempted,
    DeadLetter,
    Delivered,
    Disable,
    RetryAt,
    batch_id,
    build_push,
    verdicts_for,
)
from hub.delivery.push.failures import PushFailed
from hub.delivery.push.sender import Sender
from hub.subscriptions.model import Subscription
from hub.subscriptions.secrets import SigningSecrets, generate_secret
from tests.hub.delivery.jobs import make_job

SECRET = generate_secret()
SCHEDULE = [0.0, 30.0, 60.0]
QUICK = ShortRetry(initial_s=0.001, max_s=0.005, inline_max_s=10.0)
Handler = Callable[[httpx.Request], httpx.Response]


def subscription(**spec: Any) -> Subscription:
    now = datetime.now(UTC)
    spec.setdefault("retry", {"schedule_s": SCHEDULE, "short_attempts": 1})
    return Subscription.model_validate(
        {"id": "hanoi", "endpoint_url": "https://portal.example/hook", "feeds": ["vn.gov.*"],
         "created_at": now, "updated_at": now, **spec}
    )  # fmt: skip


def attempt_with(handler: Handler, **spec: Any) -> Attempt:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler), follow_redirects=False)
    return Attempt(
        subscription(**spec), Sender("https://portal.example/hook", client, SigningSecrets(SECRET)), QUICK
    )


def answer(status: int, **headers: str) -> Handler:
    return lambda request: httpx.Response(status, headers=headers, content=b"")


async def attempt_one(handler: Handler, job: Job | None = None, **spec: Any) -> Attempted:
    return await attempt_with(handler, **spec)([job or make_job()])


async def test_2xx_is_delivered_once_signed_with_the_event_id() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    job = make_job("A", 0)
    done = await attempt_one(handler, job)
    assert done.verdicts == [Delivered()] and done.failure is None
    assert [t.numbers for t in done.tries] == [(1,)] and job.attempts == 1
    assert seen[0].headers["webhook-id"] == job.event.id
    Webhook(SECRET).verify(seen[0].content, dict(seen[0].headers), json_parse=False)


async def test_410_disables_the_subscription() -> None:
    done = await attempt_one(answer(410))
    (verdict,) = done.verdicts
    assert isinstance(verdict, Disable) and "410 Gone" in verdict.reason


@pytest.mark.parametrize(
    ("status", "reason"),
    [(400, "push_rejected"), (404, "push_rejected"), (422, "push_rejected"),
     (301, "redirect_refused"), (307, "redirect_refused")],
)  # fmt: skip
async def test_other_4xx_and_redirects_are_dead_lettered_without_more_tries(status: int, reason: str) -> None:
    done = await attempt_one(answer(status), retry={"schedule_s": SCHEDULE, "short_attempts": 3})
    (verdict,) = done.verdicts
    assert isinstance(verdict, DeadLetter) and (verdict.reason, verdict.status_code) == (reason, status)
    assert verdict.error.startswith(f"HTTP {status}") and len(done.tries) == 1


@pytest.mark.parametrize("status", [408, 429, 500, 503])
async def test_408_429_and_5xx_retry_at_the_next_stage_of_the_schedule(status: int) -> None:
    before = time.time()
    done = await attempt_one(answer(status))
    (verdict,) = done.verdicts
    assert isinstance(verdict, RetryAt) and verdict.stage == 1
    assert before + SCHEDULE[1] <= verdict.due <= time.time() + SCHEDULE[1] * 1.1


async def test_a_timeout_retries() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    (verdict,) = (await attempt_one(handler)).verdicts
    assert isinstance(verdict, RetryAt) and verdict.stage == 1


async def test_a_long_retry_after_is_honoured_by_the_schedule() -> None:
    before = time.time()
    done = await attempt_one(answer(503, **{"retry-after": "120"}))
    (verdict,) = done.verdicts
    assert isinstance(verdict, RetryAt) and verdict.due >= before + 120


async def test_quick_tries_absorb_a_blip_each_try_counted() -> None:
    statuses = iter([500, 200])
    job = make_job()
    done = await attempt_one(
        lambda request: httpx.Response(next(statuses)),
        job,
        retry={"schedule_s": SCHEDULE, "short_attempts": 3},
    )
    assert done.verdicts == [Delivered()]
    assert [t.numbers for t in done.tries] == [(1,), (2,)] and job.attempts == 2
    assert done.tries[0].error is not None and done.tries[0].error.code == "push_failed"


async def test_the_schedule_used_up_dead_letters() -> None:
    job = make_job()
    job.stage = len(SCHEDULE) - 1
    (verdict,) = (await attempt_one(answer(500), job)).verdicts
    assert isinstance(verdict, DeadLetter) and (verdict.reason, verdict.status_code) == ("push_failed", 500)


async def test_a_batch_has_a_stable_webhook_id_and_one_verdict_per_job() -> None:
    ids: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        ids.append(request.headers["webhook-id"])
        return httpx.Response(503)

    attempt = attempt_with(handler, delivery={"mode": "batch"})
    jobs = [make_job("A", 0), make_job("B", 0), make_job("C", 0)]
    first = await attempt(jobs)
    second = await attempt(jobs)
    assert ids[0] == ids[1] == batch_id(jobs) != batch_id(list(reversed(jobs)))
    assert [type(v) for v in first.verdicts] == [RetryAt] * 3 and second.tries[0].numbers == (2, 2, 2)


def test_a_request_gets_one_verdict_one_due_time_at_its_furthest_stage() -> None:
    jobs = [make_job("A", 0, offset=0), make_job("B", 1, offset=1), make_job("C", 2, offset=2)]
    jobs[1].stage = 1  # a member that was retried before the others (read back after a crash)
    verdicts = verdicts_for(jobs, PushFailed("503", status_code=503), SCHEDULE, time.time())
    assert len(set(verdicts)) == 1 and isinstance(verdicts[0], RetryAt) and verdicts[0].stage == 2


def test_a_recorded_batch_keeps_its_webhook_id_and_sends_a_member_read_twice_once() -> None:
    jobs = [make_job("A", 0, offset=0), make_job("B", 1, offset=1)]
    twice = make_job("B", 1, offset=1, from_retry=True)  # from the feed and from the retry topic
    recorded = RecordedBatch("recorded-id", jobs[0].origin.topic, 0, (0, 1))
    for job in [*jobs, twice]:
        job.batch = recorded
    push = build_push([*jobs, twice], batch_mode=True)
    assert push.msg_id == "recorded-id" and push.body.count(b'"e-B-1"') == 1
