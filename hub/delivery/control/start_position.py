"""Where a subscription's feed lane starts the first time: its ``start`` option, never before its grants.

A subscription whose group has never committed anything is pinned once, before its lane's
consumer joins: ``earliest`` at the partition's first retained event, ``now`` and ``backfill`` at
its end (a backfill job sends the state before that point, ADR 011), a time at the first event at
or after it. The grants are a floor, not a refusal: a start before ``not_before`` (when the
grants the subscription runs under were created) is moved up to it, so a subscriber never
receives events from before its grant existed. Once the group has committed, nothing is pinned
again: changing ``start`` later moves nothing (a replay does that), and a feed topic created
later is read from its first event, as by a running lane (pinning it to its end on a restart
would skip what was published while the hub was down).
"""

from __future__ import annotations

import logging
from datetime import datetime

from bus.admin import KafkaAdmin
from bus.errors import GroupBusy
from hub.delivery.pipeline.feeds import topic_pattern
from hub.subscriptions.model import StartAt

log = logging.getLogger(__name__)
NEVER_MS = 2**62  # "the first event at or after" a time no event has: the partition's end


def start_ms(start: StartAt, not_before: datetime | None) -> int:
    """The time to start from, in epoch milliseconds, with the grants' floor applied."""
    if start in ("now", "backfill"):
        return NEVER_MS
    at = 0 if start == "earliest" else int(start.timestamp() * 1000)  # type: ignore[union-attr]
    floor = int(not_before.timestamp() * 1000) if not_before is not None else 0
    return max(at, floor)


async def pin_start(
    bootstrap: str, group: str, feeds: list[str], start: StartAt, not_before: datetime | None
) -> dict[str, int]:
    """Commit a start for every partition when ``group`` never committed; ``{"topic:partition": offset}``."""
    admin = KafkaAdmin(bootstrap)
    tps = await admin.partitions(pattern=topic_pattern(feeds))
    committed = (await admin.committed([group], tps))[group] if tps else {}
    if committed or not tps:  # it has started before: a feed topic new since is read from its start
        return {}
    fresh = tps
    try:
        offsets = await admin.reset_to_time(group, fresh, start_ms(start, not_before))
    except GroupBusy:  # another process started the lane first, and pinned it
        log.info("group %s already has members; its start is theirs", group)
        return {}
    return {f"{tp.topic}:{tp.partition}": offset for tp, offset in offsets.items()}


__all__ = ["pin_start", "start_ms"]
