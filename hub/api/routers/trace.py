"""Traces without a tracing backend: the path of one event, or of every event of one record.

- ``GET /v1/events/{event_id}/trace``: source position and commit time, the Kafka address,
  each interested subscription's filter decision, every push attempt (status, latency,
  outcome), dead-lettering and redelivery, as one ordered timeline (``hops``).
- ``GET /v1/records/{feed}/{key}/trace?limit=``: the same for each event of the record, in log
  order; ``feed`` is the event type (``vn.gov.civil-status.birth.v1``) or its topic.

Assembled from the store and read back from Kafka by ``hub.observability.trace_lookup``.
Operators see every subscription; a subscriber sees only the events that matched one of its own
subscriptions, narrowed to those: any other event, on a feed it shares with other provinces or
not, is ``event_not_found`` to it (``hub.observability.visibility.matched_only``).
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path, Query

from hub.access.policy import Resource, allows
from hub.access.principals import Principal
from hub.api.auth import PrincipalDep
from hub.api.dependencies import SettingsDep, StoreDep
from hub.api.problems import problem_responses
from hub.observability.trace_lookup import EventNotFound, TraceLookup
from hub.observability.trace_model import EventTrace, RecordTrace
from hub.observability.visibility import Visible, matched_only
from hub.services.units import UnitsService
from hub.settings import Settings
from hub.store.base import Store
from schemas import naming

router = APIRouter(tags=["trace"])

EventId = Annotated[str, Path(min_length=1, max_length=200, description="the CloudEvent id")]
Feed = Annotated[
    str, Path(max_length=249, description="event type (vn.gov.<domain>.<entity>.vN) or feed topic")
]
RecordKey = Annotated[
    str, Path(min_length=1, max_length=500, description="the record key (CloudEvent subject)")
]


async def _lookup(store: Store, settings: Settings) -> TraceLookup:
    """Decisions are replayed by the active administrative-units version, as ``hub run`` routes."""
    return TraceLookup(store, settings, await asyncio.to_thread(UnitsService(store).chain))


def _visible_to(principal: Principal) -> Visible:
    def visible(subscription_id: str, owner: str | None) -> bool:
        return allows(principal, "read", Resource("delivery", id=subscription_id, owner=owner))

    return visible


def _sees_all(principal: Principal) -> bool:
    return allows(principal, "read", Resource("delivery", id="*"))


def feed_topic(feed: str) -> str:
    """The topic of a feed named either way (``invalid_name`` otherwise)."""
    if feed.startswith(naming.EVENT_TYPE_PREFIX):
        return naming.parse_event_type(feed).topic
    return naming.parse_feed_topic(feed).topic


@router.get("/events/{event_id}/trace", responses=problem_responses(404))
async def event_trace(
    event_id: EventId, store: StoreDep, settings: SettingsDep, principal: PrincipalDep
) -> EventTrace:
    found = await (await _lookup(store, settings)).event(event_id, _visible_to(principal))
    if _sees_all(principal):
        return found
    mine = matched_only(found)
    if mine is None:
        raise EventNotFound(f"no hub process has routed an event {event_id!r}")
    return mine


@router.get("/records/{feed}/{key:path}/trace", responses=problem_responses(404))
async def record_trace(
    feed: Feed,
    key: RecordKey,
    store: StoreDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=200, description="at most this many of the newest events")] = 20,
) -> RecordTrace:
    found = await (await _lookup(store, settings)).record(
        feed_topic(feed), key, limit, _visible_to(principal)
    )
    if _sees_all(principal):
        return found
    mine = [narrowed for event in found.events if (narrowed := matched_only(event)) is not None]
    return found.model_copy(update={"events": mine})
