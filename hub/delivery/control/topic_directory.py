"""Which topics exist, asked once per process instead of once per sink.

A sink reads the topics its feeds name (a pattern, e.g. ``vn.gov.land.*``) and its own retry
topic. Subscribing each sink's consumer by pattern made every consumer fetch and decode the
metadata of every topic in the cluster every ``bus.consumer.METADATA_MAX_AGE_MS``: with 100
subscriptions idle, three quarters of ``hub run``'s CPU went to decoding those answers, and each
consumer kept its own copy of the whole cluster's metadata. Now the process lists the topics
once per ``refresh_s`` here, each sink subscribes to the topics its pattern matches by name
(``KafkaConsumer.subscribe_topics``), and follows the list: a feed topic created later is read
within ``refresh_s``, as with a pattern.
"""

from __future__ import annotations

import asyncio
import re
import time

from bus.admin import KafkaAdmin

REFRESH_S = 10.0


class TopicDirectory:
    def __init__(self, bootstrap: str, refresh_s: float = REFRESH_S) -> None:
        self.bootstrap = bootstrap
        self.refresh_s = refresh_s
        self._names: frozenset[str] | None = None
        self._read_at = 0.0
        self._lock = asyncio.Lock()
        self._matched: dict[str, frozenset[str]] = {}  # per pattern, for the names read last

    async def names(self) -> frozenset[str]:
        """The cluster's topics, at most ``refresh_s`` old (one request for every caller)."""
        async with self._lock:
            if self._names is None or time.monotonic() - self._read_at >= self.refresh_s:
                names = frozenset(await KafkaAdmin(self.bootstrap).topic_names())
                if names != self._names:
                    self._matched.clear()
                self._names, self._read_at = names, time.monotonic()
            return self._names

    async def matching(self, pattern: str) -> frozenset[str]:
        """The topics ``pattern`` matches; sinks on the same pattern share one scan of the list."""
        names = await self.names()
        found = self._matched.get(pattern)
        if found is None:
            regex = re.compile(pattern)
            found = self._matched[pattern] = frozenset(name for name in names if regex.match(name))
        return found


__all__ = ["REFRESH_S", "TopicDirectory"]
