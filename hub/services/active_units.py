"""The active administrative-units version inside a running process, swapped when another is loaded.

``hub run`` routes and ``hub connect`` stamps events with an ``ActiveUnits``: it answers as the
chain of the active version (``VersionedUnits``) and ``follow`` polls the store (one indexed
SELECT per poll) and swaps the chain in place when ``hub units load`` activated another one.
A swap is one attribute assignment, so a routing decision in progress finishes on the version it
started with; every later one uses the new version. A failed poll is logged and retried: the
process keeps routing by the version it has.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import SQLAlchemyError

from hub.services.units import UnitsService
from schemas.admin_units import Resolution, VersionedUnits
from schemas.errors import HubError

log = logging.getLogger("hub.units")
POLL_S = 5.0
Part = Callable[[asyncio.Event], Awaitable[None]]  # a process part, as ``hub.processes.signals`` runs it


class ActiveUnits:
    """Routing's ``AdminUnitIndex`` and the publisher's ``AdminUnitResolver`` over the active version."""

    def __init__(self, units: VersionedUnits) -> None:
        self.units = units

    @property
    def version(self) -> str:
        return self.units.version

    def contains(self, filter_code: str, unit_code: str) -> bool:
        return self.units.contains(filter_code, unit_code)

    def resolve(self, code_or_name: str) -> Resolution:
        return self.units.resolve(code_or_name)

    def split_candidates(self, code: str) -> tuple[str, ...]:
        return self.units.split_candidates(code)

    def current_code(self, code: str) -> str:
        return self.units.current_code(code)


def active_units(service: UnitsService) -> ActiveUnits:
    return ActiveUnits(service.chain())


def refresh(service: UnitsService, active: ActiveUnits) -> bool:
    """Swap in the active version when it changed; whether it did."""
    version = service.active_version()
    if version == active.version:
        return False
    previous = active.version
    active.units = service.chain(version)
    log.info("administrative units: now routing by version %s (was %s)", version, previous)
    return True


async def follow(
    service: UnitsService, active: ActiveUnits, stop: asyncio.Event, *, poll_s: float = POLL_S
) -> None:
    """Poll until ``stop`` is set."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), poll_s)
        if stop.is_set():
            return
        try:
            await asyncio.to_thread(refresh, service, active)
        except (HubError, SQLAlchemyError) as exc:
            log.warning(
                "administrative units: could not read the active version (%s); keeping %s",
                exc,
                active.version,
            )


def following(run: Part, service: UnitsService, active: ActiveUnits, *, poll_s: float = POLL_S) -> Part:
    """``run`` with ``follow`` beside it, both stopped by the same event."""

    async def both(stop: asyncio.Event) -> None:
        await asyncio.gather(run(stop), follow(service, active, stop, poll_s=poll_s))

    return both


__all__ = ["POLL_S", "ActiveUnits", "active_units", "follow", "following", "refresh"]
