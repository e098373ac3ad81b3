"""Authentication and the route-level authorisation of every ``/v1`` request.

``authenticate`` is attached to every ``/v1`` router by the app factory. It reads the bearer
token (``Authorization: Bearer hub_...``; the OpenAPI document declares the scheme), turns it
into a ``Principal`` (401 ``unauthenticated`` / ``invalid_token`` / ``token_expired`` /
``token_revoked``), then asks the one policy function whether the caller's roles allow the
route's action on the route's kind of resource (403 ``role_missing``), before the handler runs.
Handlers then check the specific resource (ownership, domains, grants) with the same function.

The route's kind comes from its router's first tag (``KIND_OF_TAG``), its action from the
method: reads for GET/HEAD, ``replay`` for POSTs to a ``.../replay`` or ``.../redeliver`` path,
``write`` otherwise. A tag that maps to no kind is refused to all but admins.

With ``auth_enabled`` false (tests of other areas only) every caller is an admin named
``system:auth-disabled``, and a warning says so at startup.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hub.access.policy import Action, Resource, authorize
from hub.access.principals import Principal
from hub.api.dependencies import SettingsDep, StoreDep
from hub.services.access import AccessService
from hub.services.audit import Auditor
from hub.settings import Settings
from hub.store.base import Store
from schemas.errors import Unauthenticated

log = logging.getLogger("hub.access")

KIND_OF_TAG = {
    "contracts": "contract",
    "connectors": "connector",
    "quarantine": "connector",  # held changes are their connector's; handlers check which one
    "subscriptions": "subscription",
    "deliveries": "delivery",
    "trace": "delivery",  # an event's path is its deliveries' story
    "status": "delivery",  # the overview; its handler narrows it to what the caller may read
    "orgs": "organisation",
    "tokens": "token",
    "grants": "grant",
    "audit": "audit",
}
REPLAY_SEGMENTS = frozenset({"replay", "redeliver"})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
AUTH_DISABLED = Principal(org="system:auth-disabled", roles=frozenset({"admin"}))

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="An API token: `Authorization: Bearer hub_<id>_<secret>` (`hub tokens create`).",
)


async def authenticate(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller, authenticated and allowed this route; cached per request by FastAPI."""
    if not settings.auth_enabled:
        principal = AUTH_DISABLED
    elif credentials is None:
        log.warning("authentication failed: no bearer token (%s %s)", request.method, request.url.path)
        raise Unauthenticated("a bearer token is required (Authorization: Bearer hub_...)")
    else:
        principal = await asyncio.to_thread(_principal, store, credentials.credentials, request)
    request.state.principal = principal
    authorize(principal, route_action(request), Resource(route_kind(request)))
    return principal


def _principal(store: Store, bearer_token: str, request: Request) -> Principal:
    try:
        return AccessService(store).authenticate(bearer_token)
    except Unauthenticated as exc:
        log.warning("authentication failed: %s (%s %s)", exc.code, request.method, request.url.path)
        raise


def route_kind(request: Request) -> str:
    route = request.scope.get("route")
    tags = list(getattr(route, "tags", None) or [])
    tag = str(tags[0]) if tags else ""
    return KIND_OF_TAG.get(tag, f"unmapped:{tag}")


def route_action(request: Request) -> Action:
    if request.method in READ_METHODS:
        return "read"
    route = request.scope.get("route")
    last_segment = str(getattr(route, "path", request.url.path)).rstrip("/").rsplit("/", 1)[-1]
    return "replay" if last_segment in REPLAY_SEGMENTS else "write"


PrincipalDep = Annotated[Principal, Depends(authenticate)]


def get_auditor(store: StoreDep, principal: PrincipalDep) -> Auditor:
    """The audit trail bound to this request's caller."""
    return Auditor(store, principal)


AuditorDep = Annotated[Auditor, Depends(get_auditor)]


def v1_dependencies(settings: Settings) -> list[Any]:
    """What the app factory attaches to every /v1 router (and the warning when auth is off)."""
    if not settings.auth_enabled:
        log.warning("HUB_AUTH_ENABLED is false: every API caller is an admin; never do this in production")
    return [Depends(authenticate)]
