"""The ``hub connect`` process: the connector worker wired to the store, Kafka and contracts.

Connectors never import the hub; this module is where the hub hands them what they need: the
store's leases and positions (``SqlControlPlane``), the broker address, and contract checks
over the contract registry (``RegisteredContracts``: the built-in contracts are seeded into it
at migration, a ministry's are registered through the API), and the host allow-list: a connector
registered before its host left ``HUB_CONNECTOR_HOST_ALLOWLIST`` is not run (failed, with the code).
"""

from __future__ import annotations

import os
import socket

from connectors.worker import HEARTBEAT_S, Worker
from hub.services.connector_targets import ConnectorHostPolicy
from hub.services.contract_lookup import RegisteredContracts
from hub.settings import Settings
from hub.store import migrate
from hub.store.base import Store
from hub.store.connector_runtime import LEASE_TTL_S, SqlControlPlane
from schemas.contracts.compatibility import Mode


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def build_worker(
    settings: Settings,
    *,
    worker_id: str | None = None,
    heartbeat_s: float = HEARTBEAT_S,
    lease_ttl_s: float = LEASE_TTL_S,
) -> Worker:
    url = settings.store_url()
    migrate.upgrade(url)
    store = Store(url)
    name = worker_id or default_worker_id()
    return Worker(
        control=SqlControlPlane(store, name, lease_ttl_s=lease_ttl_s),
        bootstrap=settings.kafka_address(),
        contracts=RegisteredContracts(store, Mode(settings.contract_compatibility)),
        worker_id=name,
        heartbeat_s=heartbeat_s,
        admit=ConnectorHostPolicy.from_entries(settings.connector_host_allowlist).check,
    )


__all__ = ["build_worker", "default_worker_id"]
