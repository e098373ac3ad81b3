"""``/v1/subscriptions``: register, read, replace, delete subscriptions and rotate their secrets.

POST answers 201 with the subscription and its signing secret, the only time the secret is
shown (with a rotation's answer). PUT creates (201, with the secret) or replaces (200). Every
refusal (``unsafe_endpoint``, ``unresolvable_endpoint``, ``unknown_feed``, ``unknown_admin_unit``,
``invalid_input``, ``subscription_exists``) happens before anything is stored.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status
from pydantic import BaseModel, Field

from hub.api.bodies import RequestBody
from hub.api.dependencies import SettingsDep, StoreDep
from hub.delivery.endpoint_safety import EndpointPolicy
from hub.subscriptions.model import SLUG, SigningSecret, Subscription, SubscriptionSpec, SubscriptionState
from hub.subscriptions.service import Checks, Issued, SubscriptionService, registered_feed_names
from schemas.admin_units import default_normaliser
from schemas.errors import InvalidInput

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


class RotateBody(RequestBody):
    secret: SigningSecret | None = Field(default=None, description="the new secret; generated when absent")
    overlap_s: float | None = Field(default=None, ge=0, le=30 * 86400, description="default: one day")


class RotatedOut(BaseModel):
    secret: str
    previous_expires_at: datetime | None


def _issued(issued: Issued) -> IssuedOut:
    return IssuedOut(subscription=issued.subscription, secret=issued.secret)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_subscription(spec: SubscriptionSpec, service: ServiceDep) -> IssuedOut:
    return _issued(await service.create(spec))


@router.get("")
def list_subscriptions(
    service: ServiceDep, owner: str | None = None, state: SubscriptionState | None = None
) -> list[Subscription]:
    return service.list(owner=owner, state=state)


@router.get("/{subscription_id}")
def get_subscription(subscription_id: SubscriptionId, service: ServiceDep) -> Subscription:
    return service.get(subscription_id)


@router.put("/{subscription_id}")
async def put_subscription(
    subscription_id: SubscriptionId, spec: SubscriptionSpec, service: ServiceDep, response: Response
) -> IssuedOut:
    if spec.id != subscription_id:
        raise InvalidInput(
            f"body id {spec.id!r} differs from the path's {subscription_id!r}", code="id_mismatch"
        )
    issued = await service.apply(spec)
    response.status_code = status.HTTP_201_CREATED if issued.created else status.HTTP_200_OK
    return _issued(issued)


@router.delete("/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_subscription(subscription_id: SubscriptionId, service: ServiceDep) -> None:
    service.delete(subscription_id)


@router.post("/{subscription_id}/secret/rotate")
def rotate_secret(subscription_id: SubscriptionId, body: RotateBody, service: ServiceDep) -> RotatedOut:
    issued = service.rotate(subscription_id, secret=body.secret, overlap_s=body.overlap_s)
    assert issued.secret is not None
    return RotatedOut(
        secret=issued.secret, previous_expires_at=issued.subscription.secret_previous_expires_at
    )
