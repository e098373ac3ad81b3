"""``hub connect``: the connector worker (built by ``hub.connect``) until SIGINT or SIGTERM.

On stop each connector commits its position. Start several to share the connectors: a silent
worker's leases expire and move. Events are stamped with the active administrative-units
version, followed while running (``hub.services.active_units``).
"""

from __future__ import annotations

from connectors.worker import HEARTBEAT_S
from hub.connect import build_worker
from hub.processes.signals import run_process
from hub.services.active_units import active_units, following
from hub.services.units import UnitsService
from hub.settings import Settings
from hub.store.base import Store
from hub.store.connector_runtime import LEASE_TTL_S
from hub.telemetry import setup_logging, setup_tracing


def main(
    settings: Settings,
    *,
    worker_id: str | None = None,
    heartbeat_s: float = HEARTBEAT_S,
    lease_ttl_s: float = LEASE_TTL_S,
) -> None:
    setup_logging()
    setup_tracing("hub-connect", settings)
    worker = build_worker(settings, worker_id=worker_id, heartbeat_s=heartbeat_s, lease_ttl_s=lease_ttl_s)
    units_service = UnitsService(Store(settings.store_url()))
    worker.admin_units = units = active_units(units_service)  # stamps adminunitversion; follows loads
    run_process(following(worker.run, units_service, units))


__all__ = ["main"]
