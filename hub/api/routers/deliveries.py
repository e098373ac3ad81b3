"""Deliveries: the delivery log, replay by time, and a subscription's dead letters.

- ``GET /v1/deliveries?subscription=&event_id=&status=`` every push attempt, newest first;
  ``status`` is an outcome (delivered, retrying, dead_lettered, parked, disabled, duplicate) or an
  HTTP code; each with the request's headers (secrets redacted) and the answer's body (2 KiB);
  ``GET /v1/deliveries/{id}`` one of them.
- ``POST /v1/subscriptions/{id}/replay`` a time window ``from``..``to`` (``to`` excluded, default
  the time the hub takes the request): one running hub process copies what the window's feeds
  held and the subscription wants to its retry topic, and the sink delivers it again while live
  delivery goes on (``hub.delivery.control.replay``); follow it with
  ``GET /v1/subscriptions/{id}/replays/{request_id}`` (state, total, scanned, queued).
- ``GET /v1/subscriptions/{id}/dead-letters`` what could not be delivered, with the reason;
  ``POST .../dead-letters/redeliver`` sends back all, or those named by entry or event id.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field

from hub.api.auth import AuditorDep, PrincipalDep
from hub.api.bodies import RequestBody
from hub.api.dependencies import SettingsDep, StoreDep
from hub.delivery.control import dead_letter
from hub.delivery.control.dead_letter import DeadLetterEntry
from hub.services.deliveries import OUTCOMES, AttemptQuery, DeliveryService, Outcome, Replay
from hub.services.resources import check_delivery_query, check_subscription
from hub.subscriptions.model import SLUG
from schemas.errors import InvalidInput

router = APIRouter(tags=["deliveries"])

SubscriptionId = Annotated[str, Path(pattern=SLUG.pattern, description="e.g. hanoi-civil-status")]
MAX_ID = 2**62  # larger ids would overflow the store's integer (a 500 instead of a 422)
ReplayId = Annotated[int, Path(ge=1, le=MAX_ID)]


class AttemptRecord(BaseModel):
    """One push attempt of one event to one subscription, and where the event came from."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    subscription_id: str
    event_id: str
    record_key: str | None
    topic: str
    partition: int
    offset: int
    attempt: int
    stage: int
    scheduled_at: datetime | None
    started_at: datetime
    status_code: int | None
    latency_ms: float | None
    outcome: str
    error_code: str | None
    error: str | None
    request_headers: dict[str, str] | None = Field(
        default=None,
        description="the headers the hub sent, secret values as [redacted]; none if nothing was sent",
    )
    response_content_type: str | None = Field(default=None, description="the answer's content-type")
    response_body: str | None = Field(default=None, description="the answer's body, its first 2 KiB")
    response_truncated: bool = Field(
        default=False, description="the answer's body was longer than what is kept"
    )


class AttemptPage(BaseModel):
    items: list[AttemptRecord]
    next_before_id: int | None = Field(description="pass as before_id for the next (older) page")


class ReplayBody(RequestBody):
    from_time: datetime = Field(alias="from", description="ISO 8601 with a time zone")
    to_time: datetime | None = Field(
        default=None,
        alias="to",
        description="end of the window (excluded), ISO 8601 with a time zone; none = when the hub takes it",
    )


class EmptyReplayWindow(InvalidInput):
    """A replay whose ``to`` is not after its ``from``."""

    code = "empty_replay_window"


class DeadLetterPage(BaseModel):
    items: list[DeadLetterEntry]


class RedeliverBody(RequestBody):
    ids: list[str] | None = Field(
        default=None, max_length=10_000, description="entry ids (partition:offset) or event ids; none = all"
    )


class Redelivered(BaseModel):
    redelivered: list[DeadLetterEntry]


