"""What a connector prepares before its first change, so the first publish costs what the next does.

The administrative-unit index (``schemas.admin_units``) is built on first use: reading the
shipped dataset and indexing every code and name of both eras takes 0.5-3 s of CPU on this
machine. Built lazily by the first change's ``resolve``, it ran on the event loop and held up
that change and every change committed behind it (measured: the first of 1,000 commits/s
published after 1.4-7 s, the rest queued behind it). ``warm_up`` builds it in a worker thread
while the publisher starts, before the task reports running; the event loop stays free for the
other connectors of the process meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib

from schemas.admin_units import AdminUnitResolver
from schemas.errors import UnknownAdminUnit

PROBE_CODE = "01"  # Hà Nội: a province code of both eras, in every boundaries version


async def warm_up(admin_units: AdminUnitResolver) -> None:
    """Build whatever ``admin_units`` builds on first use, off the event loop."""
    await asyncio.to_thread(_first_use, admin_units)


def _first_use(admin_units: AdminUnitResolver) -> None:
    with contextlib.suppress(UnknownAdminUnit):  # a resolver with a fixed table may not know it
        admin_units.resolve(PROBE_CODE)


__all__ = ["warm_up"]
