"""A token bucket per subscription, so ``rate_limit_per_s`` holds however many pushes are in flight."""

from __future__ import annotations

import asyncio
import time


class RateLimiter:
    def __init__(self, rate_per_s: float | None, *, burst: float | None = None) -> None:
        self.rate_per_s = rate_per_s
        self._capacity = burst or max(1.0, rate_per_s or 1.0)
        self._tokens = self._capacity
        self._at = time.monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        if self.rate_per_s is None:
            return
        async with self._lock:
            self._refill()
            if self._tokens < 1:
                await asyncio.sleep((1 - self._tokens) / self.rate_per_s)
                self._refill()
            self._tokens -= 1

    def _refill(self) -> None:
        now = time.monotonic()
        assert self.rate_per_s is not None
        self._tokens = min(self._capacity, self._tokens + (now - self._at) * self.rate_per_s)
        self._at = now


__all__ = ["RateLimiter"]
