"""Key-sharded tasks (ADR 017 part 3): how a connector of ``tasks: N`` splits into N tasks.

Task ``i`` of ``N`` owns the source rows whose key hashes to ``i``; each task has its own name,
``<connector>#<i>``, under which its lease, position and status are kept, so several ``hub
connect`` processes run a connector's tasks side by side. A connector of one task keeps its
plain name: nothing of an existing deployment moves. How the rows are split is the kind's
business (``connectors.postgres.shard_filter``); this module owns only the naming.
"""

from __future__ import annotations

from dataclasses import dataclass

SEPARATOR = "#"  # connector names are slugs, so they never contain it
MAX_TASKS = 8


@dataclass(frozen=True)
class TaskShard:
    """Which share of the keys a task owns: ``index`` of ``count``."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if not 0 <= self.index < self.count <= MAX_TASKS:
            raise ValueError(f"task {self.index} of {self.count} is out of range")

    def task_name(self, connector: str) -> str:
        return f"{connector}{SEPARATOR}{self.index}"

    @property
    def label(self) -> str:
        """Part of names derived per task (slots, publications): ``<i>of<N>``."""
        return f"{self.index}of{self.count}"


def task_names(connector: str, count: int) -> list[str]:
    """The lease units of a connector: its own name for one task, ``<connector>#<i>`` for more."""
    if count <= 1:
        return [connector]
    return [TaskShard(index, count).task_name(connector) for index in range(count)]


def connector_of(task_name: str) -> str:
    return task_name.split(SEPARATOR, 1)[0]


def shard_of(task_name: str, count: int) -> TaskShard | None:
    """The shard a task name stands for under a config of ``count`` tasks (None: the whole)."""
    _, separator, index = task_name.partition(SEPARATOR)
    if not separator:
        return None
    return TaskShard(int(index), count)


__all__ = ["MAX_TASKS", "SEPARATOR", "TaskShard", "connector_of", "shard_of", "task_names"]
