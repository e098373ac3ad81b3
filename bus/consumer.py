"""The consumer: a group member that never auto-commits, or a group-less reader.

Offsets move only when the caller says so (``commit``), because the hub commits an event only
once it is resolved. A group member subscribes to a topic pattern (new feed topics are seen
within ``METADATA_MAX_AGE_MS``); ``range_assignment`` gives partition ``i`` of every subscribed
topic with the same partition count to the same member (the co-partitioning of feeds and retries).
Readers (no group) start from the earliest kept offset and never disturb a group.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener
from aiokafka import TopicPartition as KafkaPartition
from aiokafka.coordinator.assignors.range import RangePartitionAssignor

from bus import profile
from bus.errors import translated
from bus.fetch_gate import FetchGate
from bus.ports import RebalanceListener
from bus.records import Record, TopicPartition
from schemas.errors import BusError

METADATA_MAX_AGE_MS = 10_000  # how soon a pattern subscription sees a new feed topic
# a subscription by name: new topics come by subscribing again, and a moved leader refreshes the
# metadata at once, so the periodic refresh only guards against what nothing reported (Kafka's default)
NAMED_METADATA_MAX_AGE_MS = 300_000
STOP_TIMEOUT_S = 1.0
# a subscribed member's fetch wait while the application pauses some of its partitions: a resume
# must not wait for a long poll in flight (one request at a time per broker connection)
PAUSED_WAIT_MS = 100


def to_kafka(tps: Iterable[TopicPartition]) -> list[Any]:
    return [KafkaPartition(tp.topic, tp.partition) for tp in tps]


def _ours(tps: Iterable[Any]) -> list[TopicPartition]:
    return [TopicPartition(tp.topic, tp.partition) for tp in tps]


def _raise_if_cancelling() -> None:
    """Re-raise the current cancellation only if this task is really being cancelled."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


class _Forwarding(ConsumerRebalanceListener):  # type: ignore[misc]  # aiokafka is untyped
    def __init__(self, listener: RebalanceListener, consumer: KafkaConsumer) -> None:
        self.listener = listener
        self.consumer = consumer

    async def on_partitions_revoked(self, revoked: Any) -> None:
        await self.listener.on_partitions_revoked(_ours(revoked))

    async def on_partitions_assigned(self, assigned: Any) -> None:
        self.consumer.fit_buffer(len(assigned))
        self.consumer.forget_pauses()  # a new assignment starts unpaused
        await self.listener.on_partitions_assigned(_ours(assigned))