def _status_filter(value: str | None) -> tuple[Outcome | None, int | None]:
    """(outcome, HTTP status) from the one ``status`` parameter."""
    if value is None:
        return None, None
    if value.isdigit() and len(value) <= 3:  # an HTTP status; longer would overflow the store's integer
        return None, int(value)
    for outcome in OUTCOMES:
        if value == outcome:
            return outcome, None
    raise InvalidInput(f"status must be an HTTP code or one of {', '.join(OUTCOMES)}")


@router.get("/deliveries")
def list_deliveries(
    store: StoreDep,
    subscription: Annotated[str | None, Query(max_length=63)] = None,
    event_id: Annotated[str | None, Query(max_length=200)] = None,
    status: Annotated[str | None, Query(max_length=20, description="outcome or HTTP status code")] = None,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    *,
    principal: PrincipalDep,
) -> AttemptPage:
    check_delivery_query(store, principal, subscription)
    outcome, status_code = _status_filter(status)
    query = AttemptQuery(subscription, event_id, outcome, status_code, before_id, limit)
    items = [AttemptRecord.model_validate(row) for row in DeliveryService(store).attempts(query)]
    following = items[-1].id if len(items) == limit else None
    return AttemptPage(items=items, next_before_id=following)


@router.get("/deliveries/{attempt_id}")
def show_delivery(
    attempt_id: Annotated[int, Path(ge=1, le=MAX_ID)], store: StoreDep, principal: PrincipalDep
) -> AttemptRecord:
    """One attempt with what was sent (headers) and answered (body), for its subscription's readers."""
    found = AttemptRecord.model_validate(DeliveryService(store).attempt(attempt_id))
    check_delivery_query(store, principal, found.subscription_id)
    return found


@router.post("/subscriptions/{subscription_id}/replay", status_code=status.HTTP_202_ACCEPTED)
def request_replay(
    subscription_id: SubscriptionId, body: ReplayBody, store: StoreDep, principal: PrincipalDep
) -> Replay:
    for name, at in (("from", body.from_time), ("to", body.to_time)):
        if at is not None and at.tzinfo is None:
            raise InvalidInput(f"'{name}' needs a time zone (e.g. 2025-07-01T00:00:00+07:00)")
    if body.to_time is not None and body.to_time <= body.from_time:
        raise EmptyReplayWindow("'to' must be after 'from'", details={"from": str(body.from_time)})
    check_subscription(store, principal, "replay", subscription_id, kind="delivery")
    return DeliveryService(store).request_replay(principal, subscription_id, body.from_time, body.to_time)


@router.get("/subscriptions/{subscription_id}/replays/{request_id}")
def get_replay(
    subscription_id: SubscriptionId, request_id: ReplayId, store: StoreDep, principal: PrincipalDep
) -> Replay:
    check_subscription(store, principal, "read", subscription_id, kind="delivery")
    return DeliveryService(store).replay(subscription_id, request_id)


@router.get("/subscriptions/{subscription_id}/dead-letters")
async def list_dead_letters(
    subscription_id: SubscriptionId, store: StoreDep, settings: SettingsDep, principal: PrincipalDep
) -> DeadLetterPage:
    await asyncio.to_thread(check_subscription, store, principal, "read", subscription_id, "delivery")
    items = await dead_letter.list_dead_letters(settings.kafka_address(), subscription_id)
    return DeadLetterPage(items=items)


@router.post("/subscriptions/{subscription_id}/dead-letters/redeliver")
async def redeliver(
    subscription_id: SubscriptionId,
    store: StoreDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    auditor: AuditorDep,
    body: RedeliverBody | None = None,
) -> Redelivered:
    await asyncio.to_thread(check_subscription, store, principal, "replay", subscription_id, "delivery")
    select = None if body is None or body.ids is None else set(body.ids)
    done = await dead_letter.redeliver(settings.kafka_address(), subscription_id, select=select)
    entry = {"redelivered": [item.id for item in done]}
    await asyncio.to_thread(
        auditor.record, "subscription.redeliver", "subscription", subscription_id, after=entry
    )
    return Redelivered(redelivered=done)
