"""What a consumer holds fetched and not read yet, kept under its cap by not fetching more.

Kafka answers a fetch with at least one whole record batch of the first partition that has data,
whatever the per-partition and per-fetch limits (KIP-74), and aiokafka keeps one fetched chunk
per partition until the application reads it, fetching every other partition meanwhile, round
after round. With record batches bigger than the limits (a publisher's ``send_many`` batches are
up to 1 MiB), a consumer therefore ends up holding one batch for each partition it is assigned,
whatever ``max_partition_fetch_bytes`` says: in the subscriptions bench, 121 partitions x about
680 KB per sink, 3-4.5 GB for a hundred sinks whose portals did not answer.

The gate closes the fetcher's tap instead: after every fetch response and every read, it pauses
each partition that holds nothing while what is held plus the biggest chunk fetched so far would
pass the cap (the fetcher sends no request for a paused partition), and resumes them once reads
bring it down. A consumer holding nothing may always fetch, so it holds at most its cap or one
record batch, whichever is bigger (plus, once, a batch bigger than any it saw before).

The application's own pauses (``KafkaConsumer.pause``) are kept apart from the gate's: what it
paused stays paused, and ``paused`` lists only those.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class FetchGate:
    """The tap of one started ``AIOKafkaConsumer`` (bus owns aiokafka's internals: the fetcher's
    buffered chunks and its fetch routine have no public face)."""

    def __init__(self, consumer: Any, cap_bytes: int, on_change: Callable[[], None] = lambda: None) -> None:
        self.cap_bytes = cap_bytes
        self._changed = on_change  # told when the gate closes or opens (the consumer fits its wait)
        self._consumer = consumer
        self._fetcher = consumer._fetcher
        self._held: set[Any] = set()  # partitions the gate paused (aiokafka TopicPartitions)
        self._held_in: Any = None  # the assignment they belong to (a rebalance makes a new one)
        self.largest_bytes = 0  # the biggest chunk fetched so far: what the next fetch may bring
        # ``check`` is called by the consumer after every fetch response and every read

    def buffered(self) -> dict[Any, int]:
        """Bytes of each chunk held, by partition (a chunk's whole buffer until it is read out)."""
        sizes: dict[Any, int] = {}
        for tp, chunk in self._fetcher._records.items():
            records = getattr(chunk, "_partition_records", None)  # None: an error, or read out
            if records is not None:
                sizes[tp] = records._records.size_in_bytes()
        return sizes

    def check(self) -> None:
        """Pause what holds nothing when one more response would pass the cap; else resume."""
        assignment = self._assignment()
        if assignment is None:
            return
        if assignment is not self._held_in:
            self._held, self._held_in = set(), assignment
        sizes = self.buffered()
        held = sum(sizes.values())
        self.largest_bytes = max(self.largest_bytes, *sizes.values(), 0)
        # the next response is expected to be like the biggest chunk seen so far: counting a whole
        # ``fetch_max_bytes`` instead closed the gate whenever anything was held, so a consumer of
        # small events had its other partitions paused and resumed after every fetch, each resume
        # waiting behind the long poll in flight (live events held for seconds)
        if held > 0 and held + self.largest_bytes > self.cap_bytes:
            self._close(assignment, sizes)
        elif self._held:
            self._open(assignment)

    def holds(self, tp: Any) -> bool:
        """Whether ``tp`` is paused by the gate (not by the application)."""
        return tp in self._held

    def release(self, tp: Any) -> None:
        """The application pauses ``tp`` itself: from now on it is the application's pause."""
        self._held.discard(tp)

    def _close(self, assignment: Any, sizes: dict[Any, int]) -> None:
        for tp in assignment.tps:
            state = assignment.state_value(tp)
            if tp not in sizes and not state.paused:
                state.pause()
                self._held.add(tp)
        self._changed()

    def _open(self, assignment: Any) -> None:
        for tp in self._held:
            if tp in assignment.tps:
                assignment.state_value(tp).resume()
        self._held.clear()
        self._changed()
        # the fetch routine may be waiting on futures that predate the pause: wake it now, as a
        # read does, so the resumed partitions are fetched without waiting for its timeout
        self._fetcher._notify(self._fetcher._wait_consume_future)

    @property
    def closed(self) -> bool:
        """Whether the gate holds partitions back now (their fetches wait: keep polls short)."""
        return bool(self._held)

    def _assignment(self) -> Any:
        subscription = self._consumer._subscription.subscription
        return None if subscription is None else subscription.assignment


__all__ = ["FetchGate"]
