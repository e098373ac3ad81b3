"""One running connector: read a batch -> publish it -> Kafka acknowledged -> commit the position.

The loop keeps this order (``_stream``, ``connectors.in_flight``): a position is saved in the
position store only after Kafka acknowledged every change up to it, and the source is told
(``Source.commit``) only after the store has it. A crash anywhere therefore replays changes
(same event ids) and never loses one. Each batch is queued to Kafka as soon as it is read,
behind the batches still waiting for their acknowledgements, without waiting for their position
saves (which run behind, in order, coalesced): records keep their read order, per key and
partition, and a position never covers a change that was not acknowledged.

Around the loop, a supervisor (``_supervise``) owns the life cycle of ``connectors.status``:

- a retriable failure (Kafka away, database restarting, an unexpected exception) restarts the
  source after a backoff (``connectors.backoff``), reset by the first committed batch, which
  also clears ``last_error`` (``errors`` keeps counting);
- a permanent failure (a ``HubError`` with ``retriable = False``: the replication slot vanished,
  a login that will never work) leaves the task ``failed`` with the reason until an operator
  restarts or resumes it;
- ``pause`` stops the source (its connections closed, so a paused PostgreSQL source holds no
  walsender) and ``resume`` starts it again from the committed position; ``restart`` does both
  at once and may ask for chosen tables to be snapshotted again;
- ``LeaseLost`` (another worker owns the connector now) stops the task without committing.

Commands only set flags and wake the supervisor; the source in flight is stopped between two
batches (its ``read`` is bounded by ``poll_interval_ms``, and ``SourceContext.stop`` cuts it
short for sources that watch it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bus.ports import Producer
from bus.producer import KafkaProducer
from connectors import collector, registry
from connectors.backoff import Backoff
from connectors.config import ConnectorConfigBase
from connectors.context import SourceContext, SourceStatus
from connectors.contracts import ContractCheck
from connectors.in_flight import InFlight, Saved, Unsaved
from connectors.positions import LeaseLost, PositionStore
from connectors.publisher import Outcome, Publisher, Queued
from connectors.record_memory import RecordMemory, RecordState
from connectors.shards import TaskShard
from connectors.source import Batch, Change, Source
from connectors.status import ErrorInfo, TaskState, TaskStatus
from schemas.admin_units import AdminUnitResolver
from schemas.errors import HubError

SourceFactory = Callable[[ConnectorConfigBase, SourceContext], Source]
ProducerFactory = Callable[[str, str], Producer]  # (bootstrap, client id)
log = logging.getLogger(__name__)
CAPTURE_RETRY_BACKOFF_MS = 20


def utcnow() -> datetime:
    return datetime.now(UTC)


def capture_producer(bootstrap: str, client_id: str) -> Producer:
    """The connectors' producer: no linger, short retry backoff. The publisher hands over whole
    record batches (``send_many``), and while one produce request is in flight the next batches
    queue up behind it anyway, so lingering would only add its own wait to every change's latency.

    A refused produce is retried after ``CAPTURE_RETRY_BACKOFF_MS``, not aiokafka's 100 ms: the
    producer keeps one request in flight per broker, so while it backs off every change of every
    partition on that broker waits too. Measured (``tests.bench.latency_stages``): a feed topic
    created just before the task starts answers the first produce to a partition with
    ``NOT_LEADER_OR_FOLLOWER`` now and then (the broker has not taken up the leadership the
    metadata already shows), and that one retry was the first second's 100-140 ms stall."""
    return KafkaProducer(bootstrap, client_id, linger_ms=0, retry_backoff_ms=CAPTURE_RETRY_BACKOFF_MS)


def is_retriable(error: BaseException) -> bool:
    """Classified once: our errors say so themselves; anything unexpected is worth another try."""
    return error.retriable if isinstance(error, HubError) else True


@dataclass(frozen=True)
class _Settled:
    """A batch already acknowledged (published change by change, as a skip needs)."""

    outcome: Outcome

    async def acknowledged(self) -> Outcome:
        return self.outcome


