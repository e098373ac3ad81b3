"""Replay: deliver again what a subscription's feeds held in a time window ``[from, to)``.

The window is copied, not rewound to: the live position of the subscription (its consumer
group) never moves, so live delivery goes on meanwhile, and nothing is lost or skipped whatever
the group's position was (behind the window, inside it or past it). For each partition of every
feed topic the subscription reads, the records from the first offset at or after ``from`` up to
(not including) the first offset at or after ``to`` are read without a group, routed with the
subscription's filter exactly as the sink routes live records (a move-out included), and the
matched ones are appended to the subscription's retry topic as due-now first attempts, on the
retry partition of the feed partition they came from. The running sink delivers them from there
with its usual order per key, retries, dead letters and delivery log, with the same
``webhook-id`` as their first delivery. Records after ``to`` are never read, so never re-sent.

A replayed event is history: it may reach a portal after a newer event of the same record that
was delivered live meanwhile (the CloudEvent ``time`` and the source position tell them apart).
Progress (``total`` records in the window, ``scanned``, ``queued``) is reported as it goes; a
process that dies mid-copy leaves the request ``running`` (what it queued is delivered; ask
again for the rest, duplicates carry the same ``webhook-id``).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from bus.admin import KafkaAdmin
from bus.consumer import KafkaConsumer
from bus.ports import Producer
from bus.records import TopicPartition
from hub.delivery.pipeline import copartition
from hub.delivery.pipeline.feeds import topic_pattern
from hub.delivery.pipeline.job import Job, Origin, Record
from hub.delivery.pipeline.s1_intake import feed_group, moved_out_record, retry_group
from hub.delivery.pipeline.s4_outcome import Topics
from hub.routing import AdminUnitIndex, decide
from hub.subscriptions.model import Subscription
from schemas.errors import InvalidInput
from schemas.events.kafka_codec import from_kafka
from schemas.naming import dlq_topic, retry_topic

POLL_MS = 200
PROGRESS_EVERY_S = 0.5


@dataclass
class Progress:
    total: int = 0  # records of the feeds inside the window
    scanned: int = 0
    queued: int = 0  # matched the subscription and sent back for delivery


Report = Callable[[Progress], Awaitable[None]]


async def window_offsets(
    bootstrap: str, feeds: list[str], from_time: datetime, to_time: datetime
) -> dict[TopicPartition, tuple[int, int]]:
    """Per feed partition: the first offset at or after ``from_time``, and the first at or after
    ``to_time`` (each the partition's end when nothing is that recent)."""
    tps = await KafkaAdmin(bootstrap).partitions(pattern=topic_pattern(feeds))
    if not tps:
        return {}
    reader = KafkaConsumer(bootstrap)
    try:
        await reader.start()
        ends = await reader.end_offsets(tps)
        starts = await reader.offsets_for_times(tps, int(from_time.timestamp() * 1000))
        stops = await reader.offsets_for_times(tps, int(to_time.timestamp() * 1000))
    finally:
        await reader.stop()
    found = {tp: (_or_end(starts.get(tp), ends[tp]), _or_end(stops.get(tp), ends[tp])) for tp in tps}
    return {tp: window for tp, window in found.items() if window[0] < window[1]}


def _or_end(offset: int | None, end: int) -> int:
    return end if offset is None else offset


class WindowReplay:
    """Copies one window of one subscription's feeds to its retry topic (module docstring)."""

    def __init__(
        self, bootstrap: str, producer: Producer, subscription: Subscription, units: AdminUnitIndex
    ) -> None:
        self.bootstrap = bootstrap
        self.subscription = subscription
        self.units = units
        self.topics = Topics(producer, retry_topic(subscription.id), dlq_topic(subscription.id))
        self.progress = Progress()

    async def run(self, from_time: datetime, to_time: datetime, report: Report) -> Progress:
        if to_time <= from_time:
            raise InvalidInput("the replay window is empty: 'to' must be after 'from'")
        sid = self.subscription.id
        groups = [retry_group(sid), feed_group(sid)]
        await copartition.ensure_retry_topic(self.bootstrap, self.topics.retry, groups)
        windows = await window_offsets(self.bootstrap, list(self.subscription.feeds), from_time, to_time)
        self.progress.total = sum(stop - start for start, stop in windows.values())
        await report(self.progress)
        if windows:
            await self._copy(windows, report)
        await report(self.progress)
        return self.progress

    async def _copy(self, windows: dict[TopicPartition, tuple[int, int]], report: Report) -> None:
        reader = KafkaConsumer(self.bootstrap)
        try:
            await reader.start()
            reader.assign(list(windows))
            for tp, (start, _stop) in windows.items():
                reader.seek(tp, start)
            remaining, reported_at = set(windows), time.monotonic()
            while remaining:
                batch = await reader.getmany(*remaining, timeout_ms=POLL_MS)
                for tp, records in batch.items():
                    for record in records:
                        if record.offset < windows[tp][1]:
                            await self._send_back(record)
                remaining = {tp for tp in remaining if await reader.position(tp) < windows[tp][1]}
                if time.monotonic() - reported_at >= PROGRESS_EVERY_S:
                    await report(self.progress)
                    reported_at = time.monotonic()
        finally:
            await reader.stop()

    async def _send_back(self, record: Record) -> None:
        """Route the record as the sink would; a wanted one goes to the retry topic, due now."""
        self.progress.scanned += 1
        try:
            event = from_kafka(record.key, record.value, list(record.event_headers()))
        except (InvalidInput, ValueError):  # the sink dead-lettered it when it first read it
            return
        decision = decide(event, self.subscription, self.units, topic=record.topic)
        if not decision.matched:
            return
        origin = Origin(record.topic, record.partition, record.offset)
        if decision.moved_out:
            record, event = moved_out_record(record, event)
        now = time.time()
        await self.topics.to_retry(Job(record, event, origin, due=now, scheduled_at=now), stage=0, due=now)
        self.progress.queued += 1


__all__ = ["Progress", "WindowReplay", "window_offsets"]
