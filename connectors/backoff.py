"""The restart schedule of a failing task: exponential with jitter, capped, reset by success.

Delays double from ``initial_s`` up to ``max_s``; each is drawn between half and all of the
nominal value ("equal jitter"), so workers restarting after one shared outage (the database
restarted) do not hammer it in lock-step, while a delay never collapses to zero.
"""

from __future__ import annotations

import random


class Backoff:
    def __init__(self, initial_s: float, max_s: float) -> None:
        self.initial_s = initial_s
        self.max_s = max(max_s, initial_s)
        self.failures = 0

    def next_delay(self) -> float:
        nominal: float = min(self.max_s, self.initial_s * 2.0**self.failures)
        self.failures += 1
        return nominal / 2 + random.uniform(0, nominal / 2)

    def reset(self) -> None:
        self.failures = 0


__all__ = ["Backoff"]
