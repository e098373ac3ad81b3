"""A consumer's prefetch is bounded by configuration: per partition, per fetch, and per share."""

from __future__ import annotations

import pytest

from bus import profile
from bus.consumer import KafkaConsumer
from bus.fetch_limits import MIB, PARTITION_MIN_BYTES, FetchLimits
from bus.records import TopicPartition


def test_the_options_are_the_limits_and_a_consumer_cap_narrows_them() -> None:
    limits = FetchLimits(max_wait_ms=3000, partition_max_bytes=256 * 1024, max_bytes=8 * MIB)
    assert limits.options() == {
        "fetch_max_wait_ms": 3000,
        "fetch_max_bytes": 8 * MIB,
        "max_partition_fetch_bytes": 256 * 1024,
    }
    assert "fetch_max_wait_ms" not in limits.options(idle_wait=False)  # a reader keeps aiokafka's wait
    capped = limits.options(buffer_bytes=100 * 1024)
    assert (capped["fetch_max_bytes"], capped["max_partition_fetch_bytes"]) == (100 * 1024, 100 * 1024)


def test_a_share_is_spread_over_the_partitions_within_the_floor_and_the_ceiling() -> None:
    limits = FetchLimits(partition_max_bytes=256 * 1024)
    assert limits.buffer_share(1 * MIB, partitions=16) == 64 * 1024
    assert limits.buffer_share(1 * MIB, partitions=1) == 256 * 1024  # never over the per-partition limit
    assert limits.buffer_share(1 * MIB, partitions=10_000) == PARTITION_MIN_BYTES  # never under the floor
    assert limits.buffer_share(1 * MIB, partitions=0) == 256 * 1024


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        FetchLimits(max_wait_ms=0)


async def test_a_consumer_is_built_with_the_profile_s_limits_and_its_own_cap() -> None:
    installed = profile.current()
    profile.install(profile.KafkaProfile(fetch=FetchLimits(max_wait_ms=1234, max_bytes=4 * MIB)))
    try:
        client = KafkaConsumer("127.0.0.1:1", "g", buffer_bytes=1 * MIB)._consumer  # never started
    finally:
        profile.install(installed)
    assert client._fetch_max_bytes == 1 * MIB and client._max_partition_fetch_bytes == 256 * 1024
    assert client._fetch_max_wait_ms == 500  # aiokafka's: it may only pin offsets and stop
    profile.install(profile.KafkaProfile(fetch=FetchLimits(max_wait_ms=1234)))
    try:
        consumer = KafkaConsumer("127.0.0.1:1", "g")
        consumer.subscribe_topics(["t"], _NoListener())  # a member that will mostly idle
    finally:
        profile.install(installed)
    assert consumer._consumer._fetch_max_wait_ms == 1234


class _NoListener:
    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        pass

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        pass
