"""A local Apache Kafka in KRaft mode, one broker or a cluster of N combined broker+controller
nodes sharing one controller quorum, from the official jars on Maven Central.

The jars are resolved by ``mvn dependency:copy-dependencies`` from the pinned POM in
``deploy/kafka`` into a cache outside the clone (downloads land in Maven's ``~/.m2``), so a
second start, even from a fresh clone on the same machine, downloads nothing. Storage is
formatted on first start; readiness means every node answered a metadata request. Node 1 lives
in ``state_dir/kafka``, node N in ``state_dir/kafka-N``, each with its own ports and data.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import os
import shutil
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from bus.admin import replication
from devtools.devstack import jars, ports
from devtools.devstack.process import (
    ServiceState,
    child_exited,
    cmdline,
    live_state,
    port_free,
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
KILL_WAIT_S = 15.0

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
    return jars.libs_dir(settings.cache_dir, "kafka", settings.kafka_version, POM)


def ensure_jars(settings: Settings) -> Path:
    """Resolve the broker jars once; later calls find them in the cache and do nothing."""
    return jars.resolve(
        libs_dir(settings), POM, {"kafka.version": settings.kafka_version}, f"Kafka {settings.kafka_version}"
    )


def java() -> str:
    path = shutil.which("java")
    if path is None:
        raise LocalServiceError(
            "Java is not installed: install a JDK 17+ (apt-get install default-jre-headless)."
        )
    return path


def write_config(home: Path, node: Node, voters: str, brokers: int) -> Path:
    factor, min_isr = replication(brokers)  # as the hub's topics get, so the broker's own survive as much
    config = home / "server.properties"
    config.write_text(
        "\n".join(
            [
                "process.roles=broker,controller",
                f"node.id={node.id}",
                f"controller.quorum.voters={voters}",
                f"listeners=PLAINTEXT://127.0.0.1:{node.port},CONTROLLER://127.0.0.1:{node.controller_port}",
                f"advertised.listeners=PLAINTEXT://127.0.0.1:{node.port}",
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                "inter.broker.listener.name=PLAINTEXT",
                f"log.dirs={home / 'data'}",
                "num.partitions=3",
                f"default.replication.factor={factor}",
                f"min.insync.replicas={min_isr}",
                f"offsets.topic.replication.factor={factor}",
                "offsets.topic.num.partitions=10",
                f"transaction.state.log.replication.factor={factor}",
                f"transaction.state.log.min.isr={min_isr}",
                f"share.coordinator.state.topic.replication.factor={factor}",
                f"share.coordinator.state.topic.min.isr={min_isr}",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=true",
                "log.retention.hours=168",
                "",
            ]
        )
    )
    (home / "log4j2.properties").write_text(LOG4J2.format(log=home / "server.log"))
    return config


def format_storage(home: Path, libs: Path, config: Path, cluster_id: str) -> None:
    if (home / "data" / "meta.properties").exists():
        return
    # `--cluster-id=ID`, not `-t ID`: a base64 id may begin with "-", which the tool's argument
    # parser reads as an option (1 format in 64 failed: "--cluster-id/-t: expected one argument")
    cmd = [java(), "-cp", f"{libs}/*", "kafka.tools.StorageTool", "format", f"--cluster-id={cluster_id}",
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


@dataclass(frozen=True)
class Node:
    id: int
    port: int
    controller_port: int

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


def node_home(settings: Settings, node_id: int) -> Path:
    """Node 1 lives where the single broker always did, so an existing dev broker is node 1."""
    return settings.state_dir / ("kafka" if node_id == 1 else f"kafka-{node_id}")


def cluster_record(settings: Settings) -> Path:
    return settings.state_dir / "kafka" / "cluster.json"


def cluster_size(settings: Settings) -> int:
    """The brokers the local cluster was formatted with (1 when never recorded)."""
    try:
        brokers = json.loads(cluster_record(settings).read_text())["brokers"]
    except (OSError, ValueError, KeyError, TypeError):
        return 1
    return brokers if isinstance(brokers, int) and brokers >= 1 else 1


def _cluster_id(settings: Settings, brokers: int) -> str:
    """One id for every node of the cluster, kept with its size; a different size than the
    data was formatted with is refused (the controller quorum is fixed at format time)."""
    record = cluster_record(settings)
    formatted = (node_home(settings, 1) / "data" / "meta.properties").exists()
    try:
        known = json.loads(record.read_text())
    except (OSError, ValueError):
        known = None
    size = known.get("brokers", 1) if isinstance(known, dict) else 1
    if formatted and size != brokers:
        raise LocalServiceError(
            f"The local Kafka was formatted as a {size}-broker cluster; {brokers} were asked for. "
            f"Run `make down`, then delete {settings.state_dir}/kafka* (or `make clean`) to change it."
        )
    if isinstance(known, dict) and isinstance(known.get("cluster_id"), str) and formatted:
        return str(known["cluster_id"])
    cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps({"brokers": brokers, "cluster_id": cluster_id}))
    return cluster_id


def _nodes(settings: Settings, brokers: int) -> list[Node]:
    """Every node's ports: those a running node holds, else claimed (kept for life, ``ports``)."""
    nodes = []
    for node_id in range(1, brokers + 1):
        home = node_home(settings, node_id)
        record = home / "ports.json"
        held = ports.load(record) if live_state(home / "state.json") is not None else None
        if held is None or len(held) != 2:
            base = DEFAULT_PORT + 2 * (node_id - 1)
            held = ports.claim(record, f"Kafka node {node_id}", base, base + 1)
        nodes.append(Node(node_id, held[0], held[1]))
    return nodes


