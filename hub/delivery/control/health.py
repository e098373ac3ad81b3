"""A subscriber's health: how long it has been failing, and when that makes it unhealthy or disabled.

Only failures of whole scheduled attempts count (quick tries absorb blips). The clock starts at
the first failure after a success; any success stops it. Crossing ``unhealthy_after_s`` marks
the subscription unhealthy (still delivering, visible in its status); crossing
``disable_after_s`` disables it, with the reason, and its sink stops (undelivered events stay in
Kafka, uncommitted, for when it is enabled again).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from hub.subscriptions.model import SubscriptionState


@dataclass(frozen=True)
class Transition:
    state: SubscriptionState
    reason: str | None


class Health:
    def __init__(
        self, unhealthy_after_s: float, disable_after_s: float, clock: Callable[[], float] = time.time
    ) -> None:
        self.unhealthy_after_s = unhealthy_after_s
        self.disable_after_s = disable_after_s
        self._clock = clock
        self.failing_since: float | None = None
        self.state: SubscriptionState = "active"

    def delivered(self) -> Transition | None:
        self.failing_since = None
        if self.state == "active":
            return None
        self.state = "active"
        return Transition("active", None)

    def failed(self, error: str) -> Transition | None:
        now = self._clock()
        if self.failing_since is None:
            self.failing_since = now
        failing_s = now - self.failing_since
        if failing_s >= self.disable_after_s:
            wanted: SubscriptionState = "disabled"
        elif failing_s >= self.unhealthy_after_s:
            wanted = "unhealthy"
        else:
            return None
        if wanted == self.state:
            return None
        self.state = wanted
        return Transition(wanted, f"failing for {failing_s:.0f} s; last error: {error}"[:1000])


__all__ = ["Health", "Transition"]
