"""The subscription: who receives which changes, where, and how hard the hub tries.

``SubscriptionSpec`` is what a subscriber writes (API body, ``sub.yaml``); ``Subscription`` is the
stored record the delivery engine reads (spec + operational state). Neither carries secret
material: signing secrets are only reachable through ``hub.store.subscriptions.signing_secrets``,
so no response model can leak one by accident.

Defaults follow the Standard Webhooks retry guidance: immediately, 5 s, 5 min, 30 min, 2 h, 5 h,
10 h, 10 h (about 28 hours in all).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from hub.subscriptions.secrets import check_secret

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
FEED_PATTERN = re.compile(r"^[A-Za-z0-9*][A-Za-z0-9._*-]{0,199}$")
DEFAULT_RETRY_SCHEDULE_S: tuple[float, ...] = (0.0, 5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0)


def _checked_secret(value: str) -> str:
    check_secret(value)
    return value


SigningSecret = Annotated[str, AfterValidator(_checked_secret)]
"""A ``whsec_`` secret, validated wherever one is accepted as input."""

PredicateOp = Literal["eq", "ne", "in", "exists", "prefix"]
DeliveryMode = Literal["single", "batch"]
Ordering = Literal["key", "parallel"]
SubscriptionState = Literal["active", "paused", "disabled", "unhealthy"]
StartAt = Literal["earliest", "now", "backfill"] | AwareDatetime
"""Where a new subscription's feed lane starts (see ``SubscriptionBase.start``)."""


