"""How much a consumer may fetch ahead, and how long an idle fetch waits: the consumer's memory
and idle cost, set by configuration.

aiokafka's consumer prefetches in the background: each partition it holds keeps the last chunk
it fetched (at most ``partition_max_bytes``, or one record batch if that is bigger) until the
application reads it, and one fetch brings at most ``max_bytes``. Its defaults (1 MiB per
partition, 50 MiB per fetch) let one ``hub run`` with a hundred sinks, each holding a hundred
partitions of a backlogged feed, grow to gigabytes. So what a consumer may buffer is at most
``partitions held x partition_max_bytes``; a sink's consumer gets a smaller per-partition size
from its share of the process's budget (``buffer_share``), recomputed at every assignment.

An idle consumer sends one fetch per ``max_wait_ms`` (the broker holds it until data comes or
that time passes): data that arrives is answered at once, so a longer wait costs no latency on
a live feed, only when partitions are resumed or sought (the next fetch leaves once the
in-flight one returns). A subscribed consumer whose application pauses partitions fetches with
a short wait until it resumes them (``bus.consumer.PAUSED_WAIT_MS``), so the resume after a
sink's retry catch-up does not wait for a long poll; the fetch gate's pauses (``fetch_gate``)
leave nothing in flight. So the wait is long by default: with 100 sinks of 121 partitions, the
fetches were half of an idle ``hub run``'s CPU at 2 s (py-spy, ADR 018).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

KIB = 1024
MIB = 1024 * KIB
MAX_WAIT_MS = 10_000
PARTITION_MAX_BYTES = 256 * KIB
MAX_BYTES = 8 * MIB
PARTITION_MIN_BYTES = 8 * KIB  # a share never goes below this per partition (one fetch = a few records)


@dataclass(frozen=True)
class FetchLimits:
    max_wait_ms: int = MAX_WAIT_MS
    partition_max_bytes: int = PARTITION_MAX_BYTES
    max_bytes: int = MAX_BYTES

    def __post_init__(self) -> None:
        if min(self.max_wait_ms, self.partition_max_bytes, self.max_bytes) < 1:
            raise ValueError(f"fetch limits must be positive: {self}")

    def options(self, buffer_bytes: int | None = None, *, idle_wait: bool = True) -> dict[str, Any]:
        """aiokafka's keyword arguments; ``buffer_bytes``: the consumer's own cap (see
        ``buffer_share``). ``idle_wait=False`` for consumers that seek or stop soon (readers, a
        group consumer pinning offsets): a seek and a stop wait for the fetch in flight, so
        theirs keep aiokafka's short default wait (``bus.consumer`` sets the long one when a
        consumer subscribes)."""
        total = max(
            PARTITION_MIN_BYTES, self.max_bytes if buffer_bytes is None else min(self.max_bytes, buffer_bytes)
        )
        options: dict[str, Any] = {
            "fetch_max_bytes": total,
            "max_partition_fetch_bytes": min(self.partition_max_bytes, total),
        }
        if idle_wait:
            options["fetch_max_wait_ms"] = self.max_wait_ms
        return options

    def buffer_share(self, buffer_bytes: int, partitions: int) -> int:
        """Per-partition fetch size that keeps ``partitions`` within ``buffer_bytes`` together
        (never under ``PARTITION_MIN_BYTES``, never over ``partition_max_bytes``)."""
        each = buffer_bytes // max(partitions, 1)
        return max(PARTITION_MIN_BYTES, min(self.partition_max_bytes, each))


__all__ = ["MAX_BYTES", "MAX_WAIT_MS", "PARTITION_MAX_BYTES", "PARTITION_MIN_BYTES", "FetchLimits"]
