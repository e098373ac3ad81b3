"""An in-memory broker with the bus's interface, for unit tests of logic that sits on top of Kafka.

Topics with partitions, keyed partitioning (a key always lands on the same partition), offsets,
headers, timestamps, group commits, and a single member per group (a subscribing consumer is
assigned every matching partition when it starts). Nothing leaves the process.
"""

from __future__ import annotations

import asyncio
import re
import time
import zlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import count

from bus.errors import GroupBusy
from bus.headers import Header
from bus.ports import FEED_PARTITIONS, Ack, RebalanceListener
from bus.producer import ACK_TIMEOUT_S, wait_acknowledged
from bus.records import Record, Sent, TopicPartition
from schemas.errors import BusError
from schemas.events.kafka_codec import KafkaMessage

IDLE_POLL_S = 0.01


@dataclass
class MemoryBroker:
    default_partitions: int = FEED_PARTITIONS
    topics: dict[str, list[list[Record]]] = field(default_factory=dict)
    commits: dict[str, dict[TopicPartition, int]] = field(default_factory=dict)
    members: dict[str, int] = field(default_factory=dict)
    _round_robin: count[int] = field(default_factory=count)

    def create(self, name: str, partitions: int | None = None) -> None:
        if name not in self.topics:
            self.topics[name] = [[] for _ in range(partitions or self.default_partitions)]

    def partition_for(self, topic: str, key: bytes | None) -> int:
        """The same key always maps to the same partition; no key spreads round robin."""
        count_ = len(self.topics[topic])
        if key is None:
            return next(self._round_robin) % count_
        return zlib.crc32(key) % count_

    def append(
        self,
        topic: str,
        value: bytes | None,
        key: bytes | None,
        headers: Sequence[Header],
        partition: int | None = None,
    ) -> Record:
        self.create(topic)  # like a broker that auto-creates topics
        logs = self.topics[topic]
        number = self.partition_for(topic, key) if partition is None else partition
        if not 0 <= number < len(logs):
            raise BusError(f"{topic} has no partition {number}")
        log = logs[number]
        record = Record(topic, number, len(log), key, value, tuple(headers), int(time.time() * 1000))
        log.append(record)
        return record

    def end(self, tp: TopicPartition) -> int:
        return len(self.topics[tp.topic][tp.partition]) if tp.topic in self.topics else 0

    def producer(self) -> MemoryProducer:
        return MemoryProducer(self)

    def consumer(self, group: str | None = None) -> MemoryConsumer:
        return MemoryConsumer(self, group)

    def admin(self) -> MemoryAdmin:
        return MemoryAdmin(self)


class MemoryProducer:
    def __init__(self, broker: MemoryBroker) -> None:
        self.broker = broker

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def ensure_topics(self, names: Iterable[str]) -> None:
        for name in names:
            self.broker.create(name)

    async def send(self, topic: str, message: KafkaMessage) -> Ack:
        ack: Ack = asyncio.get_running_loop().create_future()
        ack.set_result(self.broker.append(topic, message.value, message.key, message.headers))
        return ack

    async def send_many(self, topic: str, messages: Sequence[KafkaMessage]) -> list[Ack]:
        return [await self.send(topic, message) for message in messages]

    async def acknowledged(self, acks: Sequence[Ack]) -> None:
        await wait_acknowledged(acks, ACK_TIMEOUT_S)

    async def send_and_wait(
        self,
        topic: str,
        value: bytes | None,
        *,
        key: bytes | None = None,
        headers: Sequence[Header] = (),
        partition: int | None = None,
    ) -> Sent:
        record = self.broker.append(topic, value, key, headers, partition)
        return Sent(record.partition, record.offset, record.timestamp_ms)


