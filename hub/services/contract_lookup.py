"""Contracts as connectors read them: the registry's latest live documents, cached for a while.

``hub connect`` hands ``RegisteredContracts`` to its connectors (checks and column mappings read
the same documents), and the API's connector checks (apply, ``connectors test``) read the same
lookup, so a mapping is judged against exactly the contract the worker will enforce.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from connectors.contracts import Contracts
from hub.store.base import Store
from hub.store.contracts import ContractRegistry
from schemas.contracts.compatibility import Mode

CONTRACT_REFRESH_S = 30.0
MISSING_CONTRACT_REFRESH_S = 1.0
log = logging.getLogger(__name__)


class RegistryLookup:
    """The latest live contract document of an event type, read from the hub's registry.

    A found document is kept for ``CONTRACT_REFRESH_S`` (a new version applies within that time;
    the store is not queried per event). It is then read again in a worker thread while the
    cached one keeps serving: the lookup is called on the event loop for every change, and a
    synchronous query there would stall every connector of the process (a latency spike every
    30 s). An unchanged document keeps its object, so the checks keep their compiled validator.
    A missing one is asked again, at once, after ``MISSING_CONTRACT_REFRESH_S``, so a contract
    registered after the worker started is found at once, and its connector's rows stop being
    quarantined as ``unknown_contract``.
    """

    def __init__(self, store: Store, default_mode: Mode) -> None:
        self.store = store
        self.default_mode = default_mode
        self._cache: dict[str, tuple[float, dict[str, Any] | None]] = {}
        self._refreshing: dict[str, asyncio.Task[None]] = {}

    def __call__(self, event_type: str) -> dict[str, Any] | None:
        cached = self._cache.get(event_type)
        now = time.monotonic()
        if cached is None or (cached[1] is None and now - cached[0] >= MISSING_CONTRACT_REFRESH_S):
            return self._read(event_type)
        found_at, found = cached
        if found is not None and now - found_at >= CONTRACT_REFRESH_S:
            self._refresh(event_type)
        return found

    def _read(self, event_type: str) -> dict[str, Any] | None:
        found = self._kept(event_type, self._query(event_type))
        self._cache[event_type] = (time.monotonic(), found)
        return found

    def _query(self, event_type: str) -> dict[str, Any] | None:
        with self.store.session() as session:
            return ContractRegistry(session, self.default_mode).document(event_type)

    def _kept(self, event_type: str, found: dict[str, Any] | None) -> dict[str, Any] | None:
        """The cached object when the document did not change (its validator stays compiled)."""
        cached = self._cache.get(event_type)
        return cached[1] if cached is not None and cached[1] == found else found

    def _refresh(self, event_type: str) -> None:
        """Read the document again off the loop (at once when no loop runs); one read at a time."""
        if event_type in self._refreshing:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._read(event_type)
            return
        self._refreshing[event_type] = loop.create_task(self._refreshed(event_type))

    async def _refreshed(self, event_type: str) -> None:
        try:
            found = await asyncio.to_thread(self._query, event_type)
        except Exception:  # the store is away: keep serving the cached document, ask again soon
            log.warning(
                "contract %s: refresh failed, the cached one still applies", event_type, exc_info=True
            )
            found_at, found = self._cache[event_type]
            self._cache[event_type] = (found_at + MISSING_CONTRACT_REFRESH_S, found)
        else:
            self._cache[event_type] = (time.monotonic(), self._kept(event_type, found))
        finally:
            del self._refreshing[event_type]


class RegisteredContracts(Contracts):
    """Contract checks over the hub's registry (the one source of truth, built-ins included)."""

    def __init__(self, store: Store, default_mode: Mode) -> None:
        super().__init__(RegistryLookup(store, default_mode))


__all__ = ["CONTRACT_REFRESH_S", "MISSING_CONTRACT_REFRESH_S", "RegisteredContracts", "RegistryLookup"]
