"""Debezium's PostgreSQL connector in a Kafka Connect standalone worker, for side-by-side trials.

The jars (Kafka Connect of the broker's Kafka version, Debezium 3.6.1.Final) are pinned in
``deploy/debezium/pom.xml`` and resolved like the broker's (``devtools.devstack.jars``): once,
into a cache outside the clone. The worker listens for its REST API on 127.0.0.1 only, converts
keys and values with the JSON converter without schemas, and keeps its offsets in a file of its
own temporary directory; connectors are created, stopped, resumed and deleted through the REST
API, so one warm JVM serves every trial of a run.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg

from devtools.devstack import jars
from devtools.devstack.process import child_exited, pick_port, spawn, tail, terminate
from hub.settings import REPO_ROOT, Settings
from schemas.errors import LocalServiceError

POM = REPO_ROOT / "deploy" / "debezium" / "pom.xml"
DEBEZIUM_VERSION = "3.6.1.Final"
START_TIMEOUT_S = 180.0  # a loaded two-core machine scans the classpath for a minute
STATE_TIMEOUT_S = 60.0
HEAP = "-Xmx1g"
LOG4J2 = """\
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = {log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.file.ref = file
"""


def ensure_jars(settings: Settings) -> Path:
    """The worker's classpath directory; raises ``LocalServiceError`` when the jars cannot be had."""
    if shutil.which("java") is None:
        raise LocalServiceError("Java is not installed (a JDK 17+ runs Kafka Connect)")
    libs = jars.libs_dir(
        settings.cache_dir, "debezium", f"{DEBEZIUM_VERSION}-kafka-{settings.kafka_version}", POM
    )
    properties = {"kafka.version": settings.kafka_version, "debezium.version": DEBEZIUM_VERSION}
    return jars.resolve(libs, POM, properties, f"Debezium {DEBEZIUM_VERSION} / Kafka Connect")


def worker_properties(bootstrap: str, port: int, home: Path) -> str:
    lines = {
        "bootstrap.servers": bootstrap,
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "key.converter.schemas.enable": "false",
        "value.converter.schemas.enable": "false",
        "offset.storage.file.filename": str(home / "offsets"),
        "offset.flush.interval.ms": "1000",
        "listeners": f"http://127.0.0.1:{port}",
        "rest.advertised.host.name": "127.0.0.1",
        "plugin.discovery": "service_load",  # every plugin here has a manifest: no classpath scan
    }
    return "".join(f"{key}={value}\n" for key, value in lines.items())


def postgres_connector(
    dsn: str, prefix: str, *, snapshot: bool, poll_interval_ms: int | None
) -> dict[str, str]:
    """Debezium on the bench's parcel table: pgoutput, a slot and a publication of its own."""
    params = psycopg.conninfo.conninfo_to_dict(dsn)
    config = {
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "tasks.max": "1",
        "database.hostname": str(params.get("host", "127.0.0.1")),
        "database.port": str(params.get("port", 5432)),
        "database.user": str(params.get("user", "postgres")),
        "database.password": str(params.get("password", "")),
        "database.dbname": str(params["dbname"]),
        "topic.prefix": prefix,
        "plugin.name": "pgoutput",
        "slot.name": f"dbz_{prefix}",
        "publication.name": f"dbz_{prefix}",
        "publication.autocreate.mode": "filtered",
        "table.include.list": "public.parcels",
        "snapshot.mode": "initial" if snapshot else "no_data",
    }
    if poll_interval_ms is not None:
        config["poll.interval.ms"] = str(poll_interval_ms)
    return config


class ConnectWorker:
    """A running standalone worker, driven through its REST API."""

    def __init__(self, http: httpx.AsyncClient, pid: int) -> None:
        self.http = http
        self.pid = pid  # the JVM: every connector's tasks run in it

    async def create(self, name: str, config: Mapping[str, str]) -> None:
        response = await self.http.put(f"/connectors/{name}/config", json={"name": name, **config})
        _raise_for(response, f"creating connector {name}")
        await self.until_state(name, "RUNNING")

    async def stop(self, name: str) -> None:
        """Stop the connector and its task (offsets flushed), keeping its configuration."""
        _raise_for(await self.http.put(f"/connectors/{name}/stop"), f"stopping {name}")
        await self.until_state(name, "STOPPED", with_task=False)

    async def resume(self, name: str) -> None:
        _raise_for(await self.http.put(f"/connectors/{name}/resume"), f"resuming {name}")
        await self.until_state(name, "RUNNING")

    async def delete(self, name: str) -> None:
        _raise_for(await self.http.delete(f"/connectors/{name}"), f"deleting {name}")

    async def until_state(self, name: str, state: str, *, with_task: bool = True) -> None:
        """Wait until the connector (and its one task) report ``state``; a FAILED task raises."""
        async with asyncio.timeout(STATE_TIMEOUT_S):
            while True:
                response = await self.http.get(f"/connectors/{name}/status")
                if response.status_code == httpx.codes.OK:
                    status: dict[str, Any] = response.json()
                    tasks = status.get("tasks", [])
                    failed = [t for t in tasks if t.get("state") == "FAILED"]
                    if failed:
                        raise LocalServiceError(f"Debezium task failed: {failed[0].get('trace', '')[:800]}")
                    if status["connector"]["state"] == state and (
                        not with_task or (tasks and all(t["state"] == state for t in tasks))
                    ):
                        return
                await asyncio.sleep(0.05)


@asynccontextmanager
async def running(settings: Settings, bootstrap: str) -> AsyncIterator[ConnectWorker]:
    """Start a worker (no connector yet), yield it once its REST API answers, stop it at the end."""
    libs = ensure_jars(settings)
    with tempfile.TemporaryDirectory(prefix="bench-connect-") as tmp:
        home = Path(tmp)
        port = pick_port()
        (home / "worker.properties").write_text(worker_properties(bootstrap, port, home))
        (home / "log4j2.properties").write_text(LOG4J2.format(log=home / "connect.log"))
        argv = [
            shutil.which("java") or "java", HEAP, f"-Dlog4j2.configurationFile={home / 'log4j2.properties'}",
            "-cp", f"{libs}/*", "org.apache.kafka.connect.cli.ConnectStandalone",
            str(home / "worker.properties"),
        ]  # fmt: skip
        pid = spawn(argv, home / "stdout.log", dict(os.environ))
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30.0) as http:
                await _until_ready(http, pid, home)
                yield ConnectWorker(http, pid)
        finally:
            await asyncio.to_thread(terminate, pid)
            child_exited(pid)  # reaped


async def _until_ready(http: httpx.AsyncClient, pid: int, home: Path) -> None:
    async with asyncio.timeout(START_TIMEOUT_S):
        while True:
            if child_exited(pid):
                raise LocalServiceError(f"Kafka Connect exited at start: {tail(home / 'stdout.log')}")
            try:
                if (await http.get("/connectors")).status_code == httpx.codes.OK:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.25)


def _raise_for(response: httpx.Response, what: str) -> None:
    if response.is_error:
        raise LocalServiceError(f"Kafka Connect refused {what}: {response.status_code} {response.text[:500]}")


__all__ = ["DEBEZIUM_VERSION", "ConnectWorker", "ensure_jars", "postgres_connector", "running"]
