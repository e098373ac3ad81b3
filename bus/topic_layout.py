"""How many partitions and copies a topic the hub creates gets, and what happens to one that exists.

Defaults (``TopicLayout()``): ``FEED_PARTITIONS`` partitions, replicated on ``min(3, brokers)``
brokers with ``min.insync.replicas = min(2, replicas)``: with 3 copies and 2 in sync an
``acks=all`` write survives one broker lost and is refused rather than kept on a single copy.
Settings override each figure; a feed topic may have its own partition count (``per_topic``).

An existing topic is never re-laid silently (``partition_plan``):

- more partitions than configured: refused (``topic_partitions_below_existing``), since Kafka
  cannot take partitions away;
- fewer: grown only when growing is allowed, else left as it is (``PartitionPlan.LEAVE``, which
  the admin logs). A grown topic sends some keys to new partitions, so a key's events written
  before and after the grow can be delivered out of order while the old partition still has a
  backlog, and the key leaves the retry partition it was co-partitioned with. Leaving it is the
  default because a topic can exist with fewer partitions for good reasons (created by an older
  hub, by an operator, or auto-created by a development broker), and a publisher must not stop
  over it; pin its count per topic to say so and silence the log.

All of this is pure: ``bus.admin`` asks the cluster and applies the answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from bus.ports import FEED_PARTITIONS
from schemas.errors import TopicLayoutInvalid, TopicPartitionsBelowExisting

MAX_DEFAULT_REPLICATION = 3
MIN_IN_SYNC = 2


class PartitionPlan(Enum):
    KEEP = "keep"  # as configured
    GROW = "grow"  # fewer than configured, growing allowed
    LEAVE = "leave"  # fewer than configured, growing not allowed: left as it is


@dataclass(frozen=True)
class TopicLayout:
    partitions: int = FEED_PARTITIONS
    replication_factor: int | None = None  # None: min(3, brokers)
    min_insync_replicas: int | None = None  # None: min(2, replication factor)
    per_topic: Mapping[str, int] = field(default_factory=dict)  # topic -> partitions
    allow_grow: bool = False

    def __post_init__(self) -> None:
        counts = {"partitions": self.partitions}
        counts.update({f"partitions of {topic}": count for topic, count in self.per_topic.items()})
        bad = [f"{name} = {count}" for name, count in counts.items() if count < 1]
        if self.replication_factor is not None and self.replication_factor < 1:
            bad.append(f"replication factor = {self.replication_factor}")
        if self.min_insync_replicas is not None and self.min_insync_replicas < 1:
            bad.append(f"min.insync.replicas = {self.min_insync_replicas}")
        if bad:
            raise TopicLayoutInvalid(f"topic layout: each figure must be at least 1 ({', '.join(bad)})")

    def partitions_of(self, topic: str) -> int:
        return self.per_topic.get(topic, self.partitions)

    def replication(self, brokers: int) -> tuple[int, int]:
        """(replication factor, ``min.insync.replicas``) for a cluster of ``brokers``."""
        factor = self.replication_factor or max(1, min(MAX_DEFAULT_REPLICATION, brokers))
        if factor > brokers:
            raise TopicLayoutInvalid(
                f"replication factor {factor} needs {factor} brokers; the cluster has {brokers} "
                "(lower HUB_TOPIC_REPLICATION_FACTOR or add brokers)"
            )
        in_sync = self.min_insync_replicas or min(MIN_IN_SYNC, factor)
        if in_sync > factor:
            raise TopicLayoutInvalid(
                f"min.insync.replicas {in_sync} is above the replication factor {factor}: "
                "no write could ever be acknowledged"
            )
        return factor, in_sync

    def plan(self, topic: str, existing: int) -> PartitionPlan:
        """What to do with ``topic``, which exists with ``existing`` partitions (module docstring)."""
        wanted = self.partitions_of(topic)
        if existing == wanted:
            return PartitionPlan.KEEP
        if existing > wanted:
            raise TopicPartitionsBelowExisting(
                f"topic {topic} has {existing} partitions and {wanted} are configured: Kafka cannot "
                f"remove partitions; configure {existing} for it (HUB_TOPIC_PARTITIONS_PER_TOPIC) "
                "or publish a new topic version"
            )
        return PartitionPlan.GROW if self.allow_grow else PartitionPlan.LEAVE


__all__ = ["MAX_DEFAULT_REPLICATION", "MIN_IN_SYNC", "PartitionPlan", "TopicLayout"]
