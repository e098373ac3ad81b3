"""``hub run``: the delivery engine, every active subscription's sink, until SIGINT or SIGTERM.

On stop each sink commits what it resolved. Routing follows the active administrative-units
version (``hub.services.active_units``). Run it in as many processes as needed: Kafka's
consumer groups share the partitions.
"""

from __future__ import annotations

from hub.delivery.control.supervisor import Supervisor, SupervisorOptions
from hub.processes.signals import run_process
from hub.routing import AdminUnitIndex
from hub.services.active_units import active_units, following
from hub.services.units import UnitsService
from hub.settings import Settings
from hub.store import migrate
from hub.store.base import Store
from hub.telemetry import metrics, setup_logging, setup_tracing


def supervisor(
    settings: Settings,
    store: Store,
    options: SupervisorOptions | None = None,
    units: AdminUnitIndex | None = None,
) -> Supervisor:
    """The engine over a migrated store, routing by ``units`` (default: the active version, fixed)."""
    chosen = units if units is not None else active_units(UnitsService(store))
    return Supervisor(settings, store, chosen, options or SupervisorOptions())


def main(settings: Settings, *, poll_s: float = 1.0, metrics_port: int | None = None) -> None:
    setup_logging()
    setup_tracing("hub-delivery", settings)
    if metrics_port is not None:
        metrics.serve(metrics_port, settings.api_host)
    migrate.upgrade(settings.store_url())
    store = Store(settings.store_url())
    units_service = UnitsService(store)
    units = active_units(units_service)  # swapped in place when `hub units load` activates another
    engine = supervisor(settings, store, SupervisorOptions(poll_s=poll_s), units)
    run_process(following(engine.run, units_service, units))


__all__ = ["main", "supervisor"]
