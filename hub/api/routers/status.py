"""``GET /v1/status``: the one-screen ops overview (``hub status``).

Connectors, subscriptions, lag, recent failure rates, unhealthy endpoints and dead-letter
counts, with ``problems`` listing what needs a human (see ``hub.observability.status_view``).
Operators see everything; a subscriber sees its own organisation's subscriptions and no
connectors or workers.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from hub.access.policy import Resource, allows
from hub.api.auth import PrincipalDep
from hub.api.dependencies import SettingsDep, StoreDep
from hub.observability.status_lookup import StatusLookup
from hub.observability.status_view import Overview

router = APIRouter(tags=["status"])


@router.get("/status")
async def status(
    store: StoreDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    window_s: Annotated[
        float, Query(ge=60, le=86_400, description="how far back recent attempts count, in seconds")
    ] = 900,
) -> Overview:
    sees_connectors = allows(principal, "read", Resource("connector", id="*"))

    def subscription_visible(subscription_id: str, owner: str | None) -> bool:
        return allows(principal, "read", Resource("subscription", id=subscription_id, owner=owner))

    return await StatusLookup(store, settings, window_s).overview(
        subscription_visible=subscription_visible,
        connector_visible=lambda _name: sees_connectors,
        workers_visible=sees_connectors,
    )
