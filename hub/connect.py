"""The ``hub connect`` process: the connector worker wired to the store, Kafka and contracts.

Connectors never import the hub; this module is where the hub hands them what they need: the
store's leases and positions (``SqlControlPlane``), the broker address, and contract checks
over the contract registry (``RegisteredContracts``: the built-in contracts are seeded into it
at migration, a ministry's are registered through the API).
"""

from __future__ import annotations

import os
import socket
import time
from typing import Any

from connectors.contracts import Contracts
from connectors.worker import HEARTBEAT_S, Worker
from hub.settings import Settings
from hub.store import migrate
from hub.store.base import Store
from hub.store.connector_runtime import LEASE_TTL_S, SqlControlPlane
from hub.store.contracts import ContractRegistry
from schemas.contracts.compatibility import Mode

CONTRACT_REFRESH_S = 30.0
MISSING_CONTRACT_REFRESH_S = 1.0


class RegistryLookup:
    """The latest live contract document of an event type, read from the hub's registry.

    A found document is kept for ``CONTRACT_REFRESH_S`` (a new version applies within that time;
    the store is not queried per event); a missing one is asked again after
    ``MISSING_CONTRACT_REFRESH_S``, so a contract registered after the worker started is found
    at once, and its connector's rows stop being quarantined as ``unknown_contract``.
    """

    def __init__(self, store: Store, default_mode: Mode) -> None:
        self.store = store
        self.default_mode = default_mode
        self._cache: dict[str, tuple[float, dict[str, Any] | None]] = {}

    def __call__(self, event_type: str) -> dict[str, Any] | None:
        cached = self._cache.get(event_type)
        now = time.monotonic()
        if cached is not None:
            found_at, found = cached
            ttl = CONTRACT_REFRESH_S if found is not None else MISSING_CONTRACT_REFRESH_S
            if now - found_at < ttl:
                return found
        with self.store.session() as session:
            found = ContractRegistry(session, self.default_mode).document(event_type)
        self._cache[event_type] = (now, found)
        return found


class RegisteredContracts(Contracts):
    """Contract checks over the hub's registry (the one source of truth, built-ins included)."""

    def __init__(self, store: Store, default_mode: Mode) -> None:
        super().__init__(RegistryLookup(store, default_mode))


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
    )


__all__ = ["RegisteredContracts", "RegistryLookup", "build_worker", "default_worker_id"]
