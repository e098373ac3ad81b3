"""Which offsets may be committed: per partition, everything below the oldest unresolved record.

A record is resolved when its event was delivered, dead-lettered, handed to the retry topic
(acknowledged by Kafka), or filtered out. Committing only the contiguous resolved prefix means a
crash at any moment replays, and so never loses, an unresolved event (at-least-once).
"""

from __future__ import annotations

from dataclasses import dataclass, field

TopicPartition = tuple[str, int]


@dataclass
class _Partition:
    open: dict[int, bool] = field(default_factory=dict)  # offset -> resolved, in read order
    next_commit: int | None = None
    committed: int | None = None

    def advance(self) -> None:
        while self.open:
            offset = next(iter(self.open))
            if not self.open[offset]:
                return
            del self.open[offset]
            self.next_commit = offset + 1


class OffsetTracker:
    def __init__(self) -> None:
        self._partitions: dict[TopicPartition, _Partition] = {}

    def track(self, tp: TopicPartition, offset: int) -> None:
        self._partitions.setdefault(tp, _Partition()).open[offset] = False

    def resolve(self, tp: TopicPartition, offset: int) -> None:
        part = self._partitions.get(tp)
        if part is None or offset not in part.open:
            return  # the partition was revoked meanwhile: its new owner replays it
        part.open[offset] = True
        part.advance()

    def pending(self) -> int:
        return sum(len(part.open) for part in self._partitions.values())

    def committable(self) -> dict[TopicPartition, int]:
        """Offsets to commit now (Kafka's "next offset to read"), only where they moved."""
        return {
            tp: part.next_commit
            for tp, part in self._partitions.items()
            if part.next_commit is not None and part.next_commit != part.committed
        }

    def committed(self, offsets: dict[TopicPartition, int]) -> None:
        for tp, offset in offsets.items():
            if tp in self._partitions:
                self._partitions[tp].committed = offset

    def covers(self, tp: TopicPartition, offset: int) -> bool:
        """Whether ``offset`` is below the last offset committed on ``tp`` by this process."""
        part = self._partitions.get(tp)
        return part is not None and part.committed is not None and offset < part.committed

    def forget(self, tps: list[TopicPartition]) -> None:
        for tp in tps:
            self._partitions.pop(tp, None)


__all__ = ["OffsetTracker", "TopicPartition"]
