"""Start, stop and report the local services, honouring externally configured servers.

When ``HUB_KAFKA_BOOTSTRAP`` / ``HUB_POSTGRES_DSN`` are set, that service is external: it is
never started or stopped here, only reported.
"""

from __future__ import annotations

from dataclasses import dataclass

from devtools.devstack import kafka, postgres
from hub.settings import Settings


@dataclass(frozen=True)
class Endpoints:
    kafka_bootstrap: str
    postgres_dsn: str
    started: tuple[str, ...] = ()  # services this call started (and so may stop)


def ensure(settings: Settings, *, need_kafka: bool = True, need_postgres: bool = True) -> Endpoints:
    started: list[str] = []
    bootstrap = settings.kafka_bootstrap or ""
    if need_kafka and not bootstrap:
        was = kafka.running(settings)
        bootstrap = kafka.start(settings)
        if was is None:
            started.append("kafka")
    dsn = settings.postgres_dsn or ""
    if need_postgres and not dsn:
        was = postgres.running(settings)
        dsn = postgres.start(settings)
        if was is None:
            started.append("postgres")
    return Endpoints(bootstrap, dsn, tuple(started))


def stop(settings: Settings, only: tuple[str, ...] | None = None) -> list[str]:
    stopped = []
    if (only is None or "kafka" in only) and not settings.kafka_bootstrap and kafka.stop(settings):
        stopped.append("kafka")
    if (only is None or "postgres" in only) and not settings.postgres_dsn and postgres.stop(settings):
        stopped.append("postgres")
    return stopped


def status(settings: Settings) -> dict[str, str | None]:
    return {
        "kafka": settings.kafka_bootstrap or kafka.running(settings),
        "postgres": settings.postgres_dsn or postgres.running(settings),
    }
