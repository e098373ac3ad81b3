"""The console's session cookie: which token signed in, the CSRF secret and the chosen language.

The cookie is sealed with the hub's own Fernet key ring (the ``SecretBox`` that encrypts secrets
at rest, handed over by the app factory): authenticated *and* encrypted, so it can be neither
forged nor read, and the API token inside never shows in the browser. It is ``HttpOnly``,
``SameSite=Strict``, ``Secure`` when the console is served over HTTPS, scoped to ``/console``,
and stops being accepted ``SESSION_MAX_AGE_S`` after sign-in whatever the browser keeps. The
token is authenticated again on every request, so a revoked or expired token ends the session.

A visitor who has not signed in still gets a session (no token): it carries the CSRF secret of
the login form and the language switch.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, replace
from typing import Protocol

from starlette.requests import Request
from starlette.responses import Response

from hub.api.console.catalogue import DEFAULT_LANGUAGE, Language, language
from schemas.errors import HubError

COOKIE = "hub_console"
COOKIE_PATH = "/console"
SESSION_MAX_AGE_S = 8 * 3600


class Sealer(Protocol):
    """Authenticated encryption of text (``hub.store.crypto.SecretBox``)."""

    def encrypt(self, plaintext: str) -> str: ...

    def decrypt(self, token: str) -> str: ...


@dataclass(frozen=True)
class Session:
    csrf: str
    lang: Language = DEFAULT_LANGUAGE
    token: str | None = None
    issued_at: float = 0.0

    @classmethod
    def fresh(cls, lang: Language = DEFAULT_LANGUAGE) -> Session:
        return cls(csrf=secrets.token_urlsafe(32), lang=lang, issued_at=time.time())

    def signed_in(self, token: str) -> Session:
        """A new CSRF secret and clock at sign-in, so nothing from before it carries over."""
        return replace(Session.fresh(self.lang), token=token)

    def signed_out(self) -> Session:
        return Session.fresh(self.lang)

    def expired(self, now: float) -> bool:
        return now - self.issued_at > SESSION_MAX_AGE_S


def seal(sealer: Sealer, session: Session) -> str:
    document = {"c": session.csrf, "l": session.lang, "t": session.token, "i": session.issued_at}
    return sealer.encrypt(json.dumps(document))


def unseal(sealer: Sealer, value: str | None, now: float | None = None) -> Session | None:
    """The session in a cookie, or None when absent, forged, sealed by another key or too old."""
    if not value:
        return None
    try:
        document = json.loads(sealer.decrypt(value))
        session = Session(
            csrf=str(document["c"]),
            lang=language(str(document["l"])),
            token=None if document["t"] is None else str(document["t"]),
            issued_at=float(document["i"]),
        )
    except (HubError, ValueError, KeyError, TypeError):
        return None
    return None if session.expired(time.time() if now is None else now) else session


def current(request: Request) -> Session:
    """This request's session; a fresh anonymous one when the cookie gives none."""
    found = getattr(request.state, "console_session", None)
    if isinstance(found, Session):
        return found
    session = unseal(request.app.state.console_sealer, request.cookies.get(COOKIE)) or Session.fresh()
    request.state.console_session = session
    return session


def remember(request: Request, session: Session) -> None:
    """Make ``session`` the one the response will carry."""
    request.state.console_session = session


def store_cookie(request: Request, response: Response) -> None:
    """Write this request's session into ``response`` (every console page does)."""
    sealed = seal(request.app.state.console_sealer, current(request))
    response.set_cookie(
        COOKIE,
        sealed,
        max_age=SESSION_MAX_AGE_S,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
