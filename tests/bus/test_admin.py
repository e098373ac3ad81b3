"""Topics, group offsets and resets against the real broker."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from bus import profile
from bus.admin import KafkaAdmin, replication
from bus.consumer import KafkaConsumer
from bus.errors import GroupBusy
from bus.producer import KafkaProducer
from bus.records import TopicPartition
from bus.topic_layout import TopicLayout
from schemas.errors import TopicLayoutInvalid, TopicPartitionsBelowExisting

pytestmark = pytest.mark.integration


class Quiet:
    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        return None

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        return None


async def test_topics_are_created_once_listed_and_deleted(kafka_bootstrap: str, unique: str) -> None:
    admin, topic = KafkaAdmin(kafka_bootstrap), f"bus.t{unique}.admin"
    await admin.create_topics([topic], 2)
    await admin.create_topics([topic], 4)  # exists already: left as it is
    tps = [TopicPartition(topic, 0), TopicPartition(topic, 1)]
    assert await admin.visible_partitions(topic, timeout_s=10) == tps
    assert await admin.partitions(names=[topic]) == tps
    assert await admin.partitions(pattern=rf"^bus\.t{unique}\.") == tps
    assert await admin.partitions(names=[f"bus.t{unique}.missing"]) == []
    assert await admin.bounds(tps) == dict.fromkeys(tps, (0, 0))
    await admin.delete_topic(topic)


@asynccontextmanager
async def member(bootstrap: str, group: str, pattern: str) -> AsyncIterator[KafkaConsumer]:
    consumer = KafkaConsumer(bootstrap, group, range_assignment=True)
    consumer.subscribe(pattern, Quiet())
    await consumer.start()
    try:
        yield consumer
    finally:
        await consumer.stop()


async def test_a_group_is_reset_to_a_time_only_without_members(kafka_bootstrap: str, unique: str) -> None:
    admin, topic, group = KafkaAdmin(kafka_bootstrap), f"bus.t{unique}.reset", f"bus.g{unique}"
    await admin.create_topics([topic], 1)
    tp = TopicPartition(topic, 0)
    producer = KafkaProducer(kafka_bootstrap)
    await producer.start()
    try:
        old = await producer.send_and_wait(topic, b"old", partition=0)
        at_ms = old.timestamp_ms + 1
        await asyncio.sleep(0.01)
        await producer.send_and_wait(topic, b"new", partition=0)
    finally:
        await producer.stop()
    assert await admin.reset_to_time(group, [tp], at_ms) == {tp: 1}
    assert await admin.committed([group]) == {group: {tp: 1}}
    async with member(kafka_bootstrap, group, rf"^{topic}$") as consumer:
        while not consumer.assignment():  # the join completes on the first fetch
            await consumer.getmany(timeout_ms=200)
        with pytest.raises(GroupBusy):
            await admin.reset_to_time(group, [tp], 0)


@pytest.mark.parametrize(("brokers", "expected"), [(1, (1, 1)), (2, (2, 2)), (3, (3, 2)), (5, (3, 2))])
def test_replication_is_three_copies_two_in_sync_at_most(brokers: int, expected: tuple[int, int]) -> None:
    assert replication(brokers) == expected


@pytest.fixture
def layout() -> Iterator[None]:
    """A test installs its own layout; the dev profile is back afterwards."""
    yield
    profile.install(profile.DEV_PROFILE)


def use(layout: TopicLayout) -> None:
    profile.install(profile.KafkaProfile(layout=layout))


async def topic_config(bootstrap: str, topic: str) -> dict[str, str]:
    client = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await client.start()
    try:
        [answer] = await client.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    finally:
        await client.close()
    return {name: value for name, value, *_ in answer.resources[0][4]}


async def test_topics_get_the_layouts_partitions_and_min_in_sync(
    kafka_bootstrap: str, unique: str, layout: None
) -> None:
    admin, plain, pinned = KafkaAdmin(kafka_bootstrap), f"bus.t{unique}.plain", f"bus.t{unique}.pinned"
    use(TopicLayout(partitions=3, per_topic={pinned: 2}, min_insync_replicas=1))
    await admin.create_topics([plain, pinned])
    assert len(await admin.visible_partitions(plain, timeout_s=10)) == 3
    assert len(await admin.visible_partitions(pinned, timeout_s=10)) == 2
    assert (await topic_config(kafka_bootstrap, plain))["min.insync.replicas"] == "1"
    await admin.create_topics([plain, pinned])  # as configured already: kept
    for name in (plain, pinned):
        await admin.delete_topic(name)


async def partition_count(admin: KafkaAdmin, topic: str, expected: int) -> int:
    """The topic's partition count once it is ``expected`` (the broker's metadata lags a change
    for a moment), or whatever it is after 10 s."""
    deadline = asyncio.get_running_loop().time() + 10
    while (count := len(await admin.partitions(names=[topic]))) != expected:
        if asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.1)
    return count


async def test_an_existing_topic_is_never_shrunk_and_grown_only_when_allowed(
    kafka_bootstrap: str, unique: str, layout: None, caplog: pytest.LogCaptureFixture
) -> None:
    admin, topic = KafkaAdmin(kafka_bootstrap), f"bus.t{unique}.grow"
    use(TopicLayout(partitions=2))
    await admin.create_topics([topic])
    assert await partition_count(admin, topic, 2) == 2
    use(TopicLayout(partitions=1))
    with pytest.raises(TopicPartitionsBelowExisting):
        await admin.create_topics([topic])
    use(TopicLayout(partitions=4))
    with caplog.at_level(logging.WARNING, logger="bus.admin"):
        await admin.create_topics([topic])  # growing not allowed: left as it is, and said so
    assert f"topic {topic} has 2 partitions, 4 are configured: left as it is" in caplog.text
    await admin.create_topics([topic], 1)  # an explicit count leaves an existing topic alone
    assert len(await admin.partitions(names=[topic])) == 2
    use(TopicLayout(partitions=4, allow_grow=True))
    await admin.create_topics([topic])
    assert await partition_count(admin, topic, 4) == 4
    await admin.delete_topic(topic)


async def test_more_copies_than_the_cluster_has_brokers_is_refused_before_creating(
    kafka_bootstrap: str, unique: str, layout: None
) -> None:
    admin, topic = KafkaAdmin(kafka_bootstrap), f"bus.t{unique}.rf"
    use(TopicLayout(replication_factor=9))
    with pytest.raises(TopicLayoutInvalid, match="needs 9 brokers"):
        await admin.create_topics([topic])
    assert await admin.partitions(names=[topic]) == []


async def test_within_shared_every_call_uses_one_client_closed_on_the_way_out(
    kafka_bootstrap: str, unique: str
) -> None:
    from bus import admin as admin_module

    topic = f"shared-{unique}"
    async with admin_module.shared(kafka_bootstrap):
        await KafkaAdmin(kafka_bootstrap).create_topics([topic], 1)
        holder = admin_module._SHARED.get()
        assert holder is not None and holder.client is not None
        first = holder.client
        await asyncio.create_task(KafkaAdmin(kafka_bootstrap).partitions(names=[topic]))  # a task within
        assert holder.client is first
    assert admin_module._SHARED.get() is None
    assert first._closed  # closed with the block
    await KafkaAdmin(kafka_bootstrap).delete_topic(topic)  # outside: a short-lived client again


async def test_within_shared_one_listing_serves_until_a_topic_is_created(
    kafka_bootstrap: str, unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bus import admin as admin_module

    listings: list[int] = []
    real = AIOKafkaAdminClient.list_topics

    async def counted(self: AIOKafkaAdminClient) -> list[str]:
        listings.append(1)
        return list(await real(self))

    monkeypatch.setattr(AIOKafkaAdminClient, "list_topics", counted)
    topic = f"listed-{unique}"
    async with admin_module.shared(kafka_bootstrap):
        kafka = KafkaAdmin(kafka_bootstrap)
        await asyncio.gather(*(kafka.partitions(pattern=rf"^{topic}$") for _ in range(10)))
        assert len(listings) == 1  # ten sinks starting: one listing
        await kafka.create_topics([topic], 1)
        await kafka.visible_partitions(topic, timeout_s=10)
        assert await kafka.partitions(pattern=rf"^{topic}$") == [TopicPartition(topic, 0)]  # listed again
        assert len(listings) == 2
        await kafka.delete_topic(topic)
