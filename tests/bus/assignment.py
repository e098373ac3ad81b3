"""A rebalance listener for tests that must wait until their consumer holds its partitions."""

from __future__ import annotations

import asyncio

from bus.records import TopicPartition


class AssignedListener:
    """Sets ``event`` at the first assignment; a revocation needs nothing from these tests."""

    def __init__(self) -> None:
        self.event = asyncio.Event()

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        pass

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        self.event.set()


__all__ = ["AssignedListener"]
