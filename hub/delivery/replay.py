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

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from hub.delivery import bus
from hub.delivery.feeds import topic_pattern
from schemas.errors import BusError, Conflict


class GroupBusy(Conflict):
    """The group still has members: a hub process is running the subscription."""

    code = "consumer_group_busy"
    retriable = True


async def reset_to_time(bootstrap: str, group: str, feeds: list[str], from_time: datetime) -> dict[str, int]:
    """Commit the group's offsets at ``from_time``; returns ``{"topic:partition": offset}``."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        tps = await bus.partitions(bootstrap, pattern=topic_pattern(feeds))
        if not tps:
            return {}
        await consumer.start()
        consumer.assign(tps)
        offsets = await _offsets_at(consumer, tps, int(from_time.timestamp() * 1000))
        await consumer.commit(offsets)
    except (KafkaError, AssertionError) as exc:
        if "member" in str(exc).lower() or "rebalance" in str(exc).lower():
            raise GroupBusy(f"consumer group {group} has active members; stop its sinks first") from exc
        raise BusError(f"cannot reset {group}: {exc}") from exc
    finally:
        await consumer.stop()
    return {f"{tp.topic}:{tp.partition}": offset for tp, offset in offsets.items()}


async def _offsets_at(
    consumer: AIOKafkaConsumer, tps: list[TopicPartition], at_ms: int
) -> dict[TopicPartition, int]:
    found = await consumer.offsets_for_times(dict.fromkeys(tps, at_ms))
    ends = await consumer.end_offsets(tps)
    return {tp: found[tp].offset if found.get(tp) is not None else ends[tp] for tp in tps}


__all__ = ["GroupBusy", "reset_to_time"]
