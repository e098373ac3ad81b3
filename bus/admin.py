"""Topics and consumer groups: create, delete, describe, committed offsets, reset to a time.

Topics are created when missing (production clusters disable auto-create), with the partitions,
replication factor and ``min.insync.replicas`` of the process's topic layout (``bus.topic_layout``,
installed with ``bus.profile``). A topic created at the layout's count that exists already is
checked against it (fewer configured: refused; more: grown when allowed, else left and logged);
one created at an explicit count (retry, dead-letter, audit topics) is left as it is. Each call
opens its own short-lived client, so looking never joins or disturbs a running group; within
``shared(bootstrap)`` (``hub run``: its sinks prepare their topics through here) every call
uses one long-lived client instead, since starting a client reads the whole cluster's metadata
(thousands of topics on a shared broker), which a hundred sinks starting did several times each.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import AsyncIterator, Collection, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic
from aiokafka.errors import KafkaError

from bus import profile
from bus.consumer import KafkaConsumer, to_kafka
from bus.errors import GroupBusy, is_group_busy, translated
from bus.records import TopicPartition
from bus.topic_layout import MAX_DEFAULT_REPLICATION, PartitionPlan, TopicLayout
from schemas.errors import BusError

log = logging.getLogger(__name__)
MAX_REPLICATION = MAX_DEFAULT_REPLICATION
TOPIC_ALREADY_EXISTS = 36
METADATA_POLL_S = 0.1
NAMES_TTL_S = 5.0  # within ``shared``: how long one listing of the cluster's topics serves


def replication(brokers: int) -> tuple[int, int]:
    """Replication factor and ``min.insync.replicas`` the process's layout gives on ``brokers``."""
    return profile.current().layout.replication(brokers)


@dataclass
class _Shared:
    bootstrap: str
    client: AIOKafkaAdminClient | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    names: tuple[float, list[str]] | None = None  # the last topic listing and when it was read


_SHARED: ContextVar[_Shared | None] = ContextVar("bus_admin_shared", default=None)


@contextlib.asynccontextmanager
async def shared(bootstrap: str) -> AsyncIterator[None]:
    """Every ``KafkaAdmin`` call on ``bootstrap`` made within, and in tasks started within, uses
    one client, started at the first call and closed on the way out."""
    holder = _Shared(bootstrap)
    token = _SHARED.set(holder)
    try:
        yield
    finally:
        _SHARED.reset(token)
        if holder.client is not None:
            await holder.client.close()


