"""The backfill lane: a subscription's sink reading its backfill topic instead of its feeds.

While a job runs for a subscription, its feed lane is held (live events wait in Kafka) and this
lane delivers what the job produced, through the same steps as live (signing, attempts, retries,
dead letters, delivery log; not the routing check: the job's selector chose each record), under
its own consumer group (``hub.sub.<id>.backfill``) and its own rate limit
(``Settings.backfill_rate_per_s``), so a big backfill never takes another subscription's share.
Records keep the feed partition number, so a backfill event sent to retry lands in the retry
partition the feed lane reads for that key.
The delivery log and the trace name the backfill topic as the event's origin: that is the
backfill hop.
"""

from __future__ import annotations

import dataclasses

from bus import headers
from bus.records import Record
from hub.delivery.pipeline.s1_intake import Intake
from hub.delivery.push.rate_limit import RateLimiter
from hub.routing import Decision
from schemas.events import ChangeEvent
from schemas.naming import SUBSCRIPTION_TOPIC_PREFIX, check_subscription_id


def backfill_group(subscription_id: str) -> str:
    return f"{SUBSCRIPTION_TOPIC_PREFIX}{check_subscription_id(subscription_id)}.backfill"


def published(record: Record) -> Record:
    """The feed record a state or backfill record copies (its ``hub-source-*`` headers)."""
    topic = record.header(headers.SOURCE_TOPIC)
    if topic is None:
        return record
    return dataclasses.replace(
        record,
        topic=topic,
        partition=headers.read_integer(record.header(headers.SOURCE_PARTITION)),
        offset=headers.read_integer(record.header(headers.SOURCE_OFFSET)),
    )


class BackfillIntake(Intake):
    """Step 1 for the backfill lane: the same intake, rate-limited, routing on the feed topic."""

    limiter: RateLimiter | None = None
    poll_max_records = 50  # small bursts: a backfill must not hold up other sinks' live events

    async def _poll(self) -> list[Record]:
        records = await super()._poll()
        if self.limiter is not None:
            for _ in records:
                await self.limiter.acquire()
        return records

    def _published(self, record: Record) -> Record:
        return published(record)

    def _decide(self, record: Record, event: ChangeEvent) -> Decision:
        """The job's selector chose the record (and derived a re-homing move-out) already: routing it
        again by the live units would drop a move-out (its unit has left the subscriber's scope) or,
        while the process still routes by the previous version, a record the new one brings in."""
        job = record.header(headers.BACKFILL_JOB)
        if job is None:
            return super()._decide(record, event)
        return Decision(True, f"selected by job {headers.read_integer(job)}")


__all__ = ["BackfillIntake", "backfill_group", "published"]