class ConnectorTask:
    def __init__(
        self,
        config: ConnectorConfigBase,
        *,
        bootstrap: str,
        positions: PositionStore,
        contracts: ContractCheck,
        status: TaskStatus | None = None,
        admin_units: AdminUnitResolver | None = None,
        records: RecordMemory | None = None,
        build_source: SourceFactory = registry.build_source,
        producer_factory: ProducerFactory = capture_producer,
        shard: TaskShard | None = None,
    ) -> None:
        self.config = config
        self.shard = shard  # one task of a key-sharded connector: its name is <connector>#<i>
        self.bootstrap = bootstrap
        self.positions = positions
        self.contracts = contracts
        self.admin_units = admin_units
        self.records = records  # with it, record states are saved with each position (ADR 009)
        self.build_source = build_source
        self.producer_factory = producer_factory
        self.status = status or TaskStatus()
        self.log = logging.LoggerAdapter(log, {"connector": self.name})
        self._backoff = Backoff(
            config.restart_initial_backoff_ms / 1000, config.restart_max_backoff_ms / 1000
        )
        self._paused = False
        self._stopping = False
        self._snapshot_tables: tuple[str, ...] = ()
        self._skip_after: str | None = None  # an operator's skip, until a run applied it
        self._commands = 0
        self._woken = asyncio.Event()
        self._context: SourceContext | None = None
        self._runner: asyncio.Task[None] | None = None
        self._untold: str | None = None  # saved, not yet told to the source (``Source.commit``)

    @property
    def name(self) -> str:
        """What the task's position and status are kept under (``connectors.shards``)."""
        return self.config.name if self.shard is None else self.shard.task_name(self.config.name)

    # -- commands ------------------------------------------------------------------------------

    def start(self, *, paused: bool = False) -> None:
        self._paused = paused
        self._runner = asyncio.create_task(self._supervise(), name=f"connector {self.name}")

    async def stop(self) -> None:
        self._stopping = True
        self._command()
        if self._runner is not None:
            await self._runner

    def pause(self) -> None:
        self._paused = True
        self._command()

    def resume(self) -> None:
        self._paused = False
        self._command()

    def restart(self, snapshot_tables: tuple[str, ...] = ()) -> None:
        self._snapshot_tables = tuple(dict.fromkeys((*self._snapshot_tables, *snapshot_tables)))
        self._backoff.reset()
        self._command()

    def skip(self, after: str) -> None:
        """Move past the change that cannot be published right after position ``after`` ("" = the
        start): at the next run, if the committed position is still ``after``, the first batch is
        published change by change and the first that fails goes to quarantine as
        ``skipped_by_operator`` (``Publisher.skip``). Once the position moved on it does nothing."""
        self._skip_after = after
        self.restart()

    @property
    def done(self) -> bool:
        return self._runner is not None and self._runner.done()

    def _command(self) -> None:
        self._commands += 1
        self._woken.set()
        if self._context is not None:
            self._context.stop.set()

    async def _next_command(self, since: int) -> None:
        while self._commands == since:
            self._woken.clear()
            await self._woken.wait()

    # -- supervision ---------------------------------------------------------------------------

    async def _supervise(self) -> None:
        while not self._stopping:
            since = self._commands
            if self._paused:
                self._set_state(TaskState.PAUSED)
                await self._next_command(since)
                continue
            try:
                await self._run_once(since)
            except LeaseLost as exc:
                self._failed(exc)
                break
            except Exception as exc:
                self._failed(exc)
                await self._after_failure(exc, since)
        self._set_state(TaskState.STOPPED)

    def _failed(self, error: BaseException) -> None:
        self.status.last_error = ErrorInfo.of(error, utcnow())
        self.status.errors += 1
        self.log.warning(
            "connector %s failed: [%s] %s",
            self.name,
            self.status.last_error.code,
            self.status.last_error.message,
            exc_info=not isinstance(error, HubError),
        )

    async def _after_failure(self, error: BaseException, since: int) -> None:
        """Back off and restart when trying again can help; otherwise wait for an operator."""
        if not is_retriable(error):
            self._set_state(TaskState.FAILED)
            await self._next_command(since)
            return
        delay = self._backoff.next_delay()
        self.status.restarts += 1
        self.status.next_restart_at = utcnow() + timedelta(seconds=delay)
        self._set_state(TaskState.RESTARTING)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._next_command(since), delay)
        self.status.next_restart_at = None

    def _set_state(self, state: TaskState) -> None:
        self.status.state = state
        self.status.updated_at = utcnow()

    # -- one run of the source -----------------------------------------------------------------

    async def _run_once(self, since: int) -> None:
        """Start a source from the committed position and stream until a command or an error."""
        self._set_state(TaskState.STARTING)
        producer = self.producer_factory(self.bootstrap, f"connector-{self.name}")
        await producer.start()
        try:
            publisher = Publisher(self.config, producer, self.contracts, self.admin_units, self.records)
            await publisher.start()
            context = await self._new_context()
            source = self.build_source(self.config, context)
            self._context = context
            await source.start()
            self._snapshot_tables = tuple(
                t for t in self._snapshot_tables if t not in context.snapshot_tables
            )
            try:
                collector.freeze_survivors()  # warmed up: no full collection walks it mid-stream
                self._set_state(TaskState.RUNNING)
                await self._stream(source, publisher, context.status, since)
            finally:
                self._context = None
                await self._stop_source(source)
        finally:
            await producer.stop()

    async def _new_context(self) -> SourceContext:
        position = await self.positions.load(self.name)
        self.status.position = position
        return SourceContext(
            connector=self.name,
            position=position,
            log=self.log,
            status=SourceStatus(),
            snapshot_tables=self._snapshot_tables,
            shard=self.shard,
        )

    async def _stream(self, source: Source, publisher: Publisher, reported: SourceStatus, since: int) -> None:
        """Read, queue, read, queue...: Kafka and the position store work behind (``InFlight``).

        A batch is queued as soon as it is read, behind the batches still waiting for their
        acknowledgements; the saver saves positions in order behind the acks, and the source is
        told (``Source.commit``) between two reads, never during one. On a command the batches
        queued are acknowledged and saved before the source stops; a batch read but not queued
        when the loop fails is simply read again by the next run.
        """
        self._untold = None
        in_flight = InFlight(lambda position, states: self._save(position, states, publisher), self._on_saved)
        in_flight.start()
        try:
            while self._commands == since and not self._stopping:
                await self._commit_saved(source)
                batch = await in_flight.during(source.read())
                self._observe(batch, reported)
                if batch.changes or batch.position is not None:
                    queued = await self._queued(publisher, batch.changes) if batch.changes else None
                    states = publisher.book.take() if publisher.book is not None else []
                    await in_flight.add(Unsaved(batch, queued, states))
            await in_flight.drain()
            await self._commit_saved(source)
        finally:
            await in_flight.close()

    async def _commit_saved(self, source: Source) -> None:
        """Tell the source the newest saved position (the store has it: the source may forget)."""
        position, self._untold = self._untold, None
        if position is not None:
            await source.commit(position)

    def _on_saved(self, done: Saved) -> None:
        """Status moves with the saved position: counts, position, and a run that works again."""
        for batch, outcome in done.batches:
            self._count(batch, outcome)
        self.status.position = self._untold = done.position
        self._backoff.reset()
        self.status.last_error = None  # it runs again: an old failure is no longer the news

    def _count(self, batch: Batch, outcome: Outcome | None) -> None:
        """Counted with the position that covers them (saved just before), so a report never lags."""
        if outcome is not None:
            self.status.events_published += outcome.published
            self.status.events_quarantined += outcome.quarantined
            self.status.events_snapshot += sum(change.snapshot for change in batch.changes)

    async def _queued(self, publisher: Publisher, changes: list[Change]) -> Queued | _Settled:
        if self._skip_after is None or (self.status.position or "") != self._skip_after:
            self._skip_after = None  # the position moved on: what was held went through
            return await publisher.queue(changes)
        return _Settled(await self._published(publisher, changes))

    async def _published(self, publisher: Publisher, changes: list[Change]) -> Outcome:
        """The batch an operator asked to skip past: published change by change, in order."""
        total = Outcome(published=0, quarantined=0)
        for index, change in enumerate(changes):
            try:
                total = total + await publisher.publish([change])
            except LeaseLost:
                raise
            except Exception as exc:  # the held change: skipped, then the rest as one batch
                total = total + await publisher.skip(change, exc)
                why = f"{getattr(exc, 'code', type(exc).__name__)}: {exc}"[:500]
                at = utcnow().isoformat()
                self.status.skipped = {
                    "position": change.position,
                    "table": change.table,
                    "reason": why,
                    "at": at,
                }
                if rest := changes[index + 1 :]:
                    total = total + await publisher.publish(rest)
                break
        else:
            self.log.warning("connector %s: skip requested but every change published", self.name)
        self._skip_after = None
        return total

    async def _save(self, position: str, states: list[RecordState], publisher: Publisher) -> None:
        """The position, with the record states of the batches it covers (one transaction)."""
        if self.records is not None and publisher.book is not None:
            await self.records.save_with_position(self.name, position, states)
            publisher.book.saved(states)
        else:
            await self.positions.save(self.name, position)

    def _observe(self, batch: Batch, reported: SourceStatus) -> None:
        """Lag: the source's own estimate when it has one, else what the batch tells."""
        now = utcnow()
        status = self.status
        status.phase = reported.phase
        status.updated_at = now
        if batch.changes:
            status.last_event_at = now
            times = [change.commit_time for change in batch.changes if change.commit_time is not None]
            status.lag_seconds = (now - max(times)).total_seconds() if times else None
            status.lag_changes = None
        else:  # an empty read: the source had nothing more, so it is caught up
            status.lag_seconds, status.lag_changes = 0.0, 0
        if reported.backlog_seconds is not None:
            status.lag_seconds = reported.backlog_seconds
        if reported.backlog_changes is not None:
            status.lag_changes = reported.backlog_changes

    async def _stop_source(self, source: Source) -> None:
        """Stop without hiding the error that ended the run (if any) behind one from ``stop``."""
        try:
            await source.stop()
        except Exception:
            self.log.warning("connector %s: error while stopping the source", self.name, exc_info=True)


__all__ = ["ConnectorTask", "capture_producer", "is_retriable"]
