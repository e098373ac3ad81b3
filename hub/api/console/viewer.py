"""Who is looking at a console page, and whether they may: the console's twin of ``hub.api.auth``.

``signed_in(kind, action)`` is the console's route dependency. It authenticates the session's
API token with the same ``AccessService.authenticate`` as a bearer token (so expiry and
revocation apply at once), then asks the same ``authorize`` the API's routes ask, for the same
kind and action. Handlers then call the API's own handlers, which check the specific resource.
A missing or dead session is not an error page but a redirect to the login page.

``checked_form`` reads a posted form and refuses it (``csrf_token_invalid``, audited like every
refusal) unless it carries the session's CSRF token: SameSite=Strict already keeps other sites'
forms from carrying the cookie; the token also covers older browsers and same-site origins.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Request
from starlette.datastructures import FormData

from hub.access.policy import Action, Resource, allows, authorize
from hub.access.principals import Principal
from hub.api.console import session as sessions
from hub.api.console.session import Session
from hub.services.access import AccessService
from hub.store.base import Store
from schemas.errors import CsrfTokenInvalid, Unauthenticated


class LoginRequired(Exception):  # a control-flow signal (answered by a redirect), not a HubError
    """No signed-in session: the page answers with the login page's address."""


@dataclass(frozen=True)
class Viewer:
    principal: Principal
    session: Session

    @property
    def org(self) -> str:
        return self.principal.org

    @property
    def roles(self) -> str:
        return ", ".join(sorted(self.principal.roles))

    @property
    def sees_ops(self) -> bool:
        """Operators (and admins) see every connector and subscription: the ops pages."""
        return allows(self.principal, "read", Resource("connector", id="*")) and allows(
            self.principal, "read", Resource("subscription", id="*")
        )

    @property
    def sees_subscriptions(self) -> bool:
        """Subscribers (their own) and operators: the portal view."""
        return allows(self.principal, "read", Resource("delivery"))

    @property
    def sees_quarantine(self) -> bool:
        """Operators, and ministries for their own connectors' held changes."""
        return allows(self.principal, "read", Resource("connector"))

    @property
    def sees_audit(self) -> bool:
        return allows(self.principal, "read", Resource("audit", id="*"))

    @property
    def landing(self) -> str:
        """The first page worth showing this viewer."""
        if self.sees_subscriptions:
            return "/console/subscriptions"
        return "/console/ops/quarantine" if self.sees_quarantine else "/console/grants"


def authenticate(store: Store, token: str) -> Principal:
    return AccessService(store).authenticate(token)


def signed_in(kind: str, action: Action) -> Callable[[Request], Awaitable[Viewer]]:
    """A dependency: the signed-in viewer, allowed ``action`` on some ``kind`` (as the API asks)."""

    async def dependency(request: Request) -> Viewer:
        current = sessions.current(request)
        if current.token is None:
            raise LoginRequired
        try:
            principal = await asyncio.to_thread(authenticate, request.app.state.store, current.token)
        except Unauthenticated as exc:
            sessions.remember(request, current.signed_out())
            raise LoginRequired from exc
        request.state.principal = principal  # refusals are audited under this caller
        authorize(principal, action, Resource(kind))
        return Viewer(principal, current)

    return dependency


async def checked_form(request: Request) -> FormData:
    """The posted form, if it carries this session's CSRF token."""
    form = await request.form()
    sent = form.get("csrf")
    expected = sessions.current(request).csrf
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfTokenInvalid("the form is stale or came from another page: reload it and try again")
    return form
