"""The intake on the in-memory broker: retry records first, then feed records routed into jobs."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from typing import Any

from bus import headers
from bus.memory import MemoryBroker
from bus.records import Record
from hub.delivery.control.health import Health
from hub.delivery.pipeline import copartition
from hub.delivery.pipeline.delivery_log import DeliveryLog
from hub.delivery.pipeline.job import Job
from hub.delivery.pipeline.s1_intake import Intake, Lane, Revocations, moved_out_record
from hub.delivery.pipeline.s2_schedule import Scheduler, Settled
from hub.delivery.pipeline.s4_outcome import Outcomes, Topics
from hub.delivery.pipeline.tracker import OffsetTracker
from hub.subscriptions.model import Subscription
from schemas.events.kafka_codec import from_kafka, to_kafka
from tests.hub.delivery.jobs import TOPIC, make_event
from tests.hub.delivery.waiting import eventually
from tests.hub.routing.test_moves import moved

RETRY, DLQ = "hub.sub.hanoi.retry", "hub.sub.hanoi.dlq"


class Prefixes:
    def contains(self, filter_code: str, unit_code: str) -> bool:
        return unit_code.startswith(filter_code)


class Submitted(Scheduler):
    """A scheduler that only records what it is given."""

    def __init__(self) -> None:
        super().__init__(self._never, ordered=True, max_in_flight=1)
        self.jobs: list[Job] = []

    @staticmethod
    async def _never(jobs: list[Job]) -> list[Settled]:
        raise AssertionError("nothing runs here")

    def submit(self, job: Job) -> None:
        self.jobs.append(job)


def subscription() -> Subscription:
    now = datetime.now(UTC)
    return Subscription.model_validate(
        {"id": "hanoi", "endpoint_url": "https://portal.example/hook", "feeds": [TOPIC],
         "filter": {"admin_units": ["01"]}, "created_at": now, "updated_at": now}
    )  # fmt: skip


async def nothing(*args: Any) -> None:
    return None


async def test_retry_records_come_first_then_feed_records_become_jobs_or_resolve() -> None:
    broker = MemoryBroker()
    broker.create(TOPIC)
    broker.create(RETRY)
    send = broker.producer().send_and_wait
    retried = to_kafka(make_event("A", 0, adminunit="01001"))
    marks = [
        (headers.RETRY_STAGE, b"2"),
        (headers.RETRY_DUE_MS, headers.millis(123.0)),
        (headers.ATTEMPTS, b"4"),
    ]
    await send(RETRY, retried.value, key=retried.key, headers=[*retried.headers, *marks], partition=3)
    for event in (make_event("A", 1, adminunit="01001"), make_event("B", 0, adminunit="79001")):
        message = to_kafka(event)
        await send(TOPIC, message.value, key=message.key, headers=message.headers, partition=3)
    await send(TOPIC, b"not an event", key=b"C", partition=3)

    sub, tracker, scheduler = subscription(), OffsetTracker(), Submitted()
    delivery_log = DeliveryLog(None)  # type: ignore[arg-type]  # never flushed here
    outcomes = Outcomes(sub, Topics(broker.producer(), RETRY, DLQ), tracker, delivery_log,
                        Health(60, 3600), nothing)  # fmt: skip
    consumer = broker.consumer("hub.sub.hanoi")
    lane = Lane("feeds+retry", consumer, RETRY, tracker)
    consumer.subscribe(
        copartition.subscription_pattern(sub.feeds, RETRY), Revocations(lane, nothing, scheduler)
    )
    await consumer.start()
    intake = Intake(sub, lane, Prefixes(), scheduler, outcomes, delivery_log, max_pending=100)
    reading = asyncio.create_task(intake.read())
    try:
        await eventually(lambda: len(scheduler.jobs) == 2 and DLQ in broker.topics)
    finally:
        reading.cancel()
        await asyncio.gather(reading, return_exceptions=True)

    retry_job, feed_job = scheduler.jobs
    assert (retry_job.from_retry, retry_job.stage, retry_job.due, retry_job.attempts) == (True, 2, 123.0, 4)
    assert retry_job.origin.render() == f"{RETRY}:3:0"  # no origin header: where it was read
    assert (feed_job.event.id, feed_job.from_retry, feed_job.retry_here) == ("e-A-1", False, True)
    assert feed_job.due <= time.time()
    (letter,) = [r for log in broker.topics[DLQ] for r in log]
    assert letter.header(headers.DLQ_REASON) == "undecodable"
    # offset 0 is with the scheduler; 1 (B, filtered out) and 2 (undecodable) are resolved
    assert tracker.committable() == {}
    tracker.resolve((TOPIC, 3), 0)
    assert tracker.committable() == {(TOPIC, 3): 3}


def test_the_move_out_record_carries_the_derived_event_for_retries_and_dead_letters() -> None:
    message = to_kafka(moved())
    record = Record("gov.civil-status.birth.v1", 3, 41, message.key, message.value, tuple(message.headers))
    rewritten, derived = moved_out_record(record, from_kafka(record.key, record.value, list(record.headers)))
    assert (rewritten.topic, rewritten.partition, rewritten.offset) == (record.topic, 3, 41)
    assert from_kafka(rewritten.key, rewritten.value, list(rewritten.headers)) == derived
    assert "Nguyễn" not in (rewritten.value or b"").decode() and json.loads(rewritten.value or b"")["moved"]
