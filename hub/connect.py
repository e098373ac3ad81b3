"""The ``hub connect`` process: the connector worker wired to the store, Kafka and contracts.

Connectors never import the hub; this module is where the hub hands them what they need: the
store's leases and positions (``SqlControlPlane``), the broker address, and contract checks
that know the contracts registered through the API as well as the built-in ones.
"""

from __future__ import annotations

import os
import socket
import time

from connectors.contracts import BuiltinContracts
from connectors.worker import HEARTBEAT_S, Worker
from hub.settings import Settings
from hub.store import migrate
from hub.store.base import Store
from hub.store.connector_runtime import LEASE_TTL_S, SqlControlPlane
from hub.store.contracts import ContractRegistry
from schemas.contracts.compatibility import Mode
from schemas.contracts.validation import validate_change
from schemas.errors import NotFound
from schemas.events import ChangePayload

CONTRACT_REFRESH_S = 30.0


class RegisteredContracts:
    """The latest live contract registered under the event type, else the built-in feed's.

    Lookups are cached for ``CONTRACT_REFRESH_S``: a newly registered version applies within
    that time, and the store is not queried per event.
    """

    def __init__(self, store: Store, default_mode: Mode) -> None:
        self.store = store
        self.default_mode = default_mode
        self.builtin = BuiltinContracts()
        self._cache: dict[str, tuple[float, dict[str, object] | None]] = {}

    def __call__(self, event_type: str, payload: ChangePayload) -> str | None:
        contract = self._latest(event_type)
        if contract is None:
            return self.builtin(event_type, payload)
        return validate_change(event_type, payload, contract)

    def _latest(self, event_type: str) -> dict[str, object] | None:
        cached = self._cache.get(event_type)
        if cached is not None and time.monotonic() - cached[0] < CONTRACT_REFRESH_S:
            return cached[1]
        with self.store.session() as session:
            try:
                found: dict[str, object] | None = (
                    ContractRegistry(session, self.default_mode).version(event_type, None).document
                )
            except NotFound:
                found = None
        self._cache[event_type] = (time.monotonic(), found)
        return found


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


__all__ = ["RegisteredContracts", "build_worker", "default_worker_id"]
