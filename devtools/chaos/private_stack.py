"""A Kafka broker and a PostgreSQL cluster of the suite's own, which it may stop at will.

Both are the local stack's services (``devtools.devstack``) started under another state
directory, so they get their own data dirs and ports and never touch the broker other work
shares. The broker's data is wiped at every run (no earlier run's topics); its ports are kept
by the devstack across the restarts a run makes, as clients expect.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from devtools.devstack import kafka, postgres
from hub.settings import Settings


def private_settings(settings: Settings, state_dir: Path) -> Settings:
    """Settings whose local stack lives in ``state_dir``, whatever servers the environment names."""
    return settings.model_copy(
        update={"state_dir": state_dir, "kafka_bootstrap": None, "postgres_dsn": None, "database_url": None}
    )


@dataclass
class PrivateStack:
    settings: Settings  # from ``private_settings``
    bootstrap: str = ""
    dsn: str = ""

    own_postgres: bool = True
    brokers: int = 1

    @classmethod
    def fresh(cls, settings: Settings, postgres_dsn: str | None = None, brokers: int = 1) -> PrivateStack:
        """Start ``brokers`` Kafka nodes with no data, and PostgreSQL (kept between runs) unless a
        server is given: the suite never stops PostgreSQL, so a shared one is safe for the source
        tables."""
        stack = cls(settings, own_postgres=postgres_dsn is None, brokers=brokers)
        kafka.stop(settings)
        kafka.wipe(settings)
        stack.dsn = postgres_dsn or postgres.start(settings)
        stack.start_broker()
        return stack

    def start_broker(self) -> str:
        """Start the nodes not running (all, or one that was killed); their addresses never change."""
        self.bootstrap = kafka.start(self.settings, self.brokers)
        return self.bootstrap

    def kill_node(self, node_id: int) -> None:
        kafka.kill_node(self.settings, node_id)

    def stop_broker(self) -> None:
        kafka.stop(self.settings)

    def broker_running(self) -> bool:
        return kafka.running(self.settings) is not None

    def stop(self) -> None:
        kafka.stop(self.settings)
        if self.own_postgres:
            postgres.stop(self.settings)


__all__ = ["PrivateStack", "private_settings"]
