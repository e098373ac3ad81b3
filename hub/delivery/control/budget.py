"""What all the sinks of one process may hold in memory together, and each sink's share of it.

A sink holds two things that grow with a backlog: records its consumer fetched ahead that it has
not read yet (``bus.fetch_limits``), and events it read and has not resolved (queued, in flight,
waiting for a retry; its intake stops reading at ``pending_events``). Both used to be set per
sink, so a process's memory grew with its number of subscriptions times the backlog (100
subscriptions behind on 20 topics: 2.6 GB). They are process-wide budgets now
(``HUB_DELIVERY_FETCH_BUDGET_BYTES``, ``HUB_DELIVERY_PENDING_BUDGET``), divided equally among
the lanes that run; the supervisor hands every lane its new share when their number changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.settings import DELIVERY_FETCH_BUDGET_BYTES, DELIVERY_PENDING_BUDGET, Settings

MOST_PENDING = 5000  # a lone sink's queue: more buys no throughput, only memory


@dataclass(frozen=True)
class Share:
    fetch_bytes: int
    pending_events: int


@dataclass(frozen=True)
class MemoryBudget:
    fetch_bytes: int = DELIVERY_FETCH_BUDGET_BYTES
    pending_events: int = DELIVERY_PENDING_BUDGET

    @classmethod
    def from_settings(cls, settings: Settings) -> MemoryBudget:
        return cls(settings.delivery_fetch_budget_bytes, settings.delivery_pending_budget)

    def share(self, lanes: int) -> Share:
        """Each of ``lanes`` lanes' part (a sink keeps room to fill its requests in flight:
        ``Sink.pending_cap``)."""
        n = max(lanes, 1)
        return Share(self.fetch_bytes // n, min(MOST_PENDING, self.pending_events // n))


__all__ = ["MOST_PENDING", "MemoryBudget", "Share"]
