"""Every refusal of access (401 and 403) is logged and audited: who, what, why.

Refusals come from many places (authentication, the route-level policy, a handler's ownership
or grant check); all of them leave through this one exception handler, so none is missed. The
audit entry has the action ``access.refused``, the route's kind of resource, ``METHOD /path`` as
the resource, and ``{code, status, reason}`` after; the actor is the caller's organisation, or
``anonymous`` with the presented token's id (never its secret) when authentication failed. A
refusal is answered even when the audit cannot be written (that failure is logged).
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI, Request
from starlette.responses import Response

from hub.access import tokens
from hub.access.principals import Principal
from hub.api.auth import route_kind
from hub.api.problems import problem_response
from hub.services.audit import Auditor
from schemas.errors import AccessDenied, HubError

log = logging.getLogger("hub.access")
ACTION = "access.refused"


def _caller(request: Request) -> Principal:
    """The authenticated caller, or ``anonymous`` naming the token id it presented, if any."""
    principal = getattr(request.state, "principal", None)
    if isinstance(principal, Principal):
        return principal
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    token_id = None
    if scheme.lower() == "bearer":
        try:
            token_id = tokens.parse(credential.strip()).id
        except HubError:
            token_id = None
    return Principal(org="anonymous", roles=frozenset(), token_id=token_id)


def _audit(request: Request, caller: Principal, refused: AccessDenied) -> None:
    store = getattr(request.app.state, "store", None)
    if store is None:
        return
    what = f"{request.method} {request.url.path}"
    after = {"code": refused.code, "status": refused.status, "reason": refused.message}
    try:
        Auditor(store, caller).record(ACTION, route_kind(request), what, after=after)
    except Exception:  # the refusal stands whatever happens to its record
        log.exception("could not audit a refusal of %s: %s", caller.label, what)


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AccessDenied)
    caller = _caller(request)
    log.warning(
        "refused %s %s to %s: %s (%s)",
        request.method,
        request.url.path,
        caller.label,
        exc.code,
        exc.message,
        extra={"principal": caller.org, "denial_code": exc.code},
    )
    await asyncio.to_thread(_audit, request, caller, exc)
    challenge = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None  # RFC 6750
    return problem_response(exc, headers=challenge)


def install(app: FastAPI) -> None:
    """Register the handler (it takes precedence over the generic one for ``HubError``)."""
    app.add_exception_handler(AccessDenied, _refused)


__all__ = ["ACTION", "install"]
