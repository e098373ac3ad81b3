"""The outcome step against the in-memory broker: each verdict's effects, all in one place."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bus import headers
from bus.memory import MemoryBroker
from bus.records import Record, TopicPartition
from hub.delivery.control.health import Health, Transition
from hub.delivery.pipeline.job import Job
from hub.delivery.pipeline.s2_schedule import Next, Settled
from hub.delivery.pipeline.s3_attempt import Attempted, DeadLetter, Delivered, Disable, RetryAt, Try, Verdict
from hub.delivery.pipeline.s4_outcome import Outcomes, Topics
from hub.delivery.pipeline.tracker import OffsetTracker
from hub.delivery.push.failures import EndpointGone, PushFailed, PushRejected
from hub.delivery.push.sender import Accepted
from hub.subscriptions.model import Subscription
from schemas.errors import DeliveryError
from tests.hub.delivery.jobs import TOPIC, make_job

RETRY, DLQ = "hub.sub.hanoi.retry", "hub.sub.hanoi.dlq"


class RecordingLog:
    def __init__(self) -> None:
        self.entries: list[tuple[str, str, int, int | None]] = []

    def attempt(self, subscription_id: str, job: Job, *, outcome: str, number: int | None = None,
                status_code: int | None = None, **facts: Any) -> None:  # fmt: skip
        self.entries.append((job.event.id, outcome, job.attempts if number is None else number, status_code))


class World:
    """Outcomes wired to an in-memory broker, a recording log and a settable health clock."""

    def __init__(self, *, disable_after_s: float = 3600.0) -> None:
        now = datetime.now(UTC)
        sub = Subscription.model_validate(
            {"id": "hanoi", "endpoint_url": "https://portal.example/hook", "feeds": ["vn.gov.*"],
             "created_at": now, "updated_at": now}
        )  # fmt: skip
        self.broker = MemoryBroker()
        self.broker.create(RETRY)
        self.broker.create(DLQ, 3)
        self.tracker = OffsetTracker()
        self.log = RecordingLog()
        self.now = 1000.0
        self.health = Health(60.0, disable_after_s, clock=lambda: self.now)
        self.states: list[Transition] = []
        topics = Topics(self.broker.producer(), RETRY, DLQ)
        self.outcomes = Outcomes(sub, topics, self.tracker, self.log, self.health, self.change_state)

    async def change_state(self, subscription_id: str, transition: Transition) -> None:
        self.states.append(transition)

    def job(self, key: str = "A", n: int = 0, *, from_retry: bool = False) -> Job:
        job = make_job(key, n, offset=n, from_retry=from_retry)
        self.tracker.track(job.record.tp, job.record.offset)
        job.attempts = 1
        return job

    def written(self, topic: str) -> list[Record]:
        return [record for log in self.broker.topics[topic] for record in log]

    def resolved(self) -> dict[tuple[str, int], int]:
        return self.tracker.committable()


def attempted(jobs: list[Job], verdict: Verdict, *errors: DeliveryError | None) -> Attempted:
    tries = [Try(1.0, tuple(j.attempts for j in jobs), error) for error in errors]
    if errors[-1] is None:
        tries[-1].answer = Accepted(200, 3.0)
    return Attempted(jobs, [verdict for _ in jobs], tries)


async def test_delivered_resolves_logs_and_ends_an_unhealthy_spell() -> None:
    world = World()
    world.health.state = "unhealthy"
    job = world.job()
    settled = await world.outcomes.apply(attempted([job], Delivered(), PushFailed("HTTP 500"), None))
    assert settled == [Settled(job, Next.DONE)]
    assert world.resolved() == {(TOPIC, 0): 1}
    assert [e[1] for e in world.log.entries] == ["retrying", "delivered"]
    assert world.states == [Transition("active", None)]


async def test_a_feed_job_to_retry_is_handed_to_its_retry_partition_and_resolved() -> None:
    world = World()
    job = world.job()
    settled = await world.outcomes.apply(attempted([job], RetryAt(1234.5, 1), PushFailed("HTTP 503")))
    assert settled == [Settled(job, Next.HANDED_OFF)]
    (record,) = world.written(RETRY)
    assert record.partition == job.origin.partition and record.value == job.record.value
    assert record.header(headers.RETRY_STAGE) == "1" and record.header(headers.RETRY_DUE_MS) == "1234500"
    assert record.header(headers.LAST_ERROR) == "push_failed: HTTP 503"
    assert world.resolved() == {(TOPIC, 0): 1} and world.log.entries[-1][1] == "retrying"


async def test_a_retry_job_to_retry_stays_in_memory_unresolved() -> None:
    world = World()
    job = world.job(from_retry=True)
    settled = await world.outcomes.apply(attempted([job], RetryAt(99.0, 2), PushFailed("HTTP 503")))
    assert settled == [Settled(job, Next.AGAIN, 99.0)]
    assert (job.stage, job.scheduled_at) == (2, 99.0)
    assert world.written(RETRY) == [] and world.resolved() == {}


async def test_a_dead_letter_is_written_with_its_reason_and_resolved() -> None:
    world = World()
    job = world.job()
    error = PushRejected("HTTP 422", status_code=422)
    settled = await world.outcomes.apply(
        attempted([job], DeadLetter("push_rejected", "HTTP 422", 422), error)
    )
    assert settled == [Settled(job, Next.DONE)]
    (record,) = world.written(DLQ)
    assert (record.header(headers.DLQ_REASON), record.header(headers.DLQ_STATUS)) == ("push_rejected", "422")
    assert record.header(headers.ORIGIN) == job.origin.render()
    assert world.resolved() == {(TOPIC, 0): 1} and world.states == []


async def test_disable_stops_the_sink_and_leaves_the_jobs_unresolved() -> None:
    world = World()
    jobs = [world.job("A"), world.job("B", 1)]
    settled = await world.outcomes.apply(attempted(jobs, Disable("gone"), EndpointGone("HTTP 410")))
    assert settled == [Settled(job, Next.KEPT) for job in jobs]
    assert world.states == [Transition("disabled", "gone")] and world.outcomes.stopped.is_set()
    assert world.outcomes.stopped_reason == "gone" and world.resolved() == {}
    assert [e[1] for e in world.log.entries] == ["disabled", "disabled"]


async def test_failing_past_disable_after_disables_instead_of_retrying() -> None:
    world = World(disable_after_s=100.0)
    await world.outcomes.apply(attempted([world.job("A")], RetryAt(5.0, 1), PushFailed("HTTP 500")))
    world.now += 150
    job = world.job("A", 1)
    settled = await world.outcomes.apply(attempted([job], RetryAt(5.0, 1), PushFailed("HTTP 500")))
    assert settled == [Settled(job, Next.KEPT)]
    assert [t.state for t in world.states] == ["disabled"]
    assert world.outcomes.stopped.is_set() and len(world.written(RETRY)) == 1


async def test_every_quick_try_is_logged_with_its_own_attempt_number() -> None:
    world = World()
    job = world.job()
    tries = [
        Try(1.0, (1,), PushFailed("HTTP 500", status_code=500)),
        Try(2.0, (2,), None, Accepted(200, 1.0)),
    ]
    job.attempts = 2
    await world.outcomes.apply(Attempted([job], [Delivered()], tries))
    assert world.log.entries == [(job.event.id, "retrying", 1, 500), (job.event.id, "delivered", 2, 200)]


async def test_parking_in_memory_only_logs_durable_parking_hands_off() -> None:
    world = World()
    waiting, elsewhere = world.job("A", 0), world.job("A", 1)
    assert await world.outcomes.park(waiting, False) is None
    assert world.written(RETRY) == [] and world.resolved() == {}
    assert await world.outcomes.park(elsewhere, True) == Settled(elsewhere, Next.HANDED_OFF)
    (record,) = world.written(RETRY)
    assert record.header(headers.PARKED) == "1" and record.header(headers.RETRY_STAGE) == "0"
    assert [e[1] for e in world.log.entries] == ["parked", "parked"]


async def test_an_undecodable_record_is_dead_lettered_and_resolved() -> None:
    world = World()
    record = Record(TOPIC, 2, 7, b"K", b"not json", (("ce_id", b"x"),))
    world.tracker.track(record.tp, record.offset)
    await world.outcomes.undecodable(record, "bad json")
    (letter,) = world.written(DLQ)
    assert (
        letter.header(headers.DLQ_REASON) == "undecodable" and letter.header(headers.ORIGIN) == f"{TOPIC}:2:7"
    )
    assert world.resolved() == {(TOPIC, 2): 8}


async def test_a_filtered_out_record_is_resolved() -> None:
    world = World()
    world.tracker.track((TOPIC, 0), 0)
    world.outcomes.filtered_out(Record(TOPIC, 0, 0, None, None, ()))
    assert world.resolved() == {TopicPartition(TOPIC, 0): 1}
