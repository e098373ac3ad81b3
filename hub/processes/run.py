"""``hub run``: the delivery engine, every active subscription's sink, until SIGINT or SIGTERM.

On stop each sink commits what it resolved. Run it in as many processes as needed: Kafka's
consumer groups share the partitions.
"""

from __future__ import annotations

from hub.delivery.control.supervisor import Supervisor, SupervisorOptions
from hub.processes.signals import run_process
from hub.settings import Settings
from hub.store import migrate
from hub.store.base import Store
from hub.telemetry import metrics, setup_logging, setup_tracing
from schemas.admin_units import default_normaliser


def supervisor(settings: Settings, store: Store, options: SupervisorOptions | None = None) -> Supervisor:
    """The engine over a migrated store, with the built-in administrative units."""
    return Supervisor(settings, store, default_normaliser(), options or SupervisorOptions())


def main(settings: Settings, *, poll_s: float = 1.0, metrics_port: int | None = None) -> None:
    setup_logging()
    setup_tracing("hub-delivery", settings)
    if metrics_port is not None:
        metrics.serve(metrics_port, settings.api_host)
    migrate.upgrade(settings.store_url())
    engine = supervisor(settings, Store(settings.store_url()), SupervisorOptions(poll_s=poll_s))
    run_process(engine.run)


__all__ = ["main", "supervisor"]
