"""Signing in and out, and the language switch: the pages that need no signed-in viewer.

A token is exchanged once for the session cookie (``hub.api.console.session``); a refused token
is answered on the login page with its code and audited as the API audits a refused bearer.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from hub.access import tokens
from hub.access.principals import Principal
from hub.api.console import session as sessions
from hub.api.console.catalogue import language
from hub.api.console.pages import ConsoleRoute, audit_refusal, redirect, render
from hub.api.console.viewer import Viewer, authenticate, checked_form, signed_in
from schemas.errors import HubError, Unauthenticated

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)
Form = Annotated[FormData, Depends(checked_form)]
HOME = "/console"


@router.get("")
def home(request: Request, viewer: Annotated[Viewer, Depends(signed_in("organisation", "read"))]) -> Response:
    """Where a viewer starts: the portal view, a ministry's quarantine, or its grants."""
    return redirect(request, viewer.landing)


@router.get("/login")
def login_page(request: Request) -> Response:
    return render(request, "login.html", None, failed=None)


@router.post("/login")
async def login(request: Request, form: Form) -> Response:
    token = str(form.get("token") or "").strip()
    try:
        await asyncio.to_thread(authenticate, request.app.state.store, token)
    except Unauthenticated as exc:
        request.state.principal = Principal(org="anonymous", roles=frozenset(), token_id=_token_id(token))
        await asyncio.to_thread(audit_refusal, request, exc)
        return render(request, "login.html", None, status_code=exc.status, failed=exc.code)
    sessions.remember(request, sessions.current(request).signed_in(token))
    return redirect(request, HOME)  # which picks the viewer's first page


@router.post("/logout")
def logout(request: Request, form: Form) -> Response:
    sessions.remember(request, sessions.current(request).signed_out())
    return redirect(request, "/console/login")


@router.post("/language")
def switch_language(request: Request, form: Form) -> Response:
    try:
        chosen = language(str(form.get("lang") or ""))
    except ValueError:
        chosen = sessions.current(request).lang
    current = sessions.current(request)
    sessions.remember(request, sessions.Session(current.csrf, chosen, current.token, current.issued_at))
    back = str(form.get("next") or "")
    return redirect(request, back if back.startswith("/console") and "//" not in back else HOME)


def _token_id(token: str) -> str | None:
    try:
        return tokens.parse(token).id
    except HubError:
        return None