class KafkaAdmin:
    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap

    @contextlib.asynccontextmanager
    async def _session(self, what: str) -> AsyncIterator[AIOKafkaAdminClient]:
        """A started client: the shared one (``shared``) or a short-lived one, closed after."""
        holder = _SHARED.get()
        if holder is not None and holder.bootstrap == self.bootstrap:
            async with holder.lock:
                if holder.client is None:
                    holder.client = await self._started(what)
            yield holder.client
            return
        admin = await self._started(what)
        try:
            yield admin
        finally:
            await admin.close()

    async def _list_topics(self, admin: AIOKafkaAdminClient) -> list[str]:
        """Every topic of the cluster; within ``shared``, one listing serves every call for
        ``NAMES_TTL_S`` (a hundred sinks starting each listed a cluster of hundreds of topics
        twice), and creating or deleting a topic through it reads the list again."""
        holder = _SHARED.get()
        if holder is None or holder.bootstrap != self.bootstrap:
            return list(await admin.list_topics())
        async with holder.lock:  # sinks starting together wait for one listing
            if holder.names is None or time.monotonic() - holder.names[0] >= NAMES_TTL_S:
                holder.names = (time.monotonic(), list(await admin.list_topics()))
            return holder.names[1]

    def _forget_names(self) -> None:
        holder = _SHARED.get()
        if holder is not None:
            holder.names = None

    async def _started(self, what: str) -> AIOKafkaAdminClient:
        admin = self._client()
        try:
            with translated(what):
                await admin.start()
        except BusError:
            await admin.close()
            raise
        return admin

    def _client(self, request_timeout_ms: int | None = None) -> AIOKafkaAdminClient:
        options = profile.current().security.client_options()
        if request_timeout_ms is not None:
            options["request_timeout_ms"] = request_timeout_ms
        return AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, **options)

    async def create_topics(self, names: Sequence[str], partitions: int | None = None) -> None:
        """Create the topics that do not exist yet; ``partitions=None``: the layout's count, and
        an existing topic is held to it (module docstring); else existing ones are left as they are."""
        await self._create(names, partitions, {})

    async def create_compacted_topics(self, names: Sequence[str], partitions: int | None = None) -> None:
        """Like ``create_topics``, with ``cleanup.policy=compact``: Kafka keeps each key's last record."""
        await self._create(names, partitions, {"cleanup.policy": "compact"})

    async def _create(self, names: Sequence[str], partitions: int | None, configs: dict[str, str]) -> None:
        layout = profile.current().layout
        what = f"cannot create topics {', '.join(names)}"
        async with self._session(what) as admin:
            with translated(what):
                brokers = await _broker_count(admin)
                replicas, min_isr = layout.replication(brokers)
                topic_configs = {**configs, "min.insync.replicas": str(min_isr)}
                counts = {name: partitions or layout.partitions_of(name) for name in names}
                response = await admin.create_topics(
                    [NewTopic(name, counts[name], replicas, topic_configs=topic_configs) for name in names]
                )
                existing = [name for name, code, *_ in response.topic_errors if code == TOPIC_ALREADY_EXISTS]
                if partitions is None and existing:
                    await _hold_to_layout(admin, layout, existing)
        if len(existing) < len(names):
            self._forget_names()
        failed = [
            (name, code) for name, code, *_ in response.topic_errors if code not in (0, TOPIC_ALREADY_EXISTS)
        ]
        if failed:
            raise BusError(f"cannot create topics: {failed}")

    async def delete_topic(self, name: str) -> None:
        async with self._session(f"cannot delete topic {name}") as admin:
            with translated(f"cannot delete topic {name}"):
                await admin.delete_topics([name])
        self._forget_names()

    async def topic_names(self) -> list[str]:
        """Every topic of the cluster (one metadata request)."""
        async with self._session("cannot read topic metadata") as admin:
            with translated("cannot read topic metadata"):
                return sorted(await self._list_topics(admin))

    async def partitions(
        self, *, names: Iterable[str] = (), pattern: str | None = None
    ) -> list[TopicPartition]:
        """Partitions of the named topics and of those matching ``pattern``; unknown topics have
        none (never auto-created by asking)."""
        async with self._session("cannot read topic metadata") as admin:
            with translated("cannot read topic metadata"):
                wanted = set(names)
                if pattern is not None:
                    regex = re.compile(pattern)
                    wanted |= {t for t in await self._list_topics(admin) if regex.match(t)}
                described = await admin.describe_topics(sorted(wanted)) if wanted else []
        return sorted(
            TopicPartition(topic["topic"], part["partition"])
            for topic in described
            if topic["error_code"] == 0
            for part in topic["partitions"]
        )

    async def visible_partitions(self, topic: str, timeout_s: float) -> list[TopicPartition]:
        """The topic's partitions once the broker's metadata shows it (none after ``timeout_s``).

        A just-created topic can read as having no partitions for a moment; taking that for a
        wrong partition count would, for instance, delete and recreate a brand-new topic.
        """
        deadline = time.monotonic() + timeout_s
        while True:
            tps = await self.partitions(names=[topic])
            if tps or time.monotonic() > deadline:
                return tps
            await asyncio.sleep(METADATA_POLL_S)

    async def committed(
        self, groups: Collection[str], partitions: Collection[TopicPartition] | None = None
    ) -> dict[str, dict[TopicPartition, int]]:
        """Each group's committed next offset per partition (never-committed partitions are absent)."""
        if not groups:
            return {}
        names = list(groups)
        wanted = to_kafka(partitions) if partitions is not None else None
        what = f"cannot read the offsets of groups {', '.join(names)}"
        async with self._session(what) as admin:
            with translated(what):
                answers = await asyncio.gather(
                    *(admin.list_consumer_group_offsets(group, partitions=wanted) for group in names)
                )
        return {
            group: {TopicPartition(*tp): meta.offset for tp, meta in answer.items() if meta.offset >= 0}
            for group, answer in zip(names, answers, strict=True)
        }

    async def bounds(self, partitions: Collection[TopicPartition]) -> dict[TopicPartition, tuple[int, int]]:
        """(first kept offset, next offset to be written) per partition."""
        if not partitions:
            return {}
        reader = KafkaConsumer(self.bootstrap)
        try:
            await reader.start()
            first = await reader.beginning_offsets(partitions)
            end = await reader.end_offsets(partitions)
        finally:
            await reader.stop()
        return {tp: (first[tp], end[tp]) for tp in partitions}

    async def reset_to_time(
        self, group: str, partitions: Collection[TopicPartition], at_ms: int
    ) -> dict[TopicPartition, int]:
        """Commit, for ``group``, the first offset at or after ``at_ms`` (else the end) per partition.

        Kafka accepts this only while the group has no members: else ``GroupBusy``.
        """
        consumer = KafkaConsumer(self.bootstrap, group)
        try:
            await consumer.start()
            consumer.assign(partitions)
            found = await consumer.offsets_for_times(partitions, at_ms)
            ends = await consumer.end_offsets(partitions)
            offsets = {tp: ends[tp] if (at := found.get(tp)) is None else at for tp in partitions}
            await consumer.commit(offsets)
        except (BusError, AssertionError) as exc:
            if is_group_busy(exc):
                raise GroupBusy(f"consumer group {group} has active members; stop its sinks first") from exc
            raise BusError(f"cannot reset {group}: {exc}") from exc
        finally:
            await consumer.stop()
        return offsets

    async def probe(self, timeout_s: float) -> None:
        """Connect and read the cluster's metadata (what every client does first), within ``timeout_s``."""
        admin = self._client(request_timeout_ms=int(timeout_s * 1000))
        try:
            async with asyncio.timeout(timeout_s):
                await admin.start()
                await admin.describe_cluster()
        except (KafkaError, OSError, TimeoutError) as exc:
            raise BusError(f"the Kafka broker at {self.bootstrap} does not answer ({exc!r})") from exc
        finally:
            await admin.close()


