"""Replay: move a subscription's feed consumer group back (or forward) to a point in time.

The reset is an offset commit for the group, per partition of every feed topic the subscription
reads: the first offset whose timestamp is at or after the time (``offsets_for_times``), or the
end of the partition when nothing is that recent. Kafka accepts such a commit only while the
group has no members, so the hub stops the subscription's sink in every process first (the
supervisor does this for a pending replay request), then resets, then starts it again.
Events already delivered are delivered again, with the same ``webhook-id``.
"""

from __future__ import annotations

from datetime import datetime

from bus.admin import KafkaAdmin
from bus.errors import GroupBusy
from hub.delivery.pipeline.feeds import topic_pattern


async def reset_to_time(bootstrap: str, group: str, feeds: list[str], from_time: datetime) -> dict[str, int]:
    """Commit the group's offsets at ``from_time``; returns ``{"topic:partition": offset}``."""
    admin = KafkaAdmin(bootstrap)
    tps = await admin.partitions(pattern=topic_pattern(feeds))
    if not tps:
        return {}
    offsets = await admin.reset_to_time(group, tps, int(from_time.timestamp() * 1000))
    return {f"{tp.topic}:{tp.partition}": offset for tp, offset in offsets.items()}


__all__ = ["GroupBusy", "reset_to_time"]
