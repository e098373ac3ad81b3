"""One state job, run to its end: hand-over, state read, selection, backfill topic, lane drained.

The steps (ADR 011), each durable so a crash resumes where it stopped:

1. **Hand-over** (once): the subscription's feed group offsets ``E_p`` per feed partition, its
   committed offsets, or the partition's end where it never committed (a new subscription
   starts now); committed back while the group has no member, which proves the feed lane is
   held everywhere (``GroupBusy`` otherwise: wait). The backfill group is set to the backfill
   topic's end (``lane_start``). Both are saved before anything else happens.
2. **Keeper caught up**: wait until the state keeper has copied every feed record below ``E_p``.
3. **Count**: the records whose latest state before ``E_p`` is not a delete (``total``).
4. **Produce**, partition by partition: each record's latest state (``prefix``) the job's
   selector chooses goes to the backfill topic (same partition number, headers naming the
   feed record and the job); the cursor and the counts are saved after Kafka acknowledged.
   After a crash a few records are produced again: same event id, so the same webhook-id.
5. **Drained**: when the backfill lane has committed everything produced, the job is done and
   the supervisor lets the feed lane resume from ``E_p``: no gap, and a record changed after
   ``E_p`` arrives only from live, after its backfilled state. A ``rehome`` job first waits
   until the process routes by a version other than its ``from_version`` (the live lane must
   route what follows ``E_p`` by the new boundaries).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from bus import headers
from bus.admin import KafkaAdmin
from bus.consumer import KafkaConsumer
from bus.errors import GroupBusy, is_group_busy
from bus.ports import FEED_PARTITIONS, Ack
from bus.producer import KafkaProducer
from bus.records import Record, TopicPartition
from hub.access.principals import SYSTEM_DELIVERY
from hub.delivery.backfill import keeper
from hub.delivery.backfill.lane import backfill_group
from hub.delivery.backfill.prefix import LastEntries, StateEntry
from hub.delivery.backfill.state_reader import StateReader
from hub.delivery.pipeline.feeds import topic_pattern
from hub.delivery.pipeline.s1_intake import feed_group
from hub.routing import AdminUnitIndex
from hub.routing.selection import RecordSelector
from hub.services import audit
from hub.services.job_kinds import selector_for
from hub.store import state_jobs as rows
from hub.store.base import Store
from hub.subscriptions.model import Subscription
from schemas.errors import BusError, HubError, InvalidInput
from schemas.events.kafka_codec import from_kafka, to_kafka
from schemas.naming import backfill_topic, state_topic

log = logging.getLogger(__name__)
YIELD_EVERY = 50  # records a job decodes and routes before giving the event loop back


class JobTakenOver(Exception):
    """Another process took the job over (this one was too slow to renew its lease)."""


@dataclass
class JobContext:
    """What every job of a process shares."""

    store: Store
    bootstrap: str
    producer: KafkaProducer
    units: AdminUnitIndex
    keeper_group: str
    owner: str
    poll_s: float = 0.2


class JobRunner:
    def __init__(self, job: rows.StateJob, subscription: Subscription, ctx: JobContext) -> None:
        self.job = job
        self.subscription = subscription
        self.ctx = ctx
        self.topic = backfill_topic(subscription.id)
        self.select: RecordSelector = selector_for(ctx.store, job.kind, subscription, ctx.units, job.params)
        self.cursor: dict[str, Any] = dict(job.cursor or {})
        self.reader = StateReader(ctx.bootstrap)

    async def run(self) -> None:
        """Run to the end; a failure ends the job ``failed`` with the reason (the feed lane resumes)."""
        try:
            handover = rows.offsets_of(self.job.handover) or await self._hand_over()
            await self._wait_for_keeper(handover)
            if self.job.total is None:
                await self._count(handover)
            for tp in sorted(handover):
                await self._produce_partition(tp, handover[tp])
            await self._wait_for_lane()
            await self._wait_for_units()
        except JobTakenOver:
            log.warning("job %s of %s was taken over by another process", self.job.id, self.subscription.id)
            return
        except (HubError, OSError) as exc:
            log.error("job %s of %s failed: %s", self.job.id, self.subscription.id, exc)
            await self._finish("failed", str(exc))
            return
        except Exception as exc:  # a bug must end the job, not restart it forever
            log.exception("job %s of %s failed unexpectedly", self.job.id, self.subscription.id)
            await self._finish("failed", f"unexpected: {exc!r}")
            return
        finally:
            await self.reader.close()
        await self._finish("done", None)

    # ---- 1. hand-over -----------------------------------------------------------------------

    async def _hand_over(self) -> dict[TopicPartition, int]:
        admin = KafkaAdmin(self.ctx.bootstrap)
        feed_tps = await admin.partitions(pattern=topic_pattern(self.subscription.feeds))
        await admin.create_topics([self.topic], FEED_PARTITIONS)
        lane_tps = await admin.visible_partitions(self.topic, 10.0)
        while True:
            try:
                handover = await self._pin(feed_group(self.subscription.id), feed_tps, keep_committed=True)
                lane_start = await self._pin(
                    backfill_group(self.subscription.id), lane_tps, keep_committed=False
                )
                break
            except GroupBusy as exc:
                log.info("job %s waits for the feed lane to stop: %s", self.job.id, exc)
                await self._save()
                await asyncio.sleep(self.ctx.poll_s)
        self.job.handover = rows.offsets_json(handover)
        self.job.lane_start = rows.offsets_json(lane_start)
        await self._save(handover=self.job.handover, lane_start=self.job.lane_start)
        return handover

    async def _pin(
        self, group: str, tps: list[TopicPartition], *, keep_committed: bool
    ) -> dict[TopicPartition, int]:
        """Commit, for ``group``, its committed offsets (or the ends); ``GroupBusy`` if it has members."""
        if not tps:
            return {}
        committed = (
            (await KafkaAdmin(self.ctx.bootstrap).committed([group], tps))[group] if keep_committed else {}
        )
        consumer = KafkaConsumer(self.ctx.bootstrap, group)
        try:
            await consumer.start()
            consumer.assign(tps)
            ends = await consumer.end_offsets(tps)
            offsets = {tp: committed.get(tp, ends[tp]) for tp in tps}
            await consumer.commit(offsets)
        except (BusError, AssertionError) as exc:
            if is_group_busy(exc):
                raise GroupBusy(f"consumer group {group} has active members") from exc
            raise
        finally:
            await consumer.stop()
        return offsets

    # ---- 2. keeper ----------------------------------------------------------------------------

    async def _wait_for_keeper(self, handover: dict[TopicPartition, int]) -> None:
        while True:
            copied = await keeper.copied_up_to(self.ctx.bootstrap, self.ctx.keeper_group, list(handover))
            behind = {tp: end for tp, end in handover.items() if copied[tp] < end}
            if not behind:
                return
            log.info("job %s waits for the state keeper on %d partition(s)", self.job.id, len(behind))
            await self._save()
            await asyncio.sleep(self.ctx.poll_s)

    # ---- 3. count -----------------------------------------------------------------------------

    async def _last_entries(self, tp: TopicPartition, handover: int) -> LastEntries:
        last = LastEntries(handover)
        state = TopicPartition(state_topic(tp.topic), tp.partition)
        end = await self.reader.end_offset(state) if handover > 0 else 0
        async for batch in self.reader.batches(state, 0, end):
            if not all(last.add(StateEntry.of(record)) for record in batch):
                break
            await asyncio.sleep(0)  # let live lanes in this process run between batches
        last.ended_at(end)
        return last

    async def _count(self, handover: dict[TopicPartition, int]) -> None:
        total = 0
        for tp in sorted(handover):
            total += (await self._last_entries(tp, handover[tp])).live
            await self._save()
        self.job.total = total
        await self._save(total=total)

    # ---- 4. produce ---------------------------------------------------------------------------

    async def _produce_partition(self, tp: TopicPartition, handover: int) -> None:
        address = f"{tp.topic}:{tp.partition}"
        done = self.cursor.get(address, {"next": 0, "done": False})
        if done["done"]:
            return
        last = await self._last_entries(tp, handover)
        state = TopicPartition(state_topic(tp.topic), tp.partition)
        assert last.end is not None
        async for batch in self.reader.batches(state, int(done["next"]), last.end):
            await self._produce_batch(tp, last, batch)
            self.cursor[address] = {"next": batch[-1].offset + 1, "done": False}
            await self._save_progress()
        self.cursor[address] = {"next": last.end, "done": True}
        await self._save_progress()

    async def _produce_batch(self, tp: TopicPartition, last: LastEntries, batch: list[Record]) -> None:
        acks: list[Ack] = []
        for n, record in enumerate(batch, 1):
            if n % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # decoding and routing are CPU: let live lanes run between
            if not last.is_last(StateEntry.of(record)):
                continue
            self.job.scanned += 1
            message = self._selected(tp, record)
            if message is None:
                continue
            self.job.selected += 1
            acks.append(
                await self.ctx.producer.send_record(
                    self.topic,
                    message[0],
                    key=record.key,
                    headers=message[1],
                    partition=tp.partition % FEED_PARTITIONS,
                )
            )
        await self.ctx.producer.acknowledged(acks)
        self.job.produced += len(acks)

    def _selected(self, tp: TopicPartition, record: Record) -> tuple[bytes, list[headers.Header]] | None:
        """The value and headers to produce for ``record``'s latest state, or None (not selected)."""
        try:
            event = from_kafka(record.key, record.value, list(record.event_headers()))
        except (InvalidInput, ValueError) as exc:
            log.warning(
                "job %s skips an undecodable state record at %s:%d: %s",
                self.job.id,
                tp.topic,
                record.offset,
                exc,
            )
            return None
        selected = self.select(event, tp.topic)
        if selected.event is None:
            return None
        if selected.event is event:
            value, event_headers = record.value or b"", list(record.event_headers())
        else:
            derived = to_kafka(selected.event)
            value, event_headers = derived.value, list(derived.headers)
        marks = [
            (headers.SOURCE_TOPIC, headers.text(tp.topic)),
            (headers.SOURCE_PARTITION, headers.integer(tp.partition)),
            (headers.SOURCE_OFFSET, headers.text(record.header(headers.SOURCE_OFFSET) or "-1")),
            (headers.BACKFILL_JOB, headers.integer(self.job.id)),
        ]
        return value, [*event_headers, *marks]

    # ---- 5. drained ---------------------------------------------------------------------------

    async def _wait_for_lane(self) -> None:
        group = backfill_group(self.subscription.id)
        start = rows.offsets_of(self.job.lane_start)
        tps = list(start)
        admin = KafkaAdmin(self.ctx.bootstrap)
        while True:
            ends = {tp: end for tp, (_, end) in (await admin.bounds(tps)).items()}
            committed = (await admin.committed([group], tps))[group]
            delivered = sum(max(0, committed.get(tp, start[tp]) - start[tp]) for tp in tps)
            await self._save(delivered=delivered)
            if all(committed.get(tp, start[tp]) >= ends[tp] for tp in tps):
                self.job.delivered = delivered
                return
            await asyncio.sleep(self.ctx.poll_s)

    async def _wait_for_units(self) -> None:
        """A ``rehome`` job ends only once this process no longer routes by the version it
        re-homed from: its end resumes the feed lane at the hand-over, and what was published
        after it must be routed by the new boundaries (``hub run`` polls the active version)."""
        old = self.job.params.get("from_version")
        if self.job.kind != "rehome" or not old:
            return
        while getattr(self.ctx.units, "version", None) == old:
            log.info("job %s waits for this process to route by the version after %s", self.job.id, old)
            await self._save()
            await asyncio.sleep(self.ctx.poll_s)

    # ---- the store --------------------------------------------------------------------------

    async def _save_progress(self) -> None:
        job = self.job
        await self._save(
            cursor=dict(self.cursor), scanned=job.scanned, selected=job.selected, produced=job.produced
        )

    async def _save(self, **values: Any) -> None:
        def write() -> bool:
            with self.ctx.store.session() as session:
                return rows.save(session, self.job.id, self.ctx.owner, **values)

        if not await asyncio.to_thread(write):
            raise JobTakenOver(f"job {self.job.id} is no longer owned by {self.ctx.owner}")

    async def _finish(self, state: rows.JobState, error: str | None) -> None:
        job = self.job

        def write() -> None:
            with self.ctx.store.session() as session:
                rows.finish(session, job.id, state, error, delivered=job.delivered)
                after = {
                    "job": job.id, "kind": job.kind, "state": state, "error": error, "total": job.total,
                    "selected": job.selected, "produced": job.produced, "delivered": job.delivered,
                }  # fmt: skip
                audit.record(session, SYSTEM_DELIVERY, f"subscription.{job.kind}.end", "subscription",
                             job.subscription_id, after=after)  # fmt: skip

        await asyncio.to_thread(write)
        log.info(
            "job %s of %s %s: %s", job.id, job.subscription_id, state, error or f"{job.produced} produced"
        )


__all__ = ["JobContext", "JobRunner", "JobTakenOver"]
