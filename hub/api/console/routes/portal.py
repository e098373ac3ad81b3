"""The portal view: a subscriber's subscriptions, their health, attempts, dead letters and actions.

Every page and action calls the API's own handler for the same thing (``hub.api.routers``), with
the same principal: the same checks of ownership and grants, the same audit records, the same
errors. The console adds only the page around the answer. A route's dependency asks the
route-level question (kind, action) exactly as ``hub.api.auth`` asks it of the matching API route.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from hub.api.console.catalogue import messages
from hub.api.console.pages import ConsoleRoute, redirect, render
from hub.api.console.viewer import Viewer, checked_form, signed_in
from hub.api.dependencies import get_settings, get_store
from hub.api.routers import access as access_api
from hub.api.routers import deliveries as deliveries_api
from hub.api.routers import status as status_api
from hub.api.routers import subscriptions as subscriptions_api
from hub.api.routers.deliveries import AttemptRecord
from hub.services.audit import Auditor
from hub.subscriptions.model import SLUG, Subscription
from schemas.errors import InvalidInput, NotFound

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)

SubscriptionId = Annotated[str, Path(pattern=SLUG.pattern)]
PositiveId = Annotated[int, Path(ge=1, le=deliveries_api.MAX_ID)]
Form = Annotated[FormData, Depends(checked_form)]
ReadsDeliveries = Annotated[Viewer, Depends(signed_in("delivery", "read"))]
Replays = Annotated[Viewer, Depends(signed_in("delivery", "replay"))]
WritesSubscriptions = Annotated[Viewer, Depends(signed_in("subscription", "write"))]
REPLAY_WINDOWS_S = frozenset({3600, 6 * 3600, 24 * 3600})
PAGE_SIZE = 50


def _subscription(request: Request, viewer: Viewer, subscription_id: str) -> Subscription:
    store, settings = get_store(request), get_settings(request)
    service = subscriptions_api.get_service(store, subscriptions_api.get_checks(settings, store))
    return subscriptions_api.get_subscription(subscription_id, service, viewer.principal)


@router.get("/subscriptions")
async def subscriptions(request: Request, viewer: ReadsDeliveries) -> Response:
    overview = await status_api.status(get_store(request), get_settings(request), viewer.principal)
    return render(request, "subscriptions.html", viewer, overview=overview)


@router.get("/subscriptions/{subscription_id}")
async def subscription(
    request: Request,
    subscription_id: SubscriptionId,
    viewer: Annotated[Viewer, Depends(signed_in("subscription", "read"))],
) -> Response:
    sub = await asyncio.to_thread(_subscription, request, viewer, subscription_id)
    return render(request, "subscription.html", viewer, sub=sub, probe=None)


@router.get("/subscriptions/{subscription_id}/attempts")
async def attempts(
    request: Request,
    subscription_id: SubscriptionId,
    viewer: ReadsDeliveries,
    status: Annotated[str, Query(max_length=20)] = "",
    before_id: Annotated[int | None, Query(ge=1, le=deliveries_api.MAX_ID)] = None,
) -> Response:
    page = await asyncio.to_thread(
        deliveries_api.list_deliveries, get_store(request), subscription_id, None, status or None, before_id,
        PAGE_SIZE, principal=viewer.principal,
    )  # fmt: skip
    t = messages(viewer.session.lang)
    choices = [("", t.status_all), ("delivered", t.status_delivered), ("retrying", t.status_retrying),
               ("dead_lettered", t.status_dead_lettered)]  # fmt: skip
    return render(
        request, "attempts.html", viewer, sub_id=subscription_id, items=page.items,
        next_before_id=page.next_before_id, status=status, status_choices=choices,
    )  # fmt: skip


@router.get("/subscriptions/{subscription_id}/attempts/{attempt_id}")
async def attempt(
    request: Request, subscription_id: SubscriptionId, attempt_id: PositiveId, viewer: ReadsDeliveries
) -> Response:
    page = await asyncio.to_thread(
        deliveries_api.list_deliveries, get_store(request), subscription_id, None, None, attempt_id + 1, 1,
        principal=viewer.principal,
    )  # fmt: skip
    found = next((item for item in page.items if item.id == attempt_id), None)
    if found is None:
        raise NotFound(f"no attempt {attempt_id} of {subscription_id}")
    return render(request, "attempt.html", viewer, a=found, request_headers=request_headers(found))


def request_headers(found: AttemptRecord) -> list[tuple[str, str]]:
    """The headers the attempt was sent with, as the sender recorded them (secrets redacted),
    in name order; none for an attempt that sent nothing (parked, a duplicate)."""
    return sorted((found.request_headers or {}).items())


@router.get("/subscriptions/{subscription_id}/dead-letters")
async def dead_letters(
    request: Request, subscription_id: SubscriptionId, viewer: ReadsDeliveries
) -> Response:
    page = await deliveries_api.list_dead_letters(
        subscription_id, get_store(request), get_settings(request), viewer.principal
    )
    return render(
        request, "dead_letters.html", viewer, sub_id=subscription_id, items=page.items, redelivered=None
    )


@router.post("/subscriptions/{subscription_id}/dead-letters/redeliver")
async def redeliver(
    request: Request, subscription_id: SubscriptionId, viewer: Replays, form: Form
) -> Response:
    chosen = [str(value) for value in form.getlist("ids")]
    if not chosen and form.get("all") != "1":
        raise InvalidInput("choose the dead letters to redeliver, or redeliver all")
    body = deliveries_api.RedeliverBody(ids=None if form.get("all") == "1" else chosen)
    store, settings = get_store(request), get_settings(request)
    auditor = Auditor(store, viewer.principal)
    done = await deliveries_api.redeliver(subscription_id, store, settings, viewer.principal, auditor, body)
    page = await deliveries_api.list_dead_letters(subscription_id, store, settings, viewer.principal)
    return render(
        request, "dead_letters.html", viewer, sub_id=subscription_id, items=page.items,
        redelivered=done.redelivered,
    )  # fmt: skip


@router.post("/subscriptions/{subscription_id}/replay")
async def replay(request: Request, subscription_id: SubscriptionId, viewer: Replays, form: Form) -> Response:
    try:
        window_s = int(str(form.get("window_s")))
    except ValueError:
        window_s = 0
    if window_s not in REPLAY_WINDOWS_S:
        raise InvalidInput(f"the replay window must be one of {sorted(REPLAY_WINDOWS_S)} seconds")
    body = deliveries_api.ReplayBody.model_validate({"from": datetime.now(UTC) - timedelta(seconds=window_s)})
    made = await asyncio.to_thread(
        deliveries_api.request_replay, subscription_id, body, get_store(request), viewer.principal
    )
    return redirect(request, f"/console/subscriptions/{subscription_id}/replays/{made.id}")


@router.get("/subscriptions/{subscription_id}/replays/{request_id}")
async def replay_page(
    request: Request, subscription_id: SubscriptionId, request_id: PositiveId, viewer: ReadsDeliveries
) -> Response:
    found = await asyncio.to_thread(
        deliveries_api.get_replay, subscription_id, request_id, get_store(request), viewer.principal
    )
    return render(request, "replay.html", viewer, sub_id=subscription_id, replay=found)


@router.get("/subscriptions/{subscription_id}/replays/{request_id}/progress")
async def replay_progress(
    request: Request, subscription_id: SubscriptionId, request_id: PositiveId, viewer: ReadsDeliveries
) -> Response:
    """The progress fragment the replay page polls (``static/console.js``)."""
    found = await asyncio.to_thread(
        deliveries_api.get_replay, subscription_id, request_id, get_store(request), viewer.principal
    )
    return render(request, "replay_progress.html", viewer, replay=found)


@router.post("/subscriptions/{subscription_id}/pause")
async def pause(
    request: Request, subscription_id: SubscriptionId, viewer: WritesSubscriptions, form: Form
) -> Response:
    await asyncio.to_thread(_set_paused, request, viewer, subscription_id, True)
    return redirect(request, f"/console/subscriptions/{subscription_id}")


@router.post("/subscriptions/{subscription_id}/resume")
async def resume(
    request: Request, subscription_id: SubscriptionId, viewer: WritesSubscriptions, form: Form
) -> Response:
    await asyncio.to_thread(_set_paused, request, viewer, subscription_id, False)
    return redirect(request, f"/console/subscriptions/{subscription_id}")


def _set_paused(request: Request, viewer: Viewer, subscription_id: str, paused: bool) -> Subscription:
    store, settings = get_store(request), get_settings(request)
    service = subscriptions_api.get_service(store, subscriptions_api.get_checks(settings, store))
    handler = subscriptions_api.pause_subscription if paused else subscriptions_api.resume_subscription
    return handler(subscription_id, service, viewer.principal, Auditor(store, viewer.principal))


@router.post("/subscriptions/{subscription_id}/test-event")
async def test_event(
    request: Request, subscription_id: SubscriptionId, viewer: WritesSubscriptions, form: Form
) -> Response:
    store = get_store(request)
    auditor = Auditor(store, viewer.principal)
    probe = await subscriptions_api.test_event(
        subscription_id, store, get_settings(request), viewer.principal, auditor
    )
    sub = await asyncio.to_thread(_subscription, request, viewer, subscription_id)
    return render(request, "subscription.html", viewer, sub=sub, probe=probe)


@router.post("/subscriptions/{subscription_id}/rotate-secret")
async def rotate_secret(
    request: Request,
    subscription_id: SubscriptionId,
    viewer: WritesSubscriptions,
    form: Form,
) -> Response:
    store, settings = get_store(request), get_settings(request)
    service = subscriptions_api.get_service(store, subscriptions_api.get_checks(settings, store))
    auditor = Auditor(store, viewer.principal)
    body = subscriptions_api.RotateSecretBody()
    rotated = await asyncio.to_thread(
        subscriptions_api.rotate_secret, subscription_id, body, service, viewer.principal, auditor
    )
    return render(request, "secret.html", viewer, sub_id=subscription_id, rotated=rotated)


@router.get("/grants")
async def grants(
    request: Request, viewer: Annotated[Viewer, Depends(signed_in("grant", "read"))]
) -> Response:
    held = await asyncio.to_thread(access_api.list_grants, get_store(request), viewer.principal)
    return render(request, "grants.html", viewer, grants=held)
