"""Contracts as connectors read them: the registry's latest live documents, cached for a while.

``hub connect`` hands ``RegisteredContracts`` to its connectors (checks and column mappings read
the same documents), and the API's connector checks (apply, ``connectors test``) read the same
lookup, so a mapping is judged against exactly the contract the worker will enforce.
"""

from __future__ import annotations

import time
from typing import Any

from connectors.contracts import Contracts
from hub.store.base import Store
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


__all__ = ["CONTRACT_REFRESH_S", "MISSING_CONTRACT_REFRESH_S", "RegisteredContracts", "RegistryLookup"]