def start(settings: Settings, brokers: int | None = None) -> str:
    """Start every node not running of a ``brokers``-node KRaft cluster (default: the size it
    was formatted with, else 1); return the bootstrap list of all nodes."""
    brokers = brokers or cluster_size(settings)
    cluster_id = _cluster_id(settings, brokers)
    java_bin = java()
    libs = ensure_jars(settings)
    nodes = _nodes(settings, brokers)
    voters = ",".join(f"{n.id}@127.0.0.1:{n.controller_port}" for n in nodes)
    spawned: list[tuple[Node, ServiceState]] = []
    for node in nodes:
        home = node_home(settings, node.id)
        if live_state(home / "state.json") is not None:
            continue
        config = write_config(home, node, voters, brokers)
        format_storage(home, libs, config, cluster_id)
        spawned.append((node, _spawn(java_bin, libs, home, node)))
    try:
        for node, state in spawned:  # all spawned first: a node needs the quorum to answer
            asyncio.run(wait_ready(node.address, state, node_home(settings, node.id) / "stdout.log"))
    except BaseException:  # not ready, or interrupted: no node is left running unrecorded
        for node, state in spawned:
            terminate(state.pid, timeout_s=5)
            (node_home(settings, node.id) / "state.json").unlink(missing_ok=True)
        raise
    return ",".join(n.address for n in nodes)


def _spawn(java_bin: str, libs: Path, home: Path, node: Node) -> ServiceState:
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "KAFKA_HEAP_OPTS": HEAP}
    log4j = f"-Dlog4j2.configurationFile={home / 'log4j2.properties'}"
    config = home / "server.properties"
    cmd = [java_bin, HEAP, "-XX:+UseG1GC", log4j, "-cp", f"{libs}/*", MARKER, str(config)]
    state = ServiceState(pid=spawn(cmd, home / "stdout.log", env), port=node.port, marker=MARKER)
    state.save(home / "state.json")
    return state


def kill_node(settings: Settings, node_id: int) -> bool:
    """SIGKILL one node, as a crash would (no controlled shutdown); False if it was not running."""
    pid_file = node_home(settings, node_id) / "state.json"
    state = live_state(pid_file)
    if state is None:
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(state.pid, signal.SIGKILL)
    deadline = time.monotonic() + KILL_WAIT_S  # until its listener is gone too, so a restart can bind
    while time.monotonic() < deadline and (cmdline(state.pid) or not port_free(state.port)):
        time.sleep(0.05)
    pid_file.unlink(missing_ok=True)
    return True


def stop(settings: Settings) -> bool:
    """SIGTERM every node at once (one by one, the last ones would wait for a lost quorum)."""
    states = []
    for node_id in range(1, cluster_size(settings) + 1):
        pid_file = node_home(settings, node_id) / "state.json"
        state = live_state(pid_file)
        if state is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(state.pid, signal.SIGTERM)
            states.append((pid_file, state))
    for pid_file, state in states:
        terminate(state.pid)
        pid_file.unlink(missing_ok=True)
    return bool(states)


def wipe(settings: Settings) -> None:
    """Delete every node's data (the cluster is formatted afresh at its next start)."""
    for home in (node_home(settings, 1), *settings.state_dir.glob("kafka-*")):
        shutil.rmtree(home / "data", ignore_errors=True)
    cluster_record(settings).unlink(missing_ok=True)


def running(settings: Settings) -> str | None:
    """The bootstrap list of the nodes running, or None when none is."""
    addresses = []
    for node_id in range(1, cluster_size(settings) + 1):
        state = live_state(node_home(settings, node_id) / "state.json")
        if state is not None:
            addresses.append(f"127.0.0.1:{state.port}")
    return ",".join(addresses) or None