async def _broker_count(admin: AIOKafkaAdminClient) -> int:
    """Brokers in the cluster, from a metadata request that names no topic: ``describe_cluster``
    asks for the metadata of every topic and drops it, which on a broker of hundreds of topics was
    most of what creating one topic cost (a hundred sinks create two each when they start)."""
    metadata = await admin._get_cluster_metadata(topics=[])
    return len(metadata.to_object()["brokers"])


async def _hold_to_layout(admin: AIOKafkaAdminClient, layout: TopicLayout, names: Sequence[str]) -> None:
    """Check existing topics' partition counts against ``layout``; grow them when it allows."""
    described = await admin.describe_topics(list(names))
    grow: dict[str, Any] = {}
    for topic in described:
        if topic["error_code"] != 0:
            continue
        name, count = topic["topic"], len(topic["partitions"])
        wanted, plan = layout.partitions_of(name), layout.plan(name, count)
        if plan is PartitionPlan.GROW:
            grow[name] = NewPartitions(total_count=wanted)
            log.warning("growing topic %s from %d to %d partitions", name, count, wanted)
        elif plan is PartitionPlan.LEAVE:
            log.warning(
                "topic %s has %d partitions, %d are configured: left as it is (growing moves keys); "
                "pin %d for it in HUB_TOPIC_PARTITIONS_PER_TOPIC, or set HUB_TOPIC_ALLOW_GROW=true",
                name, count, wanted, count,
            )  # fmt: skip
    if grow:
        await admin.create_partitions(grow)


__all__ = ["MAX_REPLICATION", "KafkaAdmin", "replication", "shared"]
