"""Where committed source positions live, as the runtime sees it: ``PositionStore``.

The position of a connector is saved after Kafka acknowledged every change before it and
before the source itself is told (``Source.commit``), so the store is never ahead of Kafka: a
crash at any point replays from the saved position, it never skips.

Positions live in the control-plane SQL store (``hub.store.connectors`` implements this
protocol), next to the connector's configuration and its lease, rather than in a compacted
Kafka topic as Kafka Connect does. The reason is fencing: saving a position is one UPDATE that
also checks this worker still holds the connector's lease, so a worker that was presumed dead
(a long GC pause, a network partition) and whose connector another worker took over can never
move the position backwards or forwards behind the new owner's back; it gets ``LeaseLost`` and
stops. The status API reads the same row, and one database is one thing less to operate. The
cost, one small write, is amortised: a save covers every batch acknowledged since the last one,
at most one every 50 ms under load (``connectors.in_flight``).
"""

from __future__ import annotations

from typing import Protocol

from schemas.errors import Conflict


class LeaseLost(Conflict):
    """Another worker owns the connector now: this one must stop running it, without committing."""

    code = "lease_lost"


class PositionStore(Protocol):
    async def load(self, connector: str) -> str | None:
        """The last saved position, or ``None`` when the connector never committed one."""
        ...

    async def save(self, connector: str, position: str) -> None:
        """Save after Kafka acknowledged; raises ``LeaseLost`` when this worker is no longer the owner."""
        ...


class MemoryPositions:
    """Positions in a dict: for a single process that needs no durability (tests, dry runs)."""

    def __init__(self) -> None:
        self.saved: dict[str, str] = {}

    async def load(self, connector: str) -> str | None:
        return self.saved.get(connector)

    async def save(self, connector: str, position: str) -> None:
        self.saved[connector] = position


__all__ = ["LeaseLost", "MemoryPositions", "PositionStore"]
