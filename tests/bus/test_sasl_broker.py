"""The adapter against a broker that demands a SCRAM-SHA-512 login (SASL_PLAINTEXT listener).

The broker is the test's own (in ``tmp_path``, on its own ports, SCRAM users added when its
storage is formatted): the shared broker is never touched. One test walks it all, since a JVM
start is the slow part: with the right login every kind of client works; with a wrong password
or none the client is refused with a ``BusError``.
"""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bus import profile
from bus.admin import KafkaAdmin
from bus.producer import KafkaProducer
from bus.reads import read_topics
from bus.security import KafkaSecurity, SaslMechanism
from devtools.devstack import kafka
from devtools.devstack.process import child_exited, spawn, tail, terminate
from hub.settings import Settings
from schemas.errors import BusError

MECHANISM: SaslMechanism = "SCRAM-SHA-512"
ADMIN, HUB = ("admin", "admin-secret"), ("hub", "hub-secret")
HEAP = "-Xmx384m"
READY_S = 120.0


def two_ports() -> tuple[int, int]:
    with socket.socket() as one, socket.socket() as two:
        one.bind(("127.0.0.1", 0))
        two.bind(("127.0.0.1", 0))
        return one.getsockname()[1], two.getsockname()[1]


def scram_login(user: tuple[str, str]) -> str:
    name, password = user
    module = "org.apache.kafka.common.security.scram.ScramLoginModule"
    return f'{module} required username="{name}" password="{password}";'


def write_config(home: Path, port: int, controller_port: int) -> Path:
    config = home / "server.properties"
    config.write_text(
        "\n".join(
            [
                "process.roles=broker,controller",
                "node.id=1",
                f"controller.quorum.voters=1@127.0.0.1:{controller_port}",
                f"listeners=SASL_PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
                f"advertised.listeners=SASL_PLAINTEXT://127.0.0.1:{port}",
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT",
                "inter.broker.listener.name=SASL_PLAINTEXT",
                f"sasl.enabled.mechanisms={MECHANISM}",
                f"sasl.mechanism.inter.broker.protocol={MECHANISM}",
                f"listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config={scram_login(ADMIN)}",
                f"log.dirs={home / 'data'}",
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "",
            ]
        )
    )
    (home / "log4j2.properties").write_text(kafka.LOG4J2.format(log=home / "server.log"))
    return config


def format_with_users(libs: Path, config: Path) -> None:
    cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    users = [arg for name, password in (ADMIN, HUB) for arg in
             ("--add-scram", f"{MECHANISM}=[name={name},password={password}]")]  # fmt: skip
    cmd = [kafka.java(), "-cp", f"{libs}/*", "kafka.tools.StorageTool", "format", "-t", cluster_id,
           "-c", str(config), *users]  # fmt: skip
    subprocess.run(cmd, capture_output=True, text=True, check=True)


@pytest.fixture
def sasl_broker(base_settings: Settings, tmp_path: Path) -> Iterator[str]:
    """A one-node KRaft broker whose only client listener wants a SCRAM-SHA-512 login."""
    libs = kafka.ensure_jars(base_settings)
    home = tmp_path / "kafka"
    home.mkdir()
    port, controller_port = two_ports()
    config = write_config(home, port, controller_port)
    format_with_users(libs, config)
    log4j = f"-Dlog4j2.configurationFile={home / 'log4j2.properties'}"
    cmd = [kafka.java(), HEAP, log4j, "-cp", f"{libs}/*", kafka.MARKER, str(config)]
    pid = spawn(cmd, home / "stdout.log", {**os.environ, "KAFKA_HEAP_OPTS": HEAP})
    try:
        yield f"127.0.0.1:{port}"
    finally:
        terminate(pid)
        child_exited(pid)
        profile.install(profile.DEV_PROFILE)


def use(user: tuple[str, str] | None) -> None:
    if user is None:
        profile.install(profile.DEV_PROFILE)
        return
    security = KafkaSecurity("SASL_PLAINTEXT", MECHANISM, username=user[0], password=user[1])
    profile.install(profile.KafkaProfile(security=security))


async def wait_ready(bootstrap: str, log: Path) -> None:
    deadline = time.monotonic() + READY_S
    while True:
        try:
            await KafkaAdmin(bootstrap).probe(3.0)
            return
        except BusError:
            if time.monotonic() > deadline:
                raise AssertionError(f"the SASL broker did not answer; log:\n{tail(log)}") from None
            await asyncio.sleep(0.5)


@pytest.mark.integration
@pytest.mark.timeout(300)
async def test_every_client_logs_in_with_scram_and_a_wrong_login_is_refused(
    sasl_broker: str, tmp_path: Path, unique: str
) -> None:
    use(HUB)
    await wait_ready(sasl_broker, tmp_path / "kafka" / "server.log")
    topic = f"bus.t{unique}.sasl"
    await KafkaAdmin(sasl_broker).create_topics([topic], 1)
    producer = KafkaProducer(sasl_broker)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"signed in", partition=0)
    finally:
        await producer.stop()
    assert [record.value for record in await read_topics(sasl_broker, [topic], timeout_s=30)] == [
        b"signed in"
    ]
    for wrong in (("hub", "not-the-password"), None):
        use(wrong)
        with pytest.raises(BusError):
            await KafkaAdmin(sasl_broker).probe(5.0)