class _Strict(BaseModel):
    """Unknown fields are refused: a typo in ``sub.yaml`` must not silently change nothing.
    ``NaN`` and infinities too: a retry delay of ``NaN`` cannot be scheduled."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Predicate(_Strict):
    """One test on the change payload; ``path`` is dotted from the payload, e.g. ``after.status``.

    A leading ``data.`` is accepted and ignored, so paths can be copied from a CloudEvent.
    ``exists`` takes ``value`` true (default) or false; ``in`` takes a list.
    """

    path: str = Field(
        min_length=1,
        max_length=200,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="dotted path in the change payload, e.g. after.status (a leading data. is ignored)",
    )
    op: PredicateOp = Field(
        default="eq",
        description="eq, ne, in (value is a list), exists (value true or false), prefix (value is text)",
    )
    value: Any = Field(default=None, description="what the payload's value is compared with")

    @model_validator(mode="after")
    def _value_fits_op(self) -> Predicate:
        if self.op == "in" and not isinstance(self.value, list):
            raise ValueError("'in' needs a list value")
        if self.op == "prefix" and not isinstance(self.value, str):
            raise ValueError("'prefix' needs a string value")
        if self.op == "exists" and not isinstance(self.value, bool | None):
            raise ValueError("'exists' takes true, false or nothing")
        return self


class SubscriptionFilter(_Strict):
    """Which events pass, beyond the feed: all conditions must hold (empty = no condition).

    ``admin_units`` are current or pre-merger codes; a province code means all its communes.
    """

    admin_units: list[str] = Field(
        default_factory=list,
        max_length=500,
        description="province or commune codes, current or pre-merger; empty = every unit the grants allow",
    )
    predicates: list[Predicate] = Field(
        default_factory=list, max_length=50, description="tests on the payload; all must hold"
    )


class DeliveryOptions(_Strict):
    """How events are pushed: one per request or in batches, ordered per record key or not."""

    mode: DeliveryMode = Field(
        default="single", description="single: one event per request; batch: a JSON array of events"
    )
    batch_max_events: int = Field(
        default=100, ge=1, le=10_000, description="batch mode: most events a request"
    )
    batch_max_wait_ms: int = Field(
        default=1000, ge=0, le=60_000, description="batch mode: longest wait for a batch to fill"
    )
    ordering: Ordering = Field(
        default="key",
        description="key: a record's events in commit order, a later one waits while an earlier one "
        "retries; parallel: no order, nothing waits",
    )
    max_in_flight: int = Field(default=8, ge=1, le=1000, description="concurrent requests")
    rate_limit_per_s: float | None = Field(
        default=None, gt=0, description="most requests a second, whatever is in flight; null = no limit"
    )
    timeout_s: float = Field(
        default=10.0, gt=0, le=120, description="longest wait for the endpoint's answer to one request"
    )


class RetryPolicy(_Strict):
    """The long retry schedule (one scheduled attempt per entry, delay from the previous failure)
    and the quick tries made inside each scheduled attempt before it counts as failed."""

    schedule_s: list[float] = Field(
        default_factory=lambda: list(DEFAULT_RETRY_SCHEDULE_S),
        min_length=1,
        max_length=50,
        description="seconds before each scheduled attempt, counted from the previous failure; after "
        "the last the event is dead-lettered (default 0, 5, 300, 1800, 7200, 18000, 36000, 36000)",
    )
    short_attempts: int = Field(
        default=3,
        ge=1,
        le=10,
        description="quick tries inside each scheduled attempt before it counts as failed",
    )

    @field_validator("schedule_s")
    @classmethod
    def _non_negative(cls, value: list[float]) -> list[float]:
        if any(delay < 0 for delay in value):
            raise ValueError("retry delays must be >= 0")
        return value


class SubscriptionBase(_Strict):
    """The declared fields shared by the spec a subscriber writes and the stored subscription."""

    id: str = Field(pattern=SLUG.pattern, description="slug, e.g. hanoi-civil-status")
    owner: str | None = Field(default=None, max_length=200, description="organisation id")
    endpoint_url: str = Field(
        min_length=1, max_length=2000, description="https URL the pushes go to (http only if allow-listed)"
    )
    feeds: list[str] = Field(
        min_length=1, max_length=100, description="event types or topics, * as wildcard: vn.gov.land.*"
    )
    filter: SubscriptionFilter = Field(
        default_factory=SubscriptionFilter, description="which events of the feeds pass"
    )
    delivery: DeliveryOptions = Field(default_factory=DeliveryOptions, description="how events are pushed")
    retry: RetryPolicy = Field(default_factory=RetryPolicy, description="how failed pushes are tried again")
    unhealthy_after_s: float = Field(default=900, gt=0, description="failing this long = unhealthy")
    disable_after_s: float = Field(default=5 * 86400, gt=0, description="failing this long = disabled")
    start: StartAt = Field(
        default="earliest",
        description="where delivery starts the first time: earliest (every event the feeds still "
        "hold), now (only changes from now on), a time with its zone (changes from then), or "
        "backfill (the latest state of every record in scope, then live: ADR 011). Never before "
        "the grants the subscription runs under were created: an earlier start is moved up to them.",
    )

    @field_validator("feeds")
    @classmethod
    def _feed_patterns(cls, value: list[str]) -> list[str]:
        bad = [feed for feed in value if not FEED_PATTERN.match(feed)]
        if bad:
            raise ValueError(f"feeds must be event types or topic names, '*' as wildcard: {bad}")
        return value


class SubscriptionSpec(SubscriptionBase):
    """What a subscriber declares; the body of POST/PUT and the content of ``sub.yaml``.

    ``secret`` is optional input only: when absent the hub generates one and shows it once.
    """

    secret: SigningSecret | None = Field(
        default=None,
        exclude=True,
        repr=False,
        description="whsec_ signing secret of your choice, e.g. ${TQ_SIGNING_SECRET}; unset = the hub "
        "makes one and shows it once",
    )


class Subscription(SubscriptionBase):
    """The stored subscription as the API returns it and the delivery engine runs it.

    ``generation`` grows on every change of the spec or state, so a runner can tell it must reload.
    """

    state: SubscriptionState = "active"
    status_reason: str | None = None
    generation: int = 1
    created_at: datetime
    updated_at: datetime
    secret_previous_expires_at: datetime | None = Field(
        default=None, description="end of the rotation overlap, while the previous secret still signs"
    )

    def spec(self) -> SubscriptionSpec:
        """The declaration alone (no state, no secret), e.g. to write back as ``sub.yaml``."""
        return SubscriptionSpec.model_validate(
            {name: getattr(self, name) for name in SubscriptionBase.model_fields}
        )


__all__ = [
    "DEFAULT_RETRY_SCHEDULE_S",
    "DeliveryOptions",
    "Predicate",
    "RetryPolicy",
    "SigningSecret",
    "StartAt",
    "Subscription",
    "SubscriptionBase",
    "SubscriptionFilter",
    "SubscriptionSpec",
    "SubscriptionState",
]
