"""A single-node Apache Kafka broker in KRaft mode, from the official jars on Maven Central.

The jars are resolved by ``mvn dependency:copy-dependencies`` from the pinned POM in
``deploy/kafka`` into a cache outside the clone (downloads land in Maven's ``~/.m2``), so a
second start, even from a fresh clone on the same machine, downloads nothing. Storage is
formatted on first start; readiness means the broker answered a metadata request.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

from devtools.devstack import ports
from devtools.devstack.process import (
    ServiceState,
    child_exited,
    live_state,
    spawn,
    tail,
    terminate,
)
from hub.settings import REPO_ROOT, Settings
from schemas.errors import BusError, LocalServiceError

POM = REPO_ROOT / "deploy" / "kafka" / "pom.xml"
MARKER = "kafka.Kafka"
DEFAULT_PORT = 19092
READY_TIMEOUT_S = 90.0
PROBE_TIMEOUT_S = 3.0

LOG4J2 = """\
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = {log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = WARN
logger.apache.name = org.apache.kafka
logger.apache.level = WARN
"""

# The dev broker keeps every test topic until `make clean`; at 512 MiB a long-lived one holding a
# few thousand partitions ran out of heap. 1 GiB of a 24 GiB machine is cheap insurance.
HEAP = "-Xmx1g"


def libs_dir(settings: Settings) -> Path:
    """Keyed by version and POM content, so a changed POM resolves a fresh set of jars."""
    pom_hash = hashlib.sha256(POM.read_bytes()).hexdigest()[:10]
    return settings.cache_dir / f"kafka-{settings.kafka_version}-{pom_hash}" / "libs"


def ensure_jars(settings: Settings) -> Path:
    """Resolve the broker jars once; later calls find them in the cache and do nothing."""
    libs = libs_dir(settings)
    done = libs / ".complete"
    if done.exists():
        return libs
    if shutil.which("mvn") is None:
        raise LocalServiceError("Maven (mvn) is not installed: install it (apt-get install maven).")
    libs.mkdir(parents=True, exist_ok=True)
    cmd = [
        "mvn", "-q", "-B", "-f", str(POM), "dependency:copy-dependencies",
        f"-Dkafka.version={settings.kafka_version}", "-DincludeScope=runtime",
        f"-DoutputDirectory={libs}",
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603
    if proc.returncode != 0:
        last = (proc.stdout + proc.stderr).strip().splitlines()[-3:]
        raise LocalServiceError(
            f"Downloading the Kafka {settings.kafka_version} jars failed "
            f"(check network access to Maven Central): {' | '.join(last)}"
        )
    done.touch()
    return libs


def java() -> str:
    path = shutil.which("java")
    if path is None:
        raise LocalServiceError(
            "Java is not installed: install a JDK 17+ (apt-get install default-jre-headless)."
        )
    return path


def write_config(home: Path, port: int, controller_port: int) -> Path:
    config = home / "server.properties"
    config.write_text(
        "\n".join(
            [
                "process.roles=broker,controller",
                "node.id=1",
                f"controller.quorum.voters=1@127.0.0.1:{controller_port}",
                f"listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
                f"advertised.listeners=PLAINTEXT://127.0.0.1:{port}",
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                "inter.broker.listener.name=PLAINTEXT",
                f"log.dirs={home / 'data'}",
                "num.partitions=3",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=10",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=true",
                "log.retention.hours=168",
                "",
            ]
        )
    )
    (home / "log4j2.properties").write_text(LOG4J2.format(log=home / "server.log"))
    return config


def format_storage(home: Path, libs: Path, config: Path) -> None:
    if (home / "data" / "meta.properties").exists():
        return
    cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    cmd = [java(), "-cp", f"{libs}/*", "kafka.tools.StorageTool", "format", "-t", cluster_id,
           "-c", str(config), "--ignore-formatted"]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603
    if proc.returncode != 0:
        raise LocalServiceError(f"Formatting Kafka storage failed: {proc.stdout}{proc.stderr}")


async def wait_ready(bootstrap: str, state: ServiceState, log: Path) -> None:
    """Poll metadata until the broker answers; fail fast if the process died."""
    from bus import CLIENT_LOGGER
    from bus.admin import KafkaAdmin

    logging.getLogger(CLIENT_LOGGER).setLevel(logging.CRITICAL)  # refusals are expected here
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if child_exited(state.pid):
            raise LocalServiceError(f"Kafka exited during start-up; last log lines:\n{tail(log)}")
        try:
            await KafkaAdmin(bootstrap).probe(PROBE_TIMEOUT_S)
            return
        except BusError:  # not ready yet
            await asyncio.sleep(0.3)
    raise LocalServiceError(
        f"Kafka did not answer metadata requests within {READY_TIMEOUT_S:.0f}s; log:\n{tail(log)}"
    )


def start(settings: Settings) -> str:
    """Start the broker if it is not running; return its bootstrap address."""
    home = settings.state_dir / "kafka"
    home.mkdir(parents=True, exist_ok=True)
    pid_file = home / "state.json"
    running = live_state(pid_file)
    if running is not None:
        return f"127.0.0.1:{running.port}"
    java_bin = java()
    libs = ensure_jars(settings)
    port, controller_port = ports.claim(home / "ports.json", "Kafka", DEFAULT_PORT, DEFAULT_PORT + 1)
    config = write_config(home, port, controller_port)
    format_storage(home, libs, config)
    env = {**os.environ, "KAFKA_HEAP_OPTS": HEAP}
    log4j = f"-Dlog4j2.configurationFile={home / 'log4j2.properties'}"
    cmd = [java_bin, HEAP, "-XX:+UseG1GC", log4j, "-cp", f"{libs}/*", MARKER, str(config)]
    pid = spawn(cmd, home / "stdout.log", env)
    state = ServiceState(pid=pid, port=port, marker=MARKER)
    state.save(pid_file)
    bootstrap = f"127.0.0.1:{port}"
    try:
        asyncio.run(wait_ready(bootstrap, state, home / "stdout.log"))
    except LocalServiceError:
        terminate(pid, timeout_s=5)
        pid_file.unlink(missing_ok=True)
        raise
    return bootstrap


def stop(settings: Settings) -> bool:
    pid_file = settings.state_dir / "kafka" / "state.json"
    state = live_state(pid_file)
    if state is None:
        return False
    terminate(state.pid)
    pid_file.unlink(missing_ok=True)
    return True


def running(settings: Settings) -> str | None:
    state = live_state(settings.state_dir / "kafka" / "state.json")
    return None if state is None else f"127.0.0.1:{state.port}"
