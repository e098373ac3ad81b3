"""``/v1/subscriptions``: register, read, replace, delete subscriptions and rotate their secrets.

POST answers 201 with the subscription and its signing secret, the only time the secret is
shown (with a rotation's answer). PUT creates (201, with the secret) or replaces (200). Every
refusal (``unsafe_endpoint``, ``unresolvable_endpoint``, ``unknown_feed``, ``unknown_admin_unit``,
``invalid_input``, ``subscription_exists``) happens before anything is stored.

``.../pause`` and ``.../resume`` stop and restart its delivery (the position is kept);
``.../test-event`` pushes one signed test event to its endpoint now and answers how the endpoint
responded (``hub.delivery.control.probe``).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status
from pydantic import BaseModel, Field

from hub.access.policy import allows
from hub.access.principals import Principal
from hub.api.auth import AuditorDep, PrincipalDep
from hub.api.bodies import RequestBody
from hub.api.dependencies import SettingsDep, StoreDep
from hub.api.errors import IdMismatch
from hub.delivery.control.probe import ProbeResult, send_test_event
from hub.endpoint_safety import EndpointPolicy
from hub.services.audit import Auditor
from hub.services.resources import check_subscription, check_subscription_write, subscription_resource
from hub.services.subscriptions import Checks, Issued, SubscriptionService, registered_feed_names
from hub.subscriptions.model import SLUG, SigningSecret, Subscription, SubscriptionSpec, SubscriptionState
from schemas.admin_units import default_normaliser
from schemas.errors import NotFound

router = APIRouter(prefix="/subscriptions", tags=["subscriptions"])

SubscriptionId = Annotated[str, Path(pattern=SLUG.pattern, description="e.g. hanoi-civil-status")]


def get_checks(settings: SettingsDep, store: StoreDep) -> Checks:
    """Registration checks from settings and the contract registry; tests may override this."""
    return Checks(
        policy=EndpointPolicy.from_settings(settings),
        known_feeds=partial(registered_feed_names, store),
        units=default_normaliser(),
    )


def get_service(store: StoreDep, checks: Annotated[Checks, Depends(get_checks)]) -> SubscriptionService:
    return SubscriptionService(store, checks)


ServiceDep = Annotated[SubscriptionService, Depends(get_service)]


class IssuedOut(BaseModel):
    subscription: Subscription
    secret: str | None = Field(description="the signing secret; shown only in this response")


class RotateSecretBody(RequestBody):
    secret: SigningSecret | None = Field(default=None, description="the new secret; generated when absent")
    overlap_s: float | None = Field(default=None, ge=0, le=30 * 86400, description="default: one day")


class RotatedOut(BaseModel):
    secret: str
    previous_expires_at: datetime | None


def _existing(service: SubscriptionService, subscription_id: str) -> Subscription | None:
    try:
        return service.get(subscription_id)
    except NotFound:  # the store's subscription_not_found
        return None


def _issued(issued: Issued) -> IssuedOut:
    return IssuedOut(subscription=issued.subscription, secret=issued.secret)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_subscription(
    spec: SubscriptionSpec, service: ServiceDep, principal: PrincipalDep, auditor: AuditorDep
) -> IssuedOut:
    spec = await asyncio.to_thread(
        check_subscription_write, service.store, principal, spec, default_normaliser()
    )
    issued = await service.create(spec)
    await asyncio.to_thread(
        auditor.record, "subscription.create", "subscription", spec.id, after=issued.subscription
    )
    return _issued(issued)


@router.get("")
def list_subscriptions(
    service: ServiceDep,
    principal: PrincipalDep,
    owner: str | None = None,
    state: SubscriptionState | None = None,
) -> list[Subscription]:
    found = service.list(owner=owner, state=state)
    return [sub for sub in found if allows(principal, "read", subscription_resource(sub))]


@router.get("/{subscription_id}")
def get_subscription(
    subscription_id: SubscriptionId, service: ServiceDep, principal: PrincipalDep
) -> Subscription:
    check_subscription(service.store, principal, "read", subscription_id)
    return service.get(subscription_id)


@router.put("/{subscription_id}")
async def put_subscription(
    subscription_id: SubscriptionId,
    spec: SubscriptionSpec,
    service: ServiceDep,
    response: Response,
    principal: PrincipalDep,
    auditor: AuditorDep,
) -> IssuedOut:
    if spec.id != subscription_id:
        raise IdMismatch(f"body id {spec.id!r} differs from the path's {subscription_id!r}")
    spec = await asyncio.to_thread(
        check_subscription_write, service.store, principal, spec, default_normaliser()
    )
    before = await asyncio.to_thread(_existing, service, spec.id)
    issued = await service.apply(spec)
    await asyncio.to_thread(
        auditor.record,
        "subscription.apply",
        "subscription",
        spec.id,
        before=before,
        after=issued.subscription,
    )
    response.status_code = status.HTTP_201_CREATED if issued.created else status.HTTP_200_OK
    return _issued(issued)


@router.delete("/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_subscription(
    subscription_id: SubscriptionId, service: ServiceDep, principal: PrincipalDep, auditor: AuditorDep
) -> None:
    check_subscription(service.store, principal, "write", subscription_id)
    before = service.get(subscription_id)
    service.delete(subscription_id)
    auditor.record("subscription.delete", "subscription", subscription_id, before=before)


@router.post("/{subscription_id}/secret/rotate")
def rotate_secret(
    subscription_id: SubscriptionId,
    body: RotateSecretBody,
    service: ServiceDep,
    principal: PrincipalDep,
    auditor: AuditorDep,
) -> RotatedOut:
    check_subscription(service.store, principal, "write", subscription_id)
    issued = service.rotate(subscription_id, secret=body.secret, overlap_s=body.overlap_s)
    auditor.record("subscription.rotate_secret", "subscription", subscription_id, after=issued.subscription)
    assert issued.secret is not None
    return RotatedOut(
        secret=issued.secret, previous_expires_at=issued.subscription.secret_previous_expires_at
    )


@router.post("/{subscription_id}/pause")
def pause_subscription(
    subscription_id: SubscriptionId, service: ServiceDep, principal: PrincipalDep, auditor: AuditorDep
) -> Subscription:
    """Stop delivering (the running hub stops the sink); what arrives meanwhile waits in the feeds."""
    return _set_paused(subscription_id, True, service, principal, auditor)


@router.post("/{subscription_id}/resume")
def resume_subscription(
    subscription_id: SubscriptionId, service: ServiceDep, principal: PrincipalDep, auditor: AuditorDep
) -> Subscription:
    """Deliver again from where it stopped (also after the hub disabled it)."""
    return _set_paused(subscription_id, False, service, principal, auditor)


def _set_paused(
    subscription_id: str, paused: bool, service: SubscriptionService, principal: Principal, auditor: Auditor
) -> Subscription:
    check_subscription(service.store, principal, "write", subscription_id)
    before = service.get(subscription_id)
    after = service.set_paused(subscription_id, paused, by=principal.org)
    action = "subscription.pause" if paused else "subscription.resume"
    auditor.record(action, "subscription", subscription_id, before=before.state, after=after.state)
    return after


@router.post("/{subscription_id}/test-event")
async def test_event(
    subscription_id: SubscriptionId,
    store: StoreDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    auditor: AuditorDep,
) -> ProbeResult:
    """Push one signed test event (type ``vn.gov.hub.test.v1``) now; not retried, not logged."""
    await asyncio.to_thread(check_subscription, store, principal, "write", subscription_id)
    result = await send_test_event(store, settings, subscription_id)
    await asyncio.to_thread(
        auditor.record, "subscription.test_event", "subscription", subscription_id, after=result
    )
    return result
