"""The batch ledger: a request is decided once, recorded before its first try, and re-formed from
the record after a crash, a restart or a rebalance (ADR 013).

- ``before_try`` (step 3's hook, before every HTTP try): a new batch gets its ``webhook-id`` and
  member list here and is written to the store with its attempt count before anything is sent;
  a recorded one has its count raised. In single mode the ``webhook-id`` is the event id already,
  so only the attempt count needs keeping, and only from the event's second try on.
- ``recall`` (step 2, as each job is submitted): a job read again (from the feed after a crash,
  from the retry topic after a hand-off) gets back the request it belongs to and its count.
  A request read from the store may have lost members: those committed before the restart
  (delivered with it, or dead-lettered). The retry partitions are read before the feeds after
  each assignment, and a feed partition is read in offset order, so when a feed job at offset
  ``o`` comes, a member below ``o`` that has not come back is gone (``RecordedBatch.gone``), and the
  request is complete without it. Re-sent under its ``webhook-id``, a receiver that had it drops it.
- ``load`` on each assignment reads the open requests of the assigned feed partitions.
- ``finished`` / ``sweep``: a request whose jobs are all done is deleted once every record it was
  read from is committed past, never before: until then a crash re-reads them, and they must
  find their request.
- ``copies`` (batch mode, before a NEW request is sent): a connector that crashed publishes its
  last changes again, so an event can be in a feed twice, at two offsets. Each event sent in a
  batch is claimed with its request's first record (``batches.BatchEvent``); a job whose event
  is claimed from another feed record, or is in the request twice, is a copy: it is not sent (the
  receiver would get it under a second ``webhook-id``), and is logged as ``duplicate``. A record
  read again after a crash is not a copy: its claim names the same feed record. Replays and
  redeliveries keep their event's feed record, so they are sent. Single mode needs none of this:
  its ``webhook-id`` is the event id, the same for both copies.

A store that cannot be written, or could not be read at the last assignment, fails the next try
(the sink stops and is restarted): a batch is never sent before it is recorded, nor cut anew
while its record is unknown.

A partition being revoked is marked first thing in the rebalance (``revoke``), and the rebalance
waits for the ledger writes in flight (``quiesce``): a job of a revoked partition taken out of
the scheduler before the revocation is not sent (``before_try`` raises ``PartitionRevoked``),
and every request it did record is in the store before the new owner reads it. Otherwise the
old owner could record and send a request after the new owner loaded the ledger, which would
then cut the same records into another request, under another ``webhook-id``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bus.records import TopicPartition
from hub.delivery.pipeline.group_commit import GroupCommit
from hub.delivery.pipeline.job import Job, RecordedBatch
from hub.delivery.pipeline.s2_schedule import Next, Settled
from hub.delivery.pipeline.s3_attempt import batch_id, distinct_members
from hub.delivery.pipeline.tracker import OffsetTracker
from hub.store import batches
from hub.store.base import Store, utcnow

Member = tuple[str, int, int]  # feed topic, partition, offset
PRUNE_EVERY_S = 300.0  # how often a sink forgets claims older than ``batches.COPY_WINDOW``


@dataclass
class Returning:
    """A request read from the store, and which of its members have come back so far."""

    batch: RecordedBatch
    back: set[int] = field(default_factory=set)


class PartitionRevoked(Exception):
    """The request's partition was revoked from this process: its new owner sends it."""


