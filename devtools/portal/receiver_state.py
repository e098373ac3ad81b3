"""The reference receiver's memory: what it was told to do, and what it got.

``Behaviour`` holds the failure mode set through ``POST /control`` and ends it after a duration
or a number of requests. ``Inbox`` de-duplicates by ``webhook-id`` (what the Standard Webhooks
spec asks receivers to do) and counts everything, so tests can assert "exactly once after
de-duplication" and "n attempts before success". Both are plain objects used from one event loop.
"""

from __future__ import annotations

import time
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Mode = Literal["ok", "fail", "slow", "429", "410", "400"]


class Control(BaseModel):
    """A failure mode, for ``for_s`` seconds or ``count`` requests (neither = until changed)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Mode = "ok"
    for_s: float | None = Field(default=None, gt=0)
    count: int | None = Field(default=None, ge=1)
    delay_s: float = Field(default=2.0, ge=0, le=600, description="how long 'slow' waits")
    retry_after_s: int | None = Field(default=None, ge=0, description="Retry-After sent with 429")


OK = Control()


@dataclass
class Behaviour:
    control: Control = field(default_factory=Control)
    until: float | None = None
    left: int | None = None

    def set(self, control: Control) -> None:
        self.control = control
        self.until = time.monotonic() + control.for_s if control.for_s else None
        self.left = control.count

    def next(self) -> Control:
        """The control for the request arriving now; uses up one of ``count``."""
        if self.until is not None and time.monotonic() >= self.until:
            self.set(OK)
        if self.left is not None:
            if self.left <= 0:
                self.set(OK)
            else:
                self.left -= 1
        return self.control


class Delivery(BaseModel):
    """One accepted push (first arrival of its webhook-id)."""

    webhook_id: str
    received_at: datetime
    traceparent: str | None
    events: list[Any]


@dataclass
class Inbox:
    """Accepted pushes in arrival order, at most ``max_records`` (oldest forgotten first)."""

    max_records: int = 100_000
    deliveries: OrderedDict[str, Delivery] = field(default_factory=OrderedDict)
    attempts: Counter[str] = field(default_factory=Counter)
    counts: Counter[str] = field(default_factory=Counter)

    def attempt(self, webhook_id: str, status: int) -> None:
        self.attempts[webhook_id] += 1
        self.counts[f"status_{status}"] += 1

    def accept(self, webhook_id: str, body: Any, traceparent: str | None) -> bool:
        """Record a push; False when this webhook-id was already accepted (a duplicate)."""
        if webhook_id in self.deliveries:
            self.counts["duplicates"] += 1
            return False
        events = body if isinstance(body, list) else [body]
        self.deliveries[webhook_id] = Delivery(
            webhook_id=webhook_id, received_at=datetime.now(UTC), traceparent=traceparent, events=events
        )
        self.counts["events"] += len(events)
        if len(self.deliveries) > self.max_records:
            self.deliveries.popitem(last=False)
        return True

    def stats(self) -> dict[str, Any]:
        return {
            "received": len(self.deliveries),
            "events": self.counts["events"],
            "duplicates": self.counts["duplicates"],
            "bad_signature": self.counts["bad_signature"],
            "by_status": {k.removeprefix("status_"): v for k, v in self.counts.items() if k[:7] == "status_"},
            "attempts": sum(self.attempts.values()),
        }