class MemoryConsumer:
    def __init__(self, broker: MemoryBroker, group: str | None) -> None:
        self.broker = broker
        self.group = group
        self._pattern: re.Pattern[str] | None = None
        self._listener: RebalanceListener | None = None
        self._positions: dict[TopicPartition, int] = {}
        self._paused: set[TopicPartition] = set()
        self._started = False

    async def start(self) -> None:
        self._started = True
        if self.group is not None and self._pattern is not None:
            self.broker.members[self.group] = self.broker.members.get(self.group, 0) + 1
            await self._assign_subscribed()

    async def stop(self) -> None:
        if self._started and self.group is not None and self._pattern is not None:
            self.broker.members[self.group] -= 1
        self._started = False

    def subscribe(self, pattern: str, listener: RebalanceListener) -> None:
        self._pattern, self._listener = re.compile(pattern), listener

    async def _assign_subscribed(self) -> None:
        assert self._pattern is not None and self._listener is not None
        matching = [
            TopicPartition(topic, number)
            for topic, logs in sorted(self.broker.topics.items())
            if self._pattern.match(topic)
            for number in range(len(logs))
        ]
        self.assign(matching)
        await self._listener.on_partitions_assigned(matching)

    def assign(self, partitions: Iterable[TopicPartition]) -> None:
        committed = self.broker.commits.get(self.group or "", {}) if self.group else {}
        self._positions = {tp: committed.get(tp, 0) for tp in partitions}
        self._paused.clear()

    def assignment(self) -> set[TopicPartition]:
        return set(self._positions)

    async def getmany(
        self, *partitions: TopicPartition, timeout_ms: int = 0, max_records: int | None = None
    ) -> dict[TopicPartition, list[Record]]:
        wanted = [tp for tp in (partitions or sorted(self._positions)) if tp not in self._paused]
        budget = max_records if max_records is not None else 500
        batch: dict[TopicPartition, list[Record]] = {}
        for tp in wanted:
            start = self._positions[tp]
            found = self._log(tp)[start : start + budget]
            if found:
                batch[tp] = found
                self._positions[tp] = start + len(found)
                budget -= len(found)
            if budget <= 0:
                break
        if not batch:
            await asyncio.sleep(min(timeout_ms / 1000, IDLE_POLL_S))
        return batch

    def _log(self, tp: TopicPartition) -> list[Record]:
        logs = self.broker.topics.get(tp.topic, [])
        return logs[tp.partition] if tp.partition < len(logs) else []

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        if self.group is None:
            raise BusError("a reader without a group cannot commit")
        self.broker.commits.setdefault(self.group, {}).update(offsets)

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self._positions[partition] = offset

    async def seek_to_beginning(self, *partitions: TopicPartition) -> None:
        for tp in partitions:
            self._positions[tp] = 0

    async def position(self, partition: TopicPartition) -> int:
        return self._positions[partition]

    def highwater(self, partition: TopicPartition) -> int | None:
        return self.broker.end(partition)

    def fetched_lag(self) -> int:
        return sum(max(self.broker.end(tp) - at, 0) for tp, at in self._positions.items())

    async def beginning_offsets(self, partitions: Collection[TopicPartition]) -> dict[TopicPartition, int]:
        return dict.fromkeys(partitions, 0)

    async def end_offsets(self, partitions: Collection[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: self.broker.end(tp) for tp in partitions}

    async def offsets_for_times(
        self, partitions: Collection[TopicPartition], at_ms: int
    ) -> dict[TopicPartition, int | None]:
        return {
            tp: next((r.offset for r in self._log(tp) if r.timestamp_ms >= at_ms), None) for tp in partitions
        }

    def pause(self, *partitions: TopicPartition) -> None:
        self._paused.update(partitions)

    def resume(self, *partitions: TopicPartition) -> None:
        self._paused.difference_update(partitions)

    def paused(self) -> set[TopicPartition]:
        return set(self._paused)


class MemoryAdmin:
    def __init__(self, broker: MemoryBroker) -> None:
        self.broker = broker

    async def create_topics(self, names: Sequence[str], partitions: int | None = None) -> None:
        for name in names:
            self.broker.create(name, partitions)

    async def delete_topic(self, name: str) -> None:
        self.broker.topics.pop(name, None)

    async def partitions(
        self, *, names: Iterable[str] = (), pattern: str | None = None
    ) -> list[TopicPartition]:
        wanted = set(names) & set(self.broker.topics)
        if pattern is not None:
            wanted |= {t for t in self.broker.topics if re.match(pattern, t)}
        return sorted(TopicPartition(t, n) for t in wanted for n in range(len(self.broker.topics[t])))

    async def visible_partitions(self, topic: str, timeout_s: float) -> list[TopicPartition]:
        return await self.partitions(names=[topic])  # metadata is never behind here

    async def committed(
        self, groups: Collection[str], partitions: Collection[TopicPartition] | None = None
    ) -> dict[str, dict[TopicPartition, int]]:
        return {
            group: {
                tp: offset
                for tp, offset in self.broker.commits.get(group, {}).items()
                if partitions is None or tp in partitions
            }
            for group in groups
        }

    async def bounds(self, partitions: Collection[TopicPartition]) -> dict[TopicPartition, tuple[int, int]]:
        return {tp: (0, self.broker.end(tp)) for tp in partitions}

    async def reset_to_time(
        self, group: str, partitions: Collection[TopicPartition], at_ms: int
    ) -> dict[TopicPartition, int]:
        if self.broker.members.get(group, 0) > 0:
            raise GroupBusy(f"consumer group {group} has active members; stop its sinks first")
        found = await self.broker.consumer().offsets_for_times(partitions, at_ms)
        offsets = {tp: self.broker.end(tp) if (at := found[tp]) is None else at for tp in partitions}
        self.broker.commits.setdefault(group, {}).update(offsets)
        return offsets


__all__ = ["MemoryAdmin", "MemoryBroker", "MemoryConsumer", "MemoryProducer"]