class BatchLedger:
    def __init__(self, store: Store | None, subscription_id: str, *, batch_mode: bool) -> None:
        self._store = store
        self._subscription_id = subscription_id
        self._batch_mode = batch_mode
        self._open: dict[Member, RecordedBatch] = {}
        self._loaded: dict[tuple[str, int], dict[str, Returning]] = {}  # read from the store, by partition
        self._finished: list[tuple[RecordedBatch, list[tuple[tuple[str, int], int]]]] = []
        self._unread: SQLAlchemyError | None = None  # the last load failed: nothing may be sent
        self._pruned_at = time.monotonic()
        self._revoked: set[tuple[str, int]] = set()  # partitions revoked and not assigned again
        self._writes = 0  # ledger writes in flight
        self._quiet = asyncio.Event()
        self._quiet.set()
        self._records = GroupCommit(self._write_all)  # requests cut at once share one commit

    # ---- reading ---------------------------------------------------------------------------

    async def load(self, assigned: Iterable[TopicPartition]) -> None:
        """The open requests of the assigned feed partitions (the retry topic's are ignored)."""
        wanted = [(tp.topic, tp.partition) for tp in assigned]
        if self._store is None or not wanted:
            return
        try:
            found_batches = await asyncio.to_thread(self._read, wanted)
        except SQLAlchemyError as exc:  # raised in a rebalance callback it would only be logged
            self._unread = exc
            return
        self._unread = None
        for found in found_batches:
            batch = RecordedBatch(found.batch_id, found.topic, found.partition, found.offsets, found.attempts)
            self._loaded.setdefault((batch.topic, batch.partition), {})[batch.id] = Returning(batch)
            for offset in batch.offsets:
                self._open[(batch.topic, batch.partition, offset)] = batch

    def revoke(self, partitions: Iterable[tuple[str, int]]) -> None:
        """First thing in a rebalance: nothing of these partitions is sent from now on."""
        self._revoked.update(partitions)

    def assigned(self, partitions: Iterable[tuple[str, int]]) -> None:
        self._revoked.difference_update(partitions)

    async def quiesce(self) -> None:
        """Wait for the ledger writes in flight (each is followed by its send, or fails)."""
        await self._quiet.wait()
        await self._records.idle()  # a write whose caller was cancelled is still committed first

    def forget(self, partitions: Iterable[tuple[str, int]]) -> None:
        gone = set(partitions)
        self._open = {member: batch for member, batch in self._open.items() if member[:2] not in gone}
        self._loaded = {tp: back for tp, back in self._loaded.items() if tp not in gone}
        self._finished = [(b, records) for b, records in self._finished if (b.topic, b.partition) not in gone]

    def recall(self, job: Job) -> None:
        """Give a job read again its request and its attempt count (a new job: nothing)."""
        origin = job.origin
        batch = self._open.get((origin.topic, origin.partition, origin.offset))
        loaded = self._loaded.get((origin.topic, origin.partition))
        if batch is not None:
            job.batch = batch
            job.attempts = max(job.attempts, batch.attempts)
            if loaded and batch.id in loaded:
                loaded[batch.id].back.add(origin.offset)
        if loaded and not job.from_retry:
            self._gone_below(loaded, origin.offset)

    @staticmethod
    def _gone_below(loaded: dict[str, Returning], offset: int) -> None:
        """The feed is read up to ``offset``: loaded members below it that did not come back are gone."""
        for ident, returning in list(loaded.items()):
            batch = returning.batch
            batch.gone.update(m for m in batch.offsets if m < offset and m not in returning.back)
            if len(returning.back) + len(batch.gone) >= len(set(batch.offsets)):
                del loaded[ident]  # every member accounted for

    async def copies(self, jobs: Sequence[Job]) -> list[Job]:
        """The jobs of a new request whose event was sent, or is to be sent, from another feed
        record: they must not go (see the module's docstring); [] outside batch mode."""
        if not self._batch_mode or self._store is None or not jobs or jobs[0].batch is not None:
            return []
        claims = await asyncio.to_thread(self._claimed, [job.event.id for job in jobs])
        first: dict[str, Member] = {}
        found: list[Job] = []
        for job in jobs:
            origin = (job.origin.topic, job.origin.partition, job.origin.offset)
            claim = claims.get(job.event.id)
            sent_from = claim[1:] if claim is not None else first.setdefault(job.event.id, origin)
            if sent_from != origin:
                found.append(job)
        return found

    # ---- writing ---------------------------------------------------------------------------

    async def before_try(self, jobs: Sequence[Job]) -> None:
        """Record the request and the try about to be made, before it is made."""
        if self._unread is not None:
            raise self._unread
        revoked = {job.record.tp for job in jobs} & self._revoked
        if revoked:
            raise PartitionRevoked(f"partition(s) {sorted(revoked)} revoked from this process")
        batch = jobs[0].batch or self._decide(jobs)
        if batch is None:
            return
        tries = max(max(job.attempts for job in jobs), batch.attempts)
        for job in jobs:
            job.attempts = tries  # one count per request: its members were sent together each time
        batch.attempts = tries + 1
        if self._store is not None:
            events = tuple(job.event.id for job in distinct_members(jobs)) if self._batch_mode else ()
            if len(events) != len(batch.offsets):  # re-formed without some members (gone): claimed already
                events = ()
            releases = frozenset(job.released for job in jobs if job.released is not None)
            opened = batches.OpenBatch(
                batch.id, batch.topic, batch.partition, batch.offsets, batch.attempts, events, releases
            )
            self._writes += 1
            self._quiet.clear()
            try:
                await self._records.write(opened)
            finally:
                self._writes -= 1
                if self._writes == 0:
                    self._quiet.set()

    def _decide(self, jobs: Sequence[Job]) -> RecordedBatch | None:
        """A new request's identity; None for a single event's first try (nothing to keep yet)."""
        if not self._batch_mode:
            (job,) = jobs
            if job.attempts == 0 and not job.from_retry:
                return None
            ident = job.event.id
        else:
            ident = batch_id(distinct_members(jobs))
        origin = jobs[0].origin
        offsets = tuple(job.origin.offset for job in distinct_members(jobs))
        batch = RecordedBatch(ident, origin.topic, origin.partition, offsets)
        for job in jobs:
            job.batch = batch
        for offset in offsets:
            self._open[(batch.topic, batch.partition, offset)] = batch
        return batch

    def finished(self, settled: Sequence[Settled]) -> None:
        """A request's outcome: when all its jobs are done, its record may go once committed past."""
        batch = settled[0].job.batch if settled else None
        if batch is None or any(s.next is not Next.DONE for s in settled):
            return
        for offset in batch.offsets:
            self._open.pop((batch.topic, batch.partition, offset), None)
        self._finished.append((batch, [(s.job.record.tp, s.job.record.offset) for s in settled]))

    async def sweep(self, tracker: OffsetTracker) -> None:
        """Delete the finished requests whose records are all committed past (and, now and then,
        the claims older than the copy window)."""
        if self._store is not None and time.monotonic() - self._pruned_at >= PRUNE_EVERY_S:
            self._pruned_at = time.monotonic()
            await asyncio.to_thread(self._prune)
        done = [b for b, records in self._finished if all(tracker.covers(tp, o) for tp, o in records)]
        if not done:
            return
        if self._store is not None:
            await asyncio.to_thread(self._delete, [b.id for b in done])
        gone = {id(b) for b in done}
        self._finished = [(b, records) for b, records in self._finished if id(b) not in gone]

    # ---- the store (off the event loop) ----------------------------------------------------

    def _read(self, partitions: list[tuple[str, int]]) -> list[batches.OpenBatch]:
        assert self._store is not None
        with self._store.session() as session:
            return batches.open_batches(session, self._subscription_id, partitions)

    def _claimed(self, event_ids: list[str]) -> dict[str, batches.Claim]:
        assert self._store is not None
        with self._store.session() as session:
            return batches.claimed(session, self._subscription_id, event_ids)

    def _prune(self) -> None:
        assert self._store is not None
        with self._store.session() as session:
            batches.prune_claims(session, utcnow() - batches.COPY_WINDOW)

    def _write_all(self, group: Sequence[batches.OpenBatch]) -> list[BaseException | None]:
        """The requests recorded at once, in one transaction; when a member was claimed by another
        process meanwhile, each on its own, so only the request that lost its claim fails."""
        assert self._store is not None
        if len(group) > 1:
            try:
                with self._store.session() as session:
                    for opened in group:
                        batches.record(session, self._subscription_id, opened)
            except IntegrityError:
                pass
            else:
                return [None] * len(group)
        return [self._write(opened) for opened in group]

    def _write(self, opened: batches.OpenBatch) -> batches.ClaimConflict | None:
        assert self._store is not None
        try:
            with self._store.session() as session:
                batches.record(session, self._subscription_id, opened)
        except IntegrityError as exc:  # another process claimed a member at the same moment
            conflict = batches.ClaimConflict(f"request {opened.batch_id}: a member was claimed meanwhile")
            conflict.__cause__ = exc
            return conflict
        return None

    def _delete(self, batch_ids: list[str]) -> None:
        assert self._store is not None
        with self._store.session() as session:
            batches.forget(session, self._subscription_id, batch_ids)


__all__ = ["BatchLedger", "PartitionRevoked"]
