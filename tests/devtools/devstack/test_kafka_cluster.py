"""A local multi-node KRaft cluster: topics replicated on three nodes with two in sync, writes
with ``acks=all`` go on while one node is SIGKILLed, and the node comes back on its own address.

The cluster is the test's own (in ``tmp_path``, on its own ports): the shared broker is never
touched. Starting three JVMs takes a while, so one test walks the whole life of the cluster; it is
synchronous because starting the cluster runs its own event loop.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from bus.admin import KafkaAdmin
from bus.producer import KafkaProducer
from devtools.devstack import kafka
from hub.settings import Settings
from schemas.errors import LocalServiceError

BROKERS = 3


def private(base_settings: Settings, state_dir: Path) -> Settings:
    return base_settings.model_copy(update={"state_dir": state_dir, "kafka_bootstrap": None})


async def replicas_and_min_isr(bootstrap: str, topic: str) -> tuple[set[int], str]:
    client = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await client.start()
    try:
        described = await client.describe_topics([topic])
        configs = await client.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    finally:
        await client.close()
    replicas = {len(p["replicas"]) for p in described[0]["partitions"]}
    entries = configs[0].resources[0][4]
    min_isr = next(value for name, value, *_ in entries if name == "min.insync.replicas")
    return replicas, str(min_isr)


async def send_one(bootstrap: str, topic: str, value: bytes) -> None:
    producer = KafkaProducer(bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, partition=0)
    finally:
        await producer.stop()


@pytest.mark.integration
@pytest.mark.timeout(300)
def test_a_three_node_cluster_replicates_and_survives_a_killed_node(
    base_settings: Settings, tmp_path: Path
) -> None:
    settings = private(base_settings, tmp_path)
    bootstrap = kafka.start(settings, BROKERS)
    try:
        assert len(bootstrap.split(",")) == BROKERS
        assert kafka.cluster_size(settings) == BROKERS
        topic = "cluster.replicated"
        asyncio.run(KafkaAdmin(bootstrap).create_topics([topic], 2))
        assert asyncio.run(replicas_and_min_isr(bootstrap, topic)) == ({3}, "2")

        assert kafka.kill_node(settings, 2)
        running = kafka.running(settings)
        assert running is not None
        assert len(running.split(",")) == BROKERS - 1
        asyncio.run(send_one(running, topic, b"written with a node down"))  # 2 in sync remain: accepted

        assert kafka.start(settings) == bootstrap  # the killed node, back on its own ports
    finally:
        kafka.stop(settings)
    assert kafka.running(settings) is None


def test_a_cluster_formatted_with_another_size_is_refused(base_settings: Settings, tmp_path: Path) -> None:
    settings = private(base_settings, tmp_path)
    data = kafka.node_home(settings, 1) / "data"
    data.mkdir(parents=True)
    (data / "meta.properties").write_text("node.id=1\n")
    kafka.cluster_record(settings).write_text(json.dumps({"brokers": 1, "cluster_id": "x"}))
    with pytest.raises(LocalServiceError, match="formatted as a 1-broker cluster; 3 were asked for"):
        kafka.start(settings, BROKERS)