class KafkaConsumer:
    """A typed face of ``AIOKafkaConsumer``; every broker failure is a ``BusError``."""

    def __init__(
        self,
        bootstrap: str,
        group: str | None = None,
        *,
        range_assignment: bool = False,
        buffer_bytes: int | None = None,
    ) -> None:
        """``buffer_bytes``: the most this consumer holds fetched and not yet read, over all the
        partitions it is assigned (``bus.fetch_limits``; None: the profile's limits alone)."""
        self.bootstrap = bootstrap
        self.group = group
        self.buffer_bytes = buffer_bytes
        self._gate: FetchGate | None = None  # made by start() when there is a cap
        self._paused: set[Any] = set()  # what the application paused (aiokafka TopicPartitions)
        self._assigned: tuple[Any, frozenset[TopicPartition]] | None = None  # ``assignment``'s last
        self._moves = 0  # fetch responses, reads, seeks and assignments: what moves ``fetched_lag``
        self._lag: tuple[tuple[int, int], int] | None = None  # its last value, for which moves
        self._idle_wait_ms: int | None = None  # set by subscribing (``_wait_when_idle``)
        current = profile.current()
        options: dict[str, Any] = current.security.client_options() | current.fetch.options(
            buffer_bytes, idle_wait=False
        )
        if group is not None:
            options["metadata_max_age_ms"] = METADATA_MAX_AGE_MS
        if range_assignment:
            options["partition_assignment_strategy"] = (RangePartitionAssignor,)
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            **options,
        )

    async def start(self) -> None:
        """Connect; when the broker cannot be reached, close (no leaked connections) and raise."""
        try:
            with translated(f"cannot connect to Kafka at {self.bootstrap}"):
                await self._consumer.start()
        except BusError:
            await self._consumer.stop()
            raise
        if self.buffer_bytes is not None:
            self._gate = FetchGate(self._consumer, self.buffer_bytes, on_change=self._fit_wait)
        self._follow_fetches()

    def _follow_fetches(self) -> None:
        """After every fetch response: the lag may have moved, and the gate may close."""
        fetcher = self._consumer._fetcher
        fetch = fetcher._proc_fetch_request

        async def counted(assignment: Any, node_id: int, request: Any) -> bool:
            try:
                return bool(await fetch(assignment, node_id, request))
            finally:
                self._moves += 1
                if self._gate is not None:
                    self._gate.check()

        fetcher._proc_fetch_request = counted  # the fetch routine looks it up per fetch

    async def stop(self) -> None:
        """Leave the group and close, within ``STOP_TIMEOUT_S``.

        With the broker away aiokafka's goodbye (the group leave) waits for a coordinator that
        may never answer; past the bound the connections are closed without it, and the group
        drops the member after its session timeout, as after a crash.
        """
        try:
            await asyncio.wait_for(self._consumer.stop(), STOP_TIMEOUT_S)
        except TimeoutError:
            await self._close_client()
        except asyncio.CancelledError:
            _raise_if_cancelling()
            # aiokafka's fetcher let the cancellation of its own fetch task out of its close
            # (seen while a broker node was away): the consumer is closed, nothing is cancelled
            await self._close_client()

    async def _close_client(self) -> None:
        try:
            await self._consumer._client.close()
        except asyncio.CancelledError:
            _raise_if_cancelling()
            # a connection's close, cut short by the stop's own timeout, let its cancellation
            # out of the client's close (seen with a hundred sinks starting on a loaded machine)

    def limit_buffer(self, buffer_bytes: int) -> None:
        """A new cap for what this consumer holds fetched and not read (its share of a budget that
        more consumers now share); applies from its next fetch."""
        self.buffer_bytes = buffer_bytes
        self.fit_buffer(len(self._consumer.assignment()))
        if self._gate is not None:
            self._gate.cap_bytes = buffer_bytes
            self._gate.check()

    def fit_buffer(self, partitions: int) -> None:
        """Size each partition's fetch so that ``partitions`` stay within ``buffer_bytes``."""
        fetcher = getattr(self._consumer, "_fetcher", None)  # made by start()
        if self.buffer_bytes is None or fetcher is None:
            return
        # aiokafka reads this per fetch request; it has no public setter (bus owns aiokafka's internals)
        fetcher._max_partition_fetch_bytes = profile.current().fetch.buffer_share(
            self.buffer_bytes, partitions
        )

    def _wait_when_idle(self) -> None:
        """A subscribed member lives long and mostly idles: its fetches wait the profile's
        ``max_wait_ms`` at the broker. Consumers that assign partitions for a few calls keep
        aiokafka's short wait: their stop waits for the fetch in flight (a group consumer pinning
        a start took over the 1 s stop bound with a 2 s wait)."""
        self._idle_wait_ms = profile.current().fetch.max_wait_ms
        self._consumer._fetch_max_wait_ms = self._idle_wait_ms  # read by start(), which makes the fetcher
        # aiokafka's fetch routine also wakes every `consumer_timeout_ms` (0.2 s) to walk every
        # partition, though each event that allows a new fetch (a response, a read, a seek, a
        # resume, a new assignment) wakes it anyway: with 100 sinks of 121 partitions that walk
        # was a third of an idle `hub run` (py-spy); so it wakes once per idle wait at most
        self._consumer._consumer_timeout = self._idle_wait_ms / 1000  # read by start() too
        self._fit_wait()

    def _fit_wait(self) -> None:
        """The long idle wait, or ``PAUSED_WAIT_MS`` while the application pauses partitions or the
        fetch gate holds some back: the fetch in flight when they are resumed holds back their
        first fetch (a sink's feeds resumed after its retry catch-up waited up to the whole idle
        wait)."""
        fetcher = getattr(self._consumer, "_fetcher", None)
        if self._idle_wait_ms is None or fetcher is None:
            return
        short = min(PAUSED_WAIT_MS, self._idle_wait_ms)
        held_back = self._paused or (self._gate is not None and self._gate.closed)
        fetcher._fetch_max_wait_ms = short if held_back else self._idle_wait_ms
        fetcher._fetcher_timeout = self._idle_wait_ms / 1000

    def subscribe(self, pattern: str, listener: RebalanceListener) -> None:
        self._wait_when_idle()
        self._consumer.subscribe(pattern=pattern, listener=_Forwarding(listener, self))

    def subscribe_topics(self, topics: Iterable[str], listener: RebalanceListener) -> None:
        """Subscribe to exactly these topics (again: the group rebalances to the new set).

        Unlike a pattern, the client then asks the cluster's metadata for these topics only: a
        pattern makes every consumer fetch and decode the metadata of every topic in the cluster
        every ``METADATA_MAX_AGE_MS``, which with a hundred sinks and a few thousand topics was
        most of an idle ``hub run``'s CPU and memory.
        """
        self._wait_when_idle()
        self._consumer._client._metadata_max_age_ms = NAMED_METADATA_MAX_AGE_MS  # read per refresh
        self._consumer.subscribe(topics=sorted(set(topics)), listener=_Forwarding(listener, self))

    def assign(self, partitions: Iterable[TopicPartition]) -> None:
        self._consumer.assign(to_kafka(partitions))
        self.forget_pauses()

    def assignment(self) -> set[TopicPartition]:
        """A copy of what is assigned now (converted again only when the assignment changed)."""
        tps = self._consumer.assignment()  # the assignment's own set: a new one per assignment
        if self._assigned is None or self._assigned[0] is not tps:
            self._assigned = (tps, frozenset(_ours(tps)))
        return set(self._assigned[1])

    async def getmany(
        self, *partitions: TopicPartition, timeout_ms: int = 0, max_records: int | None = None
    ) -> dict[TopicPartition, list[Record]]:
        with translated(f"read failed for group {self.group}"):
            batch = await self._consumer.getmany(
                *to_kafka(partitions), timeout_ms=timeout_ms, max_records=max_records
            )
        if batch:
            self._moves += 1
            if self._gate is not None:  # what was read makes room: the gate may open
                self._gate.check()
        return {
            TopicPartition(tp.topic, tp.partition): [Record.of(m) for m in ms] for tp, ms in batch.items()
        }

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        with translated(f"commit failed for group {self.group}"):
            await self._consumer.commit({KafkaPartition(*tp): offset for tp, offset in offsets.items()})

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self._consumer.seek(KafkaPartition(*partition), offset)
        self._moves += 1

    async def seek_to_beginning(self, *partitions: TopicPartition) -> None:
        with translated("cannot seek to the beginning"):
            await self._consumer.seek_to_beginning(*to_kafka(partitions))
        self._moves += 1

    async def position(self, partition: TopicPartition) -> int:
        with translated(f"cannot read the position of {partition}"):
            found: int = await self._consumer.position(KafkaPartition(*partition))
        return found

    def highwater(self, partition: TopicPartition) -> int | None:
        found: int | None = self._consumer.highwater(KafkaPartition(*partition))
        return found

    def fetched_lag(self) -> int:
        """Records between the position and the end of every assigned partition it has fetched
        from (the end as of the last fetch): asks the broker nothing and awaits nothing, since the
        lag gauge reads it for every sink twice a second (an awaited ``position`` per partition
        was a sixth of an idle ``hub run`` with 100 sinks of 121 partitions each). Walked again
        only after a fetch response, a read, a seek or a new assignment (the walk alone was a
        seventh of an idle ``hub run`` of 100 sinks)."""
        subscription = self._consumer._subscription.subscription
        assignment = subscription.assignment if subscription is not None else None
        if assignment is None:
            return 0
        key = (id(assignment), self._moves)
        if self._lag is not None and self._lag[0] == key:
            return self._lag[1]
        behind = 0
        for tp in assignment.tps:
            state = assignment.state_value(tp)
            if state.highwater is not None and state.has_valid_position:
                behind += max(state.highwater - state.position, 0)
        self._lag = (key, behind)
        return behind

    async def beginning_offsets(self, partitions: Collection[TopicPartition]) -> dict[TopicPartition, int]:
        with translated("cannot read the first offsets"):
            found = await self._consumer.beginning_offsets(to_kafka(partitions))
        return {TopicPartition(*tp): offset for tp, offset in found.items()}

    async def end_offsets(self, partitions: Collection[TopicPartition]) -> dict[TopicPartition, int]:
        with translated("cannot read the end offsets"):
            found = await self._consumer.end_offsets(to_kafka(partitions))
        return {TopicPartition(*tp): offset for tp, offset in found.items()}

    async def offsets_for_times(
        self, partitions: Collection[TopicPartition], at_ms: int
    ) -> dict[TopicPartition, int | None]:
        with translated("cannot look offsets up by time"):
            found = await self._consumer.offsets_for_times(dict.fromkeys(to_kafka(partitions), at_ms))
        return {
            TopicPartition(*tp): (meta.offset if meta is not None else None) for tp, meta in found.items()
        }

    def pause(self, *partitions: TopicPartition) -> None:
        for tp in to_kafka(partitions):
            self._paused.add(tp)
            if self._gate is not None and self._gate.holds(tp):
                self._gate.release(tp)  # paused already: now by the application
            else:
                self._consumer.pause(tp)
        self._fit_wait()

    def resume(self, *partitions: TopicPartition) -> None:
        kafka = to_kafka(partitions)
        self._paused.difference_update(kafka)
        self._consumer.resume(*kafka)
        if self._gate is not None:
            self._gate.check()  # full: what holds nothing stays paused, by the gate now
        self._fit_wait()

    def paused(self) -> set[TopicPartition]:
        """The partitions the application paused (not those the fetch gate holds back).

        Kept here rather than asked of aiokafka, which walks every assigned partition: a sink's
        intake asks after every poll (a tenth of an idle ``hub run`` with 100 sinks of 121
        partitions)."""
        if not self._paused:
            return set()
        state = self._consumer._subscription
        return set(_ours(tp for tp in self._paused if state.is_assigned(tp)))

    def forget_pauses(self) -> None:
        """A new assignment: aiokafka made every partition's state anew, unpaused."""
        self._paused = set()
        self._moves += 1
        self._fit_wait()


__all__ = [
    "METADATA_MAX_AGE_MS",
    "NAMED_METADATA_MAX_AGE_MS",
    "PAUSED_WAIT_MS",
    "STOP_TIMEOUT_S",
    "KafkaConsumer",
    "to_kafka",
]
