"""Keys with events in retry, so that later events of those keys are parked behind them.

With ``ordering: key`` an event whose key has an earlier event waiting in the retry topic must
not overtake it: the scheduler parks it (in memory, or durably behind it in the retry topic).
An entry is added when this process hands an event to the retry topic and when it reads one
from there; it is removed when that event is resolved (delivered or dead-lettered), or when the
key's partition moves to another process (``forget``), which reads its retries from then on.
"""

from __future__ import annotations

from collections.abc import Iterable

from hub.delivery.pipeline.job import Job

LaneKey = tuple[str, int, str]  # origin feed topic, its partition, record key


class RetryKeys:
    def __init__(self) -> None:
        self._events: dict[LaneKey, set[str]] = {}

    @staticmethod
    def lane(job: Job) -> LaneKey:
        return (job.origin.topic, job.origin.partition, job.key)

    def add(self, job: Job) -> None:
        self._events.setdefault(self.lane(job), set()).add(job.ident)

    def discard(self, job: Job) -> None:
        lane = self.lane(job)
        waiting = self._events.get(lane)
        if waiting is not None:
            waiting.discard(job.ident)
            if not waiting:
                del self._events[lane]

    def holds(self, job: Job) -> bool:
        return self.lane(job) in self._events

    def forget(self, partitions: Iterable[tuple[str, int]]) -> None:
        """Drop the keys of feed partitions this process no longer owns."""
        gone = set(partitions)
        for lane in [lane for lane in self._events if lane[:2] in gone]:
            del self._events[lane]

    def __len__(self) -> int:
        return len(self._events)


__all__ = ["LaneKey", "RetryKeys"]
